"""The report folder's renderings: Markdown for CI logs, escaped self-contained HTML, and the three files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ragfort.evals.render import render_html, render_markdown, write_reports


@pytest.fixture
def report() -> dict[str, Any]:
    """A small report object shaped like `ragfort.evals.api.evaluate`'s."""
    problems = [
        {"line": i, "id": f"r{i}", "severity": "error", "kind": "schema", "message": "missing field"}
        for i in range(1, 53)
    ]
    return {
        "schema_version": 1,
        "config": {"golden": "evals/help.jsonl", "index": "idx", "index_version": "v1", "policy": "support_agent",
                   "policy_fingerprint": "abc123", "generator": "extractive", "seed": 0, "concurrency": 2,
                   "resamples": 100},
        "run": {"wall_s": 1.5, "records_run": 3},
        "golden": {"evaluated": 3, "errors": 1, "warnings": 0, "problems": problems},
        "metrics": {"run": {"records": 3}, "retrieval": {"recall_at_5": 0.5, "mrr": 0.25},
                    "privacy": {"pii_leaks": 0}, "answers": {"token_f1": None}},
        "intervals": {"retrieval.recall_at_5": [0.25, 0.75]},
        "support": {"retrieval.recall_at_5": 2},
        "by_tag": {"a|b": {"metrics": {"run": {"records": 1}, "retrieval": {"recall_at_5": 1.0}}}},
        "gates": {"passed": False, "results": [
            {"metric": "retrieval.recall_at_5", "condition": ">= 0.8", "value": 0.5, "passed": False},
            {"metric": "privacy.pii_leaks", "condition": "== 0", "value": 0.0, "passed": True},
        ]},
        "comparison": {"baseline": "old/report.json", "changes": [
            {"metric": "retrieval.recall_at_5", "old": 0.9, "new": 0.5, "delta": -0.4, "verdict": "regression"},
            {"metric": "privacy.pii_leaks", "old": 0, "new": 0, "delta": 0.0, "verdict": "same"},
        ]},
        "worst": [
            {"id": "r1", "reasons": ["missed retrieval"], "tags": ["pii"], "question": "Where is <b>my</b> order?",
             "question_source": "redacted", "status": "ok", "docs": ["a.md"], "relevant_doc_ids": ["b.md"],
             "answer": "It ships in 2 days.", "citations": [{"id": 1, "doc_id": "a.md", "quote": "ships"}],
             "claims": [{"text": "It ships in 2 days.", "supported": False, "score": 0.12}]},
            {"id": "r2", "reasons": ["error"], "tags": [], "error": "ChainError: boom"},
        ],
    }  # fmt: skip


def _section(markdown: str, heading: str) -> list[str]:
    lines = markdown.splitlines()
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return [line for line in lines[start:end] if line]


def test_markdown_has_the_gates_changes_metrics_and_examples(report: dict[str, Any]) -> None:
    md = render_markdown(report)
    assert md.startswith("# ragfort eval report\n\n- golden set: `evals/help.jsonl` (3 records evaluated, 1 dropped")
    assert _section(md, "## Gates: FAILED")[2:] == [
        "| retrieval.recall_at_5 | >= 0.8 | 0.500 | **FAIL** |",
        "| privacy.pii_leaks | == 0 | 0.000 | pass |",
    ]
    # Only notable changes are listed.
    assert _section(md, "## Compared with `old/report.json`")[2:] == [
        "| retrieval.recall_at_5 | 0.900 | 0.500 | -0.4 | **regression** |"
    ]
    metrics = _section(md, "## Metrics")
    assert "| retrieval.recall_at_5 | 0.500 | [0.250, 0.750] | 2 |" in metrics
    assert "| answers.token_f1 | – |  | – |" in metrics  # no data is a dash, not "None"
    assert _section(md, "## By tag")[2].startswith("| a\\|b | 1 | 1.000 |")  # a pipe in a cell is escaped
    worst = _section(md, "## Worst examples")
    assert "  - claim (UNSUPPORTED): It ships in 2 days." in worst and "- error: ChainError: boom" in worst


def test_markdown_lists_fifty_problems_then_points_to_the_json(report: dict[str, Any]) -> None:
    problems = _section(render_markdown(report), "## Golden set problems")
    assert len(problems) == 51 and problems[0] == "- line 1 (r1): error: schema: missing field"
    assert problems[-1] == "- ... 2 more in report.json"


def test_markdown_without_gates_or_baseline_leaves_those_sections_out(report: dict[str, Any]) -> None:
    plain = copy.deepcopy(report)
    del plain["gates"], plain["comparison"]
    plain["golden"]["problems"] = []
    md = render_markdown(plain)
    assert "## Gates" not in md and "## Compared" not in md and "## Golden set problems" not in md


def test_html_escapes_every_text_and_embeds_its_figures(report: dict[str, Any]) -> None:
    page = render_html(report, [])
    assert "Where is &lt;b&gt;my&lt;/b&gt; order?" in page and "<b>my</b>" not in page
    assert "<h2>Gates: <span class='fail'>FAILED</span></h2>" in page
    assert '<tr class="regression">' in page and "<td>same</td>" not in page
    assert page.count("src='data:image/png;base64,") >= 1
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_write_reports_writes_the_three_files(report: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report"
    write_reports(report, out, [])
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == report
    assert (out / "report.md").read_text(encoding="utf-8") == render_markdown(report)
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!doctype html>")
