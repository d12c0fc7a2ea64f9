"""Golden gates inside a project's own test suite.

Installing ragfort enables the plugin: it registers itself through the
``pytest11`` entry point, under the name ``ragfort`` (so ``-p no:ragfort``
turns it off; do not also pass ``-p ragfort.evals.pytest_plugin``, which
pytest rejects as the same plugin registered twice). Then::

    def test_release_gates(ragfort_eval, tmp_path):
        report = ragfort_eval("evals/help_center.jsonl", index="build/index",
                              policy="support_agent", report_dir=tmp_path)
        assert_gates(report, "evals/gates.yaml")

`ragfort_eval` runs `ragfort.evals.evaluate` (no progress bar) and returns
the report object; `assert_gates` fails the test with the list of failed
gates, and errors on a bad gate file like the CLI does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from ragfort.evals.gates import check_gates, load_gates, parse_gates

__all__ = ["assert_gates", "ragfort_eval"]


def assert_gates(report: Mapping[str, Any], gates: str | os.PathLike[str] | Mapping[str, Any]) -> None:
    """Fail (AssertionError) listing every gate the report does not pass.

    Args:
        report: a report object (``EvalOutcome.report`` or a loaded report.json).
        gates: a gate file or a mapping of metric path → condition.

    Raises:
        GoldenSetError: a bad gate file or an unknown metric path.
    """
    parsed = load_gates(gates) if isinstance(gates, str | os.PathLike) else parse_gates(gates)
    results = check_gates(parsed, report["metrics"])
    failed = [str(r) for r in results if not r.passed]
    if failed:
        raise AssertionError("ragfort gates failed:\n  " + "\n  ".join(failed))


@pytest.fixture
def ragfort_eval(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """A function running a golden set: ``ragfort_eval(golden, index=..., policy=..., gate=None, **options)``.

    Returns the report object; with ``gate=`` it also asserts the gates.
    The report folder defaults to a per-test temporary folder.
    """

    def run(
        golden: str | os.PathLike[str],
        *,
        index: str | os.PathLike[str],
        policy: Any = "support_agent",
        gate: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        from ragfort.evals.api import evaluate

        options.setdefault("report_dir", tmp_path / "ragfort-eval")
        outcome = evaluate(golden, index=index, policy=policy, **options)
        if gate is not None:
            assert_gates(outcome.report, gate)
        return outcome.report

    return run
