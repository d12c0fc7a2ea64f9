"""Runs a golden set through a guarded chain: bounded concurrency, progress, resumable output.

Each finished record is appended at once to ``results.jsonl`` as one JSON
line (`ResultRow`), so an interrupted run loses at most the records in
flight; the next run reads the file and does only what is missing (records
that failed with an error are retried).

What is written never holds personal data from the golden questions: the
question is shown as the pipeline's PII guard redacted it (from the trace
record) or masked by the harness's own PII finder, and any question value
that leaked into the answer, quotes or claims is scrubbed after it has been
counted (`ragfort.evals.privacy`).

A conversation record reaches the chain as ``{"question": ..., "chat_history":
[(role, content), ...]}`` with LangChain's role names (`chain_input`); the
guarded chain redacts the history like the question. Personal values are
looked for in the customer's earlier messages too, so a name given in turn 1
and echoed in the answer to turn 3 counts as a leak.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import numpy as np

from ragfort.evals.golden import GoldenRecord
from ragfort.evals.privacy import LeakDetector, PiiValue, ValueFinder
from ragfort.evals.scoring import citation_scores, dedupe, retrieval_scores, token_f1
from ragfort.evals.usage import AnswerJudge, UsageCallback
from ragfort.types import GuardedAnswer, Status

__all__ = [
    "LANGCHAIN_ROLES",
    "ResultRow",
    "TraceQuestions",
    "chain_input",
    "customer_texts",
    "fill_similarity",
    "load_rows",
    "run_records",
    "score_result",
]

ResultRow = dict[str, Any]
Embed = Callable[[list[str]], np.ndarray]

_ANSWERED = frozenset({Status.OK, Status.REDACTED, Status.FALLBACK})
WARM_UP_QUESTION = "How can I contact customer support?"
# Golden-set roles to the message types LangChain's (role, content) pairs use.
LANGCHAIN_ROLES = {"user": "human", "assistant": "ai", "system": "system"}


class TraceQuestions:
    """A trace sink that keeps each request's redacted question and answer, until claimed.

    A trace record holds text only when a PII guard checked it at that stage,
    so what this keeps is always redacted text; the answer is the one the
    pipeline produced *before* values were restored for their owner.
    """

    def __init__(self) -> None:
        self._by_trace: dict[str, tuple[str | None, str | None]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _text(field: Any) -> str | None:
        return field.get("text") if isinstance(field, dict) else None

    def write(self, record: Mapping[str, Any]) -> None:
        texts = (self._text(record.get("question")), self._text(record.get("answer")))
        with self._lock:
            self._by_trace[str(record.get("trace_id", ""))] = texts

    def pop(self, trace_id: str) -> tuple[str | None, str | None]:
        """(redacted question, redacted answer) of a request; None where not kept."""
        with self._lock:
            return self._by_trace.pop(trace_id, (None, None))


def chain_input(record: GoldenRecord) -> dict[str, Any]:
    """The guarded chain's input for `record`: the question, and the history when there is one."""
    payload: dict[str, Any] = {"question": record.question}
    if record.history:
        payload["chat_history"] = [(LANGCHAIN_ROLES[turn.role], turn.content) for turn in record.history]
    return payload


def customer_texts(record: GoldenRecord) -> list[str]:
    """The texts personal values are looked for in: the question, then the earlier user and system messages.

    Assistant turns are left out: they are the help desk's words (its public
    contacts, the knowledge base), and a customer value they repeat is in a
    user turn already.
    """
    return [record.question, *(turn.content for turn in record.history if turn.role != "assistant")]


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and (when loaded) torch's generators."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    torch.manual_seed(seed)


