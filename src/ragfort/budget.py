"""Latency budgets: one value object with a total and per-stage parts.

Modelled on httpx's ``Timeout(5.0, connect=10.0)``: ``Budget(3000,
generation=2000)`` gives the whole request three seconds and generation at
most two of them. A stage gets the smaller of its own part and what remains
of the total (see `RunContext.stage_limit_ms`).

A budget also says what to do when generation runs out of time
(`on_timeout`, tried in order: a stale cached answer, an extractive answer
from the retrieved passages, a polite abstention) and how many times a
transient LLM error is retried, with jittered exponential backoff, while time
remains (`retries`, `backoff_ms`).

The checks below are the only rules for these values: `Budget` runs them
when built, and the policy's ``budget:`` section runs the same ones while it
validates, so a bad value in a policy file is reported under its key.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from ragfort.faults import CONNECTION_FAULTS, named

__all__ = [
    "FALLBACKS",
    "STAGES",
    "Budget",
    "backoff_s",
    "check_fallbacks",
    "check_ms",
    "check_retries",
    "is_transient",
]

# The phases a budget can limit, in request order.
STAGES: tuple[str, ...] = ("input", "retrieval", "generation", "output")
# What a request can fall back to when generation runs out of time, in the default order.
FALLBACKS: tuple[str, ...] = ("stale_cache", "extractive", "abstain")
# Exception class names that mean "try again" (provider SDKs, httpx, asyncio), matched by name so
# ragfort needs none of those packages.
_TRANSIENT_NAMES = CONNECTION_FAULTS | {
    "RateLimitError", "APIConnectionError", "APITimeoutError", "InternalServerError", "ServiceUnavailableError",
    "ServiceUnavailable", "OverloadedError",
}  # fmt: skip


def check_ms(name: str, value: float | None) -> None:
    """Raise unless `value` is None (no limit) or a positive, finite number of milliseconds.

    Raises:
        TypeError: not a number.
        ValueError: zero, negative, infinite or NaN.
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"budget {name} must be a number of milliseconds, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"budget {name} must be a positive number of milliseconds, got {value!r}")


def check_fallbacks(options: Sequence[str]) -> None:
    """Raise unless `options` names at least one fallback of `FALLBACKS`, each at most once.

    Raises:
        ValueError: empty, an unknown name, or a name listed twice.
    """
    if not options:
        raise ValueError(f"budget on_timeout needs at least one of {FALLBACKS}, got {options!r}")
    for option in options:
        if option not in FALLBACKS:
            raise ValueError(f"unknown budget fallback {option!r}; expected one of {FALLBACKS}")
    if len(set(options)) != len(options):
        raise ValueError(f"budget on_timeout lists a fallback twice: {options!r}")


def check_retries(retries: int) -> None:
    """Raise unless `retries` is an integer from 0 to 10.

    Raises:
        ValueError: anything else.
    """
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
        raise ValueError(f"budget retries must be an integer in [0, 10], got {retries!r}")


@dataclass(frozen=True, slots=True)
class Budget:
    """A request's latency budget in milliseconds; None means unlimited.

    Args:
        total_ms: the whole request.
        input: input guards.
        retrieval: retrieval plus retrieval guards.
        generation: the LLM (or the user's chain).
        output: output guards.
        on_timeout: fallbacks tried in order when generation runs out of time
            (names from `FALLBACKS`).
        retries: how many times a transient LLM error is retried while time remains.
        backoff_ms: base of the jittered exponential backoff between retries.
    """

    total_ms: float | None = None
    input: float | None = None
    retrieval: float | None = None
    generation: float | None = None
    output: float | None = None
    on_timeout: tuple[str, ...] = field(default=FALLBACKS, kw_only=True)
    retries: int = field(default=2, kw_only=True)
    backoff_ms: float = field(default=50.0, kw_only=True)

    def __post_init__(self) -> None:
        check_ms("total_ms", self.total_ms)
        for stage in STAGES:
            check_ms(stage, getattr(self, stage))
        check_ms("backoff_ms", self.backoff_ms)
        check_fallbacks(self.on_timeout)
        check_retries(self.retries)

    def part(self, stage: str) -> float | None:
        """The stage's own limit in ms (None when only the total applies)."""
        if stage not in STAGES:
            raise ValueError(f"unknown budget stage {stage!r}; expected one of {STAGES}")
        value: float | None = getattr(self, stage)
        return value

    def with_total(self, total_ms: float | None) -> Budget:
        """A copy with another total."""
        return dataclasses.replace(self, total_ms=total_ms)


def backoff_s(attempt: int, base_ms: float, *, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number `attempt` (0-based): full jitter over ``base * 2**attempt``."""
    return (rng or random).uniform(0.0, base_ms * (2**attempt)) / 1000.0


def is_transient(exc: BaseException) -> bool:
    """Whether an LLM error is worth retrying: connection trouble, rate limits, overloaded servers."""
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    return named(exc, _TRANSIENT_NAMES)
