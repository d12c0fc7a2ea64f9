"""Choose the relevance guard's `min_score` on ClapNQ dev: ``python benchmarks/relevance_threshold.py``.

ClapNQ dev has 300 answerable and 300 unanswerable questions, each with its
passage(s). We embed questions and passage texts with MiniLM (what the
retriever scores) and measure two scores per question:

- ``gold``: the best cosine between the question and its own passages;
- ``top-1``: the best cosine over the pooled corpus of all dev passages,
  which is what the guard sees at runtime (the retriever's best hit).

For each we print the ROC-AUC of answerable-vs-unanswerable and the
threshold with the best balanced accuracy. The recommended `min_score` is
the top-1 one. Vectors are cached under /tmp so re-runs are quick.

With ``--index DIR`` (an index of examples/help_center, e.g. from
``ragfort ingest examples/help_center --index /tmp/hc_idx --policy passthrough``)
it also scores the help-center golden set (``--golden``, default
evals/help_center.jsonl) with the real retriever's top-1 score, and prints
how many answerable and unanswerable questions each candidate `min_score`
would abstain on, in both corpora.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

import ragfort._offline  # noqa: F401  (offline defaults before any library loads)

DATA = Path(os.environ.get("RAGFORT_DEV_DATA", "/work/shared/data")) / "clapnq"
CACHE = Path("/tmp/ragfort-relevance-cache.npz")


def _load() -> tuple[list[str], list[list[str]], np.ndarray]:
    questions: list[str] = []
    passages: list[list[str]] = []
    labels: list[int] = []
    for name, label in (("clapnq_dev_answerable.jsonl", 1), ("clapnq_dev_unanswerable.jsonl", 0)):
        with (DATA / name).open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                questions.append(row["input"])
                passages.append([p["text"] for p in row["passages"]])
                labels.append(label)
    return questions, passages, np.array(labels)


def _embed(texts: list[str]) -> np.ndarray:
    key = hashlib.sha1("\x00".join(texts).encode("utf-8")).hexdigest()
    if CACHE.exists():
        data = np.load(CACHE, allow_pickle=False)
        if str(data["key"]) == key:
            return np.asarray(data["vecs"])
    from ragfort.embeddings import get_embedder

    vecs = get_embedder().encode(texts)
    np.savez(CACHE, key=np.array(key), vecs=vecs)
    return vecs


def _auc(pos: np.ndarray, neg: np.ndarray) -> float:
    # Mann-Whitney U: the chance a random answerable question outscores an unanswerable one.
    allv = np.concatenate([pos, neg])
    ranks = allv.argsort().argsort() + 1.0
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _best_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    best_t, best_b = 0.0, 0.0
    for t in np.unique(scores):
        pred = scores >= t
        b = 0.5 * (pred[labels == 1].mean() + (~pred[labels == 0]).mean())
        if b > best_b:
            best_t, best_b = float(t), float(b)
    return best_t, best_b


def _help_center(index_dir: str, golden: str) -> tuple[np.ndarray, np.ndarray]:
    from ragfort.index.store import Index

    index = Index(index_dir)
    scores: list[float] = []
    labels: list[int] = []
    with open(golden, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            hits = index.search(row["question"], k=1)
            scores.append(max(0.0, min(1.0, hits[0].score or 0.0)) if hits else 0.0)
            labels.append(int(bool(row.get("answerable", True))))
    return np.array(scores), np.array(labels)


def _abstain_table(named: list[tuple[str, np.ndarray, np.ndarray]], candidates: list[float]) -> None:
    heads = " ".join(f"{n + ' ans abstain':>22} {n + ' unans abstain':>24}" for n, _, _ in named)
    print(f"\n{'min_score':>9} {heads}")
    for t in candidates:
        cells = []
        for _, sc, lab in named:
            cells.append(f"{(sc[lab == 1] < t).mean():>22.1%} {(sc[lab == 0] < t).mean():>24.1%}")
        print(f"{t:>9.2f} " + " ".join(cells))


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", help="an index of examples/help_center, to score the help-center golden set")
    parser.add_argument("--golden", default="evals/help_center.jsonl")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: ClapNQ data not found at {DATA}")
        return 0
    t0 = time.perf_counter()
    questions, passages, labels = _load()
    corpus = sorted({p for ps in passages for p in ps})
    index = {p: i for i, p in enumerate(corpus)}
    vecs = _embed(questions + corpus)
    qv, pv = vecs[: len(questions)], vecs[len(questions) :]
    sims = np.clip(qv @ pv.T, 0.0, 1.0)
    gold = np.array([max(sims[i, index[p]] for p in ps) for i, ps in enumerate(passages)])
    top1 = sims.max(axis=1)
    print(f"ClapNQ dev: {int(labels.sum())} answerable, {int((labels == 0).sum())} unanswerable; "
          f"{len(corpus)} pooled passages; MiniLM cosine clipped to [0, 1]")  # fmt: skip
    head = (
        f"{'score':<8} {'AUC':>6} {'best thr':>9} {'bal-acc':>8} {'TPR':>6} {'TNR':>6} {'mean ans':>9} "
        f"{'mean unans':>11}"
    )
    print(head)
    print("-" * len(head))
    chosen = 0.0
    for name, scores in (("gold", gold), ("top-1", top1)):
        auc = _auc(scores[labels == 1], scores[labels == 0])
        thr, bal = _best_threshold(scores, labels)
        pred = scores >= thr
        ans, unans = scores[labels == 1], scores[labels == 0]
        print(
            f"{name:<8} {auc:>6.3f} {thr:>9.3f} {bal:>8.3f} {pred[labels == 1].mean():>6.3f} "
            f"{(~pred[labels == 0]).mean():>6.3f} {ans.mean():>9.3f} {unans.mean():>11.3f}"
        )
        if name == "top-1":
            chosen = thr
    # A conservative floor: the score below which almost no answerable question falls.
    floor = float(np.quantile(top1[labels == 1], 0.02))
    print(f"\nrecommended min_score (top-1, best balanced accuracy): {chosen:.3f}")
    print(f"conservative alternative (abstains on <=2% of answerable questions): {floor:.3f}")
    named = [("clapnq", top1, labels)]
    if args.index:
        hc, hc_labels = _help_center(args.index, args.golden)
        auc = _auc(hc[hc_labels == 1], hc[hc_labels == 0])
        thr, bal = _best_threshold(hc, hc_labels)
        print(f"\nhelp center ({args.golden}): {int(hc_labels.sum())} answerable, {int((hc_labels == 0).sum())} "
              f"unanswerable; top-1 AUC {auc:.3f}, best threshold {thr:.3f} (bal-acc {bal:.3f}); "
              f"answerable min {hc[hc_labels == 1].min():.3f}, "
              f"unanswerable max {hc[hc_labels == 0].max():.3f}")  # fmt: skip
        named.append(("hc", hc, hc_labels))
    _abstain_table(named, [0.25, 0.30, 0.32, 0.35, 0.40, 0.45, 0.52])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB; {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
