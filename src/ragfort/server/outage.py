"""Which failures mean "a backend is down, try again shortly" (503 + Retry-After), not "we broke" (500).

Two ways an outage reaches the API:

* **raised**: the index on a Chroma server is unreachable during retrieval
  (an ``httpx`` transport error out of chromadb, or ragfort's
  `BackendError`), or the shared index is mid-ingest (`IndexError_`: a
  re-ingest on another machine; it completes on its own);
* **refused**: a *required* guard faulted because its backend is down (the
  PII vault on Redis). The pipeline fails closed: it records a BLOCK
  verdict carrying the `Fault` (see `ragfort.pipeline.run_guards`) and
  answers with the refusal message. The customer was not refused for
  what they asked, so the API answers 503 instead of that refusal.

Everything else stays what it was: bad input 400, our own faults 500.
"""

from __future__ import annotations

import httpx

from ragfort.errors import BackendError, IndexIncomplete
from ragfort.faults import CONNECTION_FAULTS, named
from ragfort.types import Action, GuardedAnswer, Status

__all__ = ["OUTAGE_CODE", "blocked_by_outage", "is_outage"]

OUTAGE_CODE = "backend_unavailable"

# A store or server could not be reached: a connection fault, or ragfort's own BackendError. By name,
# because a guard's fault reaches us as the verdict's `Fault` (its class lineage), not as the exception.
_OUTAGE_NAMES = CONNECTION_FAULTS | {"BackendError"}


def is_outage(exc: BaseException) -> bool:
    """True when `exc` says a backend (index server, Redis) is unreachable or the shared index is mid-ingest."""
    if isinstance(exc, (BackendError, IndexIncomplete, httpx.TransportError, ConnectionError)):
        return True
    return named(exc, _OUTAGE_NAMES)


def blocked_by_outage(result: GuardedAnswer) -> bool:
    """True when a required guard blocked `result` because its backend was unreachable (fail closed)."""
    if result.status is not Status.BLOCKED:
        return False
    for verdict in result.verdicts:
        if verdict.action is Action.BLOCK:
            return verdict.fault is not None and named(verdict.fault, _OUTAGE_NAMES)
    return False
