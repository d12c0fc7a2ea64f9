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

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

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


def main() -> int:
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
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB; {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
