"""Grounding on support answers written by people: ``python benchmarks/grounding_support.py``.

The in-domain cases of ``evals/grounding/`` (a question, the passages retrieval returned, an
answer written by a person, and whether the passages support it; see its README.md) go through
``harden(chain, policy=...)`` with the grounding guard exactly as ``guards/support_agent.yaml``
configures it (read from that file; no regeneration, as there is no LLM to ask again) and
nothing else, so what is measured is the grounding decision:

* an answer is **flagged** when the guard abstained or stripped any of its sentences;
* ``kept ok`` is the share of supported answers shown whole (1 - the false-strip rate);
* ``caught`` is the share of unsupported answers flagged, per error kind too;
* balanced accuracy is the mean of the two; AUC ranks answers by 1 - groundedness.

Rows: per corpus and split (``dev`` may be looked at while tuning; ``test`` never is), and
both corpora together. ``--split`` picks the splits (default: dev and test).
``--unseen`` adds the cases of ``evals/grounding_unseen/`` (help centers nothing was trained or tuned
on; their ``dev`` and ``test`` splits as ``--split`` picks), per corpus and pooled as ``unseen``; the three
written in session 19, after every rule then shipped, are also pooled as ``unseen-s19``, and the three written
in session 22 (Wrenfield, Tidewell, Quillstack) as ``unseen-s22``.
``--blind`` adds the two help centers written blind in session 30 (``evals/grounding_blind/``), per corpus and
pooled as ``blind``: the same rules (dev may be read, test once per candidate); no rule of sessions 1-30 saw them.
``--rewrite NAME`` rewrites every case the way people write it (``benchmarks/_rewrites.py``: the answer as a
letter, in bold, as a list, in lower case, ...; ``q-`` names rewrite the question), to measure what the form alone
costs against the same run without it.
``--corpus NAME`` (repeatable) keeps only the cases of those corpora.
``--also PATH`` (repeatable) adds the cases of a JSONL in the same schema, whatever their ``split``
says, under the file's name: their own rows (per corpus and ``all``) and a pooled ``all`` row over
every case; with ``--sweep`` they join the selection set.
``--learned``/``--no-learned`` turn the learned support judge on or off (the shipped model, or
``--model DIR``); ``--weight``, ``--passages``, ``--vetoes``, ``--exempt-computed``, ``--threshold`` and
``--clauses`` override the guard's ``learned_weight``, ``learned_passages``, ``learned_vetoes``,
``exempt_computed``, ``threshold`` and ``split_clauses`` (``--vetoes none``: the blend alone decides, as
before 2026-12-05).
``--show`` (``dev`` or ``train`` only) then lists every correct answer flagged and every wrong one passed, each
claim with its score, its verdict and the first signal that decided it (`ragfort ask --explain` reads the same).
``--library-defaults`` scores with the grounding settings' own defaults instead (the feature
model alone, the params.json threshold, compound sentences split into clauses): what
support_agent used before its operating point was chosen with ``--sweep``.

``--sweep`` (dev split unless ``--split`` says otherwise) chooses that operating point: for the
feature model alone and for each learned blend weight of ``--weights``, with compound sentences
split into clauses and checked whole (``--clauses``), every claim threshold of ``--thresholds``,
the guard otherwise as support_agent sets it (``--vetoes`` applies to the blends; each grid point
is a fresh guard; the embedder and the judge are memoised, so only the decision is recomputed).
Per row: correct answers stripped or abstained (and abstained alone), wrong answers caught,
balanced accuracy and the catch rate per error kind. Then, per scorer, the row that catches the
most wrong answers while stripping at most 5% (and 10%) of the correct ones; ``*`` marks the best
of all scorers per budget.
``min_supported_fraction`` only decides between stripping and abstaining, so it moves the
abstained column and never the flagged one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _rewrites import CASE_REWRITES, rewrite_case
from _util import peak_rss_mb, support_agent_guard, table

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "evals" / "grounding"
# Help centers no judge, rule or threshold was trained or chosen on (see its README.md).
UNSEEN = REPO / "evals" / "grounding_unseen"
# Help centers written blind in session 30, after everything shipped then (evals/grounding_blind/README.md).
BLIND = REPO / "evals" / "grounding_blind"
# The unseen help centers written in session 19, after every grounding rule then shipped (the rules of sessions 16-18
# were found on the Cobalt and Fernhill dev halves): pooled apart as 'unseen-s19', the least tuned-on figure.
WRITTEN_AFTER_RULES = frozenset({"harbourline", "pinecrest", "birchwood"})
# The three written in session 22, after every rule of sessions 19-21 (found on session 19's dev halves): 'unseen-s22'.
WRITTEN_S22 = frozenset({"wrenfield", "tidewell", "quillstack"})
# The settings that choose how claims are scored; --library-defaults and the sweep replace them.
SCORER_KEYS = ("threshold", "learned_judge", "learned_weight", "learned_passages", "learned_model_path",
               "learned_vetoes", "exempt_computed", "split_clauses")  # fmt: skip


def shipped_grounding() -> dict[str, Any]:
    """The grounding entry of support_agent (its settings; regeneration off: there is no LLM)."""
    settings: dict[str, Any] = support_agent_guard("output", "grounding")
    settings["regenerate"] = False
    return settings


def policy_for(settings: dict[str, Any]) -> dict[str, Any]:
    """A policy holding only the grounding guard with `settings`."""
    return {"name": "grounding_support_benchmark", "cache": {"enabled": False},
            "guards": {"output": [{"guard": "grounding", **settings}]}}  # fmt: skip


def describe(settings: dict[str, Any]) -> str:
    """One line naming the settings that decide what is flagged."""
    vetoes = settings.get("learned_vetoes", ("number", "name"))
    exempt = " (computed numbers exempt)" if settings.get("exempt_computed") else ""
    judge = (f"learned judge weight {settings.get('learned_weight', 0.5)}, {settings.get('learned_passages', 1)} "
             f"passage(s), vetoes {', '.join(vetoes) or 'none'}{exempt}" if settings.get("learned_judge")
             else "no learned judge")  # fmt: skip
    clauses = "clauses split" if settings.get("split_clauses", True) else "sentences whole"
    return (f"{settings.get('action', 'annotate')}, abstain < {settings.get('min_supported_fraction', 0.5)}; "
            f"{judge}; threshold {settings.get('threshold', 'default')}; {clauses}")  # fmt: skip


def auc(scores: list[float], labels: list[int]) -> float:
    """ROC-AUC of `scores` for the positive label 1 (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    if not pos or not neg:
        return float("nan")
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def run_case(case: dict[str, Any], policy: dict[str, Any]) -> dict[str, Any]:
    from langchain_core.documents import Document
    from langchain_core.runnables import RunnableLambda

    import ragfort

    docs = [Document(page_content=p["text"], metadata={"doc_id": p["doc_id"], "source": p["doc_id"]})
            for p in case["passages"]]  # fmt: skip
    chain: RunnableLambda[Any, dict[str, Any]] = RunnableLambda(lambda _: {"answer": case["answer"], "context": docs})
    guarded = ragfort.harden(chain, policy=policy)
    result = guarded.invoke({"question": case["question"]})
    stripped = any(not c.supported for c in result.claims)
    flagged = str(result.status) == "abstained" or stripped
    grounded = result.groundedness if result.groundedness is not None else 0.0
    claims = [(c.text, c.score, c.supported, c.signals[0] if c.signals else "") for c in result.claims]
    return {"flagged": flagged, "unsupported_score": 1.0 - grounded, "status": str(result.status), "claims": claims}


def show_errors(results: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """``--show``: every correct answer flagged and every wrong one passed, with each claim's score and first signal."""
    for title, label, flagged in (("Correct answers stripped or abstained", "supported", True),
                                  ("Wrong answers passed", "unsupported", False)):  # fmt: skip
        wrong = [(c, o) for c, o in results if c["label"] == label and o["flagged"] == flagged]
        print(f"\n{title} ({len(wrong)})")
        for case, out in wrong:
            print(f"- {case['corpus']} {case['id']} [{case['kind']}] {case['question']!r}")
            print(f"  answer: {case['answer']!r}" + (f" (error: {case['note']})" if case.get("note") else ""))
            for text, score, supported, signal in out["claims"]:
                mark = "kept" if supported else "STRIPPED" if supported is False else "unchecked"
                print(f"    {score:.3f} {mark:<9} {text[:90]!r} | {signal[:160]}")


def _pool(case: dict[str, Any]) -> str:
    """The pooled row a case also counts in: its --also file's, the unseen or blind help centers', or both corpora's."""
    if case.get("also"):
        return "all"
    if case.get("unseen"):
        return "unseen"
    return "blind" if case.get("blind") else "both"


def summarise(rows: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[object]:
    sup = [out for case, out in rows if case["label"] == "supported"]
    uns = [out for case, out in rows if case["label"] == "unsupported"]
    kept = sum(not o["flagged"] for o in sup) / len(sup) if sup else float("nan")
    caught = sum(o["flagged"] for o in uns) / len(uns) if uns else float("nan")
    scores = [o["unsupported_score"] for _, o in rows]
    labels = [int(c["label"] == "unsupported") for c, _ in rows]
    return [len(rows), (kept + caught) / 2, kept, 1 - kept, caught, auc(scores, labels)]


# The sweep's default grid of claim thresholds: fine where few correct answers are stripped, coarser
# above; the shipped model's threshold (params.json) is always added.
SWEEP_THRESHOLDS = (*(round(0.01 * k, 2) for k in range(1, 41)), *(round(0.4 + 0.025 * k, 3) for k in range(1, 9)))
SWEEP_WEIGHTS = (0.3, 0.5, 0.7, 1.0)
BUDGETS = (0.05, 0.10)


class _MemoEmbedder:
    """The shared embedder, each text encoded once for the whole sweep."""

    def __init__(self) -> None:
        from ragfort.embeddings import get_embedder

        self.inner = get_embedder()
        self.dimension = self.inner.dimension
        self.memo: dict[str, Any] = {}

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> Any:
        import numpy as np

        todo = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if todo:
            self.memo.update(zip(todo, self.inner.encode(todo), strict=True))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.memo[t] for t in texts])


class _MemoJudge:
    """A pair judge whose answers are kept: each (passage, claim) pair is read once for the whole sweep."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.memo: dict[tuple[str, str], float] = {}

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        todo = list(dict.fromkeys(p for p in pairs if p not in self.memo))
        if todo:
            self.memo.update(zip(todo, (float(x) for x in self.inner.score(todo)), strict=True))
        return [self.memo[p] for p in pairs]


def sweep_point(cases: list[dict[str, Any]], guard: Any) -> list[dict[str, Any]]:
    """Each case through `guard` alone: flagged (stripped or abstained) and abstained."""
    from ragfort.context import RunContext
    from ragfort.types import Action, Passage, Turn

    out = []
    for case in cases:
        docs = tuple(Passage(text=p["text"], doc_id=p["doc_id"], source=p["doc_id"]) for p in case["passages"])
        verdict = guard.check(Turn(question=case["question"], documents=docs, answer=case["answer"]), RunContext())
        claims = verdict.turn.claims if verdict.turn is not None else ()
        abstained = verdict.action in (Action.ABSTAIN, Action.BLOCK)
        out.append({"flagged": abstained or any(not c.supported for c in claims), "abstained": abstained})
    return out


def sweep_row(cases: list[dict[str, Any]], outs: list[dict[str, Any]], kinds: list[str]) -> dict[str, Any]:
    """Rates of one grid point: correct stripped/abstained, wrong caught, balanced accuracy, catch per kind."""
    sup = [o for c, o in zip(cases, outs, strict=True) if c["label"] == "supported"]
    uns = [(c, o) for c, o in zip(cases, outs, strict=True) if c["label"] == "unsupported"]
    stripped = sum(o["flagged"] for o in sup) / len(sup)
    caught = sum(o["flagged"] for _, o in uns) / len(uns)
    per_kind = {}
    for kind in kinds:
        got = [o["flagged"] for c, o in uns if c["kind"] == kind]
        per_kind[kind] = sum(got) / len(got) if got else float("nan")
    return {"stripped": stripped, "abstained": sum(o["abstained"] for o in sup) / len(sup), "caught": caught,
            "balanced": (1 - stripped + caught) / 2, "kinds": per_kind}  # fmt: skip


def best_within(rows: list[dict[str, Any]], budget: float) -> dict[str, Any] | None:
    """The row catching the most wrong answers with at most `budget` of correct ones stripped.

    Ties go to fewer stripped, then to the middle threshold of the tied run (the point furthest from
    both edges where the result changes).
    """
    fits = [r for r in rows if r["stripped"] <= budget + 1e-9]
    if not fits:
        return None
    top = max((r["caught"], -r["stripped"]) for r in fits)
    tied = sorted((r for r in fits if (r["caught"], -r["stripped"]) == top), key=lambda r: r["threshold"])
    return tied[(len(tied) - 1) // 2]


def run_sweep(cases: list[dict[str, Any]], args: argparse.Namespace) -> int:
    """Print the operating-point tables of ``--sweep``."""
    from ragfort.grounding.model import load_model
    from ragfort.guards.grounding import GroundingGuard
    from ragfort.judges import load_judge
    from ragfort.judges.runtime import PairJudge

    shipped_settings = shipped_grounding()
    base = {k: v for k, v in shipped_settings.items() if k not in (*SCORER_KEYS, "required")}
    vetoes = args.vetoes if args.vetoes is not None else shipped_settings.get("learned_vetoes")
    exempt = args.exempt_computed if args.exempt_computed is not None else shipped_settings.get("exempt_computed")
    embedder = _MemoEmbedder()
    # --model sweeps that folder's judge; without it, the shipped one.
    judge = _MemoJudge(PairJudge(args.model) if args.model else load_judge("support"))
    shipped = load_model().threshold
    thresholds = sorted({*args.thresholds, shipped})

    def label(t: float) -> str:
        return f"{t:.3f}" + (" (params.json)" if t == shipped else "")

    kinds = sorted({c["kind"] for c in cases if c["label"] == "unsupported"})
    short = {k: k.replace("_swap", "").replace("wrong_", "")[:7] for k in kinds}
    n_sup = sum(c["label"] == "supported" for c in cases)
    veto_text = "number, name (default)" if vetoes is None else (", ".join(vetoes) or "none")
    print(f"{len(cases)} cases ({', '.join(sorted({c['split'] for c in cases}))}: {n_sup} correct, "
          f"{len(cases) - n_sup} wrong); grounding guard as in support_agent ({describe(base).split(';')[0]}), "
          f"learned blends with vetoes {veto_text}, "
          f"scorer settings swept; one correct answer is {100 / n_sup:.1f}%\n")  # fmt: skip
    clauses = {"split": [True], "whole": [False], "both": [True, False]}[args.clauses or "both"]
    scorers = [(f"{name}, {'clauses split' if split else 'sentences whole'}", weight, split)
               for split in clauses
               for name, weight in [("features", None), *((f"learned {w:g}", w) for w in args.weights)]]  # fmt: skip
    best: list[tuple[float, dict[str, Any], list[object]]] = []
    t0 = time.perf_counter()
    head = ["threshold", "correct stripped", "of which abstained", "wrong caught", "balanced acc",
            *(short[k] for k in kinds)]  # fmt: skip

    def cells(r: dict[str, Any]) -> list[object]:
        return [label(r["threshold"]), f"{100 * r['stripped']:.1f}%", f"{100 * r['abstained']:.1f}%",
                f"{100 * r['caught']:.1f}%", r["balanced"], *(f"{r['kinds'][k]:.2f}" for k in kinds)]  # fmt: skip

    for name, weight, split in scorers:
        rows = []
        for t in thresholds:
            scorer: dict[str, Any] = {"threshold": t, "split_clauses": split}
            if weight is not None:
                scorer.update(learned_weight=weight, learned_passages=args.passages or 1)
                if vetoes is not None:
                    scorer["learned_vetoes"] = vetoes
                if exempt is not None:
                    scorer["exempt_computed"] = exempt
            guard = GroundingGuard(**base, **scorer, embedder=embedder, learned=judge if weight is not None else None)
            rows.append({"threshold": t, **sweep_row(cases, sweep_point(cases, guard), kinds)})
        print(f"## {name}\n")
        print(table(head, [cells(r) for r in rows]) + "\n")
        for budget in BUDGETS:
            r = best_within(rows, budget)
            if r is not None:
                best.append((budget, r, [name, f"<= {100 * budget:.0f}%", *cells(r)]))
            else:
                best.append((budget, {}, [name, f"<= {100 * budget:.0f}%", *("-" for _ in head)]))

    winners = {}
    for budget in BUDGETS:
        fits = [(r["caught"], -r["stripped"], i) for i, (b, r, _) in enumerate(best) if b == budget and r]
        if fits:
            winners[budget] = max(fits)[2]
    print("## Most wrong answers caught within a budget of correct answers stripped (* best of all scorers)\n")
    order = sorted(range(len(best)), key=lambda i: best[i][0])  # by budget, scorers in sweep order
    rows_out = [[("* " if winners.get(best[i][0]) == i else "") + str(best[i][2][0]), *best[i][2][1:]] for i in order]
    print(table(["scorer", "budget", *head], rows_out))
    print(f"\n{time.perf_counter() - t0:.0f} s; peak RSS {peak_rss_mb():.0f} MB")
    return 0


def read_also(paths: list[Path], splits: list[str], cases: list[dict[str, Any]]) -> list[dict[str, Any]] | str:
    """The cases of each ``--also`` file, their ``split`` replaced by the file's name (or why they cannot be used)."""
    seen = {(c["corpus"], c["id"]) for c in cases}
    extra: list[dict[str, Any]] = []
    for path in paths:
        if path.stem in splits or path.stem in {c["split"] for c in extra}:
            return f"--also {path}: its name {path.stem!r} is already a split or another --also file"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for row in rows:
            if (row["corpus"], row["id"]) in seen:
                return f"--also {path}: case {row['corpus']}/{row['id']} is already in the set"
            seen.add((row["corpus"], row["id"]))
            extra.append({**row, "split": path.stem, "also": True})
    return extra


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def _vetoes(text: str) -> list[str]:
    return [] if text.strip() == "none" else [x.strip() for x in text.split(",") if x.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", action="append", choices=["train", "dev", "test"],
                        help="splits to run (repeatable; default dev and test, dev alone with --sweep)")  # fmt: skip
    parser.add_argument("--learned", action=argparse.BooleanOptionalAction, default=None,
                        help="blend in the learned support judge (default: as support_agent sets it)")  # fmt: skip
    parser.add_argument("--model", help="a model folder instead of the shipped one")
    parser.add_argument("--weight", type=float, help="learned_weight (default: support_agent's)")
    parser.add_argument("--passages", type=int, help="learned_passages (default: support_agent's)")
    parser.add_argument("--vetoes", type=_vetoes,
                        help="learned_vetoes: contradictions decisive after the blend, comma-separated from number, "
                             "name, polarity, number_binding, name_binding, scope, answer_polarity, flipped, or 'none' "
                             "(default: support_agent's)")  # fmt: skip
    parser.add_argument("--exempt-computed", action=argparse.BooleanOptionalAction, default=None,
                        help="exempt_computed: the number veto spares numbers the answer works out or hedges "
                             "(default: support_agent's)")  # fmt: skip
    parser.add_argument("--threshold", type=float, help="the grounding threshold (default: support_agent's)")
    parser.add_argument("--clauses", choices=["split", "whole", "both"],
                        help="split compound sentences into clauses, or check sentences whole (default: "
                             "support_agent's; --sweep: both)")  # fmt: skip
    parser.add_argument(
        "--library-defaults",
        action="store_true",
        help="score with the grounding settings' defaults (support_agent before 2026-12-05)",
    )
    parser.add_argument("--sweep", action="store_true", help="operating points over thresholds and blend weights")
    parser.add_argument(
        "--weights",
        type=_floats,
        default=list(SWEEP_WEIGHTS),
        help="with --sweep: learned blend weights, comma-separated (default 0.3,0.5,0.7,1)",
    )
    parser.add_argument("--thresholds", type=_floats, default=list(SWEEP_THRESHOLDS),
                        help="with --sweep: claim thresholds, comma-separated (default 0.01 to 0.6)")  # fmt: skip
    parser.add_argument("--unseen", action="store_true",
                        help="also the help centers of evals/grounding_unseen/ (their own rows, pooled as 'unseen', "
                             "the three written in session 19 as 'unseen-s19', those of session 22 as 'unseen-s22')")
    parser.add_argument("--blind", action="store_true",
                        help="also the help centers of evals/grounding_blind/ (written blind in session 30; their "
                             "own rows and pooled as 'blind')")  # fmt: skip
    parser.add_argument("--also", action="append", type=Path, default=[], metavar="PATH",
                        help="a JSONL of extra cases (same schema, any split) pooled with --split's cases and "
                             "reported under the file's name (repeatable)")  # fmt: skip
    parser.add_argument("--corpus", action="append", default=[], metavar="NAME",
                        help="only the cases of this corpus (repeatable; e.g. --split train --corpus marlowe to "
                             "choose a setting on help centers a judge never trained on)")  # fmt: skip
    parser.add_argument("--show", action="store_true",
                        help="list every error (correct answer flagged, wrong one passed) with its claims' scores; "
                             "dev and train splits only")  # fmt: skip
    parser.add_argument("--rewrite", choices=CASE_REWRITES,
                        help="rewrite every case as people write it (benchmarks/_rewrites.py): the answer, or the "
                             "question for q- names; the label stays")  # fmt: skip
    args = parser.parse_args()
    splits = args.split or (["dev"] if args.sweep else ["dev", "test"])
    if args.show and ("test" in splits or args.sweep):
        parser.error("--show lists the cases it gets wrong: give --split dev or --split train (test is read as counts)")
    cases = []

    def read(path: Path) -> list[dict[str, Any]]:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [rewrite_case(c, args.rewrite, n) for n, c in enumerate(rows)] if args.rewrite else rows

    for path in sorted(CASES.glob("*.jsonl")):
        cases += read(path)
    if args.unseen:
        for path in sorted(UNSEEN.glob("*.jsonl")):
            cases += [{**case, "unseen": True} for case in read(path)]
    if args.blind:
        for path in sorted(BLIND.glob("*.jsonl")):
            cases += [{**case, "blind": True} for case in read(path)]
    cases = [c for c in cases if c["split"] in splits]
    known = sorted({c["corpus"] for c in cases})
    if unknown := sorted(set(args.corpus) - set(known)):
        parser.error(f"--corpus {', '.join(unknown)}: no cases of it in split(s) {', '.join(splits)}; "
                     f"those with cases: {', '.join(known)}")  # fmt: skip
    cases = [c for c in cases if not args.corpus or c["corpus"] in args.corpus]
    extra = read_also(args.also, splits, cases)
    if isinstance(extra, str):
        parser.error(extra)
    cases += extra
    splits += [path.stem for path in args.also]
    if not cases:
        print(f"no cases under {CASES}")
        return 1
    if args.sweep:
        return run_sweep(cases, args)
    if args.clauses == "both":
        parser.error("--clauses both needs --sweep")

    settings = shipped_grounding()
    if args.library_defaults:
        settings = {k: v for k, v in settings.items() if k not in SCORER_KEYS}
    if args.learned is not None:
        settings["learned_judge"] = args.learned
    overrides = {"learned_weight": args.weight, "learned_passages": args.passages, "threshold": args.threshold,
                 "learned_model_path": args.model, "learned_vetoes": args.vetoes,
                 "exempt_computed": args.exempt_computed}  # fmt: skip
    settings.update({k: v for k, v in overrides.items() if v is not None})
    if args.clauses:
        settings["split_clauses"] = args.clauses == "split"
    policy = policy_for(settings)
    t0 = time.perf_counter()
    results = [(case, run_case(case, policy)) for case in cases]
    seconds = time.perf_counter() - t0

    groups: dict[tuple[str, str], list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for case, out in results:
        groups[(case["corpus"], case["split"])].append((case, out))
        pooled = _pool(case)
        groups[(pooled, case["split"])].append((case, out))
        if case.get("unseen") and case["corpus"] in WRITTEN_AFTER_RULES:
            groups[("unseen-s19", case["split"])].append((case, out))
        if case.get("unseen") and case["corpus"] in WRITTEN_S22:
            groups[("unseen-s22", case["split"])].append((case, out))
        if args.also:
            groups[("all", "+".join(splits))].append((case, out))
    source = "grounding settings' defaults" if args.library_defaults else "support_agent"
    print(f"{len(cases)} cases ({', '.join(splits)}); grounding guard as in {source}: {describe(settings)}\n")
    head = ["corpus", "split", "n", "balanced acc", "kept ok", "correct stripped", "caught", "AUC"]
    print(table(head, [[corpus, split, *summarise(rows)] for (corpus, split), rows in sorted(groups.items())]))

    kinds: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for case, out in results:
        if case.get("unseen") or case.get("blind"):
            continue
        flagged_right = out["flagged"] == (case["label"] == "unsupported")
        kinds[(case["split"], f"{case['label']}: {case['kind']}")].append(flagged_right)
    every = "every corpus" if args.also else "both corpora"
    print(f"\nPer kind, {every} (supported kinds: kept whole; unsupported kinds: caught):\n")
    by_kind = sorted({k for _, k in kinds})
    print(table(["kind", *splits], [[k, *(f"{sum(v) / len(v):.2f} ({len(v)})" if (v := kinds.get((s, k))) else "-"
                                          for s in splits)] for k in by_kind]))  # fmt: skip
    if args.show:
        show_errors(results)
    print(f"\n{seconds:.0f} s ({1000 * seconds / len(cases):.0f} ms per case); peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
