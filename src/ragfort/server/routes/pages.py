"""The web chat page, and what it asks for before the first question (whether a key is needed, examples).

The page is static files (``STATIC_DIR``, mounted at ``/static`` by
`create_app`) and loads nothing from elsewhere.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

import ragfort
from ragfort.server.auth import Caller
from ragfort.server.outage import is_outage
from ragfort.server.service import ERROR, Service, caller, service

__all__ = ["PAGE_HEADERS", "STATIC_DIR", "router"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# The page loads only its own files; nothing inline, nothing from elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter()


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)


@router.get("/v1/info", tags=["api"])
async def info(svc: Service = Depends(service)) -> dict[str, Any]:
    """What a client needs to know before calling: whether a key is required."""
    return {"auth": svc.auth.enabled, "ready": svc.ready, "version": ragfort.__version__}


@router.get("/v1/examples", tags=["api"], responses={401: ERROR, 429: ERROR, 503: ERROR})
async def get_examples(who: Caller = Depends(caller), svc: Service = Depends(service)) -> dict[str, Any]:
    """The help center's name and three questions from its public documents, for the page's empty state."""
    svc.require_ready()
    try:
        found = await asyncio.to_thread(svc.examples.get, svc.settings.index_for(who.tenant))
    except Exception as exc:
        if is_outage(exc):
            raise svc.outage("the index server") from None
        raise
    return found.to_dict()
