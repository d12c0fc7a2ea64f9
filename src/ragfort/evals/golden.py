"""Golden sets: the JSONL schema, loading with per-line problems, and reviewer labels.

One record per line, as in the product contract::

    {"id": "q1", "question": "...", "reference_answer": "...",
     "relevant_doc_ids": ["refunds-devices.md"], "answerable": true, "tags": ["billing"]}

Optional fields extend it:

- ``history``: the conversation before the question, for follow-ups
  (``[{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]``;
  roles ``user``, ``assistant`` or ``system``). The runner passes it to the chain
  as ``chat_history``; ``question`` is then the follow-up as the customer typed it.
- ``standalone_question``: the same question written out in full, needing no history
  ("How long do I have to return a charger?" for "What about the charger?"). Never
  sent to the chain; it names what the record asks (duplicate checks, the judge).
- ``labels``: judgements from several reviewers, ``[{"reviewer": "a", "answerable": true}, ...]``.
  When they disagree the record has no consensus and is kept out of the metrics and gates;
  agreement across the set is reported as Cohen's kappa (`ragfort.evals.agreement`).
- ``meta``: free-form provenance (source dataset, original id); never used for scoring.

A bad line is reported with its line number and skipped; it never aborts the load.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from ragfort.errors import GoldenSetError

__all__ = [
    "ROLES",
    "ChatTurn",
    "GoldenLoad",
    "GoldenRecord",
    "Label",
    "Problem",
    "load_golden",
    "split_of",
    "write_golden",
]

REVIEW_TAG = "needs-review"
SPLIT_PREFIX = "split:"
ROLES = ("user", "assistant", "system")


class Label(BaseModel):
    """One reviewer's judgement of a record."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reviewer: str = Field(min_length=1)
    answerable: bool


class ChatTurn(BaseModel):
    """One earlier message of a conversation record."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    content: str

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"role must be one of {list(ROLES)}, got {value!r}")
        return value

    @field_validator("content")
    @classmethod
    def _content_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content is blank")
        return value


class GoldenRecord(BaseModel):
    """One golden question and what a correct run does with it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    reference_answer: str = ""
    relevant_doc_ids: tuple[str, ...] = ()
    answerable: bool
    tags: tuple[str, ...] = ()
    labels: tuple[Label, ...] = ()
    meta: dict[str, Any] = Field(default_factory=dict)
    history: tuple[ChatTurn, ...] = ()
    standalone_question: str | None = None

    @field_validator("question", "standalone_question")
    @classmethod
    def _question_not_blank(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(f"{info.field_name} is blank")
        return value

    @field_validator("history", mode="before")
    @classmethod
    def _history_is_a_list_of_objects(cls, value: Any) -> Any:
        # Pydantic's own words here ("a valid tuple", "instance of ChatTurn") name types the file never holds.
        shape = 'a list of {"role": ..., "content": ...} objects'
        if not isinstance(value, list | tuple):
            raise ValueError(f"history must be {shape}, got {type(value).__name__}")
        for i, item in enumerate(value):
            if not isinstance(item, dict | ChatTurn):
                raise ValueError(f"history must be {shape}; message {i} is a {type(item).__name__}: {item!r:.60}")
        return value

    @property
    def asks(self) -> str:
        """What the record asks, readable without the conversation.

        The standalone question when given; else the question, after the
        customer's earlier messages when there is a history (so two follow-ups
        typed alike in different conversations are different questions).
        """
        if self.standalone_question is not None:
            return self.standalone_question
        earlier = [turn.content for turn in self.history if turn.role == "user"]
        return "\n".join([*earlier, self.question])

    @field_validator("tags", "relevant_doc_ids")
    @classmethod
    def _no_blank_entries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not item.strip():
                raise ValueError(f"blank entry in {list(value)!r}")
        return value

    def to_json(self) -> dict[str, Any]:
        """The record as a JSONL object (optional fields only when set)."""
        out: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "reference_answer": self.reference_answer,
            "relevant_doc_ids": list(self.relevant_doc_ids),
            "answerable": self.answerable,
            "tags": list(self.tags),
        }
        if self.labels:
            out["labels"] = [label.model_dump() for label in self.labels]
        if self.meta:
            out["meta"] = self.meta
        if self.history:
            out["history"] = [turn.model_dump() for turn in self.history]
        if self.standalone_question is not None:
            out["standalone_question"] = self.standalone_question
        return out


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one golden record (or a pair of them).

    `severity` is ``error`` when the record is dropped from the run and
    ``warning`` when it is kept.
    """

    kind: str
    message: str
    line: int | None = None
    record_id: str | None = None
    severity: str = "error"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "line": self.line,
            "id": self.record_id,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "golden set"
        ident = f" ({self.record_id})" if self.record_id else ""
        return f"{where}{ident}: {self.severity}: {self.kind}: {self.message}"


@dataclass(frozen=True, slots=True)
class GoldenLoad:
    """The valid records of a golden file, their line numbers, and every problem found."""

    path: Path
    records: tuple[GoldenRecord, ...]
    lines: dict[str, int]
    problems: tuple[Problem, ...] = ()
    sha256: str = ""
    total_lines: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def split_of(record: GoldenRecord) -> str | None:
    """The record's split (``train``, ``dev``, ``test``) from its ``split:`` tag, if any."""
    for tag in record.tags:
        if tag.startswith(SPLIT_PREFIX):
            return tag[len(SPLIT_PREFIX) :]
    return None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def load_golden(path: str | os.PathLike[str]) -> GoldenLoad:
    """Read a golden JSONL file; every bad line becomes a `Problem`, never an exception.

    Raises:
        GoldenSetError: the file cannot be read at all.
    """
    src = Path(path)
    try:
        raw = src.read_bytes()
    except FileNotFoundError:
        raise GoldenSetError(f"golden set {str(src)!r} does not exist") from None
    except IsADirectoryError:
        raise GoldenSetError(f"golden set {str(src)!r} is a folder, not a JSONL file") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GoldenSetError(f"golden set {str(src)!r} is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    records: list[GoldenRecord] = []
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    total = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        total += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem("json", f"not valid JSON ({exc.msg} at column {exc.colno})", line=number))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem("schema", f"expected a JSON object, got {type(obj).__name__}", line=number))
            continue
        ident = obj.get("id") if isinstance(obj.get("id"), str) else None
        try:
            rec = GoldenRecord.model_validate(obj)
        except ValidationError as exc:
            problems.append(Problem("schema", _describe(exc), line=number, record_id=ident))
            continue
        if rec.id in lines:
            problems.append(
                Problem(
                    "duplicate-id", f"id {rec.id!r} already used on line {lines[rec.id]}", line=number, record_id=rec.id
                )
            )
            continue
        if REVIEW_TAG in rec.tags:
            problems.append(
                Problem(
                    "needs-review", "candidate record not reviewed yet (remove the tag)", line=number, record_id=rec.id
                )
            )
            continue
        lines[rec.id] = number
        records.append(rec)
    return GoldenLoad(
        path=src,
        records=tuple(records),
        lines=lines,
        problems=tuple(problems),
        sha256=hashlib.sha256(raw).hexdigest(),
        total_lines=total,
    )


def write_golden(records: list[GoldenRecord] | tuple[GoldenRecord, ...], path: str | os.PathLike[str]) -> Path:
    """Write records as JSONL (UTF-8, one object per line); returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec.to_json(), ensure_ascii=False) + "\n")
    return out
