"""Policies: which guards run at which stage, with what settings, under what budget.

A policy is YAML data in ``guards/*.yaml``. This module validates it with
pydantic and turns it into plain objects: a `Budget`, messages, cache
settings and guard instances built through the registry
(`ragfort.guards.base.guard_class`). A bad policy fails at load, with the
file, the dotted key and the bad value in the message; it never loads half.

Each section is checked by the one model that owns its rules: the budget's
values by `ragfort.budget` (the same checks `Budget` runs when built
directly), the ``cache:`` section by `ragfort.cache_settings.CacheSettings`,
a guard's settings by its own ``Settings`` model.

Shape::

    name: support_agent
    budget: {total_ms: 3000, generation_ms: 2000}
    messages: {abstain: "...", blocked: "..."}
    cache: {backend: auto, ttl_s: 86400}   # see ragfort.cache_settings
    guards:
      input:
        - guard: pii          # registry name
          required: true      # never skipped, fails closed
          entities: [...]     # everything else: the guard's own settings
      retrieval: [...]
      output: [...]

A policy can start from another (``extends: support_agent``, a shipped name or a file beside
it) and say only what differs: mappings merge key by key, other values replace, and under
``guards`` a stage written as a mapping changes the named guards of the base's list
(``retrieval: {injection: {trusted_domains: [acme.example]}}``) where a list replaces the stage.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from ragfort.budget import FALLBACKS, Budget, check_fallbacks, check_ms, check_retries
from ragfort.cache_settings import CacheSettings
from ragfort.errors import ConfigError, PolicyError
from ragfort.guards.base import Guard, guard_class
from ragfort.replies import ABSTAIN_MESSAGE, BLOCKED_MESSAGE
from ragfort.types import Stage

__all__ = ["Messages", "Policy", "load_policy", "merge_policy_data", "policy_search_path"]

_BUILTIN_DIRS = (
    Path(__file__).resolve().parent / "policies",  # installed wheel
    Path(__file__).resolve().parents[2] / "guards",  # source checkout / editable install
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BudgetSpec(_Strict):
    """The ``budget:`` section. Its rules are `ragfort.budget`'s: the validators
    below call them, so a bad value is reported under its key here."""

    total_ms: float | None = None
    input_ms: float | None = None
    retrieval_ms: float | None = None
    generation_ms: float | None = None
    output_ms: float | None = None
    on_timeout: list[str] = Field(default_factory=lambda: list(FALLBACKS))
    retries: int = 2
    backoff_ms: float = 50.0

    @field_validator("total_ms", "input_ms", "retrieval_ms", "generation_ms", "output_ms", "backoff_ms")
    @classmethod
    def _milliseconds(cls, v: float | None, info: ValidationInfo) -> float | None:
        check_ms(str(info.field_name), v)
        return v

    @field_validator("on_timeout")
    @classmethod
    def _fallbacks(cls, v: list[str]) -> list[str]:
        check_fallbacks(v)
        return v

    @field_validator("retries")
    @classmethod
    def _retries(cls, v: int) -> int:
        check_retries(v)
        return v

    def build(self) -> Budget:
        return Budget(
            self.total_ms,
            self.input_ms,
            self.retrieval_ms,
            self.generation_ms,
            self.output_ms,
            on_timeout=tuple(self.on_timeout),
            retries=self.retries,
            backoff_ms=self.backoff_ms,
        )


class MessagesSpec(_Strict):
    abstain: str = ABSTAIN_MESSAGE
    blocked: str = BLOCKED_MESSAGE


class GuardEntry(BaseModel):
    """One guard in a stage list; keys other than these are the guard's settings."""

    model_config = ConfigDict(extra="allow", frozen=True)

    guard: str
    required: bool = False
    enabled: bool = True

    def settings(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class GuardsSpec(_Strict):
    input: list[GuardEntry] = Field(default_factory=list)
    retrieval: list[GuardEntry] = Field(default_factory=list)
    output: list[GuardEntry] = Field(default_factory=list)


class PolicySpec(_Strict):
    name: str
    description: str = ""
    budget: BudgetSpec = Field(default_factory=BudgetSpec)
    messages: MessagesSpec = Field(default_factory=MessagesSpec)
    guards: GuardsSpec = Field(default_factory=GuardsSpec)
    cache: CacheSettings | None = None
    # Sections owned by later layers (variants) are validated by them.
    variants: list[dict[str, Any]] | None = None

    @field_validator("name")
    @classmethod
    def _name_is_simple(cls, v: str) -> str:
        if not v or not all(ch.isalnum() or ch in "-_." for ch in v):
            raise ValueError(f"policy name must be letters, digits, '-', '_' or '.', got {v!r}")
        return v


@dataclass(frozen=True, slots=True)
class Messages:
    """What the customer reads when the pipeline abstains or refuses."""

    abstain: str
    blocked: str


@dataclass(frozen=True)
class Policy:
    """A validated policy with its guards built.

    Build one with `load_policy` (from YAML) or `Policy.from_mapping`.
    `fingerprint` is a hash of the validated settings; caches key on it, so a
    policy change never serves answers produced under another policy.
    `cache` is the validated ``cache:`` section (None when the policy has none).
    """

    name: str
    budget: Budget
    messages: Messages
    guards: Mapping[Stage, tuple[Guard, ...]]
    fingerprint: str
    source: str = "<mapping>"
    description: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    cache: CacheSettings | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<mapping>", folder: Path | None = None) -> Policy:
        """Validate `data` (the parsed YAML) and build the guards.

        Args:
            data: the policy; an ``extends`` key names the policy it starts from (`merge_policy_data`).
            source: where `data` came from, for messages.
            folder: where a relative ``extends`` file is looked for first (the policy file's folder).

        Raises:
            PolicyError: naming `source`, the key and the bad value.
        """
        if not isinstance(data, Mapping):
            raise PolicyError(f"{source}: a policy must be a mapping, got {type(data).__name__}")
        if "extends" in data:
            data = _extended(data, source=source, folder=folder, seen=())
        # Top-level "x-" keys are extension fields (like docker-compose's):
        # a place for YAML anchors that several guard entries merge in.
        data = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
        try:
            spec = PolicySpec.model_validate(data)
        except ValidationError as exc:
            raise PolicyError(_format_validation(source, exc, data)) from None
        guards: dict[Stage, tuple[Guard, ...]] = {}
        for stage in Stage:
            built: list[Guard] = []
            for i, entry in enumerate(getattr(spec.guards, str(stage))):
                if entry.enabled:
                    built.append(_build_guard(entry, stage, f"{source}: guards.{stage}[{i}]"))
            guards[stage] = tuple(built)
        canonical = json.dumps(spec.model_dump(mode="json"), sort_keys=True)
        return cls(
            name=spec.name,
            budget=spec.budget.build(),
            messages=Messages(**spec.messages.model_dump()),
            guards=guards,
            fingerprint=hashlib.sha256(canonical.encode()).hexdigest()[:16],
            source=source,
            description=spec.description,
            raw=spec.model_dump(mode="json"),
            cache=spec.cache,
        )

    @classmethod
    def passthrough(cls) -> Policy:
        """The empty policy: no guards, no budget."""
        return cls.from_mapping({"name": "passthrough"}, source="<passthrough>")

    def all_guards(self) -> tuple[Guard, ...]:
        """Every guard, in stage order."""
        return tuple(g for stage in Stage for g in self.guards.get(stage, ()))

    @functools.cached_property
    def redacting_guards(self) -> frozenset[str]:
        """The names of the guards whose rewrites are redactions (they declare `redacts`), computed once."""
        return frozenset(g.name for g in self.all_guards() if g.redacts)


def _build_guard(entry: GuardEntry, stage: Stage, where: str) -> Guard:
    try:
        cls = guard_class(entry.guard)
    except ConfigError as exc:
        raise PolicyError(f"{where}.guard: {exc}") from None
    try:
        settings = cls.Settings.model_validate(entry.settings())
    except ValidationError as exc:
        raise PolicyError(_format_validation(where, exc, entry.settings(), sep=".")) from None
    try:
        guard: Guard = cls(stage=stage, required=entry.required, **settings.model_dump())
    except ConfigError as exc:
        raise PolicyError(f"{where}: {exc}") from None
    return guard


def _lookup(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return "<missing>"
    return data


def _format_validation(source: str, exc: ValidationError, data: Any, *, sep: str = ": ") -> str:
    lines = []
    for err in exc.errors():
        loc = err["loc"]
        path = ""
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        value = _lookup(data, loc)
        shown = "(missing)" if value == "<missing>" else f"got {value!r}"
        if err["type"] == "extra_forbidden":
            shown = "unknown key"
        lines.append(f"{source}{sep}{path}: {err['msg']} ({shown})")
    return "; ".join(lines)


def policy_search_path() -> tuple[Path, ...]:
    """Folders searched for a policy given by name: ``./guards`` then the shipped ones."""
    return (Path.cwd() / "guards", *_BUILTIN_DIRS)


def _yaml_error(path: Path, exc: yaml.YAMLError) -> str:
    """One line: the file, the line and column where the parser stopped, and what it found."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
    return f"{where}: not valid YAML: {problem}" + (f" ({context})" if context else "")


def load_policy(policy: str | os.PathLike[str] | Mapping[str, Any] | Policy | None) -> Policy:
    """A `Policy` from a file path, a shipped name, a mapping, a Policy, or None.

    None means the ``passthrough`` policy. A name such as ``"support_agent"``
    is looked up in `policy_search_path()`.

    Raises:
        PolicyError: the file is missing, is not safe YAML, or does not validate.
    """
    if policy is None:
        return Policy.passthrough()
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, Mapping):
        return Policy.from_mapping(policy)
    path = _policy_file(policy)
    return Policy.from_mapping(_read_policy_file(path), source=str(path), folder=path.parent)


def _policy_file(policy: str | os.PathLike[str], folder: Path | None = None) -> Path:
    """The file `policy` names: a path (relative to `folder` first, when given), or a shipped name."""
    path = Path(policy)
    if folder is not None and not path.is_absolute() and (folder / path).is_file():
        return folder / path
    if not path.exists() and path.suffix == "" and path.parent == Path("."):
        for where in policy_search_path():
            candidate = where / f"{path.name}.yaml"
            if candidate.exists():
                path = candidate
                break
    if not path.is_file():
        raise PolicyError(f"policy file not found: {str(policy)!r}")
    return path


def _read_policy_file(path: Path) -> Any:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PolicyError(_yaml_error(path, exc)) from None
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: not UTF-8 text: {exc}") from None
    if data is None:
        raise PolicyError(f"{path}: the policy file is empty")
    return data


# How many policies one ``extends`` chain may pass through (a longer one is almost surely a mistake).
_MAX_EXTENDS = 8


def _extended(data: Mapping[str, Any], *, source: str, folder: Path | None, seen: tuple[str, ...]) -> dict[str, Any]:
    """`data` laid over the policy its ``extends`` names (itself resolved first), without the ``extends`` key."""
    parent = data.get("extends")
    rest = {k: v for k, v in data.items() if k != "extends"}
    if parent is None:
        return rest
    if not isinstance(parent, str) or not parent.strip():
        raise PolicyError(f"{source}: extends: expected a policy name or file, got {parent!r}")
    try:
        path = _policy_file(parent, folder)
    except PolicyError as exc:
        raise PolicyError(f"{source}: extends: {exc}") from None
    key = str(path.resolve())
    if key in seen:
        raise PolicyError(f"{source}: extends: {parent!r} extends itself (through {' -> '.join(seen)})")
    if len(seen) >= _MAX_EXTENDS:
        raise PolicyError(f"{source}: extends: more than {_MAX_EXTENDS} policies in one chain")
    base = _read_policy_file(path)
    if not isinstance(base, Mapping):
        raise PolicyError(f"{path}: a policy must be a mapping, got {type(base).__name__}")
    resolved = _extended(base, source=str(path), folder=path.parent, seen=(*seen, key))
    return merge_policy_data(resolved, rest, source=source)


def merge_policy_data(
    base: Mapping[str, Any], changes: Mapping[str, Any], *, source: str = "<mapping>"
) -> dict[str, Any]:
    """`base` (a policy's data) with `changes` laid over it.

    Mappings merge key by key and any other value replaces the base's. Under
    ``guards``, a stage given as a list replaces the base's stage; given as a
    mapping of guard names, it changes those guards' entries in the base's list
    (``{injection: {trusted_domains: [acme.example]}, pii: {enabled: false}}``),
    each of which must appear there exactly once.

    Raises:
        PolicyError: a named guard is missing from, or repeated in, the base's stage, or its changes are not a
            mapping.
    """
    out = dict(base)
    for key, value in changes.items():
        if key == "guards" and isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            stages = dict(out[key])
            for stage, entries in value.items():
                current = stages.get(stage, [])
                if isinstance(entries, Mapping) and isinstance(current, list):
                    stages[stage] = _patch_stage(current, entries, f"{source}: guards.{stage}")
                else:
                    stages[stage] = entries
            out[key] = stages
        else:
            out[key] = _merged(out.get(key), value)
    return out


def _merged(base: Any, change: Any) -> Any:
    """`change` over `base`: two mappings merge key by key; anything else is `change`."""
    if not (isinstance(base, Mapping) and isinstance(change, Mapping)):
        return change
    out = dict(base)
    for key, value in change.items():
        out[key] = _merged(out.get(key), value)
    return out


def _patch_stage(entries: list[Any], patches: Mapping[str, Any], where: str) -> list[Any]:
    """The base stage's guard `entries` with each guard named in `patches` changed."""
    out = list(entries)
    for name, patch in patches.items():
        hits = [i for i, e in enumerate(out) if isinstance(e, Mapping) and e.get("guard") == name]
        if not hits:
            there = sorted({str(e.get("guard")) for e in out if isinstance(e, Mapping)})
            raise PolicyError(f"{where}.{name}: the base policy has no {name!r} guard in this stage (it has {there})")
        if len(hits) > 1:
            raise PolicyError(
                f"{where}.{name}: the base policy has {len(hits)} {name!r} guards here; give the stage as a list"
            )
        if not isinstance(patch, Mapping):
            raise PolicyError(f"{where}.{name}: expected the settings to change, got {patch!r}")
        if "guard" in patch and patch["guard"] != name:
            raise PolicyError(f"{where}.{name}: a change cannot rename the guard (got guard: {patch['guard']!r})")
        out[hits[0]] = _merged(out[hits[0]], patch)
    return out
