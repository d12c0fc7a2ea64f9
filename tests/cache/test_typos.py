"""Typos mended between two questions, and the shared reading, with the shipped judge's vocabulary."""

from __future__ import annotations

import pytest

from ragfort.cache import compare, question_features
from ragfort.cache.equivalence import TASK, judge_vocabulary
from ragfort.cache.typos import mend, reading, readings
from ragfort.judges import MODELS_DIR

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
