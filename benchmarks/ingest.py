"""Ingest throughput of the embedded index, and retrieval latency.

    python benchmarks/ingest.py [--copies 3]

Indexes the bundled help center `--copies` times into a temporary folder
(each copy in its own sub-folder, with its own doc ids and its product name
changed, so nothing is deduplicated away), with the model loaded beforehand so the figure is the
steady-state cost: loading + chunking + sentence embedding + Chroma writes.
Then times k=5 retrieval (question embedding + Chroma query).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import peak_rss_mb, summary, table

from ragfort import Index
from ragfort.embeddings import get_embedder

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "How long do refunds to a card take?",
    "How do I turn off roaming?",
    "What is the warranty period in the EU?",
    "Can I return opened headphones?",
    "When is the express shipping cut-off?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=3)
    args = parser.parse_args()
    get_embedder().encode(["warm up"])
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        for i in range(args.copies):
            root = corpus / f"copy{i}"
            shutil.copytree(REPO / "examples" / "help_center", root)
            # Make every copy's sentences distinct, so the embedding cache cannot skip work.
            for f in root.rglob("*.*"):
                f.write_text(f.read_text().replace("Voltwise", f"Voltwise{i}"))
        roots = [corpus]
        index = Index(Path(tmp) / "index")
        t0 = time.perf_counter()
        report = index.ingest(roots)
        secs = time.perf_counter() - t0
        noop = index.ingest(roots).seconds
        lat = []
        for _ in range(10):
            for q in QUESTIONS:
                t = time.perf_counter()
                index.search(q, k=5)
                lat.append((time.perf_counter() - t) * 1000)
        p50, p95, _ = summary(lat)
    docs = len(report.added)
    print(f"ingest of {docs} documents ({args.copies} copies of the help center)\n")
    print(
        table(
            ["what", "value"],
            [
                ["chunks", report.chunks],
                ["sentences embedded", report.sentences],
                ["seconds", secs],
                ["chunks/s", report.chunks / secs],
                ["sentences/s", report.sentences / secs],
                ["re-ingest unchanged (s)", noop],
                ["search k=5 p50 ms", p50],
                ["search k=5 p95 ms", p95],
            ],
        )
    )
    print(f"\npeak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
