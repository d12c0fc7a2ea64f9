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
  one index;
- ``unseen/cobalt``, ``unseen/fernhill`` (``--unseen``): questions over two help centers
  nothing was trained, fitted or tuned on (``evals/answerability_unseen/``), retrieved from
  the whole help center; their ``dev`` halves may be read while designing, their ``test``
  halves once per candidate;
- ``fresh/skylark``, ``fresh/ledgerly``, ``fresh/brightwater`` (``--fresh``, with
  ``--split dev`` only): the answerability cases of the three train-only help
  centers that were written after the shipped judge and question model were
  made (ids from `FRESH_FROM` on, 100 per help center, commit a12d34f). The
  shipped judge never read them; a judge trained on today's mix would have,
  so they are selection data for the question model, never a test split.

For each set and guard, with "abstain" as the positive class: precision,
recall, F1, and the share of answerable questions refused. The guards are
the shipped `RelevanceGuard` itself: ``cosine`` is ``answerability: false``
(the old behaviour), ``judge`` the default, reading every passage so that
the AUC is over full reads; the judge guards hand questions about the
customer's own account to a person as support_agent does
(``account_questions``, ``--account-questions`` overrides it; the cosine row
never does, and ``--fit`` fits the question model on every question's
reads). Then the judge's cost per question (top 5
passages, one thread per pair, side by side on the cores, as served): the
served guard, which stops reading once the question is settled as
answerable, beside the guard that reads every passage, with how many
passages the first read on average and how many decisions differ (always 0:
stopping early is exact); the cost of the text searched (`RagChain.query`) per question; and peak RSS.

