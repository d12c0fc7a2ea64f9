"""The no-LLM answer against answers people wrote: ``python benchmarks/answer_quality.py --split dev``.

Every hand-written grounding case labelled ``supported`` is a person's correct answer to a customer's
question over a help center (``evals/grounding/`` for Voltwise and Northbeam, ``evals/grounding_unseen/``
for the eight help centers nothing was tuned on, ``evals/grounding_blind/`` for the two written blind).
This benchmark asks each distinct question of the chosen split through the whole pipeline, as the
README's main job runs it: the help center ingested with ``support_agent`` into a temporary index,
``harden(build_chain(index), policy=support_agent)`` with its answer cache off and no LLM, so the
answer is the extractive generator's. Each answer is scored by SQuAD token F1 against the closest of
that question's correct answers; a refusal scores 0.

Per pool (``own``, ``unseen``, ``blind``) and overall: questions, refused, token F1 over every
question and over the answered ones, the answers' mean length in words; then wall time and peak RSS.
``--show`` (dev only) lists every answer with its F1 and the closest reference. The questions are all
answerable (a person answered them from the passages), so "refused" here is a false refusal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import peak_rss_mb, support_agent_uncached, table

REPO = Path(__file__).resolve().parents[1]
POOLS = {
    "own": (REPO / "evals" / "grounding", ("voltwise", "northbeam")),
    "unseen": (REPO / "evals" / "grounding_unseen", None),
    "blind": (REPO / "evals" / "grounding_blind", None),
}


def questions(split: str, pools: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(pool, corpus) -> {question: [correct answers]} for the supported cases of `split`."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for pool in pools:
        folder, only = POOLS[pool]
        for path in sorted(folder.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                case = json.loads(line)
                if case["split"] != split or case["label"] != "supported":
                    continue
                if only is not None and case["corpus"] not in only:
                    continue
                out.setdefault((pool, case["corpus"]), {}).setdefault(case["question"], []).append(case["answer"])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test"], default="test",
                        help="dev may be read while designing; test is read once per candidate")  # fmt: skip
    parser.add_argument("--pool", action="append", choices=sorted(POOLS), default=[],
                        help="repeatable; default: all three")  # fmt: skip
    parser.add_argument("--show", action="store_true", help="list every answer with its F1 (dev only)")
    args = parser.parse_args()
    if args.show and args.split != "dev":
        parser.error("--show lists answers: give --split dev")
    pools = args.pool or list(POOLS)

    import ragfort
    from ragfort.evals.scoring import token_f1
    from ragfort.ingest import ingest_paths
    from ragfort.judges.perturb import BLIND_CORPORA, CORPORA, UNSEEN_CORPORA

    folders = {**CORPORA, **UNSEEN_CORPORA, **BLIND_CORPORA}
    asked = questions(args.split, pools)
    if not asked:
        print(f"no supported cases of split {args.split} in {', '.join(pools)}")
        return 1
    policy = support_agent_uncached()
    results: dict[str, list[tuple[float, bool, int]]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RAGFORT_HOME"] = tmp
        for (pool, corpus), qs in sorted(asked.items()):
            index = Path(tmp) / corpus
            ingest_paths([folders[corpus]], index=index, policy="support_agent")
            hardened = ragfort.harden(ragfort.build_chain(index), policy=policy)
            for question, references in qs.items():
                result = hardened.invoke({"question": question})
                answer = "" if result.status.value == "abstained" else str(result.answer or "")
                f1s = [token_f1(answer, ref) for ref in references] if answer else [0.0]
                best = max(range(len(f1s)), key=f1s.__getitem__)
                results.setdefault(pool, []).append((f1s[best], bool(answer), len(answer.split())))
                if args.show:
                    print(f"[{corpus}] {f1s[best]:.2f} {question}\n   ours: {answer or '(refused)'}\n"
                          f"   ref:  {references[best] if answer else references[0]}")  # fmt: skip
    elapsed = time.perf_counter() - started

    def row(name: str, rows: list[tuple[float, bool, int]]) -> list[object]:
        answered = [r for r in rows if r[1]]
        return [
            name,
            len(rows),
            len(rows) - len(answered),
            f"{sum(r[0] for r in rows) / len(rows):.4f}",
            f"{sum(r[0] for r in answered) / len(answered):.4f}" if answered else "-",
            f"{sum(r[2] for r in answered) / len(answered):.1f}" if answered else "-",
        ]

    rows = [row(pool, results[pool]) for pool in pools if pool in results]
    rows.append(row("all", [r for pool in results for r in results[pool]]))
    print(f"\nsplit {args.split}; support_agent, cache off, no LLM (extractive answers)\n")
    print(table(["pool", "questions", "refused", "token F1 (refused = 0)", "token F1 answered", "words"], rows))
    print(f"\n{elapsed:.0f} s; peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
