"""Train the courtesy head (`ragfort.grounding.courtesy`): ``python -m ragfort.grounding.courtesy_train``.

A dev-time step (scikit-learn, a dev dependency; never run in CI). Seeded, about a minute on 2 cores, most of it
embedding. The data:

* every line of ``evals/courtesy/lines.jsonl`` and ``evals/courtesy/extra.jsonl`` (courtesy lines positive, fact
  lines negative);
* help-center sentences of the training corpora (`ragfort.judges.perturb.CORPORA`; never an unseen help center),
  as sentences that state something;
* joins of a courtesy opening or closing with such a sentence ("Sorry, refunds take 10 working days.",
  "Refunds take 10 working days, hope that helps!"): they state something too.

Only sentences `candidate` lets through ever reach the head, but it is trained on all of them, so it learns what a
statement reads like. The threshold is the lowest of `THRESHOLDS` at which 5-fold cross-validation over the
labelled lines takes no fact line for courtesy. ``evals/courtesy/holdout.jsonl`` is never read here: it is the
held-out measure. Writes ``courtesy.json`` (or ``--out``) and prints the cross-validation table.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ragfort.grounding.courtesy import COURTESY_HEAD, candidate, head_digest

__all__ = ["CLOSINGS", "OPENINGS", "THRESHOLDS", "TrainingSet", "choose_threshold", "joins", "main", "training_set"]

_REPO = Path(__file__).resolve().parents[3]
LABELLED = (_REPO / "evals" / "courtesy" / "lines.jsonl", _REPO / "evals" / "courtesy" / "extra.jsonl")
THRESHOLDS = (0.8, 0.9, 0.95, 0.98)
# How a statement gets wrapped in courtesy, for the joins: the statement is still what the sentence says.
OPENINGS = ("Sorry, ", "Thanks for waiting, ", "Happy to help: ", "Good news, ", "I'm afraid ", "Great question! ",
            "Thanks for asking, ", "Apologies, ")  # fmt: skip
CLOSINGS = (", hope that helps!", ", sorry about that.", ". Thanks!", ", let me know if that works.",
            ", happy to help.", ", apologies for the wait.")  # fmt: skip
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class TrainingSet:
    """Texts with labels (1: only courtesy), and which of them are the labelled lines (for cross-validation)."""

    texts: list[str]
    labels: list[int]
    lines: int  # the first `lines` texts are the labelled lines


def corpus_sentences(limit: int, seed: int) -> list[str]:
    """Up to `limit` sentences of 4-30 words from the training corpora's articles (no headings, no table rows)."""
    from ragfort.index.loaders import discover, load_document
    from ragfort.judges.perturb import CORPORA

    found: list[str] = []
    for root in CORPORA.values():
        for doc_id, path in discover(root):
            for part in _SENTENCE.split(load_document(path, doc_id=doc_id).text):
                text = part.strip()
                if 4 <= len(text.split()) <= 30 and not text.startswith(("#", "|", "-", "*")):
                    found.append(text)
    random.Random(seed).shuffle(found)
    return found[:limit]


def joins(sentences: list[str]) -> list[str]:
    """Each sentence wrapped in a courtesy opening (first half) or closing (second half)."""
    half = len(sentences) // 2
    out = [OPENINGS[i % len(OPENINGS)] + s[0].lower() + s[1:] for i, s in enumerate(sentences[:half])]
    out += [s.rstrip(".!") + CLOSINGS[i % len(CLOSINGS)] for i, s in enumerate(sentences[half:])]
    return out


def training_set(
    labelled: tuple[Path, ...] = LABELLED, *, statements: int = 1500, joined: int = 500, seed: int = 0
) -> TrainingSet:
    """The labelled lines first (every file of `labelled` that exists), then the statements and their joins (all
    negative)."""
    rows = [json.loads(line) for path in labelled if path.exists()
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]  # fmt: skip
    sentences = corpus_sentences(statements + joined, seed)
    negatives = sentences[:statements] + joins(sentences[statements:])
    return TrainingSet([r["text"] for r in rows] + negatives, [int(bool(r["courtesy"])) for r in rows] +
                       [0] * len(negatives), len(rows))  # fmt: skip


