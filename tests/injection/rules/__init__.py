"""The tests every pattern rule set gets, written once for the ``test_<module>.py`` files beside this one.

A module binds the suite at module level, where pytest collects it::

    (
        test_every_rule_names_the_technique_and_has_anchors,
        test_attacks_are_caught,
        test_help_center_text_matches_no_rule,
        test_every_match_holds_one_of_its_rules_anchors,
    ) = rule_set_tests({"override": OVERRIDE}, ATTACKS, BENIGN)

The helpers live in this module, which pytest does not rewrite, so their asserts say what failed themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from ragfort.injection.normalize import normalise
from ragfort.injection.rules.base import Rule

# (an attack, the strongest weight it must reach); with several rule sets, (technique, attack, weight)
Attack = tuple[str, float] | tuple[str, str, float]
Test = Callable[..., None]


def normalised(text: str) -> str:
    return normalise(text).text


def strongest(rules: Sequence[Rule], text: str) -> float:
    """The weight of the strongest rule of `rules` matching `text`, gated by anchors as the scanner does."""
    norm = normalised(text)
    return max((r.weight for r in rules if any(a in norm for a in r.anchors) and r.pattern.search(norm)), default=0.0)


def _attack_case(row: Attack, rules_by_technique: Mapping[str, Sequence[Rule]]) -> Any:
    """`row` as ``(technique, attack, weight)`` params, its id the row as written (as pytest would name it)."""
    if len(row) == 3:
        technique, attack, weight = row
    else:
        (technique,) = rules_by_technique  # a row may leave out its technique only where there is one rule set
        attack, weight = row
    return pytest.param(technique, attack, weight, id="-".join(str(v) for v in row))


def rule_set_tests(
    rules_by_technique: Mapping[str, Sequence[Rule]], attacks: Sequence[Attack], benign: Sequence[str]
) -> tuple[Test, Test, Test, Test]:
    """The four tests of rule sets keyed by the technique they name, for a module to bind in this order.

    1. every rule names its set's technique, has anchors and a weight in (0, 1];
    2. each attack is caught by its technique's set at its weight or above (parametrized by `attacks`);
    3. no set matches any text of `benign` (parametrized by it);
    4. every match of every rule, in the attacks and the benign texts, holds one of the rule's anchors.
    """

    def test_every_rule_names_the_technique_and_has_anchors() -> None:
        for technique, rules in rules_by_technique.items():
            assert rules, f"{technique}: no rules"
            for rule in rules:
                assert rule.technique == technique, (technique, rule)
                assert rule.anchors and 0.0 < rule.weight <= 1.0, rule

    @pytest.mark.parametrize(
        ("technique", "attack", "weight"), [_attack_case(row, rules_by_technique) for row in attacks]
    )
    def test_attacks_are_caught(technique: str, attack: str, weight: float) -> None:
        got = strongest(rules_by_technique[technique], attack)
        assert got >= weight, f"{technique} reaches {got} on {attack!r}, below {weight}"

    @pytest.mark.parametrize("text", benign)
    def test_help_center_text_matches_no_rule(text: str) -> None:
        for technique, rules in rules_by_technique.items():
            got = strongest(rules, text)
            assert got == 0.0, f"{technique} matches {text!r} at {got}"

    def test_every_match_holds_one_of_its_rules_anchors() -> None:
        texts = [row[-2] for row in attacks] + list(benign)  # the attack stands second from last in a row
        for rules in rules_by_technique.values():
            for rule in rules:
                for text in texts:
                    for m in rule.pattern.finditer(normalised(text)):
                        assert any(a in m.group(0) for a in rule.anchors), (rule.pattern.pattern, m.group(0))

    return (
        test_every_rule_names_the_technique_and_has_anchors,
        test_attacks_are_caught,
        test_help_center_text_matches_no_rule,
        test_every_match_holds_one_of_its_rules_anchors,
    )
