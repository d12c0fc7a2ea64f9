"""Cache keys: hashes of redacted, normalised text, scoped to tenant, policy, index and model.

Nothing raw reaches a backend: a key is a SHA-256 over the namespace and the
normalised question, and the namespace is a SHA-256 over the tenant, the
policy fingerprint, the index version and the generator's model id. Another
tenant, policy or model therefore never shares an entry. For a ragfort index
the index version is its structure (schema, embedding model, corpus
transform), and its content is checked per document instead (see
`ragfort.cache.store.DocumentVersions`): a re-ingest does not move keys.
For other indexes it is a version that changes with their content.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from ragfort.text import normalize_question

__all__ = ["IndexVersion", "anchor", "digest", "exact_key", "namespace"]


def digest(*parts: str) -> str:
    """A hex SHA-256 over `parts`, separated so ("ab", "c") differs from ("a", "bc")."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def namespace(*, tenant: str, policy_fingerprint: str, index_version: str, model_id: str) -> str:
    """The namespace every key of one tenant under one policy, index (structure or version) and model lives in."""
    return digest("ns", tenant, policy_fingerprint, index_version, model_id)[:32]


def exact_key(namespace_: str, question: str, *, history: Sequence[tuple[str, str]] = ()) -> str:
    """The exact-match key of a (redacted) question within a namespace.

    `history` is the conversation the question was asked in, as (role,
    redacted text) pairs: "What about the charger?" after a question on
    returns is not the same question as after one on warranties, so a
    follow-up only ever hits an answer given in the same conversation so far.
    """
    if not history:
        return digest("q", namespace_, normalize_question(question))[:40]
    turns = [part for role, text in history for part in (role, normalize_question(text))]
    return digest("qh", namespace_, normalize_question(question), *turns)[:40]


def anchor(namespace_: str, chunk_id: str) -> str:
    """A hashed retrieved-chunk id, scoped to the namespace (semantic candidates share anchors)."""
    return digest("a", namespace_, chunk_id)[:24]


class IndexVersion:
    """The current version of an index folder, re-read when its manifest changes on disk.

    The index may be re-ingested by another process or another `Index`
    object; checking the manifest's mtime costs one ``stat`` per request.
    """

    def __init__(self, index_path: str | os.PathLike[str]) -> None:
        self.manifest = Path(index_path) / "manifest.json"
        self._stamp: tuple[int, int] | None = None
        self._version = ""

    def __call__(self) -> str:
        try:
            st = os.stat(self.manifest)
        except OSError:
            return ""
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            try:
                data = json.loads(self.manifest.read_text(encoding="utf-8"))
                self._version = str(data.get("index_version", "")) + ":" + str(data.get("fingerprint", ""))
            except (OSError, ValueError):
                self._version = f"unreadable:{stamp}"
            self._stamp = stamp
        return self._version
