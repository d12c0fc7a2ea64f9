"""Candidate golden records from traces with negative feedback and abstentions."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ragfort.evals.feedback import candidates_from_feedback
from ragfort.evals.golden import load_golden


def _trace(trace_id: str, status: str, question: dict[str, object], tenant: str = "acme") -> dict[str, object]:
    return {
        "trace_id": trace_id,
        "time": 1.0,
        "tenant": tenant,
        "status": status,
        "question": question,
        "chunks": ["c1"],
        "citations": [{"id": 1, "doc_id": "returns/devices.md", "start": 0, "end": 5}],
    }


def _setup(data: Path) -> None:
    traces = data / "traces" / "acme"
    traces.mkdir(parents=True)
    lines = [
        _trace("t-neg", "ok", {"text": "How long do refunds take for <EMAIL_ADDRESS_1>?"}),
        _trace("t-abst", "abstained", {"text": "Do you sell smart watches?"}),
        _trace("t-hash", "ok", {"sha256": "ab" * 32, "chars": 40}),
        _trace("t-pos", "ok", {"text": "What is roaming?"}),
        _trace("t-other", "abstained", {"text": "Other tenant question"}, tenant="globex"),
    ]
    (traces / "traces-2026-01-01.jsonl").write_text(
        "\n".join(json.dumps(x) for x in lines) + "\n{torn", encoding="utf-8"
    )
    con = sqlite3.connect(data / "feedback.sqlite")
    con.execute(
        "CREATE TABLE feedback(id INTEGER PRIMARY KEY, trace_id TEXT NOT NULL, tenant TEXT NOT NULL, "
        "variant TEXT, rating INTEGER NOT NULL, comment TEXT, created REAL NOT NULL)"
    )
    con.executemany(
        "INSERT INTO feedback(trace_id, tenant, variant, rating, comment, created) VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("t-neg", "acme", None, -1, "Wrong! Email me at jane.doe@example.com", 2.0),
            ("t-hash", "acme", None, -1, None, 3.0),
            ("t-pos", "acme", None, 1, "great", 4.0),
        ],
    )
    con.commit()
    con.close()


def test_negative_feedback_and_abstentions_become_redacted_candidates(tmp_path: Path) -> None:
    _setup(tmp_path)
    out = tmp_path / "candidates.jsonl"
    result = candidates_from_feedback(tmp_path, out=out, tenant="acme")
    by_trace = {r.meta["trace_id"]: r for r in result.records}
    assert set(by_trace) == {"t-neg", "t-abst"}
    neg = by_trace["t-neg"]
    assert neg.question == "How long do refunds take for <EMAIL_ADDRESS_1>?"
    assert neg.answerable and "negative-feedback" in neg.tags and "needs-review" in neg.tags
    assert "abstained" in by_trace["t-abst"].tags and not by_trace["t-abst"].answerable
    assert any("digest" in note for note in result.notes)
    text = out.read_text(encoding="utf-8")
    assert "jane.doe@example.com" not in text
    # Unreviewed candidates are refused by the harness until the tag goes.
    load = load_golden(out)
    assert load.records == () and {p.kind for p in load.problems} == {"needs-review"}


def test_all_tenants_when_none_is_named(tmp_path: Path) -> None:
    _setup(tmp_path)
    result = candidates_from_feedback(tmp_path, out=tmp_path / "c.jsonl", include_abstentions=False)
    assert [r.meta["trace_id"] for r in result.records] == ["t-neg"]
