"""A/B variants: schema validation with clear errors, sticky hash assignment, variant policies."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from ragfort.errors import PolicyError
from ragfort.policy import Policy
from ragfort.server.variants import VariantSpec, assign, parse_variants, variant_policy
from ragfort.types import Stage

BASE: dict[str, Any] = {"name": "base", "budget": {"total_ms": 3000}}


def policy_with(variants: Any) -> Policy:
    return Policy.from_mapping({**BASE, "variants": variants}, source="base.yaml")


def test_a_policy_without_variants_has_none() -> None:
    assert parse_variants(Policy.from_mapping(BASE)) == []


def test_valid_variants_parse() -> None:
    specs = parse_variants(policy_with([{"name": "a", "share": 0.3}, {"name": "b", "share": 0.7}]))
    assert [(s.name, s.share) for s in specs] == [("a", 0.3), ("b", 0.7)]


@pytest.mark.parametrize(
    ("variants", "expected"),
    [
        ([{"name": "a", "share": 0.5}, {"name": "b", "share": 0.4}], "add up to 1, got 0.9"),
        ([{"name": "a", "share": 0.5}, {"name": "a", "share": 0.5}], "repeated: ['a']"),
        ([{"name": "a", "share": 1.0}], "at least 2"),
        ([{"name": "a", "share": 1.5}, {"name": "b", "share": -0.5}], "1.5"),
        ([{"name": "a b", "share": 0.5}, {"name": "b", "share": 0.5}], "'a b'"),
        ([{"name": "a", "share": 0.5, "colour": "red"}, {"name": "b", "share": 0.5}], "colour"),
        (
            [{"name": "a", "share": 0.5, "policy": "x.yaml", "overrides": {}}, {"name": "b", "share": 0.5}],
            "both 'policy' and 'overrides'",
        ),
        (
            [{"name": "a", "share": 0.5, "overrides": {"extends": "support_agent"}}, {"name": "b", "share": 0.5}],
            "to run another, use 'policy'",
        ),
    ],
)
def test_bad_variants_fail_with_the_file_and_the_bad_value(variants: Any, expected: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_variants(policy_with(variants))
    assert "base.yaml" in str(info.value)
    assert expected in str(info.value)


def test_assignment_is_sticky_and_follows_the_shares() -> None:
    specs = [VariantSpec(name="a", share=0.2), VariantSpec(name="b", share=0.8)]
    first = [assign(specs, tenant="t", key=f"s{i}") for i in range(2000)]
    assert first == [assign(specs, tenant="t", key=f"s{i}") for i in range(2000)]
    counts = Counter(first)
    assert 300 < counts["a"] < 500  # 400 expected; a binomial 5-sigma band
    # A zero share is never assigned.
    off = [VariantSpec(name="a", share=0.0), VariantSpec(name="b", share=1.0)]
    assert {assign(off, tenant="t", key=f"s{i}") for i in range(200)} == {"b"}


def test_tenants_are_split_independently() -> None:
    specs = [VariantSpec(name="a", share=0.5), VariantSpec(name="b", share=0.5)]
    one = [assign(specs, tenant="one", key=f"s{i}") for i in range(200)]
    two = [assign(specs, tenant="two", key=f"s{i}") for i in range(200)]
    assert one != two


def test_overrides_deep_merge_into_the_base_policy() -> None:
    base = policy_with([
        {"name": "a", "share": 0.5},
        {"name": "b", "share": 0.5, "overrides": {"budget": {"generation_ms": 500}}},
    ])
    a, b = (variant_policy(base, s) for s in parse_variants(base))
    assert a.budget.total_ms == b.budget.total_ms == 3000
    assert a.budget.generation is None
    assert b.budget.generation == 500
    assert a.fingerprint != b.fingerprint


def test_a_variant_policy_file_is_found_next_to_the_base(tmp_path: Any) -> None:
    (tmp_path / "other.yaml").write_text("name: other\nbudget: {total_ms: 900}\n")
    base = Policy.from_mapping(
        {**BASE, "variants": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5, "policy": "other.yaml"}]},
        source=str(tmp_path / "base.yaml"),
    )
    b = variant_policy(base, parse_variants(base)[1])
    assert b.name == "other"
    assert b.budget.total_ms == 900


def test_a_missing_variant_policy_names_the_variant() -> None:
    base = policy_with([{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5, "policy": "nowhere.yaml"}])
    with pytest.raises(PolicyError, match=r"variant .b.*nowhere\.yaml"):
        variant_policy(base, parse_variants(base)[1])


def test_overrides_change_a_guard_by_name_and_an_unknown_one_names_the_variant() -> None:
    guards = {"input": [{"guard": "question_length", "max_chars": 100}]}
    base = Policy.from_mapping(
        {
            **BASE,
            "guards": guards,
            "variants": [
                {"name": "a", "share": 0.5},
                {"name": "b", "share": 0.3, "overrides": {"guards": {"input": {"question_length": {"max_chars": 40}}}}},
                {"name": "c", "share": 0.2, "overrides": {"guards": {"input": {"telepathy": {"x": 1}}}}},
            ],
        },
        source="base.yaml",
    )
    a, b, c = parse_variants(base)
    assert variant_policy(base, a).guards[Stage.INPUT][0].max_chars == 100  # type: ignore[attr-defined]
    assert variant_policy(base, b).guards[Stage.INPUT][0].max_chars == 40  # type: ignore[attr-defined]
    with pytest.raises(PolicyError, match=r"variant 'c'.*no 'telepathy' guard"):
        variant_policy(base, c)
