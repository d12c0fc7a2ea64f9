"""Print the passages (chunks) ragfort's ingest makes of help-center files, one JSON line each.

Dev tool for writing labelled cases: ``python scripts/chunks.py ROOT [DOC_ID ...]`` prints
``{"doc_id", "chunk", "text"}`` for every chunk of the named documents (all when none are named),
so a case's passages can be copied exactly as retrieval would return them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ragfort.index.chunking import chunk_text
from ragfort.index.loaders import discover, load_document


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = Path(argv[0])
    wanted = set(argv[1:])
    for doc_id, path in discover(root):
        if wanted and doc_id not in wanted:
            continue
        doc = load_document(path, doc_id=doc_id)
        for i, chunk in enumerate(chunk_text(doc.text, title=doc.title)):
            print(json.dumps({"doc_id": doc_id, "chunk": i, "text": chunk.text}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
