"""CI gates: a YAML mapping from a dotted metric path to a condition.

::

    retrieval.recall_at_5: ">= 0.80"
    latency.total.p95_ms: "<= 800"
    privacy.pii_leaks: "== 0"

A condition is one comparison operator (``>=``, ``<=``, ``>``, ``<``, ``==``,
``!=``) and a number. A gate file that is not such a mapping, a malformed
condition, or a path that names no metric of the report is a bad gate file
(`GoldenSetError`, exit 2): a gate never passes silently. A metric that is
null because no record applied to it fails its gate ("no data").
"""

from __future__ import annotations

import math
import operator
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ragfort.errors import GoldenSetError
from ragfort.evals.metrics import lookup, possible_path

__all__ = ["Gate", "GateResult", "check_gates", "load_gates", "parse_gates"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
_CONDITION = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
_PATH = re.compile(r"^[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)+$")


@dataclass(frozen=True, slots=True)
class Gate:
    """One condition on one metric."""

    path: str
    op: str
    threshold: float

    @property
    def condition(self) -> str:
        return f"{self.op} {self.threshold:g}"


@dataclass(frozen=True, slots=True)
class GateResult:
    """A gate checked against a report: passed or not, with the value seen."""

    gate: Gate
    value: float | None
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.gate.path, "condition": self.gate.condition, "value": self.value, "passed": self.passed}

    def __str__(self) -> str:
        seen = "no data" if self.value is None else f"{self.value:g}"
        mark = "ok  " if self.passed else "FAIL"
        return f"{mark} {self.gate.path} {self.gate.condition} (got {seen})"


def parse_gates(data: Any, *, source: str = "gates") -> list[Gate]:
    """Gates from a parsed YAML document; raises `GoldenSetError` naming the bad entry."""
    if not isinstance(data, Mapping) or not data:
        raise GoldenSetError(f"{source}: expected a non-empty mapping of metric path to condition, got {data!r}")
    gates = []
    for path, condition in data.items():
        if not isinstance(path, str) or not _PATH.match(path):
            raise GoldenSetError(f"{source}: {path!r} is not a dotted metric path like 'retrieval.recall_at_5'")
        if not isinstance(condition, str):
            raise GoldenSetError(
                f'{source}: condition for {path!r} must be a quoted string like ">= 0.8", got {condition!r}'
            )
        match = _CONDITION.match(condition)
        if match is None:
            raise GoldenSetError(
                f"{source}: malformed condition {condition!r} for {path!r}; expected an operator "
                f"({', '.join(_OPS)}) and a number"
            )
        threshold = float(match.group(2))
        if not math.isfinite(threshold):
            raise GoldenSetError(f"{source}: threshold for {path!r} is not finite: {condition!r}")
        if not possible_path(path):
            raise GoldenSetError(f"{source}: unknown metric path {path!r}; see docs/evaluation.md for the names")
        gates.append(Gate(path=path, op=match.group(1), threshold=threshold))
    return gates


def load_gates(path: str | os.PathLike[str]) -> list[Gate]:
    """Read and parse a gate file (YAML, safe loader)."""
    src = Path(path)
    try:
        text = src.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GoldenSetError(f"gate file {str(src)!r} does not exist") from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise GoldenSetError(f"gate file {str(src)!r} cannot be read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GoldenSetError(f"gate file {str(src)!r} is not valid YAML: {exc}") from None
    return parse_gates(data, source=str(src))


def check_gates(gates: list[Gate], metrics: Mapping[str, Any], *, source: str = "gates") -> list[GateResult]:
    """Check every gate; raises `GoldenSetError` for paths that name no metric (all of them at once)."""
    unknown = []
    results = []
    for gate in gates:
        try:
            value = lookup(metrics, gate.path)
        except KeyError:
            unknown.append(gate.path)
            continue
        if value is None:
            results.append(GateResult(gate, None, False))
            continue
        number = float(value)
        results.append(GateResult(gate, number, _OPS[gate.op](number, gate.threshold)))
    if unknown:
        raise GoldenSetError(f"{source}: unknown metric path(s) {unknown!r}; see report.json 'metrics' for the names")
    return results
