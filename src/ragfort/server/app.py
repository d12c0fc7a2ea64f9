"""The support-agent API: `create_app(settings)` builds the FastAPI app.

Models, policies and indexes load once, in the lifespan (on a worker thread,
so the loop keeps answering ``/healthz``); ``/readyz`` turns green only
after that, and the API answers 503 until then. Guarded runs are CPU bound,
so they run on worker threads and the event loop stays free for health
checks and streams. On shutdown readiness drops first, so a load balancer
stops sending traffic while uvicorn drains the requests in flight.

A backend outage is a 503 with ``Retry-After``, never a 500: the index's
Chroma server unreachable (``/readyz`` turns 503 too), or a required guard
refusing because its store is down (the PII vault on Redis). See
`ragfort.server.outage` and docs/operations.md.

Routes::

    GET  /                 the web chat page (static files, no external assets)
    GET  /healthz          liveness
    GET  /readyz           readiness (503 while loading)
    GET  /metrics          Prometheus text format
    GET  /v1/info          whether the API wants a key (for the page)
    GET  /v1/examples      the help center's name and example questions (the page's empty state)
    POST /v1/ask           the guarded answer (JSON, or SSE when streaming)
    GET  /v1/sessions/{id} the caller's conversation so far (redacted)
    DELETE /v1/sessions/{id}  erase a conversation and its PII mappings
    POST /v1/feedback      a thumbs up/down for one of the caller's answers
    GET  /v1/ab-report     the caller's A/B comparison
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel, ConfigDict, Field, field_validator

import ragfort
from ragfort._json import dumps
from ragfort.errors import InputError, RagfortError
from ragfort.server.abreport import ab_report
from ragfort.server.auth import Authenticator, Caller, auth_enabled
from ragfort.server.errors import ApiError, error_response, install_error_handlers
from ragfort.server.examples import ExampleBook
from ragfort.server.feedback import FeedbackStore
from ragfort.server.keys import KeyStore
from ragfort.server.logs import configure_json_logging
from ragfort.server.metrics import CONTENT_TYPE_LATEST, Metrics
from ragfort.server.middleware import AccessLog, BodySizeLimit
from ragfort.server.outage import OUTAGE_CODE, blocked_by_outage, is_outage
from ragfort.server.runtime import Runtime
from ragfort.server.sessions import History, keeps_exchange, open_history
from ragfort.server.settings import ServerSettings
from ragfort.server.sse import sse_events
from ragfort.server.traces import RedisTraceOwners, TenantTraceSink
from ragfort.types import GuardedAnswer

__all__ = ["AskRequest", "FeedbackRequest", "create_app"]

log = logging.getLogger("ragfort.server")

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The page loads only its own files; nothing inline, nothing from elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class FastJSONResponse(JSONResponse):
    """JSON encoded with orjson: the answer body is the largest thing the API encodes."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def _utf8(value: str | None) -> str | None:
    # JSON may carry lone surrogates ("\ud800") that Python accepts but no file or hash can encode.
    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


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
        return _utf8(value)


class FeedbackRequest(BaseModel):
    """A rating of one answer."""

    model_config = ConfigDict(extra="forbid")

    trace_id: str = Field(min_length=1, max_length=64, description="The answer's trace_id.")
    rating: Literal[1, -1] = Field(description="1 for thumbs up, -1 for thumbs down.")
    comment: str | None = Field(default=None, max_length=2000, description="Stored redacted.")

    @field_validator("trace_id", "comment")
    @classmethod
    def _valid_text(cls, value: str | None) -> str | None:
        return _utf8(value)


class FeedbackResponse(BaseModel):
    status: Literal["stored"]
    id: int


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


_ROLES = {"human": "user", "ai": "assistant"}


