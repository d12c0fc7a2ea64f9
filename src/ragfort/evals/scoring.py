"""Per-record scores: retrieval ranking, answer overlap, citations.

Pure functions over plain values, so each is easy to test by hand. Retrieval
is scored at document level: the ranked, de-duplicated doc ids of the
retrieved passages against the golden ``relevant_doc_ids`` (binary relevance).
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = ["KS", "citation_scores", "dedupe", "normalize_answer", "retrieval_scores", "token_f1"]

KS = (1, 3, 5)

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def dedupe(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower().translate(_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def token_f1(prediction: str, reference: str) -> float:
    """Token-overlap F1 of two answers after `normalize_answer` (SQuAD's definition)."""
    pred = normalize_answer(prediction).split()
    ref = normalize_answer(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def retrieval_scores(ranked: Sequence[str], relevant: Iterable[str], *, ks: Sequence[int] = KS) -> dict[str, float]:
    """hit@k, recall@k, nDCG@k for each k, and the reciprocal rank.

    Args:
        ranked: retrieved doc ids, best first (duplicates are dropped here).
        relevant: the golden relevant doc ids (must not be empty).
    """
    rel = set(relevant)
    if not rel:
        raise ValueError("retrieval needs at least one relevant doc id")
    docs = dedupe(ranked)
    out: dict[str, float] = {}
    for k in ks:
        top = docs[:k]
        found = sum(d in rel for d in top)
        out[f"hit_at_{k}"] = float(found > 0)
        out[f"recall_at_{k}"] = found / len(rel)
        dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(top) if d in rel)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(rel), k)))
        out[f"ndcg_at_{k}"] = dcg / ideal
    first = next((i for i, d in enumerate(docs) if d in rel), None)
    out["mrr"] = 0.0 if first is None else 1.0 / (first + 1)
    return out


def citation_scores(cited: Iterable[str], relevant: Iterable[str]) -> tuple[float | None, float]:
    """(precision, recall) of the cited doc ids against the relevant ones.

    Precision is None when nothing was cited (undefined, not zero); recall is
    the share of relevant documents cited at least once.
    """
    docs = set(cited)
    rel = set(relevant)
    if not rel:
        raise ValueError("citation scores need at least one relevant doc id")
    hit = len(docs & rel)
    precision = hit / len(docs) if docs else None
    return precision, hit / len(rel)
