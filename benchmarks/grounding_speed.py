"""Grounding latency on a CPU: ``python benchmarks/grounding_speed.py``.

Times what the output stage does per request: the grounding guard scoring a
3-sentence answer against 4 passages and building the cited answer. Passage
sentence vectors are precomputed, as the pipeline provides them from ingest
(``ctx.state.sentence_vectors``). Rows:

- extractive answer (the default path: ``build_chain(llm=None)`` answers
  with passage sentences verbatim, so the verbatim tier settles every claim);
- paraphrased (LLM-style) answer, vector cache off: every request is new;
- the same with the vector cache on (a repeated answer);
- paraphrased, every shortcut off (the previous release's path);
- paraphrased without ingest vectors (passage sentences embedded too), cache off;
- a new answer every request over passages seen before, without ingest
  vectors: a wrapped chain's retriever, whose passages ragfort did not index,
  with the vector cache keeping their sentences;
- the grounding guard exactly as ``guards/support_agent.yaml`` sets it (the
  learned support judge blended in, sentences whole, number and name vetoes),
  extractive and paraphrased, ingest vectors, vector cache off.

Prints p50/p95/max over warm runs. Goal: p95 under 25 ms on the default path.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from collections.abc import Sequence

import numpy as np

import ragfort._offline  # noqa: F401  (offline defaults before any library loads)
from ragfort.context import RunContext, SentenceVectors
from ragfort.embeddings import get_embedder
from ragfort.guards.grounding import GroundingGuard
from ragfort.policy import load_policy
from ragfort.text import FUNCTION_WORDS, sentence_spans
from ragfort.types import Passage, Stage, Turn

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
EXTRACTIVE = (
    "Devices can be returned within 14 days of delivery. The device must be unopened and in its original packaging. "
    "Express shipping costs $12 and arrives in 2 business days."
)
RUNS = 200


def _context(vectors: SentenceVectors | None) -> RunContext:
    ctx = RunContext()
    ctx.state.sentence_vectors = vectors
    return ctx


def _measure(guard: GroundingGuard, turn: Turn, vectors: SentenceVectors | None) -> list[float]:
    times = []
    for _ in range(RUNS):
        ctx = _context(vectors)
        t0 = time.perf_counter()
        guard.check(turn, ctx)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _measure_new_answers(guard: GroundingGuard, turn: Turn, vectors: SentenceVectors | None) -> list[float]:
    """Like `_measure`, but every run's answer is new text (two function words appended to each
    sentence), so no claim vector is cached; passage sentence vectors may be."""
    words = sorted(FUNCTION_WORDS)
    times = []
    for n in range(RUNS):
        tail = f" {words[n % len(words)]} {words[(n // len(words)) % len(words)]}."
        answer = " ".join(s.rstrip(".") + tail for s in (turn.answer or "").split(". "))
        ctx = _context(vectors)
        fresh = turn.evolve(answer=answer)
        t0 = time.perf_counter()
        guard.check(fresh, ctx)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _support_agent_grounding() -> GroundingGuard:
    """The output-stage grounding guard that guards/support_agent.yaml builds."""
    policy = load_policy("support_agent")
    for guard in policy.guards[Stage.OUTPUT]:
        if isinstance(guard, GroundingGuard):
            return guard
    raise SystemExit("support_agent has no grounding guard")


def _row(name: str, times: Sequence[float]) -> str:
    q = np.percentile(times, [50, 95])
    return f"{name:<40} {q[0]:>7.1f} {q[1]:>7.1f} {max(times):>7.1f} {statistics.mean(times):>7.1f}"


def main() -> int:
    embedder = get_embedder()
    passages = tuple(
        Passage(text=t, doc_id=f"doc{i}.md", start=100 * i, sentences=tuple(sentence_spans(t)), score=0.7)
        for i, t in enumerate(TEXTS)
    )
    ingest = {p.doc_id: embedder.encode([p.text[s:e] for s, e in p.sentences]) for p in passages}

    def provider(ps: Sequence[Passage]) -> list[np.ndarray | None]:
        return [ingest.get(p.doc_id) for p in ps]

    state: SentenceVectors = provider
    question = "How do returns work?"
    paraphrased = Turn(question=question, documents=passages, answer=ANSWER)
    extractive = Turn(question=question, documents=passages, answer=EXTRACTIVE)
    guard = GroundingGuard(embedder=embedder)
    full = GroundingGuard(embedder=embedder)
    full.scorer.verbatim = full.scorer.lexical_shortcut = False
    for _ in range(20):  # warm up torch and caches
        guard.check(paraphrased, RunContext())
        full.check(paraphrased, RunContext())
    rows: list[tuple[str, list[float]]] = []
    rows.append(("extractive, ingest vectors (default)", _measure(guard, extractive, state)))
    guard.scorer.claim_cache_size = 0
    rows.append(("paraphrased, ingest vectors", _measure(guard, paraphrased, state)))
    guard.scorer.claim_cache_size = 4096
    rows.append(("paraphrased, repeated (vector cache)", _measure(guard, paraphrased, state)))
    full.scorer.claim_cache_size = 0
    rows.append(("paraphrased, no shortcuts (old path)", _measure(full, paraphrased, state)))
    guard.scorer.claim_cache_size = 0
    rows.append(("paraphrased, no ingest vectors", _measure(guard, paraphrased, None)))
    guard.scorer.claim_cache_size = 4096
    rows.append(("new answers, cached passages, no ingest", _measure_new_answers(guard, paraphrased, None)))
    agent = _support_agent_grounding()
    agent.scorer.claim_cache_size = 0
    for _ in range(20):
        agent.check(paraphrased, _context(state))
    rows.append(("support_agent (learned judge), extractive", _measure(agent, extractive, state)))
    rows.append(("support_agent (learned judge), paraphrased", _measure(agent, paraphrased, state)))
    tiers = {name: [c.tier for c in guard.scorer.score(t.answer or "", passages, question=question).claims]
             for name, t in (("extractive", extractive), ("paraphrased", paraphrased))}  # fmt: skip
    print(f"grounding + citations, 3-sentence answer, 4 passages, {RUNS} warm runs each, embeddings backend "
          f"{get_embedder().backend}, one thread per encode (os.cpu_count() {os.cpu_count()})")  # fmt: skip
    print(f"{'case':<40} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'mean':>7}")
    for name, times in rows:
        print(_row(name, times))
    print(f"tiers: {tiers}")
    p95 = float(np.percentile(rows[0][1], 95))
    p95_llm = float(np.percentile(rows[1][1], 95))
    print(f"goal p95 < 25 ms, default path: {'PASS' if p95 < 25 else 'MISS'} ({p95:.1f} ms); "
          f"paraphrased: {'PASS' if p95_llm < 25 else 'MISS'} ({p95_llm:.1f} ms)")  # fmt: skip
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
