"""A/B variants: a policy's ``variants:`` section, validated, and sticky assignment.

A policy may split its traffic between two or more variants, each with a
share of the traffic and its own guard settings, prompts, model or index::

    name: support_agent
    guards: {...}
    variants:
      - name: a               # the policy as written above
        share: 0.5
      - name: b
        share: 0.5
        policy: strict.yaml   # another policy file (relative to this one) or a shipped name
        index: /srv/index-v2  # optional: serve this variant from another index
      - name: c
        share: 0.0            # defined but off
        overrides:            # or: this policy with these keys replaced (deep merge)
          budget: {total_ms: 1500}

A variant names at most one of ``policy`` and ``overrides``; with neither it
is the base policy itself. Shares are >= 0 and add up to 1.

Assignment hashes (tenant, session id): the same session always gets the
same variant, different tenants are split independently, and a request
without a session id is assigned by its trace id (a coin flip per request).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ragfort.errors import PolicyError
from ragfort.policy import Policy, load_policy, merge_policy_data

__all__ = ["VariantSpec", "VariantsSpec", "assign", "parse_variants", "variant_policy"]


class VariantSpec(BaseModel):
    """One variant of a policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=32)
    share: float = Field(ge=0.0, le=1.0)
    policy: str | None = None
    overrides: dict[str, Any] | None = None
    index: str | None = None

    @field_validator("name")
    @classmethod
    def _simple_name(cls, v: str) -> str:
        if not all(ch.isalnum() or ch in "-_" for ch in v):
            raise ValueError(f"variant names are letters, digits, '-' or '_', got {v!r}")
        return v

    @model_validator(mode="after")
    def _one_source(self) -> VariantSpec:
        if self.policy is not None and self.overrides is not None:
            raise ValueError(f"variant {self.name!r} names both 'policy' and 'overrides'; keep one")
        if self.overrides is not None and "variants" in self.overrides:
            raise ValueError(f"variant {self.name!r}: overrides cannot define variants")
        if self.overrides is not None and "extends" in self.overrides:
            raise ValueError(f"variant {self.name!r}: overrides change this policy; to run another, use 'policy'")
        return self


class VariantsSpec(BaseModel):
    """The ``variants:`` list: at least two, unique names, shares adding up to 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    variants: list[VariantSpec] = Field(min_length=2)

    @model_validator(mode="after")
    def _consistent(self) -> VariantsSpec:
        names = [v.name for v in self.variants]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"variant names must be unique; repeated: {dupes}")
        total = sum(v.share for v in self.variants)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"variant shares must add up to 1, got {total:g} ({', '.join(map(str, names))})")
        return self


def parse_variants(policy: Policy) -> list[VariantSpec]:
    """The validated variants of `policy` (empty when it defines none).

    Raises:
        PolicyError: naming the policy file, the variant and the bad value.
    """
    raw = policy.raw.get("variants")
    if raw is None:
        return []
    try:
        return VariantsSpec.model_validate({"variants": raw}).variants
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            value = err.get("input")
            shown = "unknown key" if err["type"] == "extra_forbidden" else f"got {value!r}"
            problems.append(f"{loc}: {err['msg']} ({shown})")
        raise PolicyError(f"{policy.source}: bad variants: " + "; ".join(problems)) from None


def variant_policy(base: Policy, spec: VariantSpec) -> Policy:
    """The policy variant `spec` runs under.

    Raises:
        PolicyError: the variant's policy does not load, or defines variants itself.
    """
    if spec.policy is not None:
        candidate = Path(spec.policy)
        if not candidate.is_absolute() and base.source not in ("<mapping>", "<passthrough>"):
            sibling = Path(base.source).parent / candidate
            if sibling.exists():
                candidate = sibling
        try:
            pol = load_policy(str(candidate) if candidate.exists() else spec.policy)
        except PolicyError as exc:
            raise PolicyError(f"{base.source}: variant {spec.name!r}: {exc}") from None
    else:
        data = {k: v for k, v in base.raw.items() if k != "variants"}
        try:
            if spec.overrides is not None:
                data = merge_policy_data(data, spec.overrides, source=f"{base.source}#variant={spec.name}")
            pol = Policy.from_mapping(data, source=f"{base.source}#variant={spec.name}")
        except PolicyError as exc:
            raise PolicyError(f"{base.source}: variant {spec.name!r}: {exc}") from None
    if pol.raw.get("variants"):
        raise PolicyError(f"{base.source}: variant {spec.name!r} uses {pol.source}, which defines variants itself")
    return pol


def assign(variants: Sequence[VariantSpec], *, tenant: str, key: str) -> str:
    """The variant for (tenant, key): a stable hash mapped onto the cumulative shares."""
    digest = hashlib.sha256(f"{tenant}\x00{key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = 0.0
    chosen = None
    for spec in variants:
        if spec.share <= 0:
            continue
        cumulative += spec.share
        chosen = spec.name
        if point < cumulative:
            return spec.name
    if chosen is None:  # validation guarantees shares add to 1, so this is a guard against float edge cases
        raise PolicyError("no variant has a positive share")
    return chosen
