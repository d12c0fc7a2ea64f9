"""Grounding on support answers written by people: ``python benchmarks/grounding_support.py``.

The in-domain cases of ``evals/grounding/`` (a question, the passages retrieval returned, an
answer written by a person, and whether the passages support it; see its README.md) go through
``harden(chain, policy=...)`` with the grounding guard exactly as the recommended policy
configures it (strip unsupported sentences, abstain under half supported; no regeneration, as
there is no LLM to ask again) and nothing else, so what is measured is the grounding decision:

* an answer is **flagged** when the guard abstained or stripped any of its sentences;
* ``kept ok`` is the share of supported answers shown whole (1 - the false-strip rate);
* ``caught`` is the share of unsupported answers flagged, per error kind too;
* balanced accuracy is the mean of the two; AUC ranks answers by 1 - groundedness.

Rows: per corpus and split (``dev`` may be looked at while tuning; ``test`` never is), and
both corpora together. ``--split`` picks the splits (default: dev and test).
``--learned`` turns on the learned support judge (the shipped model, or ``--model DIR``) with
``--weight``, ``--passages`` and ``--threshold`` as the guard's settings of the same names.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from _util import peak_rss_mb, table

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "evals" / "grounding"
POLICY: dict[str, Any] = {
    "name": "grounding_support_benchmark",
    "cache": {"enabled": False},
    "guards": {
        "output": [
            {"guard": "grounding", "required": True, "action": "strip", "regenerate": False,
             "min_supported_fraction": 0.5, "cite": True},
        ]
    },
}  # fmt: skip


def auc(scores: list[float], labels: list[int]) -> float:
    """ROC-AUC of `scores` for the positive label 1 (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    if not pos or not neg:
        return float("nan")
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def run_case(case: dict[str, Any], policy: dict[str, Any] = POLICY) -> dict[str, Any]:
    from langchain_core.documents import Document
    from langchain_core.runnables import RunnableLambda

    import ragfort

    docs = [Document(page_content=p["text"], metadata={"doc_id": p["doc_id"], "source": p["doc_id"]})
            for p in case["passages"]]  # fmt: skip
    chain = RunnableLambda(lambda _: {"answer": case["answer"], "context": docs})
    guarded = ragfort.harden(chain, policy=policy)
    result = guarded.invoke({"question": case["question"]})
    stripped = any(not c.supported for c in result.claims)
    flagged = str(result.status) == "abstained" or stripped
    grounded = result.groundedness if result.groundedness is not None else 0.0
    return {"flagged": flagged, "unsupported_score": 1.0 - grounded, "status": str(result.status)}


def summarise(rows: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[object]:
    sup = [out for case, out in rows if case["label"] == "supported"]
    uns = [out for case, out in rows if case["label"] == "unsupported"]
    kept = sum(not o["flagged"] for o in sup) / len(sup) if sup else float("nan")
    caught = sum(o["flagged"] for o in uns) / len(uns) if uns else float("nan")
    scores = [o["unsupported_score"] for _, o in rows]
    labels = [int(c["label"] == "unsupported") for c, _ in rows]
    return [len(rows), (kept + caught) / 2, kept, 1 - kept, caught, auc(scores, labels)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", action="append", choices=["train", "dev", "test"],
                        help="splits to run (repeatable; default dev and test)")  # fmt: skip
    parser.add_argument("--learned", action="store_true", help="blend in the learned support judge")
    parser.add_argument("--model", help="a model folder instead of the shipped one")
    parser.add_argument("--weight", type=float, default=0.5)
    parser.add_argument("--passages", type=int, default=1)
    parser.add_argument("--threshold", type=float, help="the grounding threshold (default: the policy's)")
    args = parser.parse_args()
    splits = args.split or ["dev", "test"]
    policy = json.loads(json.dumps(POLICY))
    grounding = policy["guards"]["output"][0]
    if args.learned:
        grounding.update(learned_judge=True, learned_weight=args.weight, learned_passages=args.passages)
        if args.model:
            grounding["learned_model_path"] = args.model
    if args.threshold is not None:
        grounding["threshold"] = args.threshold
    cases = []
    for path in sorted(CASES.glob("*.jsonl")):
        cases += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = [c for c in cases if c["split"] in splits]
    if not cases:
        print(f"no cases under {CASES}")
        return 1
    t0 = time.perf_counter()
    results = [(case, run_case(case, policy)) for case in cases]
    seconds = time.perf_counter() - t0

    groups: dict[tuple[str, str], list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for case, out in results:
        groups[(case["corpus"], case["split"])].append((case, out))
        groups[("both", case["split"])].append((case, out))
    judge = f"learned judge weight {args.weight}, {args.passages} passage(s)" if args.learned else "no learned judge"
    print(f"{len(cases)} cases ({', '.join(splits)}); grounding guard as in support_agent (strip, abstain < 0.5); "
          f"{judge}; threshold {grounding.get('threshold', 'default')}\n")  # fmt: skip
    head = ["corpus", "split", "n", "balanced acc", "kept ok", "correct stripped", "caught", "AUC"]
    print(table(head, [[corpus, split, *summarise(rows)] for (corpus, split), rows in sorted(groups.items())]))

    kinds: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for case, out in results:
        flagged_right = out["flagged"] == (case["label"] == "unsupported")
        kinds[(case["split"], f"{case['label']}: {case['kind']}")].append(flagged_right)
    print("\nPer kind, both corpora (supported kinds: kept whole; unsupported kinds: caught):\n")
    by_kind = sorted({k for _, k in kinds})
    print(table(["kind", *splits], [[k, *(f"{sum(v) / len(v):.2f} ({len(v)})" if (v := kinds.get((s, k))) else "-"
                                          for s in splits)] for k in by_kind]))  # fmt: skip
    print(f"\n{seconds:.0f} s ({1000 * seconds / len(cases):.0f} ms per case); peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
