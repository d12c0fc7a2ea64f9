"""A PERSON span of a customer's question that is a name the help center writes: kept; a person's name: redacted."""

from __future__ import annotations

import pytest

from ragfort.pii.vocabulary import corpus_term, published_contact
from ragfort.text import CorpusVocabulary, corpus_vocabulary

_CORPUS = """# Cover options

Cover Max takes your excess to zero. Cover Plus halves it. Windscreen and glass damage is covered on Cover Max.
At Shannon Airport and Kerry Airport the desk opens at 07:00. Earn Skylark Miles on every hire.
Flexi Season tickets are for people who travel a few days a week. Delay Repay pays out for late trains.
Pick up a gift card at any Brightwater branch. Ask at the desk for a Railcard discount.
Members on Gold get lounge access. Max and Kerry at the desk can help.
"""
VOCAB = corpus_vocabulary([_CORPUS])


def _term(text: str, span: str) -> bool:
    start = text.index(span)
    return corpus_term(text, start, start + len(span), VOCAB)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("if I decline the CDW can I still buy cover max", "max"),  # a given name beside the word the corpus puts there
        ("does cover max cover windscreen damage", "max cover windscreen damage"),  # lower-case run the model took
        ("How do I earn Skylark Miles?", "Skylark Miles"),  # the corpus writes the pair
        ("can i collect at kerry airport after 9pm", "kerry"),
        ("how many days are left on my flexi season", "season"),
        ("Is there a Brightwater branch near me?", "Brightwater"),  # a name of the corpus's own, no given name
        ("How much off with a Railcard?", "Railcard"),
        ("I'm Gold - can I use the lounge?", "Gold"),  # after "I'm", a status the help center names
        ("my flight gets into kerry at 9pm", "kerry"),  # a place the help center names, after "into"
        ("Gift cards can't be swapped for cash.", "Gift"),  # a sentence's first word: its capital says nothing
        ("Yes. Gift cards are sold at the desk.", "Gift"),
        ("Dear Brightwater, how long does a switch take?", "Brightwater"),  # the help center greeted
        ("Thanks. Hi Brightwater team, one more question", "Brightwater"),
    ],
)
def test_names_the_help_center_writes_are_not_people(text: str, span: str) -> None:
    assert _term(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Hi, I'm Max, does cover max cover tyres?", "Max"),  # a name cue before it
        ("My name is Kerry and my card was charged twice", "Kerry"),
        ("Max here, was I charged twice?", "Max"),  # "here" is no content word the corpus writes after it
        ("Max asked about a gift card.", "Max"),  # a given name opening a sentence stays a name
        ("Hi Max, thanks for the help", "Max"),  # a greeted given name is a person
        ("Dear Gift, thanks for the help", "Gift"),  # a greeted word the corpus never capitalises is a person
        ("I said hi Brightwater and left", "Brightwater"),  # no greeting opening the message or a sentence
        ("the night porter, Mark, was rude to my wife", "Mark"),  # a given name, commas on both sides
        ("Your agent Gift at the desk was very helpful", "Gift"),  # the corpus writes "gift" in lower case only
        ("Ask Max Brown to call me back", "Max Brown"),  # a full name the corpus never writes
        ("Noé will pick the car up tonight", "Noé"),  # no ASCII fold: "Noé" is not the corpus's "no"
        ("please ask siobhan about my refund", "siobhan"),  # not a word of the corpus
        ("I'm Kerry, can I use the lounge?", "Kerry"),  # a given name after "I'm", though the corpus capitalises it
        ("My name is Gold and I want a refund", "Gold"),  # "my name is" introduces a name whatever the word
        ("I spoke to Kerry at the desk", "Kerry"),  # "to" may well be followed by a person
        ("is the booking in Kerry's name", "Kerry"),  # a possessive after "in" is a person's
    ],
)
def test_people_stay_people(text: str, span: str) -> None:
    assert not _term(text, span)


def test_an_empty_corpus_reads_nothing_as_its_name() -> None:
    empty = CorpusVocabulary(frozenset(), frozenset(), frozenset())
    text = "does cover max cover windscreen damage"
    assert not corpus_term(text, text.index("max"), text.index("max") + 3, empty)


def test_a_phone_or_e_mail_the_public_corpus_prints_is_the_help_centers_own() -> None:
    printed = "Call 0345 712 3400 or write to claims@wrenfield.ie."
    vocabulary = corpus_vocabulary([printed], public=[printed])
    assert published_contact("PHONE_NUMBER", "0345-712-3400", vocabulary)
    assert published_contact("EMAIL_ADDRESS", "Claims@Wrenfield.ie", vocabulary)
    assert not published_contact("PHONE_NUMBER", "0345 712 3401", vocabulary)
    assert not published_contact("EMAIL_ADDRESS", "ciara@wrenfield.ie", vocabulary)
    assert not published_contact("STREET_ADDRESS", "0345 712 3400", vocabulary)  # only phones and e-mails
    assert not published_contact("PHONE_NUMBER", "0345 712 3400", corpus_vocabulary([printed]))  # not published


def test_a_name_the_corpus_writes_with_accents_is_its_own_typed_with_or_without_them() -> None:
    vocabulary = corpus_vocabulary(["Ostara Gràcia has no car park, but Ostara Chiado has valet parking."])
    for text in ["Is there parking at Ostara Gràcia?", "is there parking at ostara gracia"]:
        start = text.lower().index("ostara")
        assert corpus_term(text, start, start + len("ostara gracia"), vocabulary)
    text = "Hi, I'm Gràcia Puig, is there parking?"  # a name cue: still a person
    assert not corpus_term(text, 8, 19, vocabulary)
