"""``POST /v1/ask``: a question answered through the tenant's guarded pipeline, as JSON or server-sent events.

Guarded runs are CPU bound, so they run on worker threads and the event loop
stays free for health checks and streams. A backend outage is a 503 with
``Retry-After``, never a 500 (see `ragfort.server.outage`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragfort._json import dumps
from ragfort.errors import InputError, RagfortError
from ragfort.server.auth import Caller
from ragfort.server.errors import ApiError
from ragfort.server.outage import blocked_by_outage, is_outage
from ragfort.server.service import ERROR, ROLES, Service, caller, service, valid_text
from ragfort.server.sessions import keeps_exchange
from ragfort.server.sse import sse_events
from ragfort.types import GuardedAnswer

__all__ = ["AskRequest", "FastJSONResponse", "router"]

log = logging.getLogger("ragfort.server")

router = APIRouter(tags=["api"])


class FastJSONResponse(JSONResponse):
    """JSON encoded with orjson: the answer body is the largest thing the API encodes."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


class AskRequest(BaseModel):
    """A customer's question."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=8000, description="The customer's question.")
    session_id: str | None = Field(
        default=None, min_length=1, max_length=200,
        description="A conversation: the service keeps its earlier turns (redacted) and answers follow-ups in "
        "their context; PII placeholders and the A/B variant stay stable across it.",
    )
    stream: bool = Field(default=False, description="Answer as server-sent events, sentence by sentence.")

    @field_validator("question", "session_id")
    @classmethod
    def _valid_text(cls, value: str | None) -> str | None:
        return valid_text(value)


def render(result: GuardedAnswer, *, variants: bool) -> dict[str, Any]:
    """The response JSON of a result; with the variant when the tenant runs an A/B test."""
    body = result.to_dict()
    if variants:
        body["variant"] = result.variant
    return body


@router.post(
    "/v1/ask",
    responses={
        200: {"description": "The guarded answer (JSON), or server-sent events when streaming.",
              "content": {"text/event-stream": {}}},
        400: ERROR, 401: ERROR, 413: ERROR, 422: ERROR, 429: ERROR, 503: ERROR,
    },
)
async def ask(
    body: AskRequest, request: Request, who: Caller = Depends(caller), svc: Service = Depends(service)
) -> Response:
    """Answer a question through the tenant's guarded pipeline."""
    svc.require_ready()
    if not body.question.strip():
        raise ApiError(400, "the question is empty")
    history = svc.history
    trace_id = uuid.uuid4().hex
    route = svc.runtime.route(who.tenant)
    variant, runnable = route.pick(tenant=who.tenant, key=body.session_id or trace_id)
    request.state.trace_id = trace_id
    request.state.variant = variant
    configurable: dict[str, Any] = {"tenant": who.tenant, "session_id": body.session_id, "trace_id": trace_id}
    if variant is not None:
        configurable["variant"] = variant
    config: RunnableConfig = {"configurable": configurable}
    payload: dict[str, Any] = {"question": body.question, "session_id": body.session_id}
    if history is not None and body.session_id is not None:
        try:
            earlier = await asyncio.to_thread(history.load, who.tenant, body.session_id)
        except Exception as exc:
            if is_outage(exc):
                raise svc.outage("a backend (the conversation history)") from None
            raise
        payload["chat_history"] = [{"role": ROLES.get(m.role, m.role), "content": m.content} for m in earlier]

    def keep(result: GuardedAnswer) -> None:
        # Runs on a worker thread. The answer is the customer's either way: a store that cannot
        # take it costs the next follow-up its context, not this answer.
        if history is None or body.session_id is None or not keeps_exchange(result, runnable.policy.redacting_guards):
            return
        try:
            history.append(who.tenant, body.session_id, result.exchange)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("conversation not kept: history store down",
                        extra={"fields": {"trace_id": trace_id, "error": type(exc).__name__}})

    has_variants = bool(route.variants)
    if body.stream or "text/event-stream" in request.headers.get("accept", ""):
        events = sse_events(
            runnable, payload, config, buffer=svc.settings.stream_buffer, trace_id=trace_id,
            render=lambda r: render(r, variants=has_variants),
            refuse=lambda r: svc.outage("a backend (the PII vault)") if blocked_by_outage(r) else None,
            fault=lambda e: svc.outage("a backend (the index server)") if is_outage(e) else None,
            on_result=keep,
        )
        # The first event comes once the guarded result exists; an outage found by then is still a
        # plain 503 (the generator raises before yielding), not a 200 stream holding an error.
        first = await anext(events, b"")

        async def rest() -> AsyncIterator[bytes]:
            if first:
                yield first
            async for event in events:
                yield event

        return StreamingResponse(
            rest(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", "X-Trace-Id": trace_id},
        )
    try:
        result: GuardedAnswer = await asyncio.to_thread(runnable.invoke, payload, config)
    except InputError as exc:
        raise ApiError(400, str(exc)) from None
    except Exception as exc:
        if is_outage(exc):
            log.warning("ask refused: backend outage", extra={"fields": {"trace_id": trace_id,
                                                                         "error": type(exc).__name__}})
            raise svc.outage("a backend (the index server)") from None
        if not isinstance(exc, RagfortError):
            raise
        log.error("ask failed", extra={"fields": {"trace_id": trace_id, "error": type(exc).__name__}})
        raise ApiError(500, "the request could not be answered") from None
    if blocked_by_outage(result):
        # Fail closed: nothing was sent anywhere unredacted; the customer may simply retry.
        log.warning("ask refused: a required guard's backend is down", extra={"fields": {"trace_id": trace_id}})
        raise svc.outage("a backend (the PII vault)")
    await asyncio.to_thread(keep, result)
    return FastJSONResponse(render(result, variants=has_variants), headers={"X-Trace-Id": trace_id})
