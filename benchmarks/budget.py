"""Latency budget over a slow LLM: ``python benchmarks/budget.py``.

The default chain over the help center with an async fake chat model that
takes 5 s to answer, hardened with a 500 ms budget. Goal: every answer
(an extractive fallback) returns in under 550 ms at p99, and nothing keeps
running afterwards: the slow LLM calls are cancelled, so the process's CPU
time over the 2 s after the last response is about zero and no asyncio task
or extra thread is left.

Rows: sync ``invoke`` and async ``ainvoke`` (sequential requests). A third
row runs ``ainvoke`` with 8 requests in flight at once.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import ragfort
import ragfort._offline
from ragfort.ingest import ingest_paths
from ragfort.testing import ScriptedChat

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "How much does Travel Pass cost per day?",
    "How long do refunds take?",
    "How do I turn roaming on?",
    "Can I return opened headphones?",
    "How do I reset my password?",
]
N = 40
BUDGET_MS = 500


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def _idle_cpu_ms(seconds: float = 2.0) -> float:
    t0 = time.process_time()
    time.sleep(seconds)
    return (time.process_time() - t0) * 1000


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory(prefix="ragfort-budget-bench-") as d:
        ingest_paths([REPO / "examples" / "help_center"], index=Path(d) / "index", policy=None)
        llm = ScriptedChat(answer="late", delay_s=5.0)
        chain = ragfort.build_chain(Path(d) / "index", llm=llm)
        chain.retrieve("warm up")
        guarded = ragfort.harden(chain, {"name": "bench_budget"}, budget_ms=BUDGET_MS)
        guarded.invoke(QUESTIONS[0])  # warm-up request

        def run_sync() -> list[tuple[float, Any]]:
            out = []
            for i in range(N):
                t0 = time.perf_counter()
                r = guarded.invoke(QUESTIONS[i % len(QUESTIONS)])
                out.append(((time.perf_counter() - t0) * 1000, r))
            return out

        async def run_async(concurrency: int) -> list[tuple[float, Any]]:
            sem = asyncio.Semaphore(concurrency)

            async def one(i: int) -> tuple[float, Any]:
                async with sem:
                    t0 = time.perf_counter()
                    r = await guarded.ainvoke(QUESTIONS[i % len(QUESTIONS)])
                    return (time.perf_counter() - t0) * 1000, r

            out = await asyncio.gather(*(one(i) for i in range(N)))
            leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            assert not leftover, f"{len(leftover)} tasks still running"
            return list(out)

        for name, fn in (
            ("invoke (sync)", run_sync),
            ("ainvoke (async)", lambda: asyncio.run(run_async(1))),
            ("ainvoke x8 concurrent", lambda: asyncio.run(run_async(8))),
        ):
            before = (llm.cancelled, llm.finished)
            results = fn()
            idle = _idle_cpu_ms()
            lat = [t for t, _ in results]
            fallback = sum(str(r.status) == "fallback" and "generation" in r.budget.degraded for _, r in results)
            rows.append(
                (
                    name, statistics.median(lat), _pct(lat, 0.95), _pct(lat, 0.99), max(lat), fallback,
                    llm.cancelled - before[0], llm.finished - before[1], idle, threading.active_count(),
                )
            )  # fmt: skip

    print(f"Budget {BUDGET_MS} ms over an async LLM that takes 5 s; {N} requests per row; goal p99 < 550 ms")
    print(
        f"{'mode':<22}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}{'fallback':>10}"
        f"{'cancelled':>10}{'finished':>9}{'CPU ms in 2 s idle':>20}{'threads':>9}"
    )
    for name, p50, p95, p99, mx, fb, canc, fin, idle, threads in rows:
        print(
            f"{name:<22}{p50:>8.1f}{p95:>8.1f}{p99:>8.1f}{mx:>8.1f}{fb:>6}/{N:<3}{canc:>10}{fin:>9}{idle:>20.1f}{threads:>9}"
        )
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
