"""Policies load from YAML, and a bad one fails at load naming the file, the key and the value."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import REPO

from ragfort import PolicyError, Stage, load_policy
from ragfort.guards.question import QuestionLengthGuard


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
