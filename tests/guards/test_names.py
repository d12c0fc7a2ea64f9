"""Names a question types that the help center never uses (`ragfort.guards.names`)."""

from __future__ import annotations

import pytest

from ragfort.guards.names import CALENDAR_WORDS, PLACE_PREPOSITIONS, unknown_names
from ragfort.text import word_pairs

_WORDS = "voltwise one care plus store stores day app pack entertainment tv wi fi the a link my to in how do i is"
CORPUS = frozenset(_WORDS.split())


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("How do I link my Shopify store to Voltwise?", ("Shopify",)),
        ("Is Sky Atlantic in the TV Entertainment pack?", ("Sky Atlantic",)),  # a run; "Entertainment" is known
        ("Can I use the app on my Apple Watch and my Garmin?", ("Apple Watch", "Garmin")),
        ("Does Netflix come with Care Plus? And does Netflix work abroad?", ("Netflix",)),  # each name once
        ("Is the Voltwise One in stores? What about the Voltwise Zen?", ("Voltwise Zen",)),  # one unknown word
        ("What’s the price of the Zorbix add-on?", ("Zorbix",)),  # typographic apostrophe before it
    ],
)
def test_a_capitalised_run_with_a_word_the_corpus_lacks_is_a_name(question: str, names: tuple[str, ...]) -> None:
    assert unknown_names(question, CORPUS) == names


@pytest.mark.parametrize(
    "question",
    [
        "Shopify: can I link it?",  # the first word of the question
        "I have a store. Shopify sells there. Can I link it?",  # the first word of a sentence
        "Is the VAT or the SOS mode covered?",  # acronyms
        "Does the TV box do 4K?",  # a letter inside a run of digits
        "Are stores open on Christmas Day or in March?",  # calendar words; "Day" is a corpus word
        "Will my app work while roaming in Italy or on a flight to New York?",  # places after a preposition
        "I'm moving, I’ve asked twice: I'd like the app.",  # "I" and its contractions
        "Hi, I'm <PERSON_1>, how do I link my store?",  # a placeholder is nobody's name here
        "Is Voltwise's Wi-Fi in the Voltwise One app?",  # a possessive and a hyphenated word, all known
        "how do i link my shopify store",  # typed in lower case: nothing tells a name
    ],
)
def test_what_is_not_a_name_or_is_known(question: str) -> None:
    assert unknown_names(question, CORPUS) == ()


def test_known_words_the_corpus_never_writes_side_by_side_make_a_name_given_its_pairs() -> None:
    pairs = word_pairs("The Voltwise One has a smart-watch strap. Care Plus covers it. Visit a store today.")
    question = "How much is the Voltwise Watch, and is the Voltwise One covered by Care Plus?"
    assert unknown_names(question, CORPUS | {"watch"}) == ()  # every word is a corpus word
    assert unknown_names(question, CORPUS | {"watch"}, pairs) == ("Voltwise Watch",)
    assert unknown_names("Is the Voltwise Stores app free?", CORPUS, word_pairs("Voltwise store app")) == ()


def test_the_word_lists_hold_what_the_rule_leaves_out() -> None:
    assert {"december", "sundays", "christmas"} <= CALENDAR_WORDS
    assert {"in", "to", "from", "near"} <= PLACE_PREPOSITIONS
    # A name after a preposition that is not a place's is still read: "into Xero" names a product.
    assert unknown_names("Can I import the export straight into Xero?", CORPUS) == ("Xero",)


def test_accented_names_are_read_as_the_corpus_writes_them_and_given_as_typed() -> None:
    known = frozenset(["parking", "at", "ostara", "gracia", "in", "malaga", "or", "is", "there"])
    pairs = word_pairs("Parking at Ostara Gràcia is free.")
    assert unknown_names("Is there parking at Ostara Gràcia or Ostara Gracia?", known, pairs) == ()
    # Given as typed: a pair the corpus never writes, and a word it lacks.
    assert unknown_names("Does Ostara Zürich have parking?", known | {"zurich"}, pairs) == ("Ostara Zürich",)
    assert unknown_names("Does Ostara Zürich have parking?", known) == ("Ostara Zürich",)
