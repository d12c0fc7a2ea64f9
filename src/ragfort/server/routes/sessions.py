"""A customer's conversation as the service keeps it: ``GET`` to read it, ``DELETE`` to erase it.

The history itself is `ragfort.server.sessions`; erasing a conversation also
purges its PII mappings from the tenant's vaults (the right to erasure).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from ragfort.server.auth import Caller
from ragfort.server.errors import ApiError
from ragfort.server.outage import is_outage
from ragfort.server.service import ERROR, ROLES, Service, caller, service
from ragfort.server.sessions import History

__all__ = ["SessionErased", "SessionMessage", "SessionResponse", "router"]

log = logging.getLogger("ragfort.server")

router = APIRouter(tags=["api"])


class SessionMessage(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(description="Redacted: placeholders stand for the personal data the customer gave.")


class SessionResponse(BaseModel):
    session_id: str
    messages: list[SessionMessage]
    max_turns: int = Field(description="Exchanges kept; older ones are dropped.")
    ttl_s: float = Field(description="Seconds the conversation is kept after its latest exchange.")


class SessionErased(BaseModel):
    session_id: str
    status: Literal["erased"]
    had_history: bool


def session_path(session_id: str) -> str:
    """The path's session id, within the limits `AskRequest` sets (else a 400)."""
    if not 1 <= len(session_id) <= 200:
        raise ApiError(400, f"session_id must be 1 to 200 characters, got {len(session_id)}")
    return session_id


def need_history(svc: Service) -> History:
    """The conversation store (a 404 when the service keeps none)."""
    if svc.history is None:
        raise ApiError(404, "this service keeps no conversation history (RAGFORT_HISTORY_TURNS=0)")
    return svc.history


@router.get(
    "/v1/sessions/{session_id}",
    response_model=SessionResponse,
    responses={400: ERROR, 401: ERROR, 404: ERROR, 429: ERROR, 503: ERROR},
)
async def get_session(
    session_id: str, who: Caller = Depends(caller), svc: Service = Depends(service)
) -> SessionResponse:
    """The caller's conversation so far, as the service keeps it (redacted)."""
    store = need_history(svc)
    session_id = session_path(session_id)
    try:
        messages = await asyncio.to_thread(store.load, who.tenant, session_id)
    except Exception as exc:
        if is_outage(exc):
            raise svc.outage("a backend (the conversation history)") from None
        raise
    if not messages:
        # Another tenant's session looks exactly like a missing one.
        raise ApiError(404, f"no conversation {session_id!r} for this tenant (never started, erased or expired)")
    return SessionResponse(
        session_id=session_id,
        messages=[SessionMessage.model_validate({"role": ROLES.get(m.role, "user"), "content": m.content})
                  for m in messages],
        max_turns=store.max_turns,
        ttl_s=store.ttl_s,
    )


@router.delete(
    "/v1/sessions/{session_id}",
    response_model=SessionErased,
    responses={400: ERROR, 401: ERROR, 429: ERROR, 503: ERROR},
)
async def delete_session(
    session_id: str, who: Caller = Depends(caller), svc: Service = Depends(service)
) -> SessionErased:
    """Erase a conversation: its stored messages and its PII mappings (the right to erasure)."""
    svc.require_ready()
    session_id = session_path(session_id)
    history = svc.history

    def erase() -> bool:
        had = history.erase(who.tenant, session_id) if history is not None else False
        for vault in svc.runtime.route(who.tenant).vaults():
            vault.purge(who.tenant, session_id)
        return had

    try:
        had_history = await asyncio.to_thread(erase)
    except Exception as exc:
        if is_outage(exc):
            raise svc.outage("a backend (the conversation history or the PII vault)") from None
        raise
    log.info("session erased", extra={"fields": {"tenant": who.tenant}})
    return SessionErased(session_id=session_id, status="erased", had_history=had_history)
