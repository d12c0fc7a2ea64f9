"""The given-name lexicon: the census lists and ragfort's world list, less ordinary words."""

from __future__ import annotations

import importlib.util

import pytest

from ragfort.pii import lexicon


def test_the_lexicon_joins_both_lists_and_drops_ordinary_words() -> None:
    names = lexicon.given_names()
    assert {"margaret", "oliver"} <= names  # census
    assert {"siobhan", "oisin", "mehmet"} <= names  # world list
    assert not names & lexicon.COMMON_WORDS
    assert not names & lexicon.stop_words()
    assert {"son", "daughter", "nan"} <= lexicon.COMMON_WORDS  # relatives are words, not names


def test_without_the_names_package_the_world_list_still_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "names" else real(name, *a))
    lexicon.given_names.cache_clear()
    lexicon.any_given_names.cache_clear()
    try:
        names = lexicon.given_names()
        assert "siobhan" in names and "margaret" not in names
    finally:
        lexicon.given_names.cache_clear()
        lexicon.any_given_names.cache_clear()


def test_any_given_names_keeps_the_ordinary_words_that_given_names_leaves_out() -> None:
    from ragfort.pii.lexicon import COMMON_WORDS, any_given_names, given_names

    every = any_given_names()
    assert given_names() == every - COMMON_WORDS
    assert {"mark", "summer"} <= every  # census names that are also ordinary words
    assert not {"mark", "summer"} & given_names()


def test_the_common_surnames_are_the_census_list_head() -> None:
    surnames = lexicon.common_surnames()
    assert len(surnames) == lexicon.COMMON_SURNAMES
    assert {"smith", "hamilton", "wells"} <= surnames  # ranks 1, 103, 124
    assert "kilkenny" not in surnames  # rank 15,161