def score_result(
    record: GoldenRecord,
    result: GuardedAnswer,
    *,
    redacted_question: str | None,
    values: Sequence[PiiValue],
    redacted_answer: str | None = None,
    finder_name: str,
    public: Sequence[str] = (),
    judge: AnswerJudge | None = None,
    usage: Mapping[str, int] | None = None,
) -> ResultRow:
    """One result row: the scores of `result` for `record`, with personal values scrubbed.

    `values` are the personal values found in the question and the
    customer's earlier messages (`customer_texts`); those that also
    occur in `public` texts (the policy's canned messages) or in the
    retrieved passages are not the customer's data.

    Leaks are looked for in `redacted_answer` when the trace kept it (the
    answer before the policy restored the customer's own values for them:
    showing someone their own email is not a leak) and in `result.answer`
    otherwise, plus every citation quote and claim. Answer similarity
    is left None here and filled in by `fill_similarity`, in batches.
    """
    leaks = LeakDetector(values).without_public([*public, *(p.text for p in result.documents)])
    status = result.status
    answered = status in _ANSWERED
    ranked = dedupe(p.doc_id for p in result.documents)
    cited = [c.doc_id for c in result.citations]
    scores: dict[str, Any] = {
        "retrieval": None,
        "token_f1": None,
        "similarity": None,
        "judge": None,
        "citation_precision": None,
        "citation_recall": None,
    }
    if record.answerable and record.relevant_doc_ids:
        scores["retrieval"] = {k: round(v, 6) for k, v in retrieval_scores(ranked, record.relevant_doc_ids).items()}
        if answered:
            precision, recall = citation_scores(cited, record.relevant_doc_ids)
            scores["citation_precision"] = precision
            scores["citation_recall"] = recall
    if record.answerable and record.reference_answer.strip():
        scores["token_f1"] = round(token_f1(result.answer, record.reference_answer), 6)
        if judge is not None:
            # A follow-up ("and for the charger?") means nothing to a judge without its conversation.
            asked = record.standalone_question or record.question
            scores["judge"] = judge(asked, result.answer, record.reference_answer)
    produced = redacted_answer if redacted_answer is not None else result.answer
    outputs = [produced, *(c.quote for c in result.citations), *(c.text for c in result.claims)]
    leaked = leaks.find(outputs)
    if redacted_question is not None:
        question, source = leaks.mask(redacted_question), "pii-guard"
    elif finder_name == "regex":
        # The regex set misses names it has no cue for: show no question rather than risk one.
        question, source = None, None
    else:
        question, source = leaks.mask(record.question), f"masked:{finder_name}"
    row: ResultRow = {
        "id": record.id,
        "tags": list(record.tags),
        "answerable": record.answerable,
        "relevant_doc_ids": list(record.relevant_doc_ids),
        "question": question,
        "question_source": source,
        "status": str(status),
        "answer": leaks.scrub(produced),
        "answer_source": "pre-restore" if redacted_answer is not None else "final",
        "cache": str(result.cache),
        "docs": ranked,
        "citations": [{"id": c.id, "doc_id": c.doc_id, "quote": leaks.scrub(c.quote)} for c in result.citations],
        "claims": [
            {
                "text": leaks.scrub(c.text),
                "supported": c.supported,
                "score": round(c.score, 4),
                "citation_ids": list(c.citation_ids),
            }
            for c in result.claims
        ],
        "groundedness": result.groundedness,
        "timings_ms": {k: round(float(v), 3) for k, v in result.timings_ms.items()},
        "degraded": list(result.budget.degraded),
        "scores": scores,
        "pii": {"question_entities": sorted(set(leaks.entities)), "leaked": leaked},
        "usage": dict(usage) if usage else None,
        "trace_id": result.trace_id,
        "error": None,
    }
    if record.history:
        row["history_turns"] = len(record.history)
    return row


def error_row(record: GoldenRecord, exc: BaseException, *, values: Sequence[PiiValue]) -> ResultRow:
    """The row of a record whose run raised (the message is scrubbed of question values)."""
    leaks = LeakDetector(values)
    message = leaks.scrub(leaks.mask(f"{type(exc).__name__}: {exc}"))[:500]
    return {
        "id": record.id,
        "tags": list(record.tags),
        "answerable": record.answerable,
        "relevant_doc_ids": list(record.relevant_doc_ids),
        "error": message,
    }


def load_rows(path: Path) -> dict[str, ResultRow]:
    """Rows already in a results file, by id (the last line for an id wins; a torn last line is ignored)."""
    rows: dict[str, ResultRow] = {}
    if not path.exists():
        return rows
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # the line being written when the run was interrupted
            if isinstance(row, dict) and isinstance(row.get("id"), str):
                rows[row["id"]] = row
    return rows


