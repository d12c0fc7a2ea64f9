"""The guard protocol and registry: stages checked at build time, names resolved lazily, third-party guards added."""

from __future__ import annotations

from typing import ClassVar

import pytest

from ragfort.context import RunContext
from ragfort.errors import ConfigError
from ragfort.guards import base
from ragfort.guards.base import (
    BUILTIN_GUARDS,
    BaseGuard,
    Guard,
    GuardSettings,
    guard_class,
    known_guard_names,
    register_guard,
)
from ragfort.guards.question import QuestionLengthGuard
from ragfort.policy import Policy
from ragfort.types import Action, Stage, Turn, Verdict


class ShoutSettings(GuardSettings):
    limit: int = 3


class ShoutGuard(BaseGuard):
    """Flags answers with more exclamation marks than `limit`."""

    name: ClassVar[str] = "shout"
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.OUTPUT})
    Settings: ClassVar[type[GuardSettings]] = ShoutSettings

    def __init__(self, *, stage: Stage = Stage.OUTPUT, required: bool = False, limit: int = 3) -> None:
        super().__init__(stage=stage, required=required)
        self.limit = limit

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        marks = (turn.answer or "").count("!")
        return self.verdict(Action.BLOCK if marks > self.limit else Action.ALLOW, score=min(1.0, marks / 10))


@pytest.fixture(autouse=True)
def _registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made by a test end with it."""
    monkeypatch.setattr(base, "_registered", dict(base._registered))


def test_a_guard_runs_only_at_the_stages_it_declares() -> None:
    with pytest.raises(ConfigError, match="guard 'shout' cannot run at stage 'input'; it runs at: output"):
        ShoutGuard(stage=Stage.INPUT)
    guard = ShoutGuard(stage="output", required=True)  # type: ignore[arg-type]
    assert guard.stage is Stage.OUTPUT and guard.required
    assert repr(guard) == "ShoutGuard(stage='output', required=True)"


def test_the_base_builds_verdicts_and_leaves_answers_and_documents_alone() -> None:
    guard = ShoutGuard(limit=1)
    verdict = guard.check(Turn(question="q", answer="Yes!! Really!"), RunContext())
    assert (verdict.guard, verdict.stage, verdict.action, verdict.score) == ("shout", Stage.OUTPUT, Action.BLOCK, 0.3)
    assert guard.finalize("Yes!", RunContext()) == "Yes!"
    assert guard.corpus_transform() is None and guard.redacts is False
    assert isinstance(guard, Guard)


def test_a_registered_guard_is_available_to_policies() -> None:
    register_guard("shout", ShoutGuard)
    assert guard_class("shout") is ShoutGuard and "shout" in known_guard_names()
    policy = Policy.from_mapping({"name": "p", "guards": {"output": [{"guard": "shout", "limit": 5}]}})
    (guard,) = policy.guards[Stage.OUTPUT]
    assert isinstance(guard, ShoutGuard) and guard.limit == 5


def test_guard_names_are_checked() -> None:
    for name in ("", "two words", "dash-ed"):
        with pytest.raises(ValueError, match="letters, digits and underscores"):
            register_guard(name, ShoutGuard)


def test_built_in_guards_are_imported_on_first_use() -> None:
    assert guard_class("question_length") is QuestionLengthGuard
    assert set(BUILTIN_GUARDS) <= set(known_guard_names())


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("ragfort.no_such_module:Guard", "could not be loaded from 'ragfort.no_such_module:Guard'"),
        ("ragfort.guards.question:NoSuchGuard", "could not be loaded"),
        ("ragfort.replies:ABSTAIN_MESSAGE", "is not a ragfort BaseGuard subclass"),
    ],
)
def test_a_name_that_leads_nowhere_useful_is_a_configuration_error(
    target: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(BUILTIN_GUARDS, "broken", target)
    with pytest.raises(ConfigError, match=message):
        guard_class("broken")


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown guard 'telepathy'; known guards: .*question_length"):
        guard_class("telepathy")


def test_settings_refuse_unknown_keys() -> None:
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        ShoutSettings(limt=3)  # type: ignore[call-arg]
