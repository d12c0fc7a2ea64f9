"""The run context: per-request state that travels beside the turn.

A `RunContext` is created once per request and handed to every layer and
guard. It carries who is asking (tenant, session), the deadline derived from
the `Budget`, the trace id, stage timings, the verdicts and redactions
collected so far, and a free `state` dict where guards of one request share
work (for example a PII guard's session mapping, or the answer embedding).
Unlike turns it is mutable, and it never outlives its request.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ragfort.budget import Budget
from ragfort.types import Action, CacheStatus, Redaction, Verdict

__all__ = ["RunContext"]


@dataclass(slots=True, eq=False)
class RunContext:
    """Per-request state. Create one per request; never share it between requests."""

    budget: Budget = field(default_factory=Budget)
    tenant: str = "default"
    session_id: str | None = None
    trace_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    variant: str | None = None
    started: float = field(default_factory=time.perf_counter)
    timings_ms: dict[str, float] = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)
    redactions: list[Redaction] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)
    cache: CacheStatus = CacheStatus.MISS
    stopped: Action | None = None
    state: dict[str, Any] = field(default_factory=dict)

    # -- time ---------------------------------------------------------------
    @property
    def deadline(self) -> float | None:
        """`time.perf_counter()` value at which the total budget runs out, or None."""
        if self.budget.total_ms is None:
            return None
        return self.started + self.budget.total_ms / 1000.0

    def elapsed_ms(self) -> float:
        """Milliseconds since the request started."""
        return (time.perf_counter() - self.started) * 1000.0

    def remaining_ms(self) -> float | None:
        """Milliseconds left of the total budget (may be negative), or None if unlimited."""
        if self.budget.total_ms is None:
            return None
        return self.budget.total_ms - self.elapsed_ms()

    def stage_limit_ms(self, stage: str) -> float | None:
        """What a stage may spend: the smaller of its own part and what remains."""
        part = self.budget.part(stage)
        remaining = self.remaining_ms()
        if part is None:
            return remaining
        if remaining is None:
            return part
        return min(part, remaining)

    def expired(self) -> bool:
        """True once the total budget is spent."""
        remaining = self.remaining_ms()
        return remaining is not None and remaining <= 0

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Add the time spent in the block to `timings_ms[name]`."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings_ms[name] = self.timings_ms.get(name, 0.0) + (time.perf_counter() - t0) * 1000.0

    # -- records ------------------------------------------------------------
    def record(self, verdict: Verdict) -> None:
        """Keep a verdict for the result and the trace."""
        self.verdicts.append(verdict)

    def stop(self, action: Action) -> None:
        """End the request early: later layers pass the turn through untouched."""
        if self.stopped is None:
            self.stopped = action

    def degrade(self, what: str) -> None:
        """Note that part of the request was degraded to meet the budget."""
        if what not in self.degraded:
            self.degraded.append(what)
