"""Semantic hits between *different* questions: ``python benchmarks/cache_distinct.py``.

`benchmarks/cache.py` measures the gate on written pairs: paraphrases, and near-misses that
change one word or two. People's questions about one help center also come close in another way:
two questions on one topic that want different answers ("What phone number did I set up for my
2FA codes?" / "How do I turn on 2FA?"). This benchmark takes every distinct question that
people wrote for the answerability and grounding cases over one help center
(``evals/answerability/<corpus>.jsonl`` and ``evals/grounding/<corpus>.jsonl``, dev and test
splits: since 2026-12-05 the equivalence mix trains on pairs of train-split questions about one
document as near-misses, so those are left out unless ``--all-splits``; of the cache defaults,
only ``judged_threshold`` (0.68) was chosen on them, on the pairs whose two questions are both
``dev``), stores each pair's
first question and looks the second up through the real `AnswerCache.semantic`, as
`benchmarks/cache.py` does, and counts the pairs served.

Not every pair served is wrong: a few questions in those files ask the same thing. The labels
(``--labels``, default ``evals/cache_distinct.jsonl``: JSON lines ``{"corpus", "q1", "q2",
"label": "same" | "different", "why"}``, written 2026-12-05 by a person who read each pair the
shipped gate or a candidate judge served, checking the articles where needed; 298 pairs, 16
"same") split the served pairs into right and wrong hits; served pairs they do not cover are
counted apart (label them and add them to the file). Never train on that file. ``--judge DIR``
measures another equivalence model folder in place of the shipped one; ``--minimum`` sets the
judge's minimum.

Rows: the rules alone (no judge) and the rules with the judge (the shipped setting), per corpus.

``--unseen`` runs the eight help centers nothing was tuned on instead (their questions in
``evals/answerability_unseen/`` and ``evals/grounding_unseen/``, dev and test); their served pairs were
labelled in session 25, in the same file, after the shipped gate served them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import ragfort
import ragfort._offline
from cache import FLOORS, REPO, Method, Seen, lookup
from ragfort.cache import SemanticSettings
from ragfort.cache.equivalence import EquivalenceGate, judge_vocabulary
from ragfort.ingest import ingest_paths
from ragfort.judges.perturb import CORPORA as ALL_CORPORA
from ragfort.judges.perturb import UNSEEN_CORPORA

# The two help centers with dev and test splits.
CORPORA = {name: ALL_CORPORA[name] for name in ("voltwise", "northbeam")}


def _files(corpus: str) -> list[Path]:
    """The answerability and grounding cases over `corpus` (the unseen help centers' own folders for theirs)."""
    unseen = "_unseen" if corpus in UNSEEN_CORPORA else ""
    return [REPO / "evals" / f"{folder}{unseen}" / f"{corpus}.jsonl" for folder in ("answerability", "grounding")]


def distinct_questions(corpus: str, splits: tuple[str, ...] = ("dev", "test")) -> list[str]:
    """Every distinct question people wrote over `corpus` in `splits`, in file order."""
    out: list[str] = []
    for path in _files(corpus):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            q = str(row["question"]).strip()
            if q and q not in out and row["split"] in splits:
                out.append(q)
    return out


def question_splits(corpus: str) -> dict[str, str]:
    """Each question's split (the first row that asks it), as `distinct_questions` reads them."""
    out: dict[str, str] = {}
    for path in _files(corpus):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.setdefault(str(row["question"]).strip(), row["split"])
    return out


def print_floors(hits: list[tuple[str, str, float, str]], minimum: float) -> None:
    """The judge's hits per cosine floor: right, wrong and unlabelled, for pairs of two dev questions and for all."""
    print(f"\nThe judge (p >= {minimum:g}) per cosine floor (judged_threshold): served right / wrong / unlabelled")
    print(f"{'judged_threshold':<18}{'both questions dev':>22}{'all pairs':>16}")
    for floor in FLOORS:
        cells = []
        for keep in (lambda split: split == "dev", lambda split: True):
            got = [kind for _, split, cos, kind in hits if keep(split) and cos >= floor]
            cells.append(f"{got.count('same')} / {got.count('different')} / {got.count('unlabelled')}")
        print(f"{floor:<18}{cells[0]:>22}{cells[1]:>16}")


def read_labels(path: Path) -> dict[tuple[str, str, str], str]:
    """(corpus, q1, q2) -> "same" or "different", in both orders."""
    labels: dict[tuple[str, str, str], str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in ("same", "different"):
            raise SystemExit(f"{path}:{n}: label must be 'same' or 'different', got {row.get('label')!r}")
        labels[(row["corpus"], row["q1"], row["q2"])] = row["label"]
        labels[(row["corpus"], row["q2"], row["q1"])] = row["label"]
    return labels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labels", type=Path, default=REPO / "evals" / "cache_distinct.jsonl",
                        help="a person's labels of the pairs served (see the module notes)")
    parser.add_argument("--judge", help="an equivalence model folder in place of the shipped one")
    parser.add_argument("--minimum", type=float, help="the judge's minimum (default: the shipped one)")
    parser.add_argument("--show", action="store_true", help="print every pair the judge's row serves")
    parser.add_argument("--all-splits", action="store_true", help="train-split questions too")
    parser.add_argument("--unseen", action="store_true",
                        help="the eight help centers nothing was tuned on instead (evals/*_unseen/)")  # fmt: skip
    parser.add_argument("--floors", action="store_true",
                        help="the judge at other cosine floors (judged_threshold), per split")  # fmt: skip
    args = parser.parse_args()
    labels = read_labels(args.labels)
    shipped = SemanticSettings()
    judged = shipped.model_copy(update={"min_equivalence": args.minimum}) if args.minimum is not None else shipped
    gate = None
    if args.judge:
        from ragfort.judges.runtime import PairJudge

        folder = Path(args.judge)
        gate = EquivalenceGate(PairJudge(folder), judged.min_equivalence, judge_vocabulary(folder))
    methods = {
        "rules (no judge)": Method("rules", shipped.model_copy(update={"equivalence_judge": False})),
        f"rules + judge p>={judged.min_equivalence:g}" + (f" ({args.judge})" if args.judge else " (shipped)"):
            Method("judge", judged, gate=gate),
    }  # fmt: skip
    if args.floors:
        # One lookup per pair at the lowest floor: with one stored question, a higher floor serves exactly
        # the pairs served there whose cosine reaches it.
        lowest = judged.model_copy(update={"judged_threshold": min(FLOORS)})
        methods[f"rules + judge, cosine floor {min(FLOORS)} (--floors)"] = Method("floors", lowest, gate=gate)
    t0 = time.perf_counter()
    rows: list[list[Any]] = []
    floor_rows: list[tuple[str, str, float, str]] = []  # (corpus, split of the pair, cosine, label) of the judge's hits
    with tempfile.TemporaryDirectory(prefix="ragfort-cache-distinct-") as d:
        for corpus, folder in (UNSEEN_CORPORA if args.unseen else CORPORA).items():
            index = Path(d) / corpus
            ingest_paths([folder], index=index, policy=None)
            seen = Seen(ragfort.build_chain(index))
            questions = distinct_questions(corpus, ("train", "dev", "test") if args.all_splits else ("dev", "test"))
            split_of = question_splits(corpus)
            pairs = list(itertools.combinations(questions, 2))
            for label, method in methods.items():
                served = [(a, b) for a, b in pairs if lookup(a, b, method, seen)]
                kinds = [labels.get((corpus, a, b), "unlabelled") for a, b in served]
                rows.append([corpus, label, len(questions), len(pairs), len(served), kinds.count("same"),
                             kinds.count("different"), kinds.count("unlabelled")])  # fmt: skip
                if method.name == "floors":
                    for (a, b), kind in zip(served, kinds, strict=True):
                        (va, _), (vb, _) = seen(a), seen(b)
                        cos = float(va @ vb) / (float(np.linalg.norm(va)) * float(np.linalg.norm(vb)) or 1.0)
                        pair_split = split_of[a] if split_of[a] == split_of[b] else "mixed"
                        floor_rows.append((corpus, pair_split, cos, kind))
                if args.show and method.name == "judge":
                    for (a, b), kind in zip(served, kinds, strict=True):
                        print(f"{kind:<10} {a!r} / {b!r}")
    head = ["corpus", "method", "questions", "pairs", "served", "right (same)", "wrong (different)", "unlabelled"]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))
    if args.floors:
        print_floors(floor_rows, judged.min_equivalence)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {rss:.0f} MB; wall {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
