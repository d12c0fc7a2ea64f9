"""The eval harness's commands: golden import, golden from-feedback, eval-guard and eval; exit 2 on bad input.

Runs in-process through the ragfort CLI, without an index (the end-to-end
eval runs are in test_api.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ragfort.cli import app
from ragfort.evals.golden import load_golden

SQUAD = Path(__file__).parent / "fixtures" / "squad_tiny.json"
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_golden_import_writes_a_golden_set_and_a_corpus(tmp_path: Path) -> None:
    code, out = _run("golden", "import", "squad", str(SQUAD), "--out", str(tmp_path / "set"), "--limit", "2")
    assert code == 0, out
    assert f"wrote 2 golden records to {tmp_path / 'set' / 'golden.jsonl'}" in out
    assert f"next: ragfort ingest {tmp_path / 'set' / 'corpus'}" in out
    assert len(load_golden(tmp_path / "set" / "golden.jsonl").records) == 2
    assert any((tmp_path / "set" / "corpus").iterdir())


def test_bad_input_exits_2_with_one_error_line(tmp_path: Path) -> None:
    code, out = _run("golden", "import", "bogus", str(SQUAD), "--out", str(tmp_path / "x"))
    assert code == 2 and out == "error: unknown format 'bogus'; expected one of ['clapnq', 'faq-csv', 'squad']\n"
    code, out = _run("golden", "import", "squad", str(tmp_path / "none.json"), "--out", str(tmp_path / "y"))
    assert code == 2 and out.startswith("error: ") and "none.json" in out
    code, out = _run("eval", str(tmp_path / "golden.jsonl"), "--index", str(tmp_path / "no-index"), "-q")
    assert code == 2 and "no index at" in out


def test_calibrate_applies_to_grounding_only() -> None:
    code, out = _run("eval-guard", "pii", "anything", "--calibrate")
    assert code == 2 and "--calibrate applies to grounding, not 'pii'" in out


def test_from_feedback_turns_abstained_traces_into_candidates(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code, out = _run("golden", "from-feedback", "--out", str(tmp_path / "c.jsonl"), "--data-dir", str(home))
    assert code == 2 and "no traces under" in out

    (home / "traces").mkdir(parents=True)
    trace = {"trace_id": "t-0123456789abcdef99", "time": 1.0, "tenant": "acme", "status": "abstained",
             "question": {"text": "Do you sell smart watches?"}}  # fmt: skip
    hashed = trace | {"trace_id": "t-hashed", "question": {"sha256": "ab" * 32, "chars": 20}}
    lines = [json.dumps(trace), json.dumps(hashed)]
    (home / "traces" / "traces-2026-01-01.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = _run("golden", "from-feedback", "--out", str(tmp_path / "c.jsonl"), "--data-dir", str(home))
    assert code == 0, out
    assert "wrote 1 candidate records" in out and "1 traces skipped" in out
    (record,) = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["question"] == "Do you sell smart watches?" and "needs-review" in record["tags"]
    code, out = _run("golden", "from-feedback", "--out", str(tmp_path / "d.jsonl"), "--data-dir", str(home),
                     "--no-include-abstentions")  # fmt: skip
    assert code == 0 and "wrote 0 candidate records" in out
