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

The routes live in `ragfort.server.routes`, one `APIRouter` per kind; they
reach the app's shared objects (`ragfort.server.service.Service`, kept in
``app.state.service``) through FastAPI dependencies. This module assembles
them: settings, service, lifespan, routes, middleware, error handlers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

import ragfort
from ragfort.errors import RagfortError
from ragfort.server.errors import install_error_handlers
from ragfort.server.logs import configure_json_logging
from ragfort.server.middleware import AccessLog, BodySizeLimit
from ragfort.server.routes import ask, feedback, operations, pages, sessions
from ragfort.server.routes.ask import AskRequest
from ragfort.server.routes.feedback import FeedbackRequest
from ragfort.server.service import Service
from ragfort.server.settings import ServerSettings

__all__ = ["AskRequest", "FeedbackRequest", "create_app"]

log = logging.getLogger("ragfort.server")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the runtime on a worker thread (``/healthz`` keeps answering); readiness drops first on shutdown."""
    svc: Service = app.state.service
    try:
        if not svc.auth.enabled:
            log.warning("API keys are OFF: every caller is tenant 'default' (set RAGFORT_AUTH=on in production)")
        try:
            await asyncio.to_thread(svc.runtime.load)
        except RagfortError as exc:
            log.error("start-up failed: %s", exc)
            raise
        svc.ready = True
        log.info("ready")
        try:
            yield
        finally:
            svc.ready = False
            log.info("shutting down")
    finally:
        svc.runtime.close()


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """Build the app; models and the index load at start-up.

    Args:
        settings: the server settings (from the environment when None).
    """
    settings = settings or ServerSettings()
    if settings.json_logs:
        configure_json_logging()
    svc = Service.from_settings(settings)
    app = FastAPI(
        title="ragfort support agent",
        version=ragfort.__version__,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        # The routers' routes themselves: `include_router` would nest each router, and `app.routes`
        # (which deployment checks read) would no longer list the paths.
        routes=[route for module in (operations, pages, ask, feedback, sessions) for route in module.router.routes],
    )
    app.state.service = svc
    # Kept for code that reads them from the app.
    app.state.runtime, app.state.metrics, app.state.keys = svc.runtime, svc.metrics, svc.keys
    app.state.auth, app.state.history = svc.auth, svc.history
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
    app.add_middleware(AccessLog, metrics=svc.metrics)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app
