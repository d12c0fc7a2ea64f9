"""Routes for operators and load balancers: liveness, readiness, metrics (no key needed)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from ragfort.server.errors import error_response
from ragfort.server.metrics import CONTENT_TYPE_LATEST
from ragfort.server.outage import OUTAGE_CODE
from ragfort.server.service import ERROR, Service, service

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: ERROR})
async def readyz(svc: Service = Depends(service)) -> JSONResponse:
    """Readiness: models and indexes are loaded, and the index server (if any) answers.

    Redis is not part of readiness: without it the cache misses, rate limits turn local and only
    requests that need a session's PII mapping are refused, so pulling every replica out of the
    load balancer would be worse than the outage.
    """
    if not svc.ready:
        return error_response(503, "the service is still loading")
    down = sorted(url for url, ok in (await svc.backends()).items() if not ok)
    if down:
        return error_response(
            503, f"the index server is unreachable ({len(down)} of them)", code=OUTAGE_CODE,
            headers=svc.retry_after,
        )
    body: dict[str, Any] = {"status": "ready"}
    ping = getattr(svc.auth.limiter, "ping", None)
    if callable(ping):
        body["redis"] = "ok" if await asyncio.to_thread(ping) else "down"
    return JSONResponse(body)


@router.get("/metrics", response_class=Response)
async def metrics_endpoint(svc: Service = Depends(service)) -> Response:
    """Prometheus metrics."""
    return Response(svc.metrics.render(), media_type=CONTENT_TYPE_LATEST)
