"""Ingest with a policy: documents are transformed (e.g. PII-redacted) before indexing.

A guard that wants the corpus changed at ingest (the PII guard at the
retrieval stage, by default) returns, from its ``corpus_transform()`` (a
no-op in `ragfort.guards.base.BaseGuard`), a function from document texts to
indexed texts, plus an id naming its settings. The id is stored in the index
manifest: changing the settings re-indexes everything, so an index never
mixes two redaction policies.

A re-ingest that changes or removes documents also drops, from the answer
cache the policy's ``cache:`` section names, every cached answer produced
from one of them (see `ragfort.cache.drop_cached_documents`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ragfort.cache import CacheSettings, drop_cached_documents
from ragfort.index.store import Index, IngestReport, Visibility
from ragfort.policy import Policy, load_policy
from ragfort.types import Stage

__all__ = ["corpus_transform", "ingest_paths"]

Transform = Callable[[list[str]], list[str]]


def corpus_transform(policy: Policy) -> tuple[Transform | None, str | None]:
    """The policy's ingest-time transform and its id (None, None when it has none)."""
    transforms: list[tuple[Transform, str]] = []
    for guard in policy.guards.get(Stage.RETRIEVAL, ()):
        made = guard.corpus_transform()
        if made is not None:
            transforms.append(made)
    if not transforms:
        return None, None

    def apply(texts: list[str]) -> list[str]:
        for fn, _ in transforms:
            texts = fn(texts)
        return texts

    ident = hashlib.sha256("|".join(t[1] for t in transforms).encode()).hexdigest()[:16]
    return apply, ident


def ingest_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    index: str | os.PathLike[str] | Index,
    policy: str | os.PathLike[str] | Mapping[str, Any] | Policy | None = "support_agent",
    progress: bool = False,
    visibility: Visibility | None = None,
) -> IngestReport:
    """Index `paths` into `index`, applying the policy's ingest-time transform to private sources.

    `visibility` (``public``/``private``) applies to every path; None lets each
    folder declare it in its ``ragfort-source.yaml`` (see `Index.ingest`).

    When documents changed or were removed, the answers cached from them are
    dropped from the store the policy's ``cache:`` section names (with no
    such section, the default store, where ``harden(..., cache=True)`` keeps
    answers); answers from unchanged documents stay. A memory cache lives in
    the process that serves from it and is out of reach.
    """
    idx = index if isinstance(index, Index) else Index(index)
    pol = load_policy(policy)
    transform, transform_id = corpus_transform(pol)
    report = idx.ingest(
        list(paths), progress=progress, transform=transform, transform_id=transform_id, visibility=visibility
    )
    # Only now that the new text is indexed: an answer cached from the old text until this moment goes too.
    drop_cached_documents(pol.cache or CacheSettings(), (*report.updated, *report.removed))
    return report
