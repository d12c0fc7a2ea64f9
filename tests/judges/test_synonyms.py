"""The perturbation word lists: every rule compiles and rewrites what it is written for, and the tables agree."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from ragfort.judges import synonyms as syn

_GROUP_REF = re.compile(r"\\(\d+)")


def _apply(rules: Sequence[tuple[str, str]], sentence: str) -> list[str]:
    """Every rewrite of `sentence` by one rule of `rules` (first match only, as the generator does)."""
    return [re.sub(p, r, sentence, count=1) for p, r in rules if re.search(p, sentence)]


@pytest.mark.parametrize(
    "rules",
    [
        [(p, r) for p, reps in syn.PARAPHRASES for r in reps],
        list(syn.FLIPS),
        list(syn.QUANTIFIERS_TO_ALL),
        [(p, "") for p in syn.FREE_DROPS],
        [(p, phrase) for _, p, phrase in syn.CHANNELS],
    ],
    ids=["paraphrases", "flips", "quantifiers", "free_drops", "channels"],
)
def test_every_pattern_compiles_and_uses_only_groups_it_has(rules: list[tuple[str, str]]) -> None:
    for pattern, replacement in rules:
        groups = re.compile(pattern).groups
        assert all(int(n) <= groups for n in _GROUP_REF.findall(replacement)), (pattern, replacement)


def test_paraphrases_keep_time_frames_and_leave_other_uses_alone() -> None:
    paraphrase = [(p, reps[0]) for p, reps in syn.PARAPHRASES]
    assert "You can return it in under 14 days." in _apply(paraphrase, "You can return it within 14 days.")
    # "within 14 days of delivery" counts from an event: "in under" would change what it says.
    assert not any("in under" in s for s in _apply(paraphrase, "Report it within 14 days of delivery."))
    assert "Refunds are sent back to the card." in _apply(paraphrase, "Refunds are returned to the card.")


def test_flips_reverse_a_claim_without_doubling_a_negation() -> None:
    assert _apply(syn.FLIPS, "You can cancel online.") == ["You cannot cancel online."]
    assert _apply(syn.FLIPS, "You can still cancel online.") == ["You can no longer cancel online."]
    flipped = _apply(syn.FLIPS, "Shipping is not free.")
    assert "Shipping is free." in flipped and "Shipping is not not free." not in flipped
    # "{an}" is left for the generator to fill with "a" or "an" to suit the next word.
    assert _apply(syn.FLIPS, "There is no restocking fee.") == ["There is {an} restocking fee."]


def test_word_flips_come_in_pairs() -> None:
    plain = {m.group(1): r for p, r in syn.FLIPS if (m := re.fullmatch(r"\\b([a-z]+)\\b", p))}
    pairs = [("before", "after"), ("always", "never"), ("earlier", "later"), ("higher", "lower"),
             ("first", "last"), ("starts", "ends"), ("automatically", "manually"), ("minimum", "maximum"),
             ("required", "optional"), ("available", "unavailable"), ("including", "excluding")]  # fmt: skip
    for word, opposite in pairs:
        assert (plain[word], plain[opposite]) == (opposite, word)
    assert plain["mandatory"] == "optional"  # one way: "optional" flips back to "required"


def test_quantifiers_widen_a_claim_to_everyone() -> None:
    assert _apply(syn.QUANTIFIERS_TO_ALL, "Some plans include roaming.") == ["All plans include roaming."]
    assert _apply(syn.QUANTIFIERS_TO_ALL, "Some of it is free.") == []


def test_each_channel_phrase_is_found_by_its_pattern_and_named_by_its_words() -> None:
    assert {ch for ch, _, _ in syn.CHANNELS} == set(syn.CHANNEL_WORDS)
    for channel, pattern, phrase in syn.CHANNELS:
        assert re.search(pattern, f"You can pay {phrase}."), channel
        assert any(w in phrase.lower() for w in syn.CHANNEL_WORDS[channel]), channel


def test_unit_swaps_change_the_unit_and_can_be_swapped_back() -> None:
    for unit, targets in syn.UNIT_SWAPS.items():
        assert unit not in targets
        assert all(t in syn.UNIT_SWAPS for t in targets), unit


def test_word_sets_are_lower_case_and_name_lists_have_no_duplicates() -> None:
    for words in (syn.PEOPLE, syn.VERBS, syn.IMPERATIVES, syn.RESTRICTIVE_ADJECTIVES):
        assert all(w == w.lower() and " " not in w for w in words)
    for names in (syn.COUNTRIES, syn.WEEKDAYS, syn.PAYMENT_METHODS):
        assert len(set(names)) == len(names)
