"""Redacting free text the service stores (feedback comments).

When the tenant's policy has a PII guard, its detector (the same Presidio +
spaCy engine and settings the guard redacts questions with) finds the
values; a conservative regex pass then runs on every comment regardless, so
an email, phone or card number is never stored even without a PII guard or
if the detector misses one. Values become ``<ENTITY>`` tags: a comment is
not part of a session, so there is nothing to map them back to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ragfort.faults import scrub
from ragfort.guards.pii import PIIGuard
from ragfort.policy import Policy

__all__ = ["CommentRedactor"]


class _Detector(Protocol):
    def detect(self, text: str) -> Sequence[Any]: ...


class CommentRedactor:
    """Redacts comments with the policy's PII detector (when it has one) plus patterns.

    Args:
        policy: the tenant's policy; its first ``pii`` guard's detector is used.
    """

    def __init__(self, policy: Policy | None = None) -> None:
        self.detector: _Detector | None = None
        if policy is not None:
            for guard in policy.all_guards():
                if isinstance(guard, PIIGuard):
                    self.detector = guard.detector
                    break

    def redact(self, text: str) -> str:
        """`text` with personal data replaced by ``<ENTITY>`` tags."""
        if self.detector is not None:
            found = sorted(self.detector.detect(text), key=lambda d: d.start, reverse=True)
            for d in found:
                text = f"{text[: d.start]}<{d.entity}>{text[d.end :]}"
        return scrub(text)