def _fit(x: npt.NDArray[np.float32], y: npt.NDArray[np.int64], seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced", random_state=seed).fit(x, y)


def choose_threshold(
    vectors: npt.NDArray[np.float32], data: TrainingSet, gate: list[bool], *, seed: int = 0, folds: int = 5
) -> tuple[float, list[dict[str, Any]]]:
    """The lowest of `THRESHOLDS` at which cross-validation over the labelled lines takes no fact line; the table.

    Each fold trains on the other folds' lines and every statement; a line counts as courtesy when its sentence
    passes `gate` and the head reaches the threshold (or when the word lists take it already, `gate` False then).
    """
    n = data.lines
    y = np.asarray(data.labels, dtype=np.int64)
    order = list(range(n))
    random.Random(seed).shuffle(order)
    probs = np.zeros(n)
    for k in range(folds):
        held = set(order[k::folds])
        train = [i for i in range(len(y)) if i not in held]
        model = _fit(vectors[train], y[train], seed)
        idx = sorted(held)
        probs[idx] = model.predict_proba(vectors[idx])[:, 1]
    rows = []
    for t in THRESHOLDS:
        taken = [i for i in range(n) if gate[i] and probs[i] >= t]
        rows.append({"threshold": t, "courtesy_taken": int(sum(y[i] for i in taken)),
                     "facts_taken": int(sum(1 - y[i] for i in taken))})  # fmt: skip
    clean = [r["threshold"] for r in rows if r["facts_taken"] == 0]
    if not clean:
        raise SystemExit("no threshold takes no fact line in cross-validation; the head is not written")
    return float(min(clean)), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ragfort.grounding.courtesy_train", description=__doc__)
    parser.add_argument("--out", type=Path, default=COURTESY_HEAD, help="where to write the head (JSON)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--statements", type=int, default=1500, help="help-center sentences used as statements")
    parser.add_argument("--joined", type=int, default=500, help="statements wrapped in courtesy")
    args = parser.parse_args(argv)

    from ragfort.embeddings import DEFAULT_MODEL, get_embedder

    data = training_set(statements=args.statements, joined=args.joined, seed=args.seed)
    embedder = get_embedder()
    vectors = np.asarray(embedder.encode(data.texts), dtype=np.float32)
    gate = [candidate(t) for t in data.texts[: data.lines]]
    threshold, table = choose_threshold(vectors, data, gate, seed=args.seed)
    model = _fit(vectors, np.asarray(data.labels, dtype=np.int64), args.seed)
    weights = [round(float(w), 8) for w in model.coef_[0]]
    bias = round(float(model.intercept_[0]), 8)
    courteous = sum(data.labels[: data.lines])
    print(f"{data.lines} labelled lines ({courteous} courtesy), {len(data.texts) - data.lines} statements; "
          f"{sum(gate)} lines pass the gate")  # fmt: skip
    print("| threshold | courtesy lines taken (CV) | fact lines taken (CV) |\n|---|---|---|")
    for row in table:
        print(f"| {row['threshold']} | {row['courtesy_taken']}/{courteous} | {row['facts_taken']}/"
              f"{data.lines - courteous} |")  # fmt: skip
    head = {
        "embedder_model": DEFAULT_MODEL if embedder.model_id == DEFAULT_MODEL else embedder.model_id,
        "trained": date.today().isoformat(),
        "command": "python -m ragfort.grounding.courtesy_train" + "".join(f" {a}" for a in (argv or sys.argv[1:])),
        "data": {
            "labelled_lines": data.lines,
            "statements": args.statements,
            "joined": args.joined,
            "seed": args.seed,
        },
        "cross_validation": table,
        "threshold": threshold,
        "bias": bias,
        "weights": weights,
        "sha256": head_digest(weights, bias, threshold),
    }
    args.out.write_text(json.dumps(head, indent=1) + "\n", encoding="utf-8")
    print(f"threshold {threshold}; wrote {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
