"""The guard protocol and the registry that maps policy names to guard classes.

A guard is a small object with a `check(turn, ctx) -> Verdict` method. It is
built once per policy load with keyword arguments (its settings) plus the
stage it runs at and whether it is required, and then called for every
request. It never raises to say no: it returns a verdict. Exceptions mean a
fault; the gate turns a fault in a required guard into a fail-closed block.

Two more hooks are declared, with no-op defaults in `BaseGuard`:
`finalize(answer, ctx)` rewrites the answer text as shown to the reader,
after every gate (the PII guard puts the owner's own values back), and
`corpus_transform()` changes documents at ingest (the PII guard redacts the
corpus), returning the transform and an id naming its settings. A guard whose
rewrites are redactions says so with ``redacts = True``: the result's status
is then ``redacted``.

Guards know nothing of YAML: each class declares a pydantic `Settings` model,
and the policy loader validates the YAML mapping against it before calling the
constructor with plain keyword arguments.

The registry is a dict from name to ``"module:Class"``, imported lazily (a
policy that does not use PII never imports Presidio), extended by the
``ragfort.guards`` entry-point group for third-party guards.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from ragfort.context import RunContext
from ragfort.errors import ConfigError
from ragfort.types import Action, Stage, Turn, Verdict

__all__ = [
    "BUILTIN_GUARDS",
    "BaseGuard",
    "CorpusTransform",
    "Guard",
    "GuardSettings",
    "guard_class",
    "register_guard",
]


CorpusTransform = tuple[Callable[[list[str]], list[str]], str]
"""An ingest-time transform of document texts, and an id naming its settings (stored in the index manifest)."""


class GuardSettings(BaseModel):
    """Base of every guard's settings model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@runtime_checkable
class Guard(Protocol):
    """What the pipeline needs of a guard."""

    stage: Stage
    required: bool

    @property
    def name(self) -> str:
        """The registry name, used in verdicts."""
        ...

    @property
    def redacts(self) -> bool:
        """Whether this guard's rewrites redact personal data (the result's status is then ``redacted``)."""
        ...

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        """Decide about `turn` at `self.stage`."""
        ...

    def finalize(self, answer: str, ctx: RunContext) -> str:
        """The answer text as shown to the reader, after every gate (the identity for most guards)."""
        ...

    def corpus_transform(self) -> CorpusTransform | None:
        """The ingest-time transform of documents this guard needs, or None."""
        ...


class BaseGuard:
    """Convenience base: stores stage/required and builds verdicts.

    Subclasses set `name`, `stages` (where they may run) and `Settings`, and
    implement `check`; `finalize` and `corpus_transform` default to no-ops,
    `redacts` to False.
    """

    name: ClassVar[str] = "guard"
    stages: ClassVar[frozenset[Stage]] = frozenset(Stage)
    Settings: ClassVar[type[GuardSettings]] = GuardSettings
    redacts: ClassVar[bool] = False

    def __init__(self, *, stage: Stage = Stage.OUTPUT, required: bool = False) -> None:
        stage = Stage(stage)
        if stage not in self.stages:
            allowed = ", ".join(sorted(str(s) for s in self.stages))
            raise ConfigError(f"guard {self.name!r} cannot run at stage {str(stage)!r}; it runs at: {allowed}")
        self.stage = stage
        self.required = required

    def verdict(self, action: Action, **kwargs: Any) -> Verdict:
        """A verdict from this guard at its stage."""
        return Verdict(guard=self.name, stage=self.stage, action=action, **kwargs)

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:  # pragma: no cover - abstract
        raise NotImplementedError

    def finalize(self, answer: str, ctx: RunContext) -> str:
        """The answer unchanged; override to rewrite what the reader sees."""
        return answer

    def corpus_transform(self) -> CorpusTransform | None:
        """None: no ingest-time transform; override to change documents before indexing."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(stage={str(self.stage)!r}, required={self.required})"


# Built-in guards, imported on first use.
BUILTIN_GUARDS: dict[str, str] = {
    "question_length": "ragfort.guards.question:QuestionLengthGuard",
    "pii": "ragfort.guards.pii:PIIGuard",
    "injection": "ragfort.guards.injection:InjectionGuard",
    "relevance": "ragfort.guards.relevance:RelevanceGuard",
    "grounding": "ragfort.guards.grounding:GroundingGuard",
}

_registered: dict[str, type[BaseGuard]] = {}


def register_guard(name: str, cls: type[BaseGuard]) -> None:
    """Make `cls` available to policies under `name` (overrides a built-in)."""
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"guard names are letters, digits and underscores, got {name!r}")
    _registered[name] = cls


def _entry_point_guards() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group="ragfort.guards")}


def known_guard_names() -> list[str]:
    """Every name a policy may use."""
    return sorted({*BUILTIN_GUARDS, *_registered, *_entry_point_guards()})


def guard_class(name: str) -> type[BaseGuard]:
    """The guard class registered under `name`.

    Raises:
        ConfigError: no guard of that name, or its module fails to import.
    """
    if name in _registered:
        return _registered[name]
    target = BUILTIN_GUARDS.get(name) or _entry_point_guards().get(name)
    if target is None:
        raise ConfigError(f"unknown guard {name!r}; known guards: {', '.join(known_guard_names())}")
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"guard {name!r} could not be loaded from {target!r}: {exc}") from exc
    if not isinstance(cls, type) or not issubclass(cls, BaseGuard):
        raise ConfigError(f"guard {name!r} ({target}) is not a ragfort BaseGuard subclass")
    _registered[name] = cls
    return cls
