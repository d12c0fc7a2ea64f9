"""The pytest plugin: `assert_gates` fails a test listing every failed gate; the fixture comes with ragfort."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from ragfort.errors import GoldenSetError, IndexError_
from ragfort.evals.pytest_plugin import assert_gates

REPORT = {"metrics": {"retrieval": {"recall_at_5": 0.75, "mrr": 0.5}, "privacy": {"pii_leaks": 0}}}


def test_passing_gates_pass_silently() -> None:
    assert_gates(REPORT, {"retrieval.recall_at_5": ">= 0.7", "privacy.pii_leaks": "== 0"})


def test_failed_gates_are_all_listed(tmp_path: Path) -> None:
    gates = tmp_path / "gates.yaml"
    gates.write_text('retrieval.recall_at_5: ">= 0.8"\nretrieval.mrr: "> 0.5"\nprivacy.pii_leaks: "== 0"\n')
    with pytest.raises(AssertionError) as info:
        assert_gates(REPORT, gates)
    assert str(info.value).splitlines() == [
        "ragfort gates failed:",
        "  FAIL retrieval.recall_at_5 >= 0.8 (got 0.75)",
        "  FAIL retrieval.mrr > 0.5 (got 0.5)",
    ]


def test_a_bad_gate_is_an_error_not_a_failure(tmp_path: Path) -> None:
    with pytest.raises(GoldenSetError, match="unknown metric path"):
        assert_gates(REPORT, {"retrieval.recall_at_50": ">= 0.5"})
    with pytest.raises(GoldenSetError, match="does not exist"):
        assert_gates(REPORT, tmp_path / "missing.yaml")


def test_the_fixture_runs_evaluate_and_names_a_missing_index(ragfort_eval: Any, tmp_path: Path) -> None:
    golden = tmp_path / "golden.jsonl"
    golden.write_text('{"id": "a", "question": "How long?", "reference_answer": "", "answerable": false}\n')
    with pytest.raises(IndexError_, match="no index at"):
        ragfort_eval(golden, index=tmp_path / "no-index")


def test_the_plugin_is_registered_for_every_project_that_installs_ragfort(tmp_path: Path) -> None:
    (ep,) = [ep for ep in entry_points(group="pytest11") if ep.value == "ragfort.evals.pytest_plugin"]
    assert ep.name == "ragfort"
    (tmp_path / "test_gates.py").write_text(
        "from ragfort.evals.pytest_plugin import assert_gates\n\n"
        "def test_fixture_is_there(ragfort_eval):\n    assert callable(ragfort_eval)\n\n"
        "def test_gate_fails():\n"
        "    assert_gates({'metrics': {'privacy': {'pii_leaks': 2}}}, {'privacy.pii_leaks': '== 0'})\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "-c", "/dev/null",
         str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert "1 failed, 1 passed" in run.stdout, run.stdout + run.stderr
    assert "FAIL privacy.pii_leaks == 0 (got 2)" in run.stdout
