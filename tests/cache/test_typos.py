"""Typos mended between two questions, and the shared reading, with the shipped judge's vocabulary."""

from __future__ import annotations

import pytest

from ragfort.cache import compare, question_features
from ragfort.cache.equivalence import TASK, judge_speller, judge_vocabulary
from ragfort.cache.typos import Speller, mend, reading, readings, respelt
from ragfort.judges import MODELS_DIR
from ragfort.text import words

VOCABULARY = judge_vocabulary(MODELS_DIR / TASK)
STORED = "How long does a replacement SIM take to arrive?"


def test_the_vocabulary_is_the_judges_whole_words() -> None:
    assert {"replacement", "store", "stone", "tablet", "table"} <= VOCABULARY
    assert "replacment" not in VOCABULARY and "##ing" not in VOCABULARY


@pytest.mark.parametrize(
    ("asked", "mended"),
    [
        ("how long does a replacment sim take to arrive", "how long does a replacement sim take to arrive"),
        ("How long does a replacemnet SIM take to arrive?", "How long does a replacement SIM take to arrive?"),
        ("How long does a replaceement SIM take to arrive?", "How long does a replacement SIM take to arrive?"),
    ],
)
def test_a_dropped_added_or_swapped_letter_is_mended_to_the_known_word(asked: str, mended: str) -> None:
    assert mend(STORED, asked, VOCABULARY) == (STORED, mended)
    assert mend(asked, STORED, VOCABULARY) == (mended, STORED)  # whichever side holds the typo


def test_the_rules_read_the_mended_texts_as_the_same_question() -> None:
    asked = "how long does a replacment sim take to arrive"
    assert not compare(question_features(asked), question_features(STORED)).same_meaning  # a swapped word
    stored, mended = mend(STORED, asked, VOCABULARY) or (STORED, asked)
    assert compare(question_features(mended), question_features(stored)).same_meaning


@pytest.mark.parametrize(
    ("stored", "asked"),
    [
        ("Can I get a replacement SIM in a store?", "Can I get a replacement SIM in a stone?"),  # both are words
        ("Can I insure my tablet?", "Can I insure my table?"),  # both are words
        ("Can I pay my bill by post?", "Can I pay my bill by pust?"),  # shorter than five letters, one replaced
        ("How do I pay in a cheque?", "How do I pay in cheques?"),  # two forms of one word
        ("How do I add an eSIM?", "How do I add a SIM?"),
        ("What are the pionts worth?", "What are the points and pints worth?"),  # two partners: which one?
        (STORED, STORED),
    ],
)
def test_words_that_are_not_one_typo_apart_are_left_alone(stored: str, asked: str) -> None:
    assert mend(stored, asked, VOCABULARY) is None


def test_a_replaced_letter_in_a_long_word_is_mended() -> None:
    assert mend("How much notice do I need to give?", "how much notise do i need to give", VOCABULARY) == (
        "How much notice do I need to give?",
        "how much notice do i need to give",
    )


def test_a_short_word_is_mended_only_when_it_is_a_known_word_with_a_letter_left_out() -> None:
    assert mend("How much are paper bills?", "how much are papper bils", VOCABULARY) == (
        "How much are paper bills?",
        "how much are paper bills",
    )
    assert "fle" not in VOCABULARY and mend("Can I file a claim?", "can i fle a claim", VOCABULARY) is not None
    # A known short word beside an unknown longer one is left alone: "esim" is not "sim" misspelt.
    assert mend("How do I add an eSIM?", "How do I add an SIM?", VOCABULARY) is None


def test_a_pair_of_unknown_words_takes_the_longer_spelling() -> None:
    assert mend("Where is my voicemail pascode?", "Where is my voicemail passcode?", VOCABULARY) == (
        "Where is my voicemail passcode?",
        "Where is my voicemail passcode?",
    )


def test_the_reading_drops_courtesy_case_punctuation_and_spacing() -> None:
    assert reading("Hi team, can I change my PIN   in the app? Thanks a lot") == "can i change my pin in the app"
    assert reading("Can I change my PIN in the app?") == "can i change my pin in the app"
    assert reading("What’s my PIN?") == reading("what's my pin") != reading("What is my PIN?")
    assert reading("How do I turn on roaming?") != reading("How do I turn off roaming?")


