"""End to end over the bundled help center: report files, gates, resume, baseline, privacy.

These run the real stack (Chroma, MiniLM, the extractive generator, the
policy's guards, Presidio for PII values) through the CLI in-process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import REPO
from typer.testing import CliRunner

from ragfort.cli import app
from ragfort.errors import GoldenSetError

pytestmark = pytest.mark.slow

GOLDEN = REPO / "evals" / "help_center.jsonl"
# Personal values typed in the golden questions (the pii-tagged records).
PII_VALUES = [
    "Maria Gonzalez",
    "maria.g@example.com",
    "Tom Becker",
    "4111 1111 1111 1111",
    "Priya Natarajan",
    "42 Elm Street",
    "Kenji Watanabe",
    "555-013-2288",
    "Ana Souza",
    "ana.souza88@example.net",
    "4820019375",
    "Liam O'Connor",
    "123-45-6789",
    "Fatima Zahra",
    "fatima.z@example.org",
    "555 014 7221",
    "Diego Ramirez",
    "1550 Harbor Blvd",
    "5555 5555 5555 4444",
    "Sophie Müller",
    "sophie.mueller@example.de",
    "Omar Haddad",
    "omar.h@example.com",
]

runner = CliRunner()


def _eval(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["eval", *args, "-q"], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def full_run(help_center_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled set run once, with the shipped gates; the report dir."""
    report = tmp_path_factory.mktemp("eval") / "report"
    code, out = _eval(
        str(GOLDEN),
        "--index",
        str(help_center_index),
        "--report",
        str(report),
        "--gate",
        str(REPO / "evals" / "gates.yaml"),
        "--resamples",
        "200",
    )
    assert code == 0, out
    return report


