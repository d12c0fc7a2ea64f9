"""An injection guard's settings read against a whole help center, before any customer asks.

A published help center is the company's own text, so every chunk an injection
guard would act on is a false positive to look at before going live. The usual
cause is a `trusted_domains` list that misses one of the company's domains: its
links then read as unknown, or (when another domain with the same brand is
trusted) as look-alikes, and the chunks holding them are removed from every
answer that retrieves them. `audit_chunks` scans every chunk once and says which
would be acted on, why, and which link hosts put them over the threshold.
``ragfort policy FILE --index DIR`` prints it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ragfort.injection.rules.links import LINK, url_host
from ragfort.injection.scanner import InjectionScanner

__all__ = ["ChunkAudit", "FlaggedChunk", "audit_chunks"]


@dataclass(frozen=True, slots=True)
class FlaggedChunk:
    """One chunk at or over the threshold: its document, score, techniques and the link host among its hits."""

    doc_id: str
    score: float
    techniques: tuple[str, ...]
    host: str | None = None


@dataclass(frozen=True, slots=True)
class ChunkAudit:
    """Every chunk of an index scanned with one guard's scanner and threshold.

    `hosts` counts, per link host, the flagged chunks whose link hit is a link
    to it; `lookalikes` are the hosts among them that read as look-alikes of a
    trusted domain (a sister domain of the company's, or a real phishing link:
    the report cannot tell which, the operator can).
    """

    chunks: int
    threshold: float
    flagged: tuple[FlaggedChunk, ...]
    hosts: Counter[str] = field(default_factory=Counter)
    lookalikes: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "chunks": self.chunks,
            "threshold": self.threshold,
            "flagged": [
                {"doc_id": f.doc_id, "score": f.score, "techniques": list(f.techniques), "host": f.host}
                for f in self.flagged
            ],
            "hosts": [
                {"host": host, "chunks": n, "lookalike": host in self.lookalikes}
                for host, n in self.hosts.most_common()
            ],
        }


def audit_chunks(scanner: InjectionScanner, chunks: Iterable[tuple[str, str]], *, threshold: float) -> ChunkAudit:
    """Scan every ``(doc_id, text)`` chunk; those scoring `threshold` or more are flagged.

    Raises:
        ValueError: `threshold` is outside (0, 1].
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    count = 0
    flagged: list[FlaggedChunk] = []
    hosts: Counter[str] = Counter()
    for doc_id, text in chunks:
        count += 1
        scan = scanner.scan(text)
        if scan.score < threshold:
            continue
        link = next((h for h in scan.hits if h.technique == LINK), None)
        host = url_host(text[link.start : link.end]) if link is not None else None
        if host:
            hosts[host] += 1
        flagged.append(FlaggedChunk(doc_id, scan.score, scan.techniques, host or None))
    lookalikes = frozenset(h for h in hosts if scanner.links.lookalike(h))
    return ChunkAudit(count, threshold, tuple(flagged), hosts, lookalikes)
