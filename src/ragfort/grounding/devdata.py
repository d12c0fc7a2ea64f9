"""Loaders for the labelled development sets the support model is trained and measured on.

Each set becomes a list of `Example`: an answer, the passages it should be
grounded in, a binary label (1 = supported) and a group id so that
cross-validation never puts two views of the same item on both sides.

- HaluEval QA (``halueval_qa/qa_data_full_10k.jsonl``): per question, the
  right answer (supported) and the hallucinated one (unsupported) against the
  knowledge; a fixed-seed sample of questions keeps runs short.
- BEGIN dev (``begin/*_dev_*.tsv``): "Fully attributable" responses are
  supported, "Not fully attributable" unsupported; "Generic" responses make
  no checkable claim and are left out.
- WiCE dev, oracle chunks (``wice/oracle_claim_dev.jsonl``): "supported"
  claims against "partially_supported" and "not_supported" ones; a claim has
  several evidence chunks (rows), and its score is the best over its rows.

The data folder defaults to ``/work/shared/data`` and can be set with
``RAGFORT_DEV_DATA``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from ragfort.types import Passage

__all__ = ["DATASETS", "Example", "data_dir", "load_begin", "load_dataset", "load_halueval", "load_wice"]


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled answer with its evidence."""

    dataset: str
    group: str
    answer: str
    passages: tuple[Passage, ...]
    label: int
    question: str = ""


def data_dir() -> Path:
    """Where the development sets live."""
    return Path(os.environ.get("RAGFORT_DEV_DATA", "/work/shared/data"))


def load_halueval(*, questions: int = 2000, seed: int = 0) -> list[Example]:
    """A fixed-seed sample of `questions` HaluEval QA questions, two examples each."""
    path = data_dir() / "halueval_qa" / "qa_data_full_10k.jsonl"
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    rng = random.Random(seed)
    picked = sorted(rng.sample(range(len(rows)), min(questions, len(rows))))
    out: list[Example] = []
    for i in picked:
        row = rows[i]
        passage = (Passage(text=row["knowledge"], doc_id=f"halueval-{i}"),)
        q = row["question"]
        out.append(Example("halueval", f"h{i}", row["right_answer"], passage, 1, q))
        out.append(Example("halueval", f"h{i}", row["hallucinated_answer"], passage, 0, q))
    return out


def load_begin() -> list[Example]:
    """BEGIN dev responses, without the "Generic" ones."""
    csv.field_size_limit(sys.maxsize)
    out: list[Example] = []
    for path in sorted((data_dir() / "begin").glob("*_dev_*.tsv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)):
                label = row["begin_label"].strip()
                if label == "Generic":
                    continue
                passage = (Passage(text=row["knowledge"], doc_id=f"{path.stem}-{n}"),)
                # Responses to the same knowledge snippet share a group.
                group = "b" + hashlib.sha1(row["knowledge"].encode("utf-8")).hexdigest()[:12]
                out.append(Example("begin", group, row["response"], passage, int(label == "Fully attributable")))
    return out


def load_wice() -> list[Example]:
    """WiCE dev oracle chunks: one example per (claim, evidence chunk) row."""
    out: list[Example] = []
    with (data_dir() / "wice" / "oracle_claim_dev.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            # The evidence sentences are given; keep them as the passage's sentences, exactly.
            text_parts: list[str] = []
            spans: list[tuple[int, int]] = []
            pos = 0
            for sent in row["evidence"]:
                sent = sent.strip()
                if not sent:
                    continue
                spans.append((pos, pos + len(sent)))
                text_parts.append(sent)
                pos += len(sent) + 1
            passage = Passage(text=" ".join(text_parts), doc_id=row["meta"]["id"], sentences=tuple(spans))
            out.append(Example("wice", row["meta"]["id"], row["claim"], (passage,), int(row["label"] == "supported")))
    return out


DATASETS = ("halueval", "begin", "wice")


def load_dataset(name: str, *, halueval_questions: int = 2000, seed: int = 0) -> list[Example]:
    """Load one development set by name (one of `DATASETS`)."""
    if name == "halueval":
        return load_halueval(questions=halueval_questions, seed=seed)
    if name == "begin":
        return load_begin()
    if name == "wice":
        return load_wice()
    raise ValueError(f"unknown development set {name!r}; known: {', '.join(DATASETS)}")
