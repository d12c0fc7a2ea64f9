"""End-to-end latency of the recommended policy over the bundled help center, per stage.

    python benchmarks/pipeline.py [--rounds 3] [--policy support_agent]

Ingests examples/help_center into a temporary index (with the policy's
ingest-time redaction), then asks every golden question of
evals/help_center.jsonl `--rounds` times through `harden(build_chain(index),
policy)` with the extractive generator, warm, and prints p50/p95 per stage.
Each round uses a new session id, so nothing is served from a session's
earlier work; the cache, when the policy has one, is disabled for this
measurement (it is measured by benchmarks/cache.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import peak_rss_mb, percentile, table

import ragfort
from ragfort.ingest import ingest_paths

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--policy", default="support_agent")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in (REPO / "evals" / "help_center.jsonl").open()]
    with tempfile.TemporaryDirectory() as tmp:
        import os

        os.environ["RAGFORT_HOME"] = str(Path(tmp) / "home")
        policy = json.loads(json.dumps(ragfort.load_policy(args.policy).raw))
        policy.pop("cache", None)
        index = Path(tmp) / "index"
        ingest_paths([REPO / "examples" / "help_center"], index=index, policy=policy)
        guarded = ragfort.harden(ragfort.build_chain(index), policy=policy)
        guarded.invoke({"question": "warm up: how do refunds work?"})
        timings: dict[str, list[float]] = {}
        statuses: dict[str, int] = {}
        t0 = time.perf_counter()
        for r in range(args.rounds):
            for i, q in enumerate(questions):
                res = guarded.invoke({"question": q, "session_id": f"bench-{r}-{i}"})
                statuses[str(res.status)] = statuses.get(str(res.status), 0) + 1
                for k, v in res.timings_ms.items():
                    timings.setdefault(k, []).append(v)
        wall = time.perf_counter() - t0
    n = len(questions) * args.rounds
    order = ["input", "retrieval", "generation", "output", "total"]
    rows = [
        [k, len(v), percentile(v, 50), percentile(v, 95), percentile(v, 99)] for k in order if (v := timings.get(k))
    ]
    print(f"policy {args.policy!r}, {n} asks ({len(questions)} golden questions x {args.rounds}), extractive\n")
    print(table(["stage", "n", "p50 ms", "p95 ms", "p99 ms"], rows))
    print(f"\nthroughput: {n / wall:.1f} asks/s (one thread); statuses: {statuses}")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
