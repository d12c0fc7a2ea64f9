"""The service's fault plumbing on its own: which failures are outages (503 + Retry-After), not our faults (500)."""

from __future__ import annotations

import httpx
import pytest

from ragfort.errors import BackendError, ChainError, IndexError_, IndexIncomplete
from ragfort.faults import describe_fault
from ragfort.server.outage import blocked_by_outage, is_outage
from ragfort.types import Action, GuardedAnswer, Stage, Status, Verdict


@pytest.mark.parametrize(
    "exc",
    [
        BackendError("vault down"),
        httpx.ConnectError("refused"),
        ConnectionRefusedError(),
        # By its type, not its message: nothing parses an exception's text.
        IndexIncomplete("the index at 'x' is incomplete (an ingest was interrupted)"),
    ],
)
def test_backend_faults_are_outages(exc: BaseException) -> None:
    assert is_outage(exc)


@pytest.mark.parametrize(
    "exc",
    [
        ChainError("bad output"),
        ValueError("bug"),
        IndexError_("index schema version 2 is not 1"),
        IndexError_("a message that says incomplete is not the type that means it"),
    ],
)
def test_other_faults_are_not_outages(exc: BaseException) -> None:
    assert not is_outage(exc)


def _blocked(reason: str, exc: Exception | None = None) -> GuardedAnswer:
    fault = None if exc is None else describe_fault(exc)
    verdict = Verdict("pii", Stage.INPUT, Action.BLOCK, reason=reason, fault=fault)
    return GuardedAnswer(answer="no", status=Status.BLOCKED, verdicts=(verdict,))


class _VaultDown(ConnectionRefusedError):
    """A subclass, as a client library would raise: recognised by its lineage."""


def test_a_guard_blocked_by_its_backend_is_an_outage_but_a_refusal_is_not() -> None:
    assert blocked_by_outage(_blocked("required guard faulted", BackendError("redis down")))
    assert blocked_by_outage(_blocked("required guard faulted", _VaultDown("refused")))
    assert not blocked_by_outage(_blocked("required guard faulted", KeyError("x")))
    # A reason that merely reads like a fault is not one: only the typed fault counts.
    assert not blocked_by_outage(_blocked("required guard failed (BackendError)"))
    assert not blocked_by_outage(_blocked("prompt injection in the question"))
    assert not blocked_by_outage(GuardedAnswer(answer="fine", status=Status.OK))