Questions are retrieved as the default chain retrieves them (`RagChain.query`: redaction placeholders out,
typographic quotes plain, typos respelt as the corpus spells the word meant; ``--no-respell`` searches as typed), and
the guard is told what was searched, as the pipeline tells it, and, with ``--names-bar``, which names the question
typed that the corpus never uses (`RagChain.unknown_names`, read on the question as support_agent's PII guard redacts
it, as the pipeline reads it: a customer's own name is a placeholder by then).

``--names`` reads only the held-out questions that name things (``evals/answerability_names/``, written blind in
session 29 over four unseen help centers, read once per candidate); ``--names-bar P`` sets the guard's
``unknown_name_min_answerable`` (off by default), so runs with and without it measure what the bar for names the
help center never uses does.

``--rewrite NAME`` asks every question as people type it (``benchmarks/_rewrites.py``: ``lower``,
``no-question-mark``, ``typo``, ``curly``); against the same run without it, it measures what the form alone costs.
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

from _rewrites import QUESTION_REWRITES
from _util import peak_rss_mb, summary, support_agent_guard, table

from ragfort.judges import perturb

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RAGFORT_SHARED_DATA") or REPO.parent / "shared" / "data")
WORK = Path(os.environ.get("RAGFORT_BENCH_DIR") or Path(tempfile.gettempdir()) / "ragfort-abstention")
CORPORA = {"voltwise": REPO / "examples" / "help_center", "northbeam": REPO / "evals" / "corpora" / "northbeam_bank"}
K = 5
TRAIN_ONLY = {
    "skylark": REPO / "evals" / "corpora" / "skylark_air",
    "ledgerly": REPO / "evals" / "corpora" / "ledgerly",
    "brightwater": REPO / "evals" / "corpora" / "brightwater_energy",
}
# Help centers nothing was trained or tuned on (evals/grounding_unseen/README.md): their questions are
# evals/answerability_unseen/<corpus>.jsonl, retrieved from the whole help center.
UNSEEN = perturb.UNSEEN_CORPORA
# The first id number of each train-only help center's cases written after the shipped judge
# (2026-12-04) and its question model: everything from here on is a12d34f's 100 cases.
FRESH_FROM = {"skylark": 72, "ledgerly": 70, "brightwater": 61}


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


def _fresh_questions() -> dict[str, list[tuple[str, bool, str]]]:
    """The train-only help centers' cases written after the shipped judge (`FRESH_FROM`), per help center."""
    from ragfort.judges.answerability_mix import load_answerability_cases

    train = load_answerability_cases(REPO, split="train")  # the train-only help centers' cases are all train
    sets: dict[str, list[tuple[str, bool, str]]] = {}
    for corpus, first in FRESH_FROM.items():
        fresh = [c for c in train[corpus] if int(str(c["id"]).rsplit("-", 1)[1]) >= first]
        sets[f"fresh/{corpus}"] = [(str(c["question"]), bool(c["answerable"]), corpus) for c in fresh]
    return sets


def _unseen_questions(split: str) -> dict[str, list[tuple[str, bool, str]]]:
    """The unseen help centers' questions of `split`, per help center."""
    sets: dict[str, list[tuple[str, bool, str]]] = {}
    for corpus in UNSEEN:
        path = REPO / "evals" / "answerability_unseen" / f"{corpus}.jsonl"
        rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        sets[f"unseen/{corpus}"] = [(str(r["question"]), bool(r["answerable"]), corpus) for r in rows
                                    if r["split"] == split]  # fmt: skip
    return sets


def _named_questions() -> dict[str, list[tuple[str, bool, str]]]:
    """The held-out questions that name things (`evals/answerability_names/`), per help center."""
    sets: dict[str, list[tuple[str, bool, str]]] = {}
    for path in sorted((REPO / "evals" / "answerability_names").glob("*.jsonl")):
        rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        sets[f"names/{path.stem}"] = [(str(r["question"]), bool(r["answerable"]), str(r["corpus"])) for r in rows]
    return sets


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


def _auc(answerable: Sequence[bool], scores: Sequence[float]) -> float:
    import numpy as np

    from ragfort.evals.guard_eval import _roc_auc

    value = _roc_auc(np.array([int(a) for a in answerable]), np.array(scores, dtype=np.float64))
    return float("nan") if value is None else value


def _read(guard: Any, question: str, passages: Sequence[Any], searched: str) -> dict[str, Any]:
    """What the judge reads for one question (retrieval searched `searched`): the passages' retrieval scores and
    its probabilities."""
    from ragfort.types import Turn

    if not passages:
        return {"cosines": [], "probs": []}
    top, probs = guard.read(Turn(question=question, documents=tuple(passages)), guard.judge, searched)
    return {"cosines": [p.score or 0.0 for p in top], "probs": probs}


def _fit(reads: list[dict[str, Any]], out: Path, floor: float, judge_sha256: str) -> float:
    """Fit the question model on the dev reads and write answerable.json; returns the chosen threshold.

    Every set weighs the same, and within a set both classes do. The
    threshold is chosen on leave-one-set-out predictions: the highest at
    which at most 5% of the answerable questions (pooled) are refused, the
    cosine floor's refusals included. The ``unscored`` variant (passages
    without retrieval scores, so no floor in front) is fitted over every dev
    question and gets its own threshold by the same rule.
    """
    import numpy as np

    from ragfort.judges.answerable import (
        QUESTION_FEATURES,
        UNSCORED_FEATURES,
        fit_regression,
        load_question_model,
        question_features,
    )

    usable = [r for r in reads if not r["floored"]]
    names = sorted({r["set"] for r in usable})

    def balanced(group: list[dict[str, Any]]) -> list[float]:
        # Every set weighs the same, and within a set both classes do.
        n = {(r["set"], r["ok"]): 0 for r in group}
        for r in group:
            n[(r["set"], r["ok"])] += 1
        return [len(group) / (2 * len(names) * n[(r["set"], r["ok"])]) for r in group]

    def held_out(group: list[dict[str, Any]], rows: list[list[float]], features: tuple[str, ...]) -> Any:
        """Leave-one-set-out probabilities for `group` (its `rows` are the features)."""
        oks, weights = [r["ok"] for r in group], balanced(group)
        held = np.zeros(len(rows))
        for name in names:
            keep = [i for i, r in enumerate(group) if r["set"] != name]
            out = [i for i, r in enumerate(group) if r["set"] == name]
            fit = fit_regression([rows[i] for i in keep], [oks[i] for i in keep], [weights[i] for i in keep], features)
            x = (np.asarray([rows[i] for i in out]) - np.asarray(fit["mean"])) / np.asarray(fit["scale"])
            held[out] = x @ np.asarray(fit["weights"]) + fit["intercept"]
        return 1 / (1 + np.exp(-held))

    def highest(group: list[dict[str, Any]], probs: Any, refused_before: int) -> float:
        # The highest threshold at which at most 5% of the answerable dev questions are refused.
        answerable = sum(r["ok"] for r in reads)
        chosen = 0.01
        for t in np.arange(0.01, 0.99, 0.01):
            refused = refused_before + sum(p < t and r["ok"] for p, r in zip(probs, group, strict=True))
            if refused / answerable <= 0.05:
                chosen = float(round(t, 2))
        return chosen

    # Scored passages: behind the cosine floor, whose refusals count against the 5%.
    scored = [question_features(r["probs"], r["cosines"]) for r in usable]
    floored_ok = sum(r["ok"] and r["floored"] for r in reads)
    threshold = highest(usable, held_out(usable, scored, QUESTION_FEATURES), floored_ok)
    # Passages without retrieval scores meet no floor: that variant is fitted, and its threshold
    # chosen, over every dev question.
    read = [r for r in reads if r["probs"]]
    unscored = [question_features(r["probs"]) for r in read]
    unscored_threshold = highest(read, held_out(read, unscored, UNSCORED_FEATURES), 0)
    counts = {(n, ok): sum(r["set"] == n and r["ok"] == ok for r in usable) for n in names for ok in (True, False)}
    data = {
        "about": "The question model of ragfort.judges.answerable, fitted by benchmarks/abstention.py --split dev "
        "--fit on the dev splits' top-passage reads of the answerability judge whose model.onnx has judge_sha256.",
        "judge_sha256": judge_sha256,
        "threshold": threshold,
        "unscored_threshold": unscored_threshold,
        "min_score": floor,
        "fitted_on": {n: {"answerable": counts[(n, True)], "unanswerable": counts[(n, False)]} for n in names},
        "scored": fit_regression(scored, [r["ok"] for r in usable], balanced(usable), QUESTION_FEATURES),
        "unscored": fit_regression(unscored, [r["ok"] for r in read], balanced(read), UNSCORED_FEATURES),
    }
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    load_question_model.cache_clear()
    load_question_model(str(out))  # it must load
    return threshold


def _neutral_if_unreadable(path: Path) -> None:
    """Write a neutral question model to `path` when what is there does not load (after a feature change).

    The shipped policy loads the question model, and the indexes are built
    with it; the fit then overwrites this placeholder.
    """
    from ragfort.errors import ConfigError
    from ragfort.judges.answerable import QUESTION_FEATURES, UNSCORED_FEATURES, load_question_model

    try:
        load_question_model(str(path))
        return
    except ConfigError:
        load_question_model.cache_clear()

    def zero(features: tuple[str, ...]) -> dict[str, Any]:
        n = len(features)
        return {
            "features": list(features),
            "weights": [0.0] * n,
            "intercept": 0.0,
            "mean": [0.0] * n,
            "scale": [1.0] * n,
        }

    neutral = {
        "threshold": 0.5,
        "min_score": 0.3,
        "scored": zero(QUESTION_FEATURES),
        "unscored": zero(UNSCORED_FEATURES),
    }
    path.write_text(json.dumps(neutral), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("dev", "test"), default="test")
    ap.add_argument("--model", default=None, help="an answerability model folder (default: the shipped one)")
    ap.add_argument("--threshold", type=float, default=None, help="min_answerability (default: the guard's)")
    ap.add_argument("--min-score", type=float, default=None, help="the cosine floor (default: the guard's)")
    ap.add_argument("--passages", type=int, default=None, help="answerability_passages (default: the guard's)")
    ap.add_argument("--question-model", default=None, help="a question model JSON (default: the shipped one)")
    ap.add_argument("--fit", default=None, metavar="PATH", help="fit the question model on --split dev, write PATH")
    ap.add_argument(
        "--holdout",
        action="append",
        default=[],
        metavar="SET",
        help="with --fit: leave this question set (e.g. own/northbeam) out of the fit, to score it unseen",
    )
    ap.add_argument("--sweep", action="store_true", help="also print abstention at other thresholds")
    ap.add_argument("--account-questions", choices=("answer", "abstain"), default=None,
                    help="the relevance guard's account_questions (default: support_agent's)")  # fmt: skip
    ap.add_argument("--unseen", action="store_true",
                    help="add the help centers nothing was trained or tuned on (evals/answerability_unseen/)")
    ap.add_argument("--fresh", action="store_true",
                    help="with --split dev: add the train-only help centers' cases written after "
                    "the shipped judge")  # fmt: skip
    ap.add_argument("--rewrite", choices=sorted(QUESTION_REWRITES), default=None,
                    help="every question as people type it (benchmarks/_rewrites.py: lower case, no question mark, "
                    "one typo, typographic apostrophes), to measure what the form alone costs")  # fmt: skip
    ap.add_argument("--names", action="store_true",
                    help="only the held-out questions that name things (evals/answerability_names/), read once")
    ap.add_argument("--names-bar", type=float, default=None, metavar="P",
                    help="the relevance guard's unknown_name_min_answerable (default: off, as shipped)")
    ap.add_argument("--no-respell", action="store_true",
                    help="retrieve on the question as typed (build_chain(respell=False)), not with its typos respelt")
    args = ap.parse_args(argv)
    if args.rewrite and args.fit:
        ap.error("--fit reads the questions as written: drop --rewrite")
    if args.fresh and args.split != "dev":
        ap.error("--fresh cases are selection data: add --split dev")
    if args.fit and args.split != "dev":
        ap.error("--fit reads the dev split only: add --split dev")
    if args.holdout and not args.fit:
        ap.error("--holdout only applies to --fit")

    import ragfort._offline  # noqa: F401
    from ragfort.chain import RagChain
    from ragfort.context import RunContext
    from ragfort.evals.relevance_calibrate import abstention_metrics, support_agent_redaction
    from ragfort.guards.relevance import RelevanceGuard, RelevanceSettings
    from ragfort.types import ANSWERABILITY_KEY, Action, Turn

    if args.fit:
        _neutral_if_unreadable(Path(args.fit))

    WORK.mkdir(parents=True, exist_ok=True)
    indexes = {name: _index(name, folder, "support_agent") for name, folder in CORPORA.items()}
    sets = _named_questions() if args.names else _questions(args.split)
    if args.names:
        if args.fit or args.unseen or args.fresh:
            ap.error("--names is a held-out read of its own: drop --fit, --unseen and --fresh")
        indexes.update({name: _index(name, folder, "support_agent") for name, folder in UNSEEN.items()})
    if args.unseen:
        if args.fit:
            ap.error("--unseen help centers are never fitted on")
        sets.update(_unseen_questions(args.split))
        indexes.update({name: _index(name, folder, "support_agent") for name, folder in UNSEEN.items()})
    if args.fresh:
        sets.update(_fresh_questions())
        indexes.update({name: _index(name, folder, "support_agent") for name, folder in TRAIN_ONLY.items()})
    if "clapnq" in sets:
        indexes["clapnq"] = _index("clapnq", _clapnq_corpus(), "passthrough")
    # Retrieval as the default chain does it (`RagChain.query`: the question's placeholders out, quotes plain,
    # typos respelt unless --no-respell), and the guard told what was searched, as the pipeline tells it.
    chains = {name: RagChain(index, respell=not args.no_respell) for name, index in indexes.items()}
    for chain in chains.values():
        chain.query("")  # the corpus's words read now, as build_chain does, not inside the timings

    query_ms: list[float] = []
    # With a bar for names, the names as the pipeline reads them: on the question support_agent's PII guard redacted.
    redact = None if args.names_bar is None else support_agent_redaction()
    names: dict[tuple[str, str], tuple[str, ...] | None] = {}

    def retrieve(corpus: str, question: str) -> tuple[str, list[Any]]:
        t0 = time.perf_counter()
        searched = chains[corpus].query(question)
        query_ms.append((time.perf_counter() - t0) * 1000)
        if redact is not None and (corpus, question) not in names:
            names[(corpus, question)] = chains[corpus].unknown_names(redact(question))
        return searched, indexes[corpus].search(searched, k=K)

    def searching(searched: str, corpus: str | None = None, question: str | None = None) -> RunContext:
        ctx = RunContext()
        ctx.state.search_text = searched
        found = names.get((corpus, question)) if corpus and question else None
        ctx.state.unknown_names = (lambda: found) if found is not None else None
        return ctx

    if args.rewrite:
        form = QUESTION_REWRITES[args.rewrite]
        sets = {name: [(form(q, n), ok, c) for n, (q, ok, c) in enumerate(rows)] for name, rows in sets.items()}

    defaults = RelevanceSettings()
    floor = RelevanceGuard().min_score if args.min_score is None else args.min_score
    threshold = defaults.min_answerability if args.threshold is None else args.threshold
    extra: dict[str, Any] = {"answerability_model_path": args.model} if args.model else {}
    shipped = support_agent_guard("retrieval", "relevance")
    extra["account_questions"] = args.account_questions or shipped.get("account_questions", "answer")
    if args.names_bar is not None:
        extra["unknown_name_min_answerable"] = args.names_bar
    if args.passages:
        extra["answerability_passages"] = args.passages
    cosine = RelevanceGuard(answerability=False, min_score=floor)
    # The quality rows read every passage, so that a verdict's score (and the AUC over it) is the full
    # read, not the lower bound a turn settled early reports; the decisions are the same (checked below).
    best_only = RelevanceGuard(min_score=floor, min_answerability=threshold, question_model=False,
                               stop_when_answered=False, **extra)  # fmt: skip
    if args.fit:
        reads: list[dict[str, Any]] = []
        unknown = sorted(set(args.holdout) - set(sets))
        if unknown:
            ap.error(f"--holdout {unknown}: the sets are {sorted(sets)}")
        for name, questions in sets.items():
            if name in args.holdout:
                continue
            for question, answerable, corpus in questions:
                searched, passages = retrieve(corpus, question)
                at_floor = cosine.check(Turn(question=question, documents=tuple(passages)), searching(searched))
                read = _read(best_only, question, passages, searched)
                abstained = at_floor.action is Action.ABSTAIN
                reads.append({"set": name, "question": question, "ok": answerable, "floored": abstained, **read})
        assert best_only.judge is not None
        chosen = _fit(reads, Path(args.fit), floor, best_only.judge.manifest.files["model.onnx"])
        print(f"wrote {args.fit}: threshold {chosen:.2f}, {len(reads)} dev questions")
        extra["question_model_path"] = args.fit
    elif args.question_model:
        extra["question_model_path"] = args.question_model
    judged = RelevanceGuard(min_score=floor, min_answerability=threshold, stop_when_answered=False, **extra)
    # The guard as served (it stops reading once the question is settled as answerable): its cost
    # beside `judged`'s, and a check that stopping early never changes a decision.
    served = RelevanceGuard(min_score=floor, min_answerability=threshold, **extra)
    assert judged.judge is not None and judged.questions is not None
    guards = {"cosine": cosine, f"judge best >= {threshold:.2f}": best_only,
              f"judge + question model >= {judged.questions.threshold:.2f}": judged}  # fmt: skip

    rows: list[list[object]] = []
    sweep_rows: list[list[object]] = []
    costs: dict[str, list[float]] = {}
    costs_every: dict[str, list[float]] = {}
    read_counts: dict[str, list[int]] = {}
    changed = 0
    for name, questions in sets.items():
        flags: dict[str, list[bool]] = {g: [] for g in guards}
        scores: dict[str, list[float]] = {g: [] for g in guards}
        for question, _answerable, corpus in questions:
            searched, passages = retrieve(corpus, question)
            turn = Turn(question=question, documents=tuple(passages))
            floored = False
            for label, guard in guards.items():
                t0 = time.perf_counter()
                v = guard.check(turn, searching(searched, corpus, question))
                elapsed = (time.perf_counter() - t0) * 1000
                if guard is cosine:
                    floored = v.action is Action.ABSTAIN
                    score = max((p.score or 0.0) for p in passages) if passages else 0.0
                else:
                    score = -1.0 if floored else float(v.score or 0.0)
                if guard is judged and not floored:
                    costs_every.setdefault(name, []).append(elapsed)
                    t0 = time.perf_counter()
                    early = served.check(turn, searching(searched, corpus, question))
                    costs.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
                    read_counts.setdefault(name, []).append(
                        sum(ANSWERABILITY_KEY in p.metadata for p in (early.turn or turn).documents)
                    )
                    changed += early.action is not v.action
                flags[label].append(v.action is Action.ABSTAIN)
                scores[label].append(score)
        labels = [a for _q, a, _c in questions]
        unanswerable = sum(not a for a in labels)
        for label in guards:
            # AUC: how well the score ranks answerable questions above the rest, whatever the threshold.
            m = abstention_metrics(flags[label], labels)
            p, r, f1, refused = m.precision, m.recall, m.f1, m.refused
            auc = _auc(labels, scores[label])
            rows.append([name, len(questions), unanswerable, label, p, r, f1, f"{refused:.1%}", auc])
        if args.sweep:
            model_scores = scores[list(guards)[-1]]
            for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
                abst = [fl or s < t for fl, s in zip(flags["cosine"], model_scores, strict=True)]
                m = abstention_metrics(abst, labels)
                p, r, f1, refused = m.precision, m.recall, m.f1, m.refused
                sweep_rows.append([name, t, p, r, f1, f"{refused:.1%}"])

    print(f"split: {args.split}; top {K} passages retrieved, the judge reads "
          f"{judged.settings.answerability_passages}; cosine floor {floor}; account questions: "
          f"{judged.settings.account_questions}; judge {judged.judge!r}\n")  # fmt: skip
    headers = ["abst. precision", "abst. recall", "abst. F1", "answerable refused"]
    print(table(["set", "questions", "unanswerable", "guard", *headers, "question AUC"], rows))
    if sweep_rows:
        print("\nquestion model at other thresholds:")
        print(table(["set", "threshold", *headers], sweep_rows))
    # Per set: the cost follows the passages' length (help-center chunks ~80 tokens with the
    # question, ClapNQ's Wikipedia passages mostly cut at the judge's 160).
    cost_rows: list[list[object]] = []
    everything = ("all", [c for v in costs.values() for c in v])
    for name, values in [*costs.items(), everything]:
        p50, p95, p99 = summary(values)
        n_reads = read_counts.get(name) or [r for v in read_counts.values() for r in v]
        e50, e95, _ = summary(costs_every.get(name) or [c for v in costs_every.values() for c in v])
        cost_rows.append([name, len(values), f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}",
                          f"{sum(n_reads) / len(n_reads):.2f}", f"{e50:.1f}", f"{e95:.1f}"])  # fmt: skip
    print("\njudge + question model cost per question (ms; questions the cosine floor did not stop), "
          "stopping once answerable (the default) and reading every passage:")  # fmt: skip
    headers = ["set", "questions", "p50", "p95", "p99", "passages read", "every read p50", "every read p95"]
    print(table(headers, cost_rows))
    print(f"decisions that differ between the two: {changed}")
    q50, q95, q99 = summary(query_ms)
    print(f"the text searched (RagChain.query, respelling {'off' if args.no_respell else 'on'}), per question: "
          f"p50 {q50:.3f} ms, p95 {q95:.3f} ms, p99 {q99:.3f} ms ({len(query_ms)} calls)")  # fmt: skip
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