_ERROR = {"description": "Error", "content": {"application/json": {"example": {"error": {"code": "", "message": ""}}}}}
_bearer = HTTPBearer(auto_error=False, description="An API key from `ragfort keys create`.")


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """Build the app; models and the index load at start-up.

    Args:
        settings: the server settings (from the environment when None).
    """
    settings = settings or ServerSettings()
    if settings.json_logs:
        configure_json_logging()
    data = Path(settings.data_dir)
    metrics = Metrics()
    sink = TenantTraceSink(
        data / "traces", write_files=settings.traces, on_record=metrics.observe_record,
        shared=RedisTraceOwners(settings.redis_url) if settings.redis_url else None,
    )
    runtime = Runtime(settings, sink)
    keys = KeyStore(data / "keys.sqlite")
    auth = Authenticator(settings, keys, enabled=auth_enabled(settings, keys))
    feedback = FeedbackStore(data / "feedback.sqlite")
    history: History | None = None
    if settings.history_turns:
        history = open_history(
            data_dir=data, redis_url=settings.redis_url, ttl_s=settings.history_ttl_s,
            max_turns=settings.history_turns,
        )
    state: dict[str, Any] = {"ready": False, "backends": (0.0, {})}
    retry_after = {"Retry-After": str(settings.retry_after_s)}

    def outage(what: str) -> ApiError:
        return ApiError(503, f"{what} is unavailable; retry shortly", code=OUTAGE_CODE, headers=dict(retry_after))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            if not auth.enabled:
                log.warning("API keys are OFF: every caller is tenant 'default' (set RAGFORT_AUTH=on in production)")
            try:
                await asyncio.to_thread(runtime.load)
            except RagfortError as exc:
                log.error("start-up failed: %s", exc)
                raise
            state["ready"] = True
            log.info("ready")
            try:
                yield
            finally:
                state["ready"] = False
                log.info("shutting down")
        finally:
            runtime.close()  # the data dir and Redis URL it set in ragfort.paths

    app = FastAPI(
        title="ragfort support agent",
        version=ragfort.__version__,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            max_age=600,
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLog, metrics=metrics)
    app.state.runtime = runtime
    app.state.metrics = metrics
    app.state.keys = keys
    app.state.auth = auth
    app.state.history = history

    async def caller(
        request: Request, _: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Caller:
        # On the loop when no I/O is needed (a key verified in the last minute, local rate limits);
        # the key store and Redis are reached from a worker thread.
        who = auth.remembered_caller(request)
        if who is None:
            who = await asyncio.to_thread(auth.caller, request)
        request.state.tenant = who.tenant
        wait = auth.limit(who) if auth.local_limits else await asyncio.to_thread(auth.limit, who)
        if wait > 0:
            metrics.rate_limited.inc()
            raise ApiError(
                429, f"rate limit exceeded; retry in {wait:.1f}s", headers={"Retry-After": str(max(1, round(wait)))}
            )
        return who

    def require_ready() -> None:
        if not state["ready"]:
            raise ApiError(503, "the service is still loading", headers={"Retry-After": "5"})

    # -- operations ---------------------------------------------------------
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    async def backends() -> dict[str, bool]:
        # Probes come every few seconds from every load balancer: one check per second is plenty.
        checked, found = state["backends"]
        if time.monotonic() - checked > 1.0:
            found = await asyncio.to_thread(runtime.backends)
            state["backends"] = (time.monotonic(), found)
        return dict(found)

    @app.get("/readyz", tags=["operations"], responses={503: _ERROR})
    async def readyz() -> JSONResponse:
        """Readiness: models and indexes are loaded, and the index server (if any) answers.

        Redis is not part of readiness: without it the cache misses, rate limits turn local and only
        requests that need a session's PII mapping are refused, so pulling every replica out of the
        load balancer would be worse than the outage.
        """
        if not state["ready"]:
            return error_response(503, "the service is still loading")
        down = sorted(url for url, ok in (await backends()).items() if not ok)
        if down:
            return error_response(
                503, f"the index server is unreachable ({len(down)} of them)", code=OUTAGE_CODE, headers=retry_after
            )
        body: dict[str, Any] = {"status": "ready"}
        ping = getattr(auth.limiter, "ping", None)
        if callable(ping):
            body["redis"] = "ok" if await asyncio.to_thread(ping) else "down"
        return JSONResponse(body)

    @app.get("/metrics", tags=["operations"], response_class=Response)
    async def metrics_endpoint() -> Response:
        """Prometheus metrics."""
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    # -- the page -----------------------------------------------------------
    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/v1/info", tags=["api"])
    async def info() -> dict[str, Any]:
        """What a client needs to know before calling: whether a key is required."""
        return {"auth": auth.enabled, "ready": state["ready"], "version": ragfort.__version__}

    examples = ExampleBook()

    @app.get("/v1/examples", tags=["api"], responses={401: _ERROR, 429: _ERROR, 503: _ERROR})
    async def get_examples(who: Caller = Depends(caller)) -> dict[str, Any]:
        """The help center's name and three questions from its public documents, for the page's empty state."""
        require_ready()
        try:
            found = await asyncio.to_thread(examples.get, settings.index_for(who.tenant))
        except Exception as exc:
            if is_outage(exc):
                raise outage("the index server") from None
            raise
        return found.to_dict()

    # -- the API ------------------------------------------------------------
    def render(result: GuardedAnswer, *, variants: bool) -> dict[str, Any]:
        body = result.to_dict()
        if variants:
            body["variant"] = result.variant
        return body

    @app.post(
        "/v1/ask",
        tags=["api"],
        responses={
            200: {"description": "The guarded answer (JSON), or server-sent events when streaming.",
                  "content": {"text/event-stream": {}}},
            400: _ERROR, 401: _ERROR, 413: _ERROR, 422: _ERROR, 429: _ERROR, 503: _ERROR,
        },
    )
    async def ask(body: AskRequest, request: Request, who: Caller = Depends(caller)) -> Response:
        """Answer a question through the tenant's guarded pipeline."""
        require_ready()
        if not body.question.strip():
            raise ApiError(400, "the question is empty")
        trace_id = uuid.uuid4().hex
        route = runtime.route(who.tenant)
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
                    raise outage("a backend (the conversation history)") from None
                raise
            payload["chat_history"] = [{"role": _ROLES.get(m.role, m.role), "content": m.content} for m in earlier]

        def keep(result: GuardedAnswer) -> None:
            # Runs on a worker thread. The answer is the customer's either way: a store that cannot
            # take it costs the next follow-up its context, not this answer.
            if history is None or body.session_id is None or not keeps_exchange(result):
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
                runnable, payload, config, buffer=settings.stream_buffer, trace_id=trace_id,
                render=lambda r: render(r, variants=has_variants),
                refuse=lambda r: outage("a backend (the PII vault)") if blocked_by_outage(r) else None,
                fault=lambda e: outage("a backend (the index server)") if is_outage(e) else None,
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
                raise outage("a backend (the index server)") from None
            if not isinstance(exc, RagfortError):
                raise
            log.error("ask failed", extra={"fields": {"trace_id": trace_id, "error": type(exc).__name__}})
            raise ApiError(500, "the request could not be answered") from None
        if blocked_by_outage(result):
            # Fail closed: nothing was sent anywhere unredacted; the customer may simply retry.
            log.warning("ask refused: a required guard's backend is down", extra={"fields": {"trace_id": trace_id}})
            raise outage("a backend (the PII vault)")
        await asyncio.to_thread(keep, result)
        return FastJSONResponse(render(result, variants=has_variants), headers={"X-Trace-Id": trace_id})

    @app.post(
        "/v1/feedback",
        tags=["api"],
        response_model=FeedbackResponse,
        status_code=201,
        responses={400: _ERROR, 401: _ERROR, 404: _ERROR, 413: _ERROR, 422: _ERROR, 429: _ERROR, 503: _ERROR},
    )
    async def post_feedback(body: FeedbackRequest, who: Caller = Depends(caller)) -> FeedbackResponse:
        """Rate one of the caller's answers; the comment is stored redacted."""
        require_ready()
        owner = sink.owner(body.trace_id, who.tenant)
        if owner is None:
            # Another tenant's trace looks exactly like a missing one.
            raise ApiError(404, f"no answer with trace_id {body.trace_id!r} for this tenant")
        comment = body.comment.strip() if body.comment else None
        if comment:
            comment = await asyncio.to_thread(runtime.route(who.tenant).redactor.redact, comment)
        row = await asyncio.to_thread(
            feedback.add,
            trace_id=body.trace_id, tenant=who.tenant, variant=owner.variant, rating=body.rating,
            comment=comment or None,
        )
        metrics.feedback.labels("up" if body.rating > 0 else "down", owner.variant or "none").inc()
        return FeedbackResponse(status="stored", id=row)

    def session_path(session_id: str) -> str:
        if not 1 <= len(session_id) <= 200:
            raise ApiError(400, f"session_id must be 1 to 200 characters, got {len(session_id)}")
        return session_id

    def need_history() -> History:
        if history is None:
            raise ApiError(404, "this service keeps no conversation history (RAGFORT_HISTORY_TURNS=0)")
        return history

    @app.get(
        "/v1/sessions/{session_id}",
        tags=["api"],
        response_model=SessionResponse,
        responses={400: _ERROR, 401: _ERROR, 404: _ERROR, 429: _ERROR, 503: _ERROR},
    )
    async def get_session(session_id: str, who: Caller = Depends(caller)) -> SessionResponse:
        """The caller's conversation so far, as the service keeps it (redacted)."""
        store = need_history()
        session_id = session_path(session_id)
        try:
            messages = await asyncio.to_thread(store.load, who.tenant, session_id)
        except Exception as exc:
            if is_outage(exc):
                raise outage("a backend (the conversation history)") from None
            raise
        if not messages:
            # Another tenant's session looks exactly like a missing one.
            raise ApiError(404, f"no conversation {session_id!r} for this tenant (never started, erased or expired)")
        return SessionResponse(
            session_id=session_id,
            messages=[SessionMessage(role=_ROLES.get(m.role, "user"), content=m.content) for m in messages],  # type: ignore[arg-type]
            max_turns=store.max_turns,
            ttl_s=store.ttl_s,
        )

    @app.delete(
        "/v1/sessions/{session_id}",
        tags=["api"],
        response_model=SessionErased,
        responses={400: _ERROR, 401: _ERROR, 429: _ERROR, 503: _ERROR},
    )
    async def delete_session(session_id: str, who: Caller = Depends(caller)) -> SessionErased:
        """Erase a conversation: its stored messages and its PII mappings (the right to erasure)."""
        require_ready()
        session_id = session_path(session_id)

        def erase() -> bool:
            had = history.erase(who.tenant, session_id) if history is not None else False
            for vault in runtime.route(who.tenant).vaults():
                vault.purge(who.tenant, session_id)
            return had

        try:
            had_history = await asyncio.to_thread(erase)
        except Exception as exc:
            if is_outage(exc):
                raise outage("a backend (the conversation history or the PII vault)") from None
            raise
        log.info("session erased", extra={"fields": {"tenant": who.tenant}})
        return SessionErased(session_id=session_id, status="erased", had_history=had_history)

    @app.get("/v1/ab-report", tags=["api"], responses={401: _ERROR, 429: _ERROR})
    async def get_ab_report(who: Caller = Depends(caller)) -> dict[str, Any]:
        """The caller's variants compared (feedback, groundedness, abstention, latency)."""
        report = await asyncio.to_thread(ab_report, data, tenant=who.tenant)
        return report.to_dict()

    return app
