"""Print ragfort's top-5 passages for customer questions, as answerability case skeletons.

Dev tool for writing labelled cases (``evals/answerability``):
``python scripts/retrieve.py FOLDER [QUESTION ...]`` ingests the help-center folder once into a
cached index in the temp folder (policy ``support_agent``), then prints one JSON line per question (read
from stdin, one a line, when none are given): ``{"question", "passages": [{"doc_id", "text",
"answers": false}, ...]}``, the passages in retrieval order, exactly as ``Index.search`` returns
them. The ``answers`` flags are placeholders to be set by hand.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path


def _index(folder: Path):  # type: ignore[no-untyped-def]
    from ragfort.index.store import Index
    from ragfort.ingest import ingest_paths

    key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"ragfort-retrieve-{folder.name}-{key}"
    if not (path / "ragfort-index.json").exists() and not any(path.glob("*.sqlite3")):
        ingest_paths([folder], index=path, policy="support_agent")
    return Index(path)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    index = _index(Path(argv[0]))
    questions = argv[1:] or [line.strip() for line in sys.stdin if line.strip()]
    for question in questions:
        passages = [{"doc_id": p.doc_id, "text": p.text, "answers": False} for p in index.search(question, k=5)]
        print(json.dumps({"question": question, "passages": passages}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
