"""Pure ASGI middleware: request size limits, and per-request metrics plus a JSON access log.

Both are plain ASGI callables (not Starlette's ``BaseHTTPMiddleware``, which
buffers and costs a task per request) so they add microseconds, and the size
limit holds for chunked bodies too: the body is counted as it arrives and
the request is refused the moment it passes the limit.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ragfort.server.metrics import Metrics

__all__ = ["AccessLog", "BodySizeLimit"]

access_log = logging.getLogger("ragfort.server.access")


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})


class BodySizeLimit:
    """Answers 413 for bodies over `max_bytes` (declared or streamed).

    Args:
        app: the wrapped app.
        max_bytes: the largest accepted body.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = {
            "error": {"code": "payload_too_large", "message": f"request bodies are limited to {self.max_bytes} bytes"}
        }
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(
                        send, 400, {"error": {"code": "bad_request", "message": "Content-Length is not a number"}}
                    )
                    return
                if declared > self.max_bytes:
                    await _send_json(send, 413, too_large)
                    return
        received = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Answer now and tell the app the client left: whatever it answers is dropped.
                    refused = True
                    if not started:
                        await _send_json(send, 413, too_large)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)


class AccessLog:
    """Counts and times every request and logs one JSON-able line (no bodies, no query strings).

    Args:
        app: the wrapped app.
        metrics: where counts and latencies go.
    """

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            elapsed = time.perf_counter() - t0
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.child(self.metrics.http_requests, template, scope.get("method", ""), str(status)).inc()
            self.metrics.child(self.metrics.http_latency, template).observe(elapsed)
            state = scope.get("state") or {}
            access_log.info(
                "request",
                extra={
                    "fields": {
                        "event": "request",
                        "method": scope.get("method"),
                        "route": template,
                        "status": status,
                        "ms": round(elapsed * 1000.0, 2),
                        "trace_id": state.get("trace_id"),
                        "tenant": state.get("tenant"),
                        "variant": state.get("variant"),
                    }
                },
            )
