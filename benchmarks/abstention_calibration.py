"""Per help center, ``min_answerable`` chosen on its own dev questions against the shipped threshold.

    python benchmarks/abstention_calibration.py [--max-refused 0.05]

What ``ragfort eval-guard relevance --calibrate`` does for a user, measured on
the hand-written answerability cases of ``evals/answerability/`` (Voltwise
and Northbeam; real top-5 retrieval from their indexes, built once under
/tmp as benchmarks/abstention.py builds them): the threshold is chosen on a
help center's dev questions only, then abstention on its test questions is
printed at the shipped threshold and at the chosen one. Nothing shipped is
tuned on these figures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import peak_rss_mb, table


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-refused", type=float, default=0.05)
    args = ap.parse_args(argv)

    from abstention import CORPORA, REPO, WORK, _index

    import ragfort._offline  # noqa: F401
    from ragfort.evals.golden import GoldenRecord
    from ragfort.evals.relevance_calibrate import abstention_scores, choose_threshold, score_questions
    from ragfort.guards.relevance import RelevanceGuard
    from ragfort.judges.answerability_mix import load_answerability_cases

    WORK.mkdir(parents=True, exist_ok=True)
    guard = RelevanceGuard(stop_when_answered=False)
    assert guard.questions is not None
    shipped = guard.questions.threshold_for(True)
    rows: list[list[object]] = []
    for corpus, folder in CORPORA.items():
        index = _index(corpus, folder, "support_agent")
        splits = {}
        for split in ("dev", "test"):
            cases = load_answerability_cases(REPO, split=split).get(corpus, [])
            records = [GoldenRecord(id=str(c["id"]), question=str(c["question"]), answerable=bool(c["answerable"]))
                       for c in cases]  # fmt: skip
            splits[split] = score_questions(records, index, guard=guard)
        chosen, note = choose_threshold(splits["dev"], max_refused=args.max_refused)
        for split in ("dev", "test"):
            for label, t in (("shipped", shipped), ("chosen on dev", chosen)):
                s = abstention_scores(splits[split], t)
                rows.append([corpus, split, f"{t:.3f} ({label})", *s.row()])
        if note:
            print(f"{corpus}: {note}")
    headers = ["help center", "split", "min_answerable", "questions", "unanswerable", "abst. precision",
               "abst. recall", "abst. F1", "answerable refused"]  # fmt: skip
    print(f"min_answerable per help center, chosen on its dev questions (at most {args.max_refused:.0%} refused)\n")
    print(table(headers, rows))
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
