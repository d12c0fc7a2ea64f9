"""Traces: one structured record per request, without raw personal data.

A record holds the stage timings, every verdict, the redacted entity types,
cache and budget outcomes, retrieved chunk ids and citations. Question and
answer text are kept only when a PII guard checked that text at its stage
(so what is kept is the redacted text); otherwise only a SHA-256 digest and a
length are kept, so a trace can still tell whether two requests asked the
same thing. Answers restored for their owner (PII finalizers) never reach a
trace: records are built from the turn before finalizers ran.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from ragfort._json import dumps
from ragfort.context import RunContext
from ragfort.policy import Policy
from ragfort.types import Action, GuardedAnswer, Stage, Turn

__all__ = ["JsonlTraceSink", "MemoryTraceSink", "TraceSink", "trace_record"]

class TraceSink(Protocol):
    """Where trace records go."""

    def write(self, record: Mapping[str, Any]) -> None: ...


def _checked(ctx: RunContext, stage: Stage, redacting: frozenset[str]) -> bool:
    """Whether a redacting guard (one declaring `redacts`, the PII guard) passed the text at `stage`."""
    return any(
        v.guard in redacting and v.stage is stage and v.action in (Action.ALLOW, Action.REWRITE) for v in ctx.verdicts
    )


def _text_field(text: str | None, safe: bool) -> dict[str, Any]:
    if text is None:
        return {}
    if safe:
        return {"text": text}
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "chars": len(text)}


def trace_record(result: GuardedAnswer, ctx: RunContext, policy: Policy) -> dict[str, Any]:
    """The trace record of one finished request."""
    final: Turn | None = ctx.state.final_turn
    question = final.question if final is not None else None
    answer = final.answer if final is not None else None
    redacting = policy.redacting_guards
    return {
        "trace_id": ctx.trace_id,
        "time": time.time(),
        "tenant": ctx.tenant,
        "session": hashlib.sha256(ctx.session_id.encode()).hexdigest()[:16] if ctx.session_id else None,
        "variant": ctx.variant,
        "policy": {"name": policy.name, "fingerprint": policy.fingerprint},
        "status": str(result.status),
        "question": _text_field(question, _checked(ctx, Stage.INPUT, redacting)),
        "answer": _text_field(answer, _checked(ctx, Stage.OUTPUT, redacting)),
        "verdicts": [v.to_dict() for v in result.verdicts],
        "redactions": [{"stage": str(r.stage), "entity": r.entity} for r in result.redactions],
        "chunks": [p.chunk_id or p.doc_id for p in result.documents],
        "citations": [{"id": c.id, "doc_id": c.doc_id, "start": c.start, "end": c.end} for c in result.citations],
        "groundedness": result.groundedness,
        "cache": str(result.cache),
        "timings_ms": dict(result.timings_ms),
        "budget": result.budget.to_dict(),
    }


class MemoryTraceSink:
    """Keeps records in a list (tests, the eval harness)."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def write(self, record: Mapping[str, Any]) -> None:
        with self._lock:
            self.records.append(dict(record))


class JsonlTraceSink:
    """Appends one JSON line per request to ``DIR/traces-YYYY-MM-DD.jsonl``.

    The day's file stays open between writes (opening it per request was a
    measurable share of a cache hit); it is reopened when the day changes,
    and when the file was moved or deleted under us (log rotation), which
    is checked at most every `recheck_s` seconds.

    Args:
        directory: the trace dir (created with 0700 permissions).
        recheck_s: how often the open file is checked against the path.
    """

    def __init__(self, directory: str | os.PathLike[str], *, recheck_s: float = 1.0) -> None:
        self.directory = Path(directory)
        self.recheck_s = recheck_s
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()
        self._fh: BinaryIO | None = None
        self._path: Path | None = None
        self._checked = 0.0

    def path_for(self, when: float) -> Path:
        return self.directory / time.strftime("traces-%Y-%m-%d.jsonl", time.gmtime(when))

    def _handle(self, path: Path) -> BinaryIO:
        fh = self._fh
        if fh is not None and path == self._path:
            now = time.monotonic()
            if now - self._checked < self.recheck_s:
                return fh
            self._checked = now
            try:
                if os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino:
                    return fh
            except OSError:
                pass
        if fh is not None:
            fh.close()
        self._fh = fh = open(path, "ab")  # noqa: SIM115 - kept open on purpose, closed by close()
        self._path = path
        self._checked = time.monotonic()
        return fh

    def write(self, record: Mapping[str, Any]) -> None:
        line = dumps(record) + b"\n"
        path = self.path_for(float(record.get("time", time.time())))
        with self._lock:
            fh = self._handle(path)
            fh.write(line)
            fh.flush()

    def close(self) -> None:
        """Close the open file (a later write opens it again)."""
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
