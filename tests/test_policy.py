"""Policies load from YAML, and a bad one fails at load naming the file, the key and the value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conftest import REPO

from ragfort import PolicyError, Stage, load_policy
from ragfort.guards.question import QuestionLengthGuard
from ragfort.policy import Policy


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


SHIPPED = sorted(p.stem for p in (REPO / "guards").glob("*.yaml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_policy_loads(name: str) -> None:
    policy = load_policy(REPO / "guards" / f"{name}.yaml")
    assert policy.name == name


def test_shipped_policies_load_by_name() -> None:
    assert load_policy("support_agent").name == "support_agent"
    assert load_policy(None).name == "passthrough"
    assert load_policy(None).all_guards() == ()


def test_guards_are_built_with_their_settings(tmp_path: Path) -> None:
    path = write(tmp_path, "name: p\nguards:\n  input:\n    - guard: question_length\n      max_chars: 10\n")
    policy = load_policy(path)
    (guard,) = policy.guards[Stage.INPUT]
    assert isinstance(guard, QuestionLengthGuard)
    assert guard.max_chars == 10 and guard.stage is Stage.INPUT


def test_bad_setting_value_names_file_key_and_value(tmp_path: Path) -> None:
    path = write(tmp_path, "name: p\nguards:\n  input:\n    - guard: question_length\n      max_chars: -5\n")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    msg = str(info.value)
    assert str(path) in msg and "guards.input[0]" in msg and "max_chars" in msg and "-5" in msg


def test_unknown_setting_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "name: p\nguards:\n  input:\n    - guard: question_length\n      max_char: 5\n")
    with pytest.raises(PolicyError, match=r"max_char.*unknown key"):
        load_policy(path)


def test_unknown_guard_lists_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "name: p\nguards:\n  output:\n    - guard: telepathy\n")
    with pytest.raises(
        PolicyError, match=r"guards.output\[0\].guard: unknown guard 'telepathy'; known guards: .*question_length"
    ):
        load_policy(path)


def test_guard_at_a_stage_it_cannot_run_at(tmp_path: Path) -> None:
    path = write(tmp_path, "name: p\nguards:\n  output:\n    - guard: question_length\n")
    with pytest.raises(PolicyError, match="cannot run at stage 'output'"):
        load_policy(path)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"gaurds: .*unknown key"):
        load_policy(write(tmp_path, "name: p\ngaurds: {}\n"))


def test_bad_budget_value(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"budget.total_ms.*got 0"):
        load_policy(write(tmp_path, "name: p\nbudget:\n  total_ms: 0\n"))


@pytest.mark.parametrize(
    ("text", "match"),
    [("", "empty"), ("name: [unclosed", "not valid YAML"), ("- a\n- b\n", "must be a mapping"), ("x: 1\n", "name")],
)
def test_malformed_files(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(PolicyError, match=match):
        load_policy(write(tmp_path, text))


def test_yaml_tags_are_not_executed(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(write(tmp_path, "name: !!python/object/apply:os.system ['echo pwned']\n"))


def test_missing_file() -> None:
    with pytest.raises(PolicyError, match="not found"):
        load_policy("/nonexistent/policy.yaml")


def test_fingerprint_changes_with_settings(tmp_path: Path) -> None:
    a = load_policy({"name": "p", "guards": {"input": [{"guard": "question_length", "max_chars": 10}]}})
    b = load_policy({"name": "p", "guards": {"input": [{"guard": "question_length", "max_chars": 11}]}})
    assert a.fingerprint != b.fingerprint


# --- extends: a policy that starts from another and says only what differs --------------------------------------


def _entry(policy: Policy, stage: str, name: str) -> dict[str, Any]:
    (entry,) = [e for e in policy.raw["guards"][stage] if e["guard"] == name]
    return dict(entry)


def test_extending_the_shipped_policy_changes_only_what_it_names(tmp_path: Path) -> None:
    base = load_policy("support_agent")
    path = write(
        tmp_path,
        "extends: support_agent\n"
        "name: acme_support\n"
        "messages:\n  abstain: Sorry, ask help@acme.example.\n"
        "guards:\n"
        "  retrieval:\n"
        "    injection: {trusted_domains: [acme.example]}\n"
        "    relevance: {abstain_message: 'Sorry, ask help@acme.example.'}\n",
    )
    policy = load_policy(path)
    assert policy.name == "acme_support" and policy.messages.abstain == "Sorry, ask help@acme.example."
    assert _entry(policy, "retrieval", "injection")["trusted_domains"] == ["acme.example"]
    relevance = _entry(policy, "retrieval", "relevance")
    assert relevance["abstain_message"] == "Sorry, ask help@acme.example."
    # Everything the child does not name is the base's: the other settings of a changed guard, the other
    # guards and their order, the budget, the cache.
    assert {k: v for k, v in relevance.items() if k != "abstain_message"} == {
        k: v for k, v in _entry(base, "retrieval", "relevance").items() if k != "abstain_message"
    }
    for stage in ("input", "retrieval", "output"):
        assert [e["guard"] for e in policy.raw["guards"][stage]] == [e["guard"] for e in base.raw["guards"][stage]]
    assert policy.raw["budget"] == base.raw["budget"] and policy.raw["cache"] == base.raw["cache"]
    assert policy.raw["messages"]["blocked"] == base.raw["messages"]["blocked"]
    assert "extends" not in policy.raw and policy.fingerprint != base.fingerprint
    # The built guards carry the change.
    (injection,) = [g for g in policy.guards[Stage.RETRIEVAL] if g.name == "injection"]
    assert injection.settings.trusted_domains == ("acme.example",)  # type: ignore[attr-defined]


def test_a_stage_given_as_a_list_replaces_the_base_stage(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: support_agent\nguards:\n  input:\n    - {guard: question_length, max_chars: 50}\n")
    policy = load_policy(path)
    (guard,) = policy.guards[Stage.INPUT]
    assert isinstance(guard, QuestionLengthGuard) and guard.max_chars == 50
    assert policy.name == "support_agent"  # inherited when not given
    assert [e["guard"] for e in policy.raw["guards"]["output"]] == [
        e["guard"] for e in load_policy("support_agent").raw["guards"]["output"]
    ]


def test_a_guard_can_be_turned_off_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: support_agent\nguards:\n  retrieval:\n    injection: {enabled: false}\n")
    names = [g.name for g in load_policy(path).guards[Stage.RETRIEVAL]]
    assert "injection" not in names and "relevance" in names


def test_extends_resolves_files_beside_the_policy_and_chains(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "name: base\nbudget: {total_ms: 3000}\nguards:\n  input:\n    - {guard: question_length, max_chars: 10}\n"
    )
    (tmp_path / "middle.yaml").write_text("extends: base.yaml\nname: middle\nbudget: {total_ms: 2000}\n")
    (tmp_path / "top.yaml").write_text(
        "extends: middle.yaml\nname: top\nguards:\n  input:\n    question_length: {max_chars: 30}\n"
    )
    policy = load_policy(tmp_path / "top.yaml")
    (guard,) = policy.guards[Stage.INPUT]
    assert isinstance(guard, QuestionLengthGuard)
    assert policy.name == "top" and policy.budget.total_ms == 2000 and guard.max_chars == 30


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("extends: nowhere_at_all\nname: p\n", r"extends: policy file not found: 'nowhere_at_all'"),
        ("extends: [support_agent]\nname: p\n", r"extends: expected a policy name or file"),
        (
            "extends: support_agent\nguards:\n  retrieval:\n    telepathy: {x: 1}\n",
            r"guards\.retrieval\.telepathy: the base policy has no .telepathy. guard in this stage \(it has .*inj",
        ),
        ("extends: support_agent\nguards:\n  retrieval:\n    injection: off\n", r"expected the settings to change"),
        (
            "extends: support_agent\nguards:\n  retrieval:\n    injection: {guard: pii}\n",
            r"cannot rename the guard",
        ),
        # A changed setting is validated as in any policy: the file, the key and the value.
        ("extends: support_agent\nguards:\n  input:\n    question_length: {max_chars: -5}\n", r"max_chars.*-5"),
    ],
)
def test_bad_extends_fail_at_load_naming_the_problem(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(PolicyError, match=match):
        load_policy(write(tmp_path, text))


def test_a_guard_named_twice_in_the_base_stage_must_be_replaced_as_a_list(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "name: base\nguards:\n  input:\n    - {guard: question_length, max_chars: 10}\n"
        "    - {guard: question_length, max_chars: 20}\n"
    )
    path = write(tmp_path, "extends: base.yaml\nguards:\n  input:\n    question_length: {max_chars: 5}\n")
    with pytest.raises(PolicyError, match=r"2 'question_length' guards here; give the stage as a list"):
        load_policy(path)


def test_a_policy_that_extends_itself_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    with pytest.raises(PolicyError, match=r"extends itself"):
        load_policy(tmp_path / "a.yaml")


def test_a_mapping_can_extend_a_shipped_policy() -> None:
    policy = load_policy({"extends": "support_agent", "budget": {"total_ms": 1500}})
    assert policy.budget.total_ms == 1500 and policy.name == "support_agent"
    assert len(policy.all_guards()) == len(load_policy("support_agent").all_guards())


def test_the_readme_example_of_extending_loads_and_changes_the_messages() -> None:
    import yaml

    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("**Your own help center.**")[1].split("```yaml\n")[1].split("```")[0]
    policy = load_policy(yaml.safe_load(block))
    assert policy.name == "acme_support" and "acme.example" in policy.messages.abstain
    assert "voltwise" not in _entry(policy, "retrieval", "relevance")["account_message"].lower()
    assert "voltwise" not in _entry(policy, "output", "grounding")["abstain_message"].lower()
