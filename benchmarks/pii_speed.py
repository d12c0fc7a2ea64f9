"""PII guard speed: per-request p50/p95 for a question and an answer, and ingest throughput.

Run: ``python benchmarks/pii_speed.py``. Measures the real guard (input and
output stages, memory vault) and `redact_corpus`, warm, in one process.
"""

from __future__ import annotations

import base64
import os
import resource
import statistics
import sys
import tempfile
import time

import ragfort._offline  # noqa: F401  (offline defaults before any library loads)

os.environ.setdefault("RAGFORT_HOME", tempfile.mkdtemp(prefix="ragfort-bench-"))
os.environ.setdefault("RAGFORT_VAULT_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())

QUESTION = (
    "Hi, I'm Margaret Thornbury. My card 4111 1111 1111 1111 was charged twice for order VW-123456; "
    "please call me on (415) 555-0134 or mail m.thornbury88@example.org. Why did this happen?"
)[:200]
ANSWER_SENTENCE = (
    "Refunds for duplicate charges are issued within five business days to the original payment method. "
    "If you contacted support, keep the confirmation email and the reference number from your statement. "
)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=20)
    return statistics.median(samples), q[18]


def main() -> int:
    from ragfort.context import RunContext
    from ragfort.guards.pii import PIIGuard
    from ragfort.pii import redact_corpus
    from ragfort.types import HistoryMessage, Stage, Turn

    answer = (ANSWER_SENTENCE * 6)[: 1000 - 40] + " Contact Margaret Thornbury for help."
    t0 = time.perf_counter()
    g_in = PIIGuard(stage=Stage.INPUT, vault="memory")
    g_out = PIIGuard(stage=Stage.OUTPUT, vault="memory")
    print(f"guard build (spaCy load): {time.perf_counter() - t0:.2f} s")
    # A conversation store sends the redacted history back every turn: the customer's messages with their
    # placeholders, the assistant's answers as shown.
    history = tuple(
        message
        for i in range(10)
        for message in (
            HistoryMessage("human", f"Hi, it's <PERSON_1> again, about order VW-12345{i}: was I charged twice?"),
            HistoryMessage("ai", ANSWER_SENTENCE.strip()),
        )
    )
    rows = []
    # The detector remembers what a text held (by keyed digest): the first two rows clear that memo before each
    # check, so they price a text never seen; the third asks a new question each turn after the same history, as a
    # conversation does (the history's messages come from the memo after the first turn).
    for label, guard, make, fresh in (
        (f"question ({len(QUESTION)} chars)", g_in, lambda i: Turn(question=QUESTION), True),
        (f"answer ({len(answer)} chars)", g_out, lambda i: Turn(question="q", answer=answer), True),
        (
            "question after 10 exchanges",
            g_in,
            lambda i: Turn(question=f"And how long for order VW-{i:06d}?", history=history),
            False,
        ),
    ):
        for i in range(10):
            guard.check(make(-1 - i), RunContext(session_id="warm"))
        samples = []
        for i in range(200):
            ctx = RunContext(session_id=f"s{i % 20}")
            if fresh:
                guard.detector._memo.clear()
            t = time.perf_counter()
            guard.check(make(i), ctx)
            samples.append((time.perf_counter() - t) * 1000)
        rows.append((label, *_percentiles(samples)))
    docs = [(ANSWER_SENTENCE * 10)[:1500] + " Escalate to Margaret Thornbury." for _ in range(200)]
    total_kb = sum(len(d.encode()) for d in docs) / 1024
    t = time.perf_counter()
    redact_corpus(docs)
    ingest_s = time.perf_counter() - t
    print(f"\n{'what':<28}{'p50 ms':>9}{'p95 ms':>9}")
    for label, p50, p95 in rows:
        print(f"{label:<28}{p50:>9.1f}{p95:>9.1f}")
    print(
        f"\ningest: {len(docs)} docs, {total_kb:.0f} KB in {ingest_s:.2f} s = {total_kb / ingest_s:.0f} KB/s (batched)"
    )
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
