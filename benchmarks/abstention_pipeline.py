"""Abstention through the whole pipeline, as a new user measures it: ``ragfort ingest`` + ``ragfort eval``.

    python benchmarks/abstention_pipeline.py --split dev       # the dev halves (may be read while designing)
    python benchmarks/abstention_pipeline.py                   # the test halves (read once per candidate)

`benchmarks/abstention.py` measures the relevance guard alone, on retrieved passages. A customer
meets more than the guard: without an LLM the extractive generator also abstains when no sentence of
the passages the guard let through is close enough (with an LLM, the LLM may still say it does not
know). This benchmark asks each answerability question of
``evals/answerability/`` (Voltwise, Northbeam) and ``evals/answerability_unseen/`` (the eight help
centers nothing was trained or tuned on) through the CLI, exactly as the README's evaluation steps
do: each help center is ingested with the shipped ``support_agent`` policy into a temporary index,
its questions of the chosen split are written as a golden set (``answerable`` as labelled; an
answerable question's ``relevant_doc_ids`` are the articles that answer it; the reference answer
is the case's note, which no figure here reads) and ``ragfort eval`` runs them with that policy, no
LLM (the extractive generator), and the policy's answer cache on a fresh in-memory backend (``ragfort eval``'s
default ``--cache fresh``: a question can be served an earlier question's answer only within its own help
center's run, as in production).

``--blind`` adds the two help centers written blind in session 30 (``evals/answerability_blind/``).

Per help center and pooled (``own``: Voltwise + Northbeam; ``unseen``: the eight; ``blind``: the two): unanswerable
questions abstained on, answerable questions abstained on (refused), and abstention precision,
recall and F1 with "abstained" as the positive class (issue goals: F1 >= 0.85, refused <= 5%).
Then the wall time and the peak RSS of the largest ``ragfort`` process (ingest or eval). ``--show`` (dev only)
first lists each unanswerable question answered, with its answer, and each answerable question refused.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import table

from ragfort.judges import perturb

REPO = Path(__file__).resolve().parents[1]
OWN = {"voltwise": REPO / "examples" / "help_center", "northbeam": REPO / "evals" / "corpora" / "northbeam_bank"}
UNSEEN = perturb.UNSEEN_CORPORA
BLIND = perturb.BLIND_CORPORA  # written blind in session 30 (evals/grounding_blind/README.md); --blind


def golden_rows(path: Path, split: str) -> list[dict[str, Any]]:
    """The answerability cases of `path` in `split`, as golden-set records for ``ragfort eval``."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        if case["split"] != split:
            continue
        rows.append(
            {
                "id": case["id"],
                "question": case["question"],
                "reference_answer": case.get("note") or "(not scored here)",
                "relevant_doc_ids": list(case.get("answer_doc_ids") or []) if case["answerable"] else [],
                "answerable": bool(case["answerable"]),
                "tags": [f"kind:{case.get('kind', 'unknown')}", f"split:{split}"],
            }
        )
    return rows


def run_corpus(name: str, docs: Path, cases: Path, split: str, work: Path) -> list[dict[str, Any]]:
    """Ingest `docs`, ask `cases`' `split` questions through ``ragfort eval``; the result rows."""
    golden = work / f"{name}.jsonl"
    golden.write_text("".join(json.dumps(r) + "\n" for r in golden_rows(cases, split)), encoding="utf-8")
    index, report = work / f"index-{name}", work / f"report-{name}"
    cli = [sys.executable, "-m", "ragfort.cli"]
    subprocess.run([*cli, "ingest", str(docs), "--index", str(index), "--policy", "support_agent", "-q"], check=True)
    done = subprocess.run(
        [*cli, "eval", str(golden), "--index", str(index), "--report", str(report), "-q",
         "--data-dir", str(work / f"data-{name}")],
        capture_output=True, text=True,
    )  # fmt: skip
    results = report / "results.jsonl"
    if not results.exists():  # exit 1 only means a gate failed; no results means the run itself failed
        raise SystemExit(f"ragfort eval wrote no results for {name} (exit {done.returncode}):\n{done.stderr}")
    return [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]


def row(name: str, results: Sequence[dict[str, Any]]) -> list[object]:
    """Counts and abstention precision / recall / F1 ("abstained" positive) over `results`."""
    unanswerable = [r for r in results if r["answerable"] is False]
    answerable = [r for r in results if r["answerable"] is not False]
    tp = sum(r["status"] == "abstained" for r in unanswerable)
    fp = sum(r["status"] == "abstained" for r in answerable)
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / len(unanswerable) if unanswerable else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    refused = fp / len(answerable) if answerable else float("nan")
    return [name, f"{tp}/{len(unanswerable)}", f"{fp}/{len(answerable)} ({refused:.1%})",
            f"{precision:.3f}", f"{recall:.3f}", f"{f1:.3f}"]  # fmt: skip


def show(name: str, results: Sequence[dict[str, Any]]) -> None:
    """``--show``: the unanswerable questions answered (with the answer) and the answerable ones refused."""
    for r in results:
        if (r["answerable"] is False) == (r["status"] == "abstained"):
            continue
        what = "answered" if r["answerable"] is False else "REFUSED"
        kind = next((t for t in r["tags"] if t.startswith("kind:")), "")
        said = f" => {r['answer'][:160]!r}" if what == "answered" else ""
        print(f"{name} {r['id']} {what} [{kind}] {r['question']!r}{said}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=("dev", "test"), default="test")
    ap.add_argument("--show", action="store_true",
                    help="list each unanswerable question answered and each answerable one refused (--split dev only)")
    ap.add_argument("--corpus", action="append", choices=sorted({**OWN, **UNSEEN, **BLIND}), default=None,
                    help="only these help centers (repeatable; default: all ten, and the blind two with --blind)")
    ap.add_argument("--blind", action="store_true",
                    help="also the two help centers written blind in session 30 (evals/answerability_blind/)")
    args = ap.parse_args(argv)
    if args.show and args.split != "dev":
        ap.error("--show lists the questions it gets wrong: only with --split dev (test is read as counts)")
    chosen = args.corpus or [*OWN, *UNSEEN, *(BLIND if args.blind else ())]
    t0 = time.perf_counter()
    rows: list[list[object]] = []
    pools: dict[str, list[dict[str, Any]]] = {"own": [], "unseen": [], "blind": []}
    with tempfile.TemporaryDirectory(prefix="ragfort-abstention-pipeline-") as d:
        for name in chosen:
            pool = "own" if name in OWN else "blind" if name in BLIND else "unseen"
            docs = {**OWN, **UNSEEN, **BLIND}[name]
            folder = "answerability" if pool == "own" else f"answerability_{pool}"
            results = run_corpus(name, docs, REPO / "evals" / folder / f"{name}.jsonl", args.split, Path(d))
            pools[pool].extend(results)
            rows.append(row(name, results))
            if args.show:
                show(name, results)
    rows += [row(pool, results) for pool, results in pools.items() if results]
    print(f"Abstention through ragfort ingest + ragfort eval (support_agent, no LLM), {args.split} split\n")
    headers = ["help center", "unanswerable abstained", "answerable refused", "precision", "recall", "F1"]
    print(table(headers, rows))
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\n{time.perf_counter() - t0:.0f} s; peak RSS of the largest ragfort process (ingest or eval) {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
