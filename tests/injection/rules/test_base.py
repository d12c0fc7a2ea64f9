"""Rule sets: anchors split from their row, `gap` bounded by a clause, shared blocks gated by their anchors."""

from __future__ import annotations

import re

import pytest

from ragfort.injection.rules.base import A_AI, A_PERSON, A_SECRET, AI_STRONG, PERSON, SECRET, gap, rule_set

# (a shared building block, its anchors, phrases it must match)
BLOCKS = [
    (
        AI_STRONG,
        A_AI,
        ["ai", "a.i.", "assistant", "chatbot", "chat bot", "llm", "large language model", "gpt", "ai agents"],
    ),
    (PERSON, A_PERSON, ["user", "customers", "caller", "account holders", "visitors", "people", "everyone"]),
    (SECRET, A_SECRET, ["password", "pins", "card number", "cvv", "one-time code", "login details", "ssn"]),
]


def test_rule_set_splits_anchors_and_gap_stays_within_a_clause() -> None:
    (rule,) = rule_set("demo", (0.5, "alpha beta", rf"\balpha {gap(2)}omega"))
    assert rule.anchors == ("alpha", "beta") and rule.technique == "demo"
    assert rule.pattern.search("alpha one two omega")
    assert not rule.pattern.search("alpha one two three omega")  # more than two words between
    assert not rule.pattern.search("alpha one. omega")  # a sentence ends in between


@pytest.mark.parametrize(("block", "anchors", "phrases"), BLOCKS, ids=["ai", "person", "secret"])
def test_each_shared_block_matches_its_phrases_and_every_match_holds_an_anchor(
    block: str, anchors: str, phrases: list[str]
) -> None:
    pattern = re.compile(rf"\b{block}")
    for phrase in phrases:
        m = pattern.fullmatch(phrase)
        assert m is not None, phrase
        assert any(a in m.group(0) for a in anchors.split()), phrase


def test_the_ai_block_leaves_out_words_that_name_people_and_products() -> None:
    # "model", "agent" and "bot" alone are phone models, support agents and chat widgets.
    pattern = re.compile(rf"\b{AI_STRONG}")
    for word in ("model", "agent", "bot", "support agent", "phone model"):
        assert pattern.fullmatch(word) is None, word
