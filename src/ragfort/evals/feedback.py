"""Mining production for golden candidates: negative feedback and abstentions.

``ragfort golden from-feedback`` reads the service's feedback table
(``DATA_DIR/feedback.sqlite``, table ``feedback``) and trace files
(``DATA_DIR/traces/**.jsonl``) and writes candidate golden records for a
person to review:

- every trace rated negatively (``rating < 0``), and
- every abstained trace (the help center may lack an article, or retrieval
  missed one).

Only redacted text is ever used: a trace holds the question text only when a
PII guard checked it (otherwise just a digest, and the trace is skipped with
a note). Feedback comments are free text from customers; they are redacted
with ragfort's PII detector when it is installed and left out otherwise.
Candidates carry the ``needs-review`` tag, which makes ``ragfort eval``
refuse them until a reviewer has filled in the reference answer and doc ids
and removed the tag.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragfort.errors import InputError
from ragfort.evals.golden import REVIEW_TAG, GoldenRecord, write_golden

__all__ = ["FeedbackCandidates", "candidates_from_feedback"]


@dataclass
class FeedbackCandidates:
    """What mining wrote, and what it skipped and why."""

    written: int
    notes: list[str] = field(default_factory=list)
    records: list[GoldenRecord] = field(default_factory=list)


def _traces(directory: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(directory.rglob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn line at the end of a file being written
                if isinstance(record, dict) and record.get("trace_id"):
                    yield record


def _feedback(db: Path) -> dict[str, list[dict[str, Any]]]:
    if not db.exists():
        return {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT trace_id, tenant, variant, rating, comment, created FROM feedback ORDER BY created"
        ).fetchall()
    except sqlite3.Error as exc:
        raise InputError(f"{db}: cannot read the feedback table ({exc})") from None
    finally:
        con.close()
    out: dict[str, list[dict[str, Any]]] = {}
    for trace_id, tenant, variant, rating, comment, created in rows:
        out.setdefault(str(trace_id), []).append(
            {"tenant": tenant, "variant": variant, "rating": int(rating), "comment": comment, "created": created}
        )
    return out


def _comment_redactor() -> Any:
    try:
        from ragfort.pii import get_detector
    except ImportError:
        return None
    detector = get_detector()

    def redact(text: str) -> str:
        for d in sorted(detector.detect(text), key=lambda d: -d.start):
            text = text[: d.start] + f"<{d.entity}>" + text[d.end :]
        return text

    return redact


def candidates_from_feedback(
    data_dir: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str],
    tenant: str | None = None,
    include_abstentions: bool = True,
) -> FeedbackCandidates:
    """Write candidate golden records (JSONL, tagged ``needs-review``) to `out`.

    Args:
        data_dir: the ragfort data dir (traces/ and feedback.sqlite inside).
        out: the candidates file.
        tenant: only this tenant's traces and feedback.
        include_abstentions: also propose abstained requests without feedback.
    """
    root = Path(data_dir)
    trace_dir = root / "traces"
    if not trace_dir.is_dir():
        raise InputError(f"no traces under {str(trace_dir)!r}; run the service with tracing first")
    feedback = _feedback(root / "feedback.sqlite")
    redact = _comment_redactor()
    notes: list[str] = []
    records: list[GoldenRecord] = []
    seen_questions: set[str] = set()
    no_text = dropped_comments = 0
    for trace in _traces(trace_dir):
        if tenant is not None and trace.get("tenant") != tenant:
            continue
        votes = [f for f in feedback.get(str(trace["trace_id"]), []) if tenant is None or f["tenant"] == tenant]
        negative = [f for f in votes if f["rating"] < 0]
        abstained = trace.get("status") == "abstained"
        if not negative and not (include_abstentions and abstained):
            continue
        question = (trace.get("question") or {}).get("text")
        if not isinstance(question, str) or not question.strip():
            no_text += 1
            continue
        key = " ".join(question.casefold().split())
        if key in seen_questions:
            continue
        seen_questions.add(key)
        comments = []
        for vote in negative:
            if vote["comment"]:
                if redact is None:
                    dropped_comments += 1
                else:
                    comments.append(redact(str(vote["comment"])))
        tags = ["from-feedback", REVIEW_TAG]
        if negative:
            tags.append("negative-feedback")
        if abstained:
            tags.append("abstained")
        records.append(
            GoldenRecord(
                id=f"fb-{str(trace['trace_id'])[:16]}",
                question=question,
                reference_answer="",
                relevant_doc_ids=(),
                # A customer who rated the answer down expected one; an abstention
                # without feedback may be right: the reviewer decides.
                answerable=bool(negative),
                tags=tuple(tags),
                meta={
                    "trace_id": trace["trace_id"],
                    "tenant": trace.get("tenant"),
                    "status": trace.get("status"),
                    "retrieved": trace.get("chunks", []),
                    "cited": [c.get("doc_id") for c in trace.get("citations", [])],
                    "ratings": [v["rating"] for v in votes],
                    "comments": comments,
                },
            )
        )
    if no_text:
        notes.append(
            f"{no_text} traces skipped: their question was not checked by a PII guard, so only a digest was kept"
        )
    if dropped_comments:
        notes.append(f"{dropped_comments} feedback comments left out: ragfort.pii is not installed to redact them")
    write_golden(records, out)
    return FeedbackCandidates(written=len(records), notes=notes, records=records)