class _Progress:
    """A rich progress bar on stderr, or nothing."""

    def __init__(self, total: int, done: int, *, enabled: bool) -> None:
        self._bar: Any = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("eval"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._task = self._bar.add_task("eval", total=total, completed=done)

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _bounded(
    pool: ThreadPoolExecutor, fn: Callable[[GoldenRecord], ResultRow], items: Iterable[GoldenRecord], in_flight: int
) -> Iterator[ResultRow]:
    pending: set[Future[ResultRow]] = set()
    for item in items:
        pending.add(pool.submit(fn, item))
        if len(pending) >= in_flight:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            yield fut.result()


def run_records(
    records: Sequence[GoldenRecord],
    invoke: Callable[[dict[str, Any], list[Any]], GuardedAnswer],
    *,
    results_path: Path,
    traces: TraceQuestions,
    finder: ValueFinder,
    finder_name: str,
    embed: Embed | None = None,
    judge: AnswerJudge | None = None,
    public: Sequence[str] = (),
    concurrency: int = 2,
    progress: bool = True,
) -> list[ResultRow]:
    """Run every record not yet in `results_path`; return all rows in golden order.

    Args:
        records: the validated golden records.
        invoke: runs one input (`chain_input`: the question, and ``chat_history`` for a
            conversation) with LangChain callbacks through the guarded chain.
        results_path: the JSONL file rows are appended to (created if absent).
        traces: the trace sink the guarded chain writes to (for redacted questions).
        finder: finds personal values in questions and the customer's earlier messages
            (one batch, before the run).
        finder_name: the finder's name (``presidio``, ``regex``), recorded in rows.
        embed: texts → normalised vectors, for answer similarity (after the run, batched).
        judge: optional LLM judge.
        public: texts whose values are not personal (the policy's canned messages).
        concurrency: requests in flight at once.
        progress: show a progress bar on stderr.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency!r}")
    existing = load_rows(results_path)
    wanted = {r.id for r in records}
    done = {rid for rid, row in existing.items() if rid in wanted and not row.get("error")}
    todo = [r for r in records if r.id not in done]
    lock = threading.Lock()
    groups = [customer_texts(r) for r in todo]
    found = finder([t for group in groups for t in group])  # one batch: spaCy is much faster that way
    values: dict[str, list[PiiValue]] = {}
    at = 0
    for rec, group in zip(todo, groups, strict=True):
        values[rec.id] = [v for text_values in found[at : at + len(group)] for v in text_values]
        at += len(group)

    def one(record: GoldenRecord) -> ResultRow:
        usage = UsageCallback()
        try:
            result = invoke(chain_input(record), [usage])
            redacted_question, redacted_answer = traces.pop(result.trace_id)
            row = score_result(
                record,
                result,
                redacted_question=redacted_question,
                redacted_answer=redacted_answer,
                values=values[record.id],
                finder_name=finder_name,
                public=public,
                judge=judge,
                usage=usage.usage,
            )
        except Exception as exc:  # one failing record is a result, not the end of the run
            row = error_row(record, exc, values=values[record.id])
        return row

    results_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(results_path, "a", encoding="utf-8") as fh,
        _Progress(len(records), len(done), enabled=progress) as bar,
        ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="ragfort-eval") as pool,
    ):
        for row in _bounded(pool, one, todo, in_flight=concurrency * 2):
            with lock:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                fh.flush()
            existing[row["id"]] = row
            bar.advance()
    rows = [existing[r.id] for r in records if r.id in existing]
    if embed is not None and fill_similarity(rows, records, embed):
        _rewrite(results_path, existing)
    return rows


def fill_similarity(
    rows: Sequence[ResultRow], records: Sequence[GoldenRecord], embed: Embed, *, batch: int = 64
) -> int:
    """Fill in answer/reference embedding similarity where it applies and is missing; returns how many.

    Done after the run, in batches: one forward pass over 64 texts costs far
    less than 32 passes over two.
    """
    refs = {r.id: r.reference_answer for r in records if r.answerable and r.reference_answer.strip()}
    todo = [row for row in rows if not row.get("error") and row["id"] in refs and row["scores"]["similarity"] is None]
    for lo in range(0, len(todo), batch):
        part = todo[lo : lo + batch]
        vecs = embed([t for row in part for t in (row["answer"], refs[row["id"]])])
        for i, row in enumerate(part):
            row["scores"]["similarity"] = round(float(np.clip(vecs[2 * i] @ vecs[2 * i + 1], -1.0, 1.0)), 6)
    return len(todo)


def _rewrite(path: Path, rows: Mapping[str, ResultRow]) -> None:
    tmp = path.with_suffix(".jsonl.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows.values():
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)  # atomic: an interrupted rewrite leaves the old file
