"""`evaluate()`: golden set in, report folder out, gates checked.

The steps, each failing early on bad input (`GoldenSetError`, exit 2 on the
CLI) before any question is asked: parse the gate file, read the baseline,
load and validate the golden set against the index, check the report folder
belongs to this run (or start fresh), then run, score, aggregate, compare
and write ``report.json``, ``report.md`` and ``report.html``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragfort.errors import GoldenSetError
from ragfort.evals.compare import Comparison, compare_reports, load_report
from ragfort.evals.gates import Gate, GateResult, check_gates, load_gates, parse_gates
from ragfort.evals.golden import load_golden
from ragfort.evals.metrics import by_tag, compute_metrics
from ragfort.evals.privacy import get_value_finder
from ragfort.evals.runner import WARM_UP_QUESTION, ResultRow, TraceQuestions, run_records, seed_everything
from ragfort.evals.usage import AnswerJudge
from ragfort.evals.validate import Validated, validate_golden

__all__ = ["SCHEMA_VERSION", "EvalOutcome", "evaluate", "worst_examples"]

SCHEMA_VERSION = 1
RESULTS = "results.jsonl"
RUN_FILE = "run.json"


@dataclass(frozen=True, slots=True)
class EvalOutcome:
    """What a run produced: the report (as written), gate results, comparison, validation."""

    report: dict[str, Any]
    report_dir: Path
    gates: tuple[GateResult, ...]
    comparison: Comparison | None
    validated: Validated

    @property
    def passed(self) -> bool:
        """True when every gate passed (or there were none)."""
        return all(g.passed for g in self.gates)

    @property
    def failed_gates(self) -> list[GateResult]:
        return [g for g in self.gates if not g.passed]


def _gates(spec: str | os.PathLike[str] | Mapping[str, Any] | Sequence[Gate] | None) -> tuple[list[Gate], str | None]:
    if spec is None:
        return [], None
    if isinstance(spec, str | os.PathLike):
        return load_gates(spec), str(spec)
    if isinstance(spec, Mapping):
        return parse_gates(spec), "gates"
    return list(spec), "gates"


def _badness(row: ResultRow) -> tuple[float, list[str]]:
    if row.get("error"):
        return 10.0, ["error"]
    reasons = []
    score = 0.0
    if row["pii"]["leaked"]:
        score += 5
        reasons.append("pii-leak")
    if row["answerable"]:
        if row["status"] == "abstained":
            score += 2
            reasons.append("false-abstention")
        retrieval = row["scores"]["retrieval"]
        if retrieval is not None and retrieval["recall_at_5"] < 1.0:
            score += 1 - retrieval["recall_at_5"]
            reasons.append("retrieval-miss")
        f1 = row["scores"]["token_f1"]
        if f1 is not None:
            score += 1 - f1
            if f1 < 0.3:
                reasons.append("low-f1")
    elif row["status"] != "abstained":
        score += 2
        reasons.append("answered-unanswerable")
    if any(c["supported"] is False for c in row["claims"]):
        score += 1
        reasons.append("unsupported-claim")
    return score, reasons


def worst_examples(rows: Sequence[ResultRow], *, limit: int = 10) -> list[dict[str, Any]]:
    """The `limit` worst rows (errors, leaks, abstention mistakes, misses, low F1), with why."""
    ranked = []
    for row in rows:
        score, reasons = _badness(row)
        if reasons:
            ranked.append((score, row["id"], reasons, row))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    keys = (
        "id",
        "tags",
        "question",
        "question_source",
        "status",
        "answer",
        "docs",
        "relevant_doc_ids",
        "citations",
        "claims",
        "groundedness",
        "scores",
        "pii",
        "error",
    )
    return [{**{k: row.get(k) for k in keys}, "reasons": reasons} for _, _, reasons, row in ranked[:limit]]


def _fresh_cache(policy: Any) -> Any:
    section = policy.raw.get("cache")
    if not isinstance(section, Mapping) or section.get("enabled") is False:
        return False
    # The policy's cache settings on a private in-memory backend: repeated questions
    # within the run can hit, answers cached by earlier runs (or older code) cannot.
    return {**section, "backend": "memory"}


# How the answer cache is set up for a run, by name.
CACHE_MODES: dict[str, Callable[[Any], Any]] = {
    "fresh": _fresh_cache,
    "off": lambda policy: False,
    "policy": lambda policy: None,  # the policy's own cache, persistent state included
}


def _prepare_dir(report_dir: Path, run_key: dict[str, Any], *, fresh: bool) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    run_file = report_dir / RUN_FILE
    results = report_dir / RESULTS
    if fresh and results.exists():
        # Keep the old rows next to the new ones rather than deleting anyone's work.
        results.replace(report_dir / f"results.{int(time.time())}.jsonl")
    elif run_file.exists() and results.exists():
        try:
            previous = json.loads(run_file.read_text(encoding="utf-8"))
        except ValueError:
            previous = {}
        differs = sorted(k for k in run_key if previous.get(k) != run_key[k])
        if differs:
            raise GoldenSetError(
                f"report dir {str(report_dir)!r} holds results of a different run ({', '.join(differs)} changed); "
                "pass --fresh to start over (the old results are kept aside) or choose another --report dir"
            )
    run_file.write_text(json.dumps(run_key, indent=1, sort_keys=True), encoding="utf-8")


def evaluate(
    golden: str | os.PathLike[str],
    *,
    index: str | os.PathLike[str],
    policy: Any = "support_agent",
    report_dir: str | os.PathLike[str] = "eval-report",
    gates: str | os.PathLike[str] | Mapping[str, Any] | Sequence[Gate] | None = None,
    baseline: str | os.PathLike[str] | None = None,
    chain: Any = None,
    llm: Any = None,
    budget_ms: float | None = None,
    concurrency: int = 2,
    seed: int = 0,
    resamples: int = 1000,
    limit: int | None = None,
    fresh: bool = False,
    progress: bool = False,
    pii_finder: str = "auto",
    cache: str = "fresh",
    near_threshold: float = 0.95,
    judge: AnswerJudge | None = None,
    prices: Mapping[str, float] | None = None,
    worst: int = 10,
) -> EvalOutcome:
    """Run a golden set through the guarded chain and write the report folder.

    Args:
        golden: the golden JSONL file.
        index: the index folder the records' doc ids refer to.
        policy: policy file, shipped name or `Policy`.
        report_dir: where report.json/.md/.html and results.jsonl go.
        gates: a gate file, a mapping, or parsed gates.
        baseline: an earlier report.json (or its folder) to compare with.
        chain: a LangChain RAG Runnable to evaluate instead of the default chain over `index`.
        llm: a chat model for the default chain (None: extractive generator).
        budget_ms: overrides the policy's latency budget.
        concurrency: questions in flight at once.
        seed: seeds the run and the bootstrap.
        resamples: bootstrap resamples for the intervals.
        limit: run only the first `limit` valid records.
        fresh: discard (set aside) earlier results in `report_dir` instead of resuming.
        progress: progress bar on stderr.
        pii_finder: how PII values in questions are found (``auto``, ``presidio``, ``regex``).
        cache: ``fresh`` (the policy's cache settings on a private in-memory backend:
            nothing cached by earlier runs is served), ``off``, or ``policy`` (the
            policy's own, persistent cache).
        near_threshold: cosine similarity from which questions are near-duplicates.
        judge: optional answer judge (see `ragfort.evals.usage.llm_judge`).
        prices: USD per 1,000 tokens, by usage key.
        worst: how many worst examples the report shows.

    Raises:
        GoldenSetError: bad gate file, baseline or golden set (nothing valid left), or a
            report dir holding another run's results.
        IndexError_: the index is missing or incomplete.
    """
    import ragfort
    from ragfort.embeddings import get_embedder
    from ragfort.evals.render import write_reports
    from ragfort.index.store import Index
    from ragfort.policy import load_policy

    cache_mode = CACHE_MODES.get(cache)
    if cache_mode is None:
        raise GoldenSetError(f"unknown cache mode {cache!r}; expected one of {sorted(CACHE_MODES)}")
    gate_list, gate_source = _gates(gates)
    base = load_report(baseline) if baseline is not None else None
    idx = Index(index)
    idx.check_ready()
    pol = load_policy(str(policy) if isinstance(policy, os.PathLike) else policy)
    load = load_golden(golden)
    embedder = get_embedder()
    validated = validate_golden(load, doc_ids=idx.doc_ids, embed=embedder.encode, near_threshold=near_threshold)
    records = list(validated.records)
    if limit is not None:
        if limit < 1:
            raise GoldenSetError(f"limit must be at least 1, got {limit!r}")
        records = records[:limit]
    if not records:
        detail = "; ".join(str(p) for p in validated.errors[:5])
        raise GoldenSetError(f"golden set {str(load.path)!r} has no valid record to run ({detail or 'it is empty'})")

    finder_name, finder = get_value_finder(pii_finder)
    the_chain = chain if chain is not None else ragfort.build_chain(idx, llm=llm)
    generator = getattr(the_chain, "model_id", type(the_chain).__name__)
    out = Path(report_dir)
    run_key = {
        "golden_sha256": load.sha256,
        "policy_fingerprint": pol.fingerprint,
        "index_version": idx.version,
        "generator": generator,
        "budget_ms": budget_ms,
        "cache": cache,
    }
    _prepare_dir(out, run_key, fresh=fresh)

    seed_everything(seed)
    traces = TraceQuestions()
    hardened = ragfort.harden(the_chain, policy=pol, budget_ms=budget_ms, trace_sink=traces, cache=cache_mode(pol))
    # One request before the clock starts: lazy loads (Chroma client, spaCy) happen
    # here, once, not racing in several threads and not inside the first timings.
    warm = hardened.invoke({"question": WARM_UP_QUESTION})
    traces.pop(warm.trace_id)

    def invoke(payload: dict[str, Any], callbacks: list[Any]) -> Any:
        return hardened.invoke(payload, config={"callbacks": callbacks})

    started = time.perf_counter()
    rows = run_records(
        records,
        invoke,
        results_path=out / RESULTS,
        traces=traces,
        finder=finder,
        finder_name=finder_name,
        embed=embedder.encode,
        judge=judge,
        # The canned messages (company contacts) are public, whatever the NER model thinks.
        public=[pol.messages.abstain, pol.messages.blocked],
        concurrency=concurrency,
        progress=progress,
    )
    wall = time.perf_counter() - started

    metric_set = compute_metrics(rows, seed=seed, resamples=resamples, prices=prices)
    if validated.agreement.kappa is not None:
        metric_set.values["labels"] = {"kappa": round(validated.agreement.kappa, 4)}
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "ragfort_version": ragfort.__version__,
        "config": {
            "golden": str(load.path),
            "index": str(idx.path),
            "policy": pol.name,
            "seed": seed,
            "concurrency": concurrency,
            "resamples": resamples,
            "confidence": 0.95,
            "pii_finder": finder_name,
            **run_key,
        },
        "run": {
            "wall_s": round(wall, 3),
            "records_run": len(records),
            "records_per_s": round(len(rows) / wall, 3) if wall > 0 else None,
        },
        "golden": {"lines": load.total_lines, **validated.to_dict()},
        **metric_set.to_dict(),
        "by_tag": by_tag(rows, seed=seed, resamples=min(resamples, 500)),
        "gates": None,
        "comparison": None,
        "worst": worst_examples(rows, limit=worst),
    }
    gate_results: list[GateResult] = []
    gate_error: GoldenSetError | None = None
    if gate_list:
        try:
            gate_results = check_gates(gate_list, metric_set.values, source=gate_source or "gates")
        except GoldenSetError as exc:
            gate_error = exc
        report["gates"] = {
            "file": gate_source,
            "passed": gate_error is None and all(g.passed for g in gate_results),
            "error": None if gate_error is None else str(gate_error),
            "results": [g.to_dict() for g in gate_results],
        }
    comparison = None
    if base is not None:
        comparison = compare_reports(base, report, baseline=str(baseline))
        report["comparison"] = comparison.to_dict()
    write_reports(report, out, rows)
    if gate_error is not None:
        raise gate_error
    return EvalOutcome(report, out, tuple(gate_results), comparison, validated)
