"""Answer cache: hit latency per backend and the near-miss suite. ``python benchmarks/cache.py``.

1. Latency. The help center is ingested into a temp folder and wrapped in the
   default chain with each backend (memory, sqlite, and redis when
   ``redis-server`` is installed: a throwaway one is started on a free
   loopback port). ``layer`` is what the cache layer itself costs on a hit
   (key + lookup + decode; ``timings_ms["cache"]``); ``request`` is the whole
   guarded call (an exact hit skips retrieval; a semantic hit is found after
   retrieval, so it includes embedding the question and the Chroma query).
2. Near-miss suite (``evals/cache_pairs.jsonl``): for each pair, ``a`` is
   stored and ``b`` looked up through the real `AnswerCache.semantic`, with
   both questions' real retrievals. Rows: threshold-only caching at cosine
   0.95 and 0.90 (the baseline), and ragfort's check (cosine >= the shipped
   threshold, retrieval agreement, near-miss rules). Reported on the half the
   rules were tuned on (even lines), the held-out half (odd lines) and all.
   A last column counts wrong hits among all pairs of *distinct* questions of
   the golden set ``evals/help_center.jsonl`` (not used for tuning), which
   catches a threshold set so low that unrelated questions match.
"""

from __future__ import annotations

import itertools
import json
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

import ragfort
import ragfort._offline
from ragfort.cache import AnswerCache, CacheEntry, MemoryBackend, SemanticSettings, question_features
from ragfort.cache.keys import anchor
from ragfort.ingest import ingest_paths

REPO = Path(__file__).resolve().parents[1]
PAIRS = REPO / "evals" / "cache_pairs.jsonl"
GOLDEN = REPO / "evals" / "help_center.jsonl"
ROUNDS = 40


def _p50(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def _redis() -> tuple[str, subprocess.Popen[bytes]] | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return f"redis://127.0.0.1:{port}/0", proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    return None


def latency(chain: Any, tmp: Path) -> list[tuple[str, str, float, float, int]]:
    backends: dict[str, dict[str, Any]] = {
        "memory": {"backend": "memory"},
        "sqlite": {"backend": "sqlite", "path": str(tmp / "cache.sqlite")},
    }
    server = _redis()
    if server is not None:
        backends["redis"] = {"backend": "redis", "redis_url": server[0]}
    stored = "How much does Travel Pass cost per day?"
    para = "What's the daily price of Travel Pass?"
    rows = []
    try:
        for name, cfg in backends.items():
            guarded = ragfort.harden(chain, {"name": f"bench_{name}", "cache": cfg})
            guarded.invoke(stored)
            for label, question, want in (("exact", stored, "exact_hit"), ("semantic", para, "semantic_hit")):
                layer, total = [], []
                hits = 0
                for _ in range(ROUNDS):
                    t0 = time.perf_counter()
                    r = guarded.invoke(question)
                    total.append((time.perf_counter() - t0) * 1000)
                    layer.append(r.timings_ms.get("cache", float("nan")))
                    hits += str(r.cache) == want
                rows.append((name, label, _p50(layer), _p50(total), hits))
    finally:
        if server is not None:
            server[1].kill()
            server[1].wait(timeout=10)
    return rows


def suite(chain: Any) -> None:
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    index = chain.index

    def seen(question: str) -> tuple[np.ndarray, list[str]]:
        v = index.embed_query(question)
        return v, [p.chunk_id for p in index.search(question, k=chain.k, vector=v)]

    def hit(a: str, b: str, settings: SemanticSettings, memo: dict[str, Any]) -> bool:
        for q in (a, b):
            if q not in memo:
                memo[q] = seen(q)
        (va, ra), (vb, rb) = memo[a], memo[b]
        if settings.threshold in (0.95, 0.90) and settings.anchor_depth == 20:  # threshold-only baseline
            return float(va @ vb) >= settings.threshold
        cache = AnswerCache(MemoryBackend(), semantic=settings)
        now = time.time()
        cache.put(
            CacheEntry(
                key="a", namespace="ns", created=now, fresh_until=now + 60, stale_until=now + 120, answer="x",
                vector=va, features=question_features(a), anchors=tuple(anchor("ns", c) for c in ra),
            )
        )  # fmt: skip
        fresh, _ = cache.semantic("ns", vb, question_features(b), [anchor("ns", c) for c in rb])
        return fresh is not None

    memo: dict[str, Any] = {}
    shipped = SemanticSettings()
    methods = {
        "threshold-only cos>=0.95": SemanticSettings(threshold=0.95, anchor_depth=20),
        "threshold-only cos>=0.90": SemanticSettings(threshold=0.90, anchor_depth=20),
        f"ragfort (cos>={shipped.threshold} + retrieval + near-miss)": shipped,
    }
    golden = [json.loads(line)["question"] for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line]
    kinds = ["paraphrase", "negation", "number", "unit", "entity", "direction", "scope"]
    print("\nNear-miss suite: share of pairs served from the cache (paraphrase: higher is better; others must be 0)")
    header = f"{'method':<52} {'split':<9}" + "".join(f"{k:>11}" for k in kinds) + f"{'near-miss':>10}{'golden':>8}"
    print(header)
    print("-" * len(header))
    for name, settings in methods.items():
        golden_wrong = sum(hit(a, b, settings, memo) for a, b in itertools.combinations(golden, 2))
        for split in ("tuned", "held-out", "all"):
            rows = [p for i, p in enumerate(pairs) if split == "all" or (i % 2 == 0) == (split == "tuned")]
            got: dict[str, list[bool]] = defaultdict(list)
            for p in rows:
                got[p["kind"]].append(hit(p["a"], p["b"], settings, memo))
            near = [h for k, hs in got.items() if k != "paraphrase" for h in hs]
            cells = "".join(
                f"{sum(got[k])}/{len(got[k])} {100 * sum(got[k]) / max(1, len(got[k])):>3.0f}%".rjust(11) for k in kinds
            )
            gw = f"{golden_wrong}/{len(golden) * (len(golden) - 1) // 2}" if split == "all" else ""
            print(f"{name:<52} {split:<9}{cells}{100 * sum(near) / max(1, len(near)):>9.1f}%{gw:>12}")


def main() -> int:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ragfort-cache-bench-") as d:
        tmp = Path(d)
        ingest_paths([REPO / "examples" / "help_center"], index=tmp / "index", policy=None)
        chain = ragfort.build_chain(tmp / "index")
        chain.retrieve("warm up")
        rows = latency(chain, tmp)
        print(f"Cache hit latency, p50 over {ROUNDS} requests (ms); default chain over the help center, no guards")
        print(f"{'backend':<8} {'hit':<9} {'layer p50':>10} {'request p50':>12} {'hits':>6}")
        for name, label, layer, total, hits in rows:
            print(f"{name:<8} {label:<9} {layer:>10.3f} {total:>12.2f} {hits:>3}/{ROUNDS}")
        suite(chain)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {rss:.0f} MB; wall {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
