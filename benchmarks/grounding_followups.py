"""Grounding on answers to follow-up questions: ``python benchmarks/grounding_followups.py``.

Each case of ``evals/grounding_followups.jsonl`` is a conversation (``history``), the customer's
follow-up as typed ("What about the charger?"), the same question written out in full
(``standalone_question``), the passages, an answer written by a person, and whether the passages
support it (the schema of ``evals/grounding/``, README.md there, plus those two keys). The
answers are mostly what people write after a conversation: "30 days for those.", "No, that one's
free." They only mean something with the conversation.

Every case goes through ``harden(chain, policy=...)`` with the grounding guard as
``guards/support_agent.yaml`` sets it (no regeneration; cache off), the chain a wrapped one that
returns the case's answer and passages, asked two ways:

* ``follow-up with its history``: the follow-up as typed, with ``chat_history``: what a wrapped
  chain's turn gives the guards (they read the last message alone);
* ``written out in full``: the standalone question with no history: what the guards read after
  ragfort's chain has had an LLM rewrite the follow-up (``build_chain(index, llm=...)``).

Rows per corpus and split (dev may be looked at while choosing; test is read once per
candidate), with balanced accuracy, correct answers kept, stripped, wrong answers caught and AUC
as in ``benchmarks/grounding_support.py``; ``--split`` picks the splits (default dev and test).
``--unseen`` runs ``evals/grounding_followups_unseen/`` instead: 40 cases over each of six help
centers nothing was tuned on (three written in session 19, three in session 22, whose follow-up
cases were written in session 23), with rows pooling all six (``all``) and each three.

A second table runs the ``relevance`` guard alone, as support_agent sets it, on the same cases:
every case's passages answer its follow-up, so a refusal is an error. A wrapped chain's passages
carry no retrieval score, so the judge and the question model decide alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from _util import peak_rss_mb, summary, support_agent_guard, table
from grounding_support import policy_for, shipped_grounding, summarise

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "evals" / "grounding_followups.jsonl"
# Follow-up cases over help centers never tuned on: `--unseen`; pooled also by the session the help centers came from.
UNSEEN = REPO / "evals" / "grounding_followups_unseen"
GROUPS = {
    "unseen-s19": ("harbourline", "pinecrest", "birchwood"),
    "unseen-s22": ("wrenfield", "tidewell", "quillstack"),
}
ROLES = {"user": "human", "assistant": "ai"}
READINGS = ("follow-up with its history", "written out in full")


def run(case: dict[str, Any], guarded: Any, reading: str) -> dict[str, Any]:
    """One case through `guarded`, read as `reading` says: flagged (stripped or abstained) and 1 - groundedness."""
    if reading == "written out in full":
        result = guarded.invoke({"question": case["standalone_question"]})
    else:
        history = [(ROLES[m["role"]], m["content"]) for m in case["history"]]
        result = guarded.invoke({"question": case["question"], "chat_history": history})
    stripped = any(not c.supported for c in result.claims)
    grounded = result.groundedness if result.groundedness is not None else 0.0
    abstained = str(result.status) == "abstained"
    return {"flagged": abstained or stripped, "unsupported_score": 1.0 - grounded, "abstained": abstained}


def _chain(case: dict[str, Any]) -> Any:
    """A wrapped chain that returns the case's answer and passages, whatever it is asked."""
    from langchain_core.documents import Document
    from langchain_core.runnables import RunnableLambda

    docs = [Document(page_content=p["text"], metadata={"doc_id": p["doc_id"], "source": p["doc_id"]})
            for p in case["passages"]]  # fmt: skip
    return RunnableLambda(lambda _: {"answer": case["answer"], "context": docs})


