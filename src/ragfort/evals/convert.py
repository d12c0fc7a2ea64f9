"""Dataset converters: a golden set plus the corpus to ingest, one file per passage.

``ragfort golden import FORMAT SRC --out DIR`` writes ``DIR/golden.jsonl``
and ``DIR/corpus/`` (then ``ragfort ingest DIR/corpus --index ...``). Doc
ids in the golden set are corpus file names, which is what ingest makes of
them. Converters are a registry, name → function:

- ``clapnq``: the ClapNQ dev files (answerable + unanswerable JSONL). Each
  question's passage becomes a corpus file; unanswerable questions keep
  their (non-answering) passage in the corpus, which is what makes them hard.
- ``faq-csv``: a CSV of ``question,answer`` pairs, one corpus file per entry.
  When a question-similarity CSV (``question_1,question_2,similar``, e.g.
  deepset's ``eval_question_similarity_en.csv``) sits beside it, the golden
  questions are the reworded ``question_2`` of similar pairs; otherwise the
  FAQ questions themselves.
- ``squad``: SQuAD-format JSON (v1 or v2 with ``is_impossible``), one
  corpus file per paragraph.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragfort.errors import InputError
from ragfort.evals.golden import GoldenRecord, write_golden

__all__ = ["CONVERTERS", "ConvertResult", "convert"]


@dataclass
class ConvertResult:
    """What a conversion wrote."""

    golden: Path
    corpus: Path
    records: int
    documents: int
    notes: list[str] = field(default_factory=list)


@dataclass
class _Out:
    corpus: Path
    records: list[GoldenRecord] = field(default_factory=list)
    docs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def doc(self, name: str, text: str) -> str:
        """Register a corpus file; returns its doc id (the file name)."""
        if name in self.docs and self.docs[name] != text:
            raise InputError(f"two different passages want the corpus file name {name!r}")
        self.docs[name] = text
        return name


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")
    return slug or "doc"


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise InputError(f"{path}:{number}: expected a JSON object")
            yield number, obj


def _clapnq(src: Path, out: _Out) -> None:
    files = {
        True: sorted(src.glob("*dev_answerable.jsonl")) if src.is_dir() else [],
        False: sorted(src.glob("*dev_unanswerable.jsonl")) if src.is_dir() else [],
    }
    if src.is_file():
        files = {("unanswerable" not in src.name): [src]}
    if not any(files.values()):
        raise InputError(
            f"no ClapNQ files (clapnq_dev_answerable.jsonl, clapnq_dev_unanswerable.jsonl) in {str(src)!r}"
        )
    for answerable, paths in files.items():
        for path in paths:
            for number, obj in _jsonl(path):
                passages = obj.get("passages") or []
                question = obj.get("input")
                if not isinstance(question, str) or not passages:
                    out.notes.append(f"{path.name}:{number}: no question or passage, skipped")
                    continue
                doc_ids = []
                for p in passages:
                    title, text = str(p.get("title", "")), str(p.get("text", ""))
                    doc_ids.append(out.doc(f"{_slug(title)}-{_short_hash(title + text)}.txt", f"{title}\n\n{text}\n"))
                outputs = [o for o in obj.get("output") or [] if isinstance(o, dict)]
                reference = next((str(o["answer"]) for o in outputs if o.get("answer")), "")
                is_answerable = answerable and bool(reference)
                out.records.append(
                    GoldenRecord(
                        id=f"clapnq-{obj.get('id', number)}",
                        question=question,
                        reference_answer=reference,
                        relevant_doc_ids=tuple(doc_ids) if is_answerable else (),
                        answerable=is_answerable,
                        tags=("clapnq", "answerable" if is_answerable else "unanswerable", "split:dev"),
                        meta={"source": "clapnq", "file": path.name, "line": number},
                    )
                )


def _read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}: CSV lacks column(s) {missing!r}; has {reader.fieldnames!r}")
        return list(reader)


def _faq_csv(src: Path, out: _Out) -> None:
    if src.is_dir():
        candidates = [p for p in sorted(src.glob("*.csv")) if "similarity" not in p.name]
        if not candidates:
            raise InputError(f"no FAQ CSV in {str(src)!r}")
        faq_path = candidates[0]
        similar = sorted(src.glob("*similarity*.csv"))
    else:
        faq_path = src
        similar = sorted(src.parent.glob("*similarity*.csv"))
    rows = _read_csv(faq_path, ("question", "answer"))
    by_question: dict[str, list[str]] = {}
    answers: dict[str, str] = {}
    for i, row in enumerate(rows, 1):
        question, answer = row["question"].strip(), row["answer"].strip()
        if not question or not answer:
            out.notes.append(f"{faq_path.name} row {i}: empty question or answer, skipped")
            continue
        doc = out.doc(f"faq-{i:04d}-{_slug(question)}.md", f"# {question}\n\n{answer}\n")
        by_question.setdefault(question, []).append(doc)
        answers.setdefault(question, answer)
    tags_for = {"faq"}
    if similar:
        pairs = _read_csv(similar[0], ("question_1", "question_2", "similar"))
        skipped_dissimilar = unmatched = 0
        for i, pair in enumerate(pairs, 1):
            if pair["similar"].strip() != "1":
                skipped_dissimilar += 1
                continue
            original = pair["question_1"].strip()
            if original not in by_question:
                unmatched += 1
                continue
            out.records.append(
                GoldenRecord(
                    id=f"faq-{i:04d}",
                    question=pair["question_2"].strip(),
                    reference_answer=answers[original],
                    relevant_doc_ids=tuple(by_question[original]),
                    answerable=True,
                    tags=(*sorted(tags_for), "reworded"),
                    meta={"source": similar[0].name, "row": i},
                )
            )
        out.notes.append(
            f"{skipped_dissimilar} pairs marked not similar skipped (whether the FAQ answers them is unknown)"
        )
        if unmatched:
            out.notes.append(f"{unmatched} similar pairs whose question_1 is not an FAQ question skipped")
    else:
        for i, (question, docs) in enumerate(by_question.items(), 1):
            out.records.append(
                GoldenRecord(
                    id=f"faq-{i:04d}",
                    question=question,
                    reference_answer=answers[question],
                    relevant_doc_ids=tuple(docs),
                    answerable=True,
                    tags=(*sorted(tags_for), "original"),
                )
            )


def _squad(src: Path, out: _Out) -> None:
    try:
        data = json.loads(src.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{src}: not valid JSON ({exc})") from None
    articles = data.get("data") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        raise InputError(f"{src}: not SQuAD format (no top-level 'data' list)")
    for article in articles:
        title = str(article.get("title", "untitled"))
        for pi, para in enumerate(article.get("paragraphs") or []):
            context = str(para.get("context", ""))
            if not context.strip():
                continue
            doc = out.doc(f"{_slug(title)}-{pi:03d}.txt", f"{title}\n\n{context}\n")
            for qa in para.get("qas") or []:
                answers = [a for a in qa.get("answers") or [] if str(a.get("text", "")).strip()]
                answerable = bool(answers) and not qa.get("is_impossible", False)
                qid = str(qa.get("id") or _short_hash(str(qa.get("question"))))
                try:
                    out.records.append(
                        GoldenRecord(
                            id=f"squad-{qid}",
                            question=str(qa.get("question", "")),
                            reference_answer=str(answers[0]["text"]) if answerable else "",
                            relevant_doc_ids=(doc,) if answerable else (),
                            answerable=answerable,
                            tags=("squad", _slug(title, 30)),
                        )
                    )
                except ValueError as exc:
                    out.notes.append(f"question {qid!r} skipped: {exc}")


CONVERTERS: dict[str, Callable[[Path, _Out], None]] = {
    "clapnq": _clapnq,
    "faq-csv": _faq_csv,
    "squad": _squad,
}


def convert(fmt: str, src: str | Path, out_dir: str | Path, *, limit: int | None = None) -> ConvertResult:
    """Convert a dataset; writes ``out_dir/golden.jsonl`` and ``out_dir/corpus/``.

    Args:
        fmt: a key of `CONVERTERS`.
        src: the dataset file or folder.
        out_dir: the output folder.
        limit: keep only the first `limit` questions (and the passages they use, plus
            the passages of nothing else).
    """
    converter = CONVERTERS.get(fmt)
    if converter is None:
        raise InputError(f"unknown format {fmt!r}; expected one of {sorted(CONVERTERS)}")
    source = Path(src)
    if not source.exists():
        raise InputError(f"source {str(source)!r} does not exist")
    target = Path(out_dir)
    out = _Out(corpus=target / "corpus")
    converter(source, out)
    if limit is not None:
        if limit < 1:
            raise InputError(f"limit must be at least 1, got {limit!r}")
        out.records = out.records[:limit]
        used = {d for r in out.records for d in r.relevant_doc_ids}
        out.docs = {k: v for k, v in out.docs.items() if k in used} or out.docs
    ids: set[str] = set()
    unique = []
    for rec in out.records:
        if rec.id in ids:
            out.notes.append(f"duplicate id {rec.id!r} dropped")
            continue
        ids.add(rec.id)
        unique.append(rec)
    out.corpus.mkdir(parents=True, exist_ok=True)
    for name, text in out.docs.items():
        (out.corpus / name).write_text(text, encoding="utf-8")
    golden = write_golden(unique, target / "golden.jsonl")
    return ConvertResult(
        golden=golden, corpus=out.corpus, records=len(unique), documents=len(out.docs), notes=out.notes
    )
