"""Grounding latency on a CPU: ``python benchmarks/grounding_speed.py``.

Times what the output stage does per request: the grounding guard scoring a
3-sentence answer against 4 passages and building the cited answer. Passage
sentence vectors are precomputed, as the pipeline provides them from ingest
(``ctx.state["ragfort.sentence_vectors"]``), so only the answer's claims are
embedded. Prints p50/p95/max over warm runs, and the same without ingest
vectors for comparison. Goal: p95 under 25 ms.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from collections.abc import Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np

from ragfort.context import RunContext
from ragfort.embeddings import get_embedder
from ragfort.guards.grounding import GroundingGuard
from ragfort.text import sentence_spans
from ragfort.types import Passage, Turn

TEXTS = [
    "Devices can be returned within 14 days of delivery. The device must be unopened and in its original packaging. "
    "Refunds are issued to the original payment method within 5 business days.",
    "The Voltwise Pro charger delivers 65 W over USB-C ports. It is not compatible with the Voltwise Mini dock. "
    "The warranty covers manufacturing defects for 2 years.",
    "Standard shipping is free for orders over $50. Express shipping costs $12 and arrives in 2 business days. "
    "Orders placed before 2 pm ship the same day.",
    "You can change your delivery address until the order ships. After that, contact the carrier directly. "
    "Gift cards cannot be refunded or exchanged for cash.",
]
ANSWER = (
    "You can return a device within 14 days of delivery if it is unopened. "
    "Refunds go to the original payment method within 5 business days. "
    "Express shipping costs $12 and arrives in 2 business days."
)
RUNS = 200


def _measure(guard: GroundingGuard, turn: Turn, state: dict[str, object]) -> list[float]:
    times = []
    for _ in range(RUNS):
        ctx = RunContext()
        ctx.state.update(state)
        t0 = time.perf_counter()
        guard.check(turn, ctx)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _row(name: str, times: Sequence[float]) -> str:
    q = np.percentile(times, [50, 95])
    return f"{name:<34} {q[0]:>7.1f} {q[1]:>7.1f} {max(times):>7.1f} {statistics.mean(times):>7.1f}"


def main() -> int:
    embedder = get_embedder()
    passages = tuple(
        Passage(text=t, doc_id=f"doc{i}.md", start=100 * i, sentences=tuple(sentence_spans(t)), score=0.7)
        for i, t in enumerate(TEXTS)
    )
    ingest = {p.doc_id: embedder.encode([p.text[s:e] for s, e in p.sentences]) for p in passages}

    def provider(ps: Sequence[Passage]) -> list[np.ndarray | None]:
        return [ingest.get(p.doc_id) for p in ps]

    guard = GroundingGuard(embedder=embedder)
    turn = Turn(question="How do returns work?", documents=passages, answer=ANSWER)
    state = {"ragfort.sentence_vectors": provider}
    for _ in range(20):  # warm up torch and caches
        guard.check(turn, RunContext())
    with_vectors = _measure(guard, turn, state)
    without = _measure(guard, turn, {})
    verdict = guard.check(turn, RunContext())
    print(f"grounding + citations, 3-sentence answer, 4 passages, {RUNS} warm runs, torch threads "
          f"{__import__('torch').get_num_threads()}")  # fmt: skip
    print(f"{'case':<34} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'mean':>7}")
    print(_row("ingest vectors (pipeline path)", with_vectors))
    print(_row("no ingest vectors (embed passages)", without))
    p95 = float(np.percentile(with_vectors, 95))
    print(f"goal p95 < 25 ms: {'PASS' if p95 < 25 else 'MISS'} ({p95:.1f} ms); verdict {verdict.action}, "
          f"groundedness {verdict.score:.2f}")  # fmt: skip
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
