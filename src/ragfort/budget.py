"""Latency budgets: one value object with a total and per-stage parts.

Modelled on httpx's ``Timeout(5.0, connect=10.0)``: ``Budget(3000,
generation=2000)`` gives the whole request three seconds and generation at
most two of them. A stage gets the smaller of its own part and what remains
of the total (see `RunContext.stage_deadline`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["STAGES", "Budget"]

# The phases a budget can limit, in request order.
STAGES: tuple[str, ...] = ("input", "retrieval", "generation", "output")


def _check_ms(name: str, value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"budget {name} must be a number of milliseconds, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"budget {name} must be a positive number of milliseconds, got {value!r}")


@dataclass(frozen=True, slots=True)
class Budget:
    """A request's latency budget in milliseconds; None means unlimited.

    Args:
        total_ms: the whole request.
        input: input guards.
        retrieval: retrieval plus retrieval guards.
        generation: the LLM (or the user's chain).
        output: output guards.
    """

    total_ms: float | None = None
    input: float | None = None
    retrieval: float | None = None
    generation: float | None = None
    output: float | None = None

    def __post_init__(self) -> None:
        _check_ms("total_ms", self.total_ms)
        for stage in STAGES:
            _check_ms(stage, getattr(self, stage))

    def part(self, stage: str) -> float | None:
        """The stage's own limit in ms (None when only the total applies)."""
        if stage not in STAGES:
            raise ValueError(f"unknown budget stage {stage!r}; expected one of {STAGES}")
        value: float | None = getattr(self, stage)
        return value

    def with_total(self, total_ms: float | None) -> Budget:
        """A copy with another total."""
        return Budget(total_ms, self.input, self.retrieval, self.generation, self.output)