def test_the_report_folder_has_json_markdown_and_self_contained_html(full_run: Path) -> None:
    report = json.loads((full_run / "report.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == 1
    assert report["metrics"]["run"]["records"] == 69
    assert 0.0 <= report["metrics"]["retrieval"]["recall_at_5"] <= 1.0
    assert report["intervals"]["retrieval.recall_at_5"][0] <= report["metrics"]["retrieval"]["recall_at_5"]
    assert report["gates"]["passed"] is True
    assert "pii" in report["by_tag"] and "split:dev" in report["by_tag"]
    html = (full_run / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 3
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "## Metrics" in (full_run / "report.md").read_text(encoding="utf-8")
    assert len((full_run / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 69


def test_no_personal_value_from_a_question_is_written_anywhere(full_run: Path) -> None:
    for name in ("report.json", "report.md", "report.html", "results.jsonl"):
        text = (full_run / name).read_text(encoding="utf-8")
        found = [v for v in PII_VALUES if v.lower() in text.lower()]
        assert found == [], f"{name} contains {found}"


def test_a_failing_gate_exits_1_with_the_failed_gates_listed(
    help_center_index: Path, full_run: Path, tmp_path: Path
) -> None:
    gates = tmp_path / "strict.yaml"
    gates.write_text('retrieval.recall_at_5: ">= 1.01"\nprivacy.pii_leaks: "== 0"\n', encoding="utf-8")
    # Same report dir: everything is already done, so this only re-scores.
    code, out = _eval(
        str(GOLDEN),
        "--index",
        str(help_center_index),
        "--report",
        str(full_run),
        "--gate",
        str(gates),
        "--resamples",
        "50",
    )
    assert code == 1
    assert "FAIL retrieval.recall_at_5 >= 1.01" in out and "ok   privacy.pii_leaks == 0" in out
    report = json.loads((full_run / "report.json").read_text(encoding="utf-8"))
    assert report["gates"]["passed"] is False


def test_a_bad_gate_file_exits_2_before_running(help_center_index: Path, tmp_path: Path) -> None:
    gates = tmp_path / "bad.yaml"
    gates.write_text('retrieval.recall_at_50: ">= 0.5"\n', encoding="utf-8")
    code, out = _eval(
        str(GOLDEN), "--index", str(help_center_index), "--report", str(tmp_path / "r"), "--gate", str(gates)
    )
    assert code == 2 and "unknown metric path 'retrieval.recall_at_50'" in out
    assert not (tmp_path / "r" / "results.jsonl").exists()


def test_a_golden_file_with_nothing_valid_exits_2_and_one_bad_line_does_not(
    help_center_index: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\nnot json\n', encoding="utf-8")
    code, out = _eval(str(bad), "--index", str(help_center_index), "--report", str(tmp_path / "r1"))
    assert code == 2 and "no valid record" in out and "line 1" in out
    mixed = tmp_path / "mixed.jsonl"
    good = GOLDEN.read_text(encoding="utf-8").splitlines()[0]
    unknown = json.loads(good) | {"id": "u", "relevant_doc_ids": ["nope.md"]}
    mixed.write_text(f"{good}\nnot json\n{json.dumps(unknown)}\n", encoding="utf-8")
    code, out = _eval(str(mixed), "--index", str(help_center_index), "--report", str(tmp_path / "r2"))
    assert code == 0, out
    assert "line 2" in out and "unknown-doc" in out
    assert json.loads((tmp_path / "r2" / "report.json").read_text())["metrics"]["run"]["records"] == 1


def test_an_interrupted_run_resumes_where_it_stopped(help_center_index: Path, tmp_path: Path) -> None:
    report = tmp_path / "r"
    code, _ = _eval(
        str(GOLDEN), "--index", str(help_center_index), "--report", str(report), "--limit", "4", "--resamples", "20"
    )
    assert code == 0
    first = {json.loads(x)["id"]: json.loads(x)["trace_id"] for x in (report / "results.jsonl").open()}
    # A torn last line, as if killed mid-write.
    with open(report / "results.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"id": "hc-0')
    code, _ = _eval(
        str(GOLDEN), "--index", str(help_center_index), "--report", str(report), "--limit", "8", "--resamples", "20"
    )
    assert code == 0
    rows = [
        json.loads(x) for x in (report / "results.jsonl").open() if x.startswith('{"id": "hc-0') and x.endswith("}\n")
    ]
    by_id = {r["id"]: r["trace_id"] for r in rows}
    assert len(by_id) == 8
    assert all(by_id[k] == v for k, v in first.items())  # the first four were not run again
    code, out = _eval(
        str(GOLDEN),
        "--index",
        str(help_center_index),
        "--report",
        str(report),
        "--limit",
        "8",
        "--policy",
        "passthrough",
    )
    assert code == 2 and "different run" in out and "--fresh" in out


def test_baseline_comparison_and_the_pytest_fixture(
    help_center_index: Path, full_run: Path, ragfort_eval, tmp_path: Path
) -> None:
    report = ragfort_eval(
        GOLDEN,
        index=help_center_index,
        policy="support_agent",
        baseline=full_run / "report.json",
        resamples=100,
        report_dir=tmp_path / "again",
    )
    comparison = report["comparison"]
    verdicts = {c["metric"]: c["verdict"] for c in comparison["changes"]}
    # Same data, same extractive generator: retrieval and answers do not move.
    assert verdicts["retrieval.recall_at_5"] == "same" and verdicts["answers.token_f1"] == "same"
    with pytest.raises(AssertionError, match=r"FAIL retrieval\.mrr >= 1\.5"):
        ragfort_eval(
            GOLDEN,
            index=help_center_index,
            gate={"retrieval.mrr": ">= 1.5"},
            limit=2,
            resamples=10,
            report_dir=tmp_path / "small",
        )
    with pytest.raises(GoldenSetError):
        ragfort_eval(
            GOLDEN, index=help_center_index, gate={"retrieval.mrrr": ">= 0.5"}, limit=2, report_dir=tmp_path / "small2"
        )
