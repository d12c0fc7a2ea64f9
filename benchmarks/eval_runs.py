"""Eval harness end to end: ``python benchmarks/eval_runs.py [help_center|clapnq|covidfaq ...]``.

For each set: convert it (ClapNQ, COVID FAQ from ../shared/data), ingest the
corpus with the support_agent policy (cached under ``$RAGFORT_BENCH_DIR``,
default /tmp/ragfort-bench-evals, so only the first run pays for it), then
time ``ragfort.evals.evaluate`` (support_agent, extractive generator,
concurrency 2, seed 0, 1,000 bootstrap resamples) from start to written
report, in this process. Prints the headline metrics, wall time and peak RSS.
Goal: the 600-question ClapNQ set in under 3 minutes on 2 cores.

Each run starts fresh (earlier results are set aside), so the timings are of
complete runs, not resumed ones.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _util import peak_rss_mb, table

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
WORK = Path(os.environ.get("RAGFORT_BENCH_DIR", "/tmp/ragfort-bench-evals"))


def _prepare(name: str) -> tuple[Path, Path]:
    """(golden file, index folder) for a set, converting and ingesting when needed."""
    from ragfort.evals.convert import convert
    from ragfort.index.store import Index
    from ragfort.ingest import ingest_paths

    index = WORK / name / "index"
    if name == "help_center":
        golden, corpus = REPO / "evals" / "help_center.jsonl", REPO / "examples" / "help_center"
    else:
        fmt, src = {"clapnq": ("clapnq", SHARED / "clapnq"), "covidfaq": ("faq-csv", SHARED / "covidfaq_deepset")}[name]
        out = WORK / name / "set"
        if not (out / "golden.jsonl").exists():
            convert(fmt, src, out)
        golden, corpus = out / "golden.jsonl", out / "corpus"
    idx = Index(index)
    if not idx.exists() or idx.manifest.state != "complete":
        started = time.perf_counter()
        ingest_paths([corpus], index=index, policy="support_agent")
        print(f"{name}: ingested in {time.perf_counter() - started:.0f}s (one-off, cached)", file=sys.stderr)
    return golden, index


def main(names: list[str]) -> None:
    from ragfort.evals import evaluate

    rows = []
    for name in names:
        golden, index = _prepare(name)
        started = time.perf_counter()
        outcome = evaluate(golden, index=index, policy="support_agent", report_dir=WORK / name / "report",
                           fresh=True, progress=False)
        wall = time.perf_counter() - started
        m = outcome.report["metrics"]
        rows.append([
            name, m["run"]["records"], m["retrieval"]["recall_at_5"], m["retrieval"]["mrr"],
            m["answers"]["token_f1"], m["answers"]["similarity"], m["abstention"]["recall"],
            m["abstention"]["precision"], m["grounding"]["hallucination_rate"], m["privacy"]["pii_leaks"],
            m["latency"]["total"]["p95_ms"], f"{outcome.report['run']['wall_s']:.1f}", f"{wall:.1f}",
        ])
        print(f"{name}: report in {outcome.report_dir}", file=sys.stderr)
    print(table(
        ["set", "n", "recall@5", "mrr", "token_f1", "similarity", "abst.recall", "abst.precision", "halluc.",
         "pii_leaks", "p95 ms", "run s", "end-to-end s"],
        rows,
    ))
    print(f"\npeak RSS {peak_rss_mb():.0f} MB; {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main(sys.argv[1:] or ["help_center", "clapnq", "covidfaq"])