def _relevance_costs(cases: list[dict[str, Any]], relevance: dict[str, Any]) -> list[list[object]]:
    """The relevance guard's check time per case, for bare follow-ups and the others."""
    from ragfort.context import RunContext
    from ragfort.guards.relevance import RelevanceGuard, bare_follow_up_reading
    from ragfort.types import HistoryMessage, Passage, Turn

    guard = RelevanceGuard(**{k: v for k, v in relevance.items() if k != "guard"})
    times: dict[str, list[float]] = {"bare (read twice)": [], "with words of their own": []}
    for case in cases:
        history = tuple(HistoryMessage(role=ROLES[m["role"]], content=m["content"]) for m in case["history"])
        docs = tuple(Passage(text=p["text"], doc_id=p["doc_id"]) for p in case["passages"])
        turn = Turn(question=case["question"], documents=docs, history=history)
        kind = "bare (read twice)" if bare_follow_up_reading(turn) is not None else "with words of their own"
        guard.check(turn, RunContext())
        for _ in range(3):
            t = time.perf_counter()
            guard.check(turn, RunContext())
            times[kind].append((time.perf_counter() - t) * 1000)
    return [[kind, len(ms) // 3, *(round(x, 1) for x in summary(ms))] for kind, ms in times.items() if ms]


def main() -> int:
    import ragfort

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", action="append", choices=["dev", "test"], default=None)
    parser.add_argument(
        "--unseen", action="store_true", help="help centers never tuned on (evals/grounding_followups_unseen/)"
    )
    args = parser.parse_args()
    splits = args.split or ["dev", "test"]
    files = sorted(UNSEEN.glob("*.jsonl")) if args.unseen else [CASES]
    if not files or not all(f.exists() for f in files):
        raise SystemExit(f"{UNSEEN if args.unseen else CASES} is missing")
    cases = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = [c for c in cases if c["split"] in splits]
    settings = shipped_grounding()
    policies = {reading: policy_for(settings) for reading in READINGS}
    t0 = time.perf_counter()
    outs: dict[str, list[dict[str, Any]]] = {}
    for reading, policy in policies.items():
        outs[reading] = []
        for case in cases:
            outs[reading].append(run(case, ragfort.harden(_chain(case), policy=policy), reading))
    seconds = time.perf_counter() - t0

    rows: list[list[object]] = []
    corpora = sorted({c["corpus"] for c in cases})
    for split in splits:
        groups = [g for g, names in GROUPS.items() if args.unseen and set(names) <= set(corpora)]
        for corpus in [*corpora, "all", *groups]:
            names = GROUPS.get(corpus, corpora if corpus == "all" else (corpus,))
            picked = [i for i, c in enumerate(cases) if c["split"] == split and c["corpus"] in names]
            if not picked:
                continue
            for reading in READINGS:
                n, bal, kept, stripped, caught, area = summarise([(cases[i], outs[reading][i]) for i in picked])
                rows.append([split, corpus, reading, n, bal, kept, stripped, caught, area])
    names = ", ".join(f.name for f in files)
    print(f"{names}: {len(cases)} cases; grounding as support_agent sets it, no regeneration, cache off\n")
    print(table(["split", "corpus", "question read", "cases", "balanced acc.", "kept ok", "stripped", "caught",
                 "AUC"], rows))  # fmt: skip
    kinds = sorted({c["kind"] for c in cases if c["label"] == "unsupported"})
    kind_rows = []
    for reading in READINGS:
        row: list[object] = [reading]
        for kind in kinds:
            got = [o["flagged"] for c, o in zip(cases, outs[reading], strict=True) if c["kind"] == kind]
            row.append(f"{sum(got)}/{len(got)}")
        kind_rows.append(row)
    print(f"\nWrong answers caught by kind ({', '.join(splits)}):\n")
    print(table(["question read", *kinds], kind_rows))

    relevance = support_agent_guard("retrieval", "relevance")
    refusal_rows: list[list[object]] = []
    for reading in READINGS:
        policy = {"name": "relevance_followups", "cache": {"enabled": False},
                  "guards": {"retrieval": [{"guard": "relevance", **relevance}]}}  # fmt: skip
        refused: dict[tuple[str, str], list[bool]] = {}
        for case in cases:
            out = run(case, ragfort.harden(_chain(case), policy=policy), reading)
            for corpus in (case["corpus"], "all"):
                refused.setdefault((case["split"], corpus), []).append(out["abstained"])
        for (split, corpus), got in sorted(refused.items()):
            share = f"{sum(got)}/{len(got)} ({sum(got) / len(got):.1%})"
            refusal_rows.append([split, corpus, reading, len(got), share])
    print("\nThe relevance guard alone (support_agent's settings) on the same answerable follow-ups:\n")
    print(table(["split", "corpus", "question read", "cases", "refused"], refusal_rows))
    print("\nIts cost per follow-up with its history (ms, 3 timed runs each after one warm run); a bare follow-up\n"
          "(at most one content word of its own) is read twice, alone and joined to the earlier messages:\n")
    print(table(["follow-ups", "cases", "p50", "p95", "p99"], _relevance_costs(cases, relevance)))
    print(f"\n{seconds:.0f} s; peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
