"""Offline evaluation: golden sets, metrics, reports and CI gates.

    from ragfort.evals import evaluate
    outcome = evaluate("evals/help_center.jsonl", index=".ragfort/index", gates="evals/gates.yaml")
    outcome.report["metrics"]["retrieval"]["recall_at_5"], outcome.passed

The pieces: `golden` (schema, loading), `validate` (index coverage,
duplicates, split leakage, reviewer consensus), `runner` (concurrent,
resumable runs), `scoring` and `metrics` (per-record scores, aggregates with
bootstrap intervals), `privacy` (PII leak detection), `gates`, `compare`,
`render` (report.json/.md/.html), `convert` (dataset importers), `feedback`
(candidates from production), `guard_eval` (scoring detectors themselves),
`pytest_plugin`.
"""

from ragfort.evals.api import SCHEMA_VERSION, EvalOutcome, evaluate
from ragfort.evals.gates import Gate, GateResult, check_gates, load_gates, parse_gates
from ragfort.evals.golden import GoldenLoad, GoldenRecord, Label, Problem, load_golden, write_golden
from ragfort.evals.metrics import compute_metrics
from ragfort.evals.validate import Validated, validate_golden

__all__ = [
    "SCHEMA_VERSION",
    "EvalOutcome",
    "Gate",
    "GateResult",
    "GoldenLoad",
    "GoldenRecord",
    "Label",
    "Problem",
    "Validated",
    "check_gates",
    "compute_metrics",
    "evaluate",
    "load_gates",
    "load_golden",
    "parse_gates",
    "validate_golden",
    "write_golden",
]
