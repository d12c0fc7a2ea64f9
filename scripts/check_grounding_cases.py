"""Check the grounding cases under evals/grounding/, evals/grounding_unseen/ and evals/grounding_blind/ (README.md).

``python scripts/check_grounding_cases.py [FILE ...]`` prints one line per problem and exits 1
when there is any; with no files it checks every ``*.jsonl`` of the three folders. The help centers of
evals/grounding_unseen/ and evals/grounding_blind/ have only ``dev`` and ``test`` documents, every one listed in their
``<corpus>.splits.json``. Checks: the schema, that
every passage is exactly one of ingest's chunks of the named document, that a case's passages
come from documents of the case's split (every document is ``train`` for a corpus without a
``<corpus>.splits.json``), ids unique, and the error span is part of the answer.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ragfort.index.chunking import chunk_text
from ragfort.index.loaders import discover, load_document
from ragfort.judges import perturb

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "evals" / "grounding"
CORPORA = perturb.CORPORA  # name -> help-center folder, one map for the whole project
UNSEEN_CASES = ROOT / "evals" / "grounding_unseen"
# Help centers nothing is trained or tuned on: never in perturb.CORPORA, so no training mix reads them.
UNSEEN = perturb.UNSEEN_CORPORA
# Help centers written blind in session 30: checked as the unseen ones are (dev and test documents only).
BLIND_CASES = ROOT / "evals" / "grounding_blind"
BLIND = perturb.BLIND_CORPORA
SUPPORTED = {"verbatim", "paraphrase", "yes_no", "fragment", "inference", "hedged"}
UNSUPPORTED = {"number_swap", "entity_swap", "negation", "conflation", "addition", "partial", "wrong_scope"}
SPLITS = {"train", "dev", "test"}


def chunks(corpus: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for doc_id, path in discover({**CORPORA, **UNSEEN, **BLIND}[corpus]):
        doc = load_document(path, doc_id=doc_id)
        out[doc_id] = {c.text for c in chunk_text(doc.text, title=doc.title)}
    return out


def check(path: Path) -> list[str]:
    problems: list[str] = []
    corpus = path.stem
    blind = path.parent.resolve() == BLIND_CASES.resolve()
    unseen = blind or path.parent.resolve() == UNSEEN_CASES.resolve()
    allowed = BLIND if blind else UNSEEN if unseen else CORPORA
    if corpus not in allowed:
        return [f"{path}: unknown corpus {corpus!r} (known: {sorted(allowed)})"]
    known = chunks(corpus)
    splits_file = path.with_suffix(".splits.json")
    if unseen and not splits_file.exists():
        return [f"{path}: an unseen help center needs {splits_file.name}"]
    if unseen and (missing := sorted(set(known) - set(json.loads(splits_file.read_text())))):
        problems.append(f"{splits_file}: documents with no split: {missing[:3]}")
    if splits_file.exists():
        splits: dict[str, str] = json.loads(splits_file.read_text())
    else:  # a train-only corpus: every document is train
        splits = dict.fromkeys(known, "train")
    for doc_id, split in splits.items():
        if doc_id not in known:
            problems.append(f"{splits_file}: unknown document {doc_id!r}")
        if split not in SPLITS or (unseen and split == "train"):
            problems.append(f"{splits_file}: {doc_id!r} has split {split!r}")
    seen: set[str] = set()
    for n, line in enumerate(path.read_text().splitlines(), 1):
        where = f"{path.name}:{n}"
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc})")
            continue
        cid = case.get("id")
        where = f"{path.name}:{n} ({cid})"
        if cid in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(cid)
        if case.get("corpus") != corpus:
            problems.append(f"{where}: corpus {case.get('corpus')!r} != {corpus!r}")
        for key in ("question", "answer"):
            if not isinstance(case.get(key), str) or not case[key].strip():
                problems.append(f"{where}: {key} missing")
        label, kind = case.get("label"), case.get("kind")
        if label == "supported":
            if kind not in SUPPORTED:
                problems.append(f"{where}: supported kind {kind!r}")
            if case.get("error_span") is not None:
                problems.append(f"{where}: supported case with an error_span")
        elif label == "unsupported":
            if kind not in UNSUPPORTED:
                problems.append(f"{where}: unsupported kind {kind!r}")
            span = case.get("error_span")
            if not isinstance(span, str) or not span or span not in case.get("answer", ""):
                problems.append(f"{where}: error_span is not a substring of the answer")
        else:
            problems.append(f"{where}: label {label!r}")
        split = case.get("split")
        if split not in SPLITS or (unseen and split == "train"):
            problems.append(f"{where}: split {split!r}")
        passages = case.get("passages")
        if not isinstance(passages, list) or not 1 <= len(passages) <= 5:
            problems.append(f"{where}: 1 to 5 passages")
            continue
        for p in passages:
            doc_id, text = p.get("doc_id"), p.get("text")
            if doc_id not in known:
                problems.append(f"{where}: unknown document {doc_id!r}")
            elif text not in known[doc_id]:
                problems.append(f"{where}: a passage is not one of {doc_id}'s chunks: {str(text)[:60]!r}")
            if splits.get(doc_id) != split:
                problems.append(f"{where}: {doc_id} is in split {splits.get(doc_id)!r}, the case in {split!r}")
    return problems


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or [
        *sorted(CASES.glob("*.jsonl")),
        *sorted(UNSEEN_CASES.glob("*.jsonl")),
        *sorted(BLIND_CASES.glob("*.jsonl")),
    ]
    problems = [p for f in files for p in check(f)]
    for p in problems:
        print(p)
    print(f"{len(files)} files, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
