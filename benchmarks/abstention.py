"""Abstention before generation: the cosine floor alone against the answerability judge.

    python benchmarks/abstention.py                 # the test splits (untouched while tuning)
    python benchmarks/abstention.py --split dev --sweep

Question sets (each question retrieves its top 5 passages from a real Chroma
index, as `ragfort ask` does; the indexes are built once under /tmp):

- ``own/voltwise`` and ``own/northbeam``: the hand-written answerability
  cases of ``evals/answerability/`` (split by document with the grounding
  cases), over ``examples/help_center`` and ``evals/corpora/northbeam_bank``;
- ``help_center``: the golden set ``evals/help_center.jsonl`` (its
  ``split:dev``/``split:test`` tag);
- ``clapnq``: ClapNQ dev from ``../shared/data/clapnq`` (``test``: the half
  the judge never trained on, by `clapnq_half`; ``dev``: the slice of the
  other half the training run held back), every ClapNQ passage pooled into
  one index.

For each set and guard, with "abstain" as the positive class: precision,
recall, F1, and the share of answerable questions refused. The guards are
the shipped `RelevanceGuard` itself: ``cosine`` is ``answerability: false``
(the old behaviour), ``judge`` the default. Then the judge's cost per
question (top 5 passages, one thread per pair as served) and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import peak_rss_mb, summary, table

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RAGFORT_SHARED_DATA") or REPO.parent / "shared" / "data")
WORK = Path(os.environ.get("RAGFORT_BENCH_DIR") or Path(tempfile.gettempdir()) / "ragfort-abstention")
CORPORA = {"voltwise": REPO / "examples" / "help_center", "northbeam": REPO / "evals" / "corpora" / "northbeam_bank"}
K = 5


def _index(name: str, folder: Path, policy: str) -> Any:
    from ragfort.index.store import Index
    from ragfort.ingest import ingest_paths

    path = WORK / f"index-{name}"
    if not (path / "ragfort-index.json").exists() and not any(path.glob("*.sqlite3")):
        ingest_paths([folder], index=path, policy=policy)
    return Index(path)


def _clapnq_corpus() -> Path:
    """Every ClapNQ dev passage as one Markdown file (its title as the heading)."""
    from ragfort.judges.mix import _detok

    folder = WORK / "clapnq-corpus"
    if folder.is_dir():
        return folder
    tmp = WORK / "clapnq-corpus.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    for name in ("clapnq_dev_answerable.jsonl", "clapnq_dev_unanswerable.jsonl"):
        for line in (DATA / "clapnq" / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            for p in row["passages"]:
                text = _detok(str(p["text"]))
                if text in seen:
                    continue
                seen.add(text)
                (tmp / f"p{len(seen):04d}.md").write_text(
                    f"# {p.get('title') or 'Passage'}\n\n{text}\n", encoding="utf-8"
                )
    tmp.rename(folder)
    return folder


def _questions(split: str) -> dict[str, list[tuple[str, bool, str]]]:
    """Per set: (question, answerable, corpus)."""
    from ragfort.judges.answerability_mix import clapnq_half, load_answerability_cases

    sets: dict[str, list[tuple[str, bool, str]]] = {}
    for corpus, cases in sorted(load_answerability_cases(REPO, split=split).items()):
        sets[f"own/{corpus}"] = [(str(c["question"]), bool(c["answerable"]), corpus) for c in cases]
    rows = [json.loads(x) for x in (REPO / "evals" / "help_center.jsonl").read_text(encoding="utf-8").splitlines() if x]
    sets["help_center"] = [
        (r["question"], bool(r["answerable"]), "voltwise") for r in rows if f"split:{split}" in r.get("tags", [])
    ]
    if (DATA / "clapnq").is_dir():
        held = _clapnq_dev_ids() if split == "dev" else None
        clap: list[tuple[str, bool, str]] = []
        for name, answerable in (("clapnq_dev_answerable.jsonl", True), ("clapnq_dev_unanswerable.jsonl", False)):
            for line in (DATA / "clapnq" / name).read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                rid = str(row["id"])
                if (held is None and clapnq_half(rid) == "test") or (held is not None and f"clapnq:{rid}" in held):
                    clap.append((str(row["input"]), answerable, "clapnq"))
        sets["clapnq"] = clap
    else:
        print(f"note: {DATA / 'clapnq'} is absent: the ClapNQ set is skipped", file=sys.stderr)
    return sets


def _clapnq_dev_ids() -> set[str]:
    """The ClapNQ questions the training mix held back as its dev set (its default seed and size)."""
    from ragfort.judges.answerability_mix import clapnq_dev_ids, clapnq_pairs
    from ragfort.judges.mix import MixSettings

    d = MixSettings(root=REPO, data=DATA)
    return clapnq_dev_ids(clapnq_pairs(DATA / "clapnq", half="train"), seed=d.seed, public_dev=d.public_dev)


def _metrics(abstained: Sequence[bool], answerable: Sequence[bool]) -> tuple[float, float, float, float]:
    tp = sum(a and not ok for a, ok in zip(abstained, answerable, strict=True))
    fp = sum(a and ok for a, ok in zip(abstained, answerable, strict=True))
    fn = sum(not a and not ok for a, ok in zip(abstained, answerable, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    refused = fp / max(1, sum(answerable))
    return precision, recall, f1, refused


def _auc(answerable: Sequence[bool], scores: Sequence[float]) -> float:
    import numpy as np

    from ragfort.evals.guard_eval import _roc_auc

    value = _roc_auc(np.array([int(a) for a in answerable]), np.array(scores, dtype=np.float64))
    return float("nan") if value is None else value


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("dev", "test"), default="test")
    ap.add_argument("--model", default=None, help="an answerability model folder (default: the shipped one)")
    ap.add_argument("--threshold", type=float, default=None, help="min_answerability (default: the guard's)")
    ap.add_argument("--min-score", type=float, default=None, help="the cosine floor (default: the guard's)")
    ap.add_argument("--passages", type=int, default=None, help="answerability_passages (default: the guard's)")
    ap.add_argument("--sweep", action="store_true", help="also print abstention at other thresholds")
    args = ap.parse_args(argv)

    import ragfort._offline  # noqa: F401
    from ragfort.context import RunContext
    from ragfort.guards.relevance import RelevanceGuard, RelevanceSettings
    from ragfort.types import Action, Turn

    WORK.mkdir(parents=True, exist_ok=True)
    indexes = {name: _index(name, folder, "support_agent") for name, folder in CORPORA.items()}
    sets = _questions(args.split)
    if "clapnq" in sets:
        indexes["clapnq"] = _index("clapnq", _clapnq_corpus(), "passthrough")

    defaults = RelevanceSettings()
    floor = defaults.min_score if args.min_score is None else args.min_score
    threshold = defaults.min_answerability if args.threshold is None else args.threshold
    extra: dict[str, Any] = {"answerability_model_path": args.model} if args.model else {}
    if args.passages:
        extra["answerability_passages"] = args.passages
    cosine = RelevanceGuard(answerability=False, min_score=floor)
    judged = RelevanceGuard(min_score=floor, min_answerability=threshold, **extra)
    assert judged.judge is not None

    rows: list[list[object]] = []
    sweep_rows: list[list[object]] = []
    costs: list[float] = []
    for name, questions in sets.items():
        flags: dict[str, list[bool]] = {"cosine": [], "judge": []}
        best_probs: list[float] = []
        best_cosines: list[float] = []
        floored: list[bool] = []
        for question, _answerable, corpus in questions:
            passages = indexes[corpus].search(question, k=K)
            best_cosines.append(max((p.score or 0.0) for p in passages) if passages else 0.0)
            turn = Turn(question=question, documents=tuple(passages))
            v = cosine.check(turn, RunContext())
            flags["cosine"].append(v.action is Action.ABSTAIN)
            floored.append(v.action is Action.ABSTAIN)
            t0 = time.perf_counter()
            v = judged.check(turn, RunContext())
            if not floored[-1]:
                costs.append((time.perf_counter() - t0) * 1000)
            flags["judge"].append(v.action is Action.ABSTAIN)
            best_probs.append(-1.0 if floored[-1] else float(v.score or 0.0))
        answerable = [a for _q, a, _c in questions]
        # How well each score ranks answerable questions above the rest, whatever the threshold.
        aucs = {"cosine": _auc(answerable, best_cosines), "judge": _auc(answerable, best_probs)}
        for guard in ("cosine", "judge"):
            p, r, f1, refused = _metrics(flags[guard], answerable)
            label = guard if guard == "cosine" else f"judge >= {threshold:.2f}"
            unanswerable = sum(not a for a in answerable)
            rows.append([name, len(questions), unanswerable, label, p, r, f1, f"{refused:.1%}", aucs[guard]])
        if args.sweep:
            for t in (0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7):
                abst = [fl or b < t for fl, b in zip(floored, best_probs, strict=True)]
                p, r, f1, refused = _metrics(abst, answerable)
                sweep_rows.append([name, t, p, r, f1, f"{refused:.1%}"])

    print(f"split: {args.split}; top {K} passages; cosine floor {floor}; judge {judged.judge!r}\n")
    scores = ["abst. precision", "abst. recall", "abst. F1", "answerable refused"]
    print(table(["set", "questions", "unanswerable", "guard", *scores, "question AUC"], rows))
    if sweep_rows:
        print()
        print(
            table(["set", "threshold", "abst. precision", "abst. recall", "abst. F1", "answerable refused"], sweep_rows)
        )
    p50, p95, p99 = summary(costs)
    print(
        f"\njudge cost per question (top {K}): p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms over {len(costs)}"
    )
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