@pytest.mark.parametrize(
    ("fronted", "plain"),
    [
        ("On Fibre 150, what's the average upload speed?", "What's the average upload speed on Fibre 150?"),
        ("If I decline a paid repair quote, is the diagnostic fee refunded?",
         "Is the diagnostic fee refunded if I decline a paid repair quote?"),
        ("Hi, after the grace period ends, can I still reinstate my policy? Thanks",
         "Can I still reinstate my policy after the grace period ends?"),
    ],
)  # fmt: skip
def test_a_fronted_phrase_moved_to_the_end_is_one_reading(fronted: str, plain: str) -> None:
    assert readings(fronted) & readings(plain)
    assert reading(plain) in readings(plain) and len(readings(plain)) == 1


@pytest.mark.parametrize(
    ("stored", "asked"),
    [
        # The words keep their order inside each part: the swapped nouns stay apart.
        ("In a dog carrier, can my cat fly in the cabin?", "Can my dog fly in the cabin in a cat carrier?"),
        # Only a phrase opening with a preposition or a subordinating word moves; "Yes," or a name does not.
        ("Voltwise, can I pay by card?", "Can I pay by card Voltwise?"),
        # A phrase moved inside the question is not at its end.
        ("Into a Regular Saver, how much can I pay each month?", "How much can I pay into a Regular Saver each month?"),
        ("If I cancel, do I get a refund?", "Do I get a refund if I upgrade?"),
    ],
)  # fmt: skip
def test_other_word_orders_are_not_one_reading(stored: str, asked: str) -> None:
    assert not readings(stored) & readings(asked)


CORPUS = (
    "Customer service is open 8am to 8pm, Monday to Saturday. Paper bills cost 1.50 a month. Points and pints. "
    "You can book up to 12 weeks in advance. Our store in Chermside is open on Saturdays. Your PayPal account. "
    "Pick a table."
)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("can i call customer servce on a sunday", "can i call customer service on a sunday"),
        ("How much are paper bils?", "How much are paper bills?"),
        ("Is custmoer service open on Saturday?", "Is customer service open on Saturday?"),
        ("How far in advaance can I book?", "How far in advance can I book?"),  # a letter doubled
        ("what time does chermside open on satudays", "what time does chermside open on saturdays"),
        ("Is CUSTMOER service open?", "Is CUSTMOER service open?"),  # capitals: an acronym, never respelt
        ("My SSN is <US_SSN>, bils?", "My SSN is <US_SSN>, bills?"),  # nor a placeholder
        ("the customer's bils", "the customer's bills"),
        ("the bill's gone up", "the bill's gone up"),  # nor a word with an apostrophe ("bills" is a typo away)
        ("it hasnt come, whats next", "it hasn't come, what's next"),  # a contraction without its apostrophe
        ("Custmoer service hours?", "Customer service hours?"),
        ("Is customer service open on Saturday?", "Is customer service open on Saturday?"),
        ("What are the pionts worth?", "What are the pionts worth?"),  # "points" or "pints"? left alone
        ("Is my tablet covered?", "Is my tablet covered?"),  # a word of the vocabulary is never respelt ("table")
        ("Can I pay with paypal?", "Can I pay with paypal?"),  # a word of the corpus is never respelt
        ("How much is a replacment card?", "How much is a replacment card?"),  # nothing in the corpus a typo away
    ],
)
def test_a_question_is_respelt_as_the_corpus_spells_the_word_meant(typed: str, read: str) -> None:
    corpus = words(CORPUS)
    assert respelt(typed, corpus | VOCABULARY, Speller(corpus)) == read


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("Should he have seen a dentist alreeady?", "Should he have seen a dentist already?"),
        ("are you preferred proivders", "are you preferred providers"),
        ("can i call customer servce", "can i call customer service"),  # the corpus's word comes first
        ("How far in advnce can I book?", "How far in advance can I book?"),  # the corpus settles "advice"/"advance"
        ("Is the pionts total right?", "Is the pionts total right?"),  # the corpus has "points" and "pints"
        ("Can I book at Chermside?", "Can I book at Chermside?"),
    ],
)
def test_a_word_the_corpus_has_nothing_near_is_respelt_from_the_vocabulary(typed: str, read: str) -> None:
    corpus = words(CORPUS)
    assert respelt(typed, corpus | VOCABULARY, Speller(corpus), judge_speller(MODELS_DIR / TASK)) == read


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("what time is checkin", "what time is check-in"),  # not "checking", a typo away
        ("Checkin time?", "Check-in time?"),
        ("is there free wifi in the rooms", "is there free wi-fi in the rooms"),
        ("can I check in early", "can I check in early"),  # written apart: nothing to read
        ("are you open for checking coats", "are you open for checking coats"),  # a word of the corpus
    ],
)
def test_a_word_typed_closed_up_is_read_as_the_corpus_hyphenates_it(typed: str, read: str) -> None:
    corpus = words(CORPUS + " Check-in is from 3pm; free Wi-Fi. We are checking coats.")
    joined = {"checkin": "check-in", "wifi": "wi-fi"}
    assert respelt(typed, corpus | VOCABULARY, Speller(corpus), compounds=joined) == read
    # Without the compounds, "checkin" is a typo of the corpus's "checking".
    assert respelt("what time is checkin", corpus | VOCABULARY, Speller(corpus)) == "what time is checking"


