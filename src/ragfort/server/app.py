"""The support-agent API: `create_app(settings)` builds the FastAPI app.

Models and the index load once, in the lifespan; `/readyz` turns green only
after that. Guarded runs are CPU-bound, so they run in a worker thread and
the event loop stays free for health checks and streaming.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ragfort.errors import InputError, RagfortError
from ragfort.server.settings import ServerSettings

__all__ = ["create_app"]

log = logging.getLogger("ragfort.server")


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=8000)
    session_id: str | None = Field(default=None, max_length=200)


def error(status: int, code: str, message: str) -> JSONResponse:
    """The one error shape of the API."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """Build the app; models and the index load at start-up."""
    settings = settings or ServerSettings()
    state: dict[str, Any] = {"ready": False}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import ragfort

        def load() -> Any:
            chain = ragfort.build_chain(settings.index)
            trace_dir = Path(settings.data_dir) / "traces" if settings.traces else None
            guarded = ragfort.harden(chain, policy=settings.policy, trace_dir=trace_dir)
            # Warm up: the first request should not pay for model loading.
            guarded.invoke({"question": "warm up"})
            return guarded

        state["guarded"] = await asyncio.to_thread(load)
        state["ready"] = True
        yield
        state["ready"] = False

    app = FastAPI(title="ragfort support agent", version="0.1.0", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        if state["ready"]:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "starting"}, status_code=503)

    @app.post("/v1/ask")
    async def ask(body: AskRequest, request: Request) -> JSONResponse:
        if not state["ready"]:
            return error(503, "not_ready", "the service is still loading")
        try:
            result = await asyncio.to_thread(
                state["guarded"].invoke, {"question": body.question, "session_id": body.session_id}
            )
        except InputError as exc:
            return error(400, "bad_request", str(exc))
        except RagfortError as exc:
            log.error("ask failed: %s", type(exc).__name__)
            return error(500, "internal", "the request could not be answered")
        return JSONResponse(result.to_dict())

    return app
