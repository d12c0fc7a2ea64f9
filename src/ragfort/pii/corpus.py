"""Redacting documents at ingest, in batches, before they are indexed.

Documents are stored redacted, so raw personal data from the help-center
corpus never reaches the index, the LLM or a citation quote. Placeholders are
corpus placeholders (``<PERSON_D3f9a2c1b>``, see `ragfort.pii.pseudonym`):
deterministic, so re-ingesting an unchanged file gives identical text, and
never confused with a session's ``<PERSON_1>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ragfort.pii.detect import get_detector
from ragfort.pii.pseudonym import apply, neutralize, placeholder_spans
from ragfort.pii.settings import PIISettings
from ragfort.pii.vault import VaultKeys

__all__ = ["CorpusRedaction", "ReplacedEntity", "redact_corpus"]


@dataclass(frozen=True, slots=True)
class ReplacedEntity:
    """One value replaced in a document: its type and the placeholder that stands for it."""

    entity: str
    placeholder: str


@dataclass(frozen=True, slots=True)
class CorpusRedaction:
    """A document after redaction.

    Attributes:
        text: the redacted text, to be indexed.
        replaced: what was replaced, in order of position (no raw values).
    """

    text: str
    replaced: tuple[ReplacedEntity, ...]


def redact_corpus(
    texts: list[str],
    *,
    settings: PIISettings | None = None,
    namespace: str = "default",
    keys: VaultKeys | None = None,
    batch_size: int = 32,
) -> list[CorpusRedaction]:
    """Redact documents for indexing, running spaCy over them in batches.

    Args:
        texts: document (or chunk) texts.
        settings: detection settings; None means the defaults.
        namespace: keys the corpus placeholders (use the tenant or index name,
            so two tenants' corpora do not share tags).
        keys: vault keys for the placeholder tags; default `VaultKeys.load()`.
        batch_size: texts per spaCy batch.

    Returns:
        One `CorpusRedaction` per input text, in order.
    """
    settings = settings or PIISettings()
    keys = keys or VaultKeys.load()
    detector = get_detector(settings)
    # Placeholder syntax that a document happens to contain is made inert
    # first, so it cannot pose as a real placeholder later.
    cleaned = [neutralize(t) for t in texts]
    out: list[CorpusRedaction] = []
    # One corpus: a word its documents use in lower case is never a name in a heading.
    found_all = detector.detect_batch(cleaned, batch_size=batch_size, shared_vocabulary=True)
    for text, found in zip(cleaned, found_all, strict=True):
        protected = placeholder_spans(text)
        found = [d for d in found if all(d.end <= s or d.start >= e for s, e in protected)]
        result = apply(text, found, settings=settings, keys=keys, corpus_namespace=namespace)
        out.append(
            CorpusRedaction(
                text=result.text,
                replaced=tuple(ReplacedEntity(r.entity, r.placeholder) for r in result.replacements),
            )
        )
    return out