def test_the_vocabulary_never_respells_a_known_word_with_a_common_ending_or_a_short_word() -> None:
    corpus = words(CORPUS)
    fallback = judge_speller(MODELS_DIR / TASK)
    assert fallback.near("responder") and fallback.near("exp")  # each is a typo away from a vocabulary word
    for typed in ("Is there a first responder discount?", "card exp 09/28", "is the clifs of moher open"):
        assert respelt(typed, corpus | VOCABULARY, Speller(corpus), fallback) == typed


def test_the_corpus_words_read_plain_and_typographic_apostrophes_alike() -> None:
    assert words("Customer’s bills, CUSTOMER's") == {"customer's", "bills"}


def test_the_speller_finds_each_typo_kind_and_never_two_forms_of_one_word() -> None:
    speller = Speller({"address", "addresses", "advance", "store", "stone", "bills"})
    assert speller.near("adress") == {"address"}
    assert speller.near("addresss") == {"address"}
    assert speller.near("addrses") == {"address"}
    assert speller.near("addresess") == {"addresses"}  # two typos from "address"
    assert speller.near("stoer") == {"store"}
    assert speller.near("stote") == {"store", "stone"}  # both are a typo away: respelt leaves it
    assert speller.near("bils") == {"bills"}
    assert speller.near("address") == set()


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("Can I prepay my bill?", "Can I prepay my bill?"),  # "repay" is a typo away in the corpus; "prepay" is English
        ("the plumber plugged the pipe", "the plumber plugged the pipe"),
        ("is it mould in the pipes", "is it mould in the pipes"),
        ("How much are paper bils?", "How much are paper bills?"),  # a typo is still respelt: "bils" is no plural
        ("can i call customer servce", "can i call customer service"),
    ],
)
def test_an_english_word_is_never_respelt_into_the_corpus(typed: str, read: str) -> None:
    from ragfort.cache.english import english_words

    corpus = words(CORPUS + " Repay it. Plunged into cold. A lumber yard. Could be.")
    english = english_words()
    assert english  # the spaCy model package is a dependency
    assert respelt(typed, corpus | VOCABULARY, Speller(corpus), english=english) == read
    if typed.startswith("Can I prepay"):  # without the lexicon the corpus's "repay" was read
        assert respelt(typed, corpus | VOCABULARY, Speller(corpus)) == "Can I repay my bill?"


def test_an_english_looking_form_is_respelt_when_the_corpus_doubles_its_letter() -> None:
    from ragfort.cache.english import english_words

    corpus = words("Recurring payments are taken monthly.")
    assert respelt("cancel a recuring payment", corpus | VOCABULARY, Speller(corpus), english=english_words()) == (
        "cancel a recurring payment"
    )


def test_accented_words_are_read_as_the_corpus_spells_them_and_kept_as_typed() -> None:
    corpus = words("Ostara Gràcia has no car park. Complaints go in the Reclamações book. Customer service.")
    assert {"gracia", "reclamacoes"} <= corpus  # one word each, accents folded, not "gr" and "cia"
    typed = "Is custmoer servce at Ostara Gràcia good? Where's the Reclamações book, and gracia's?"
    read = "Is customer service at Ostara Gràcia good? Where's the Reclamações book, and gracia's?"
    assert respelt(typed, corpus | VOCABULARY, Speller(corpus)) == read
