"""The ASGI middleware on a small FastAPI app: body limits (declared and streamed) and the access log with metrics."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.types import Message
from tests.server.conftest import metric_value

from ragfort.server.metrics import Metrics
from ragfort.server.middleware import AccessLog, BodySizeLimit

LIMIT = 64


@dataclass
class Served:
    client: TestClient
    metrics: Metrics
    bodies: list[int] = field(default_factory=list)

    def requests(self, **labels: str) -> float | None:
        """``ragfort_http_requests_total`` with exactly `labels`."""
        return metric_value(self.metrics, "ragfort_http_requests_total", **labels)


@pytest.fixture
def served() -> Iterator[Served]:
    """An app with an echo route behind both middlewares, stacked as `create_app` stacks them."""
    app = FastAPI()
    metrics = Metrics()
    out = Served(TestClient(app, raise_server_exceptions=False), metrics)

    @app.post("/echo/{name}")
    async def echo(name: str, request: Request) -> dict[str, Any]:
        body = await request.body()
        out.bodies.append(len(body))
        request.state.trace_id, request.state.tenant = "trace-1", "acme"
        return {"name": name, "bytes": len(body)}

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    app.add_middleware(BodySizeLimit, max_bytes=LIMIT)
    app.add_middleware(AccessLog, metrics=metrics)
    with out.client:
        yield out


def _error_code(response: Any) -> str:
    code: str = response.json()["error"]["code"]
    return code


def _access_fields(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The fields of each access-log line captured, in order."""
    return [r.__dict__["fields"] for r in caplog.records if r.name == "ragfort.server.access"]


def test_a_body_within_the_limit_reaches_the_route(served: Served) -> None:
    r = served.client.post("/echo/jane", content=b"x" * LIMIT)
    assert r.status_code == 200 and r.json() == {"name": "jane", "bytes": LIMIT}


def test_a_declared_body_over_the_limit_is_refused_before_the_route_runs(served: Served) -> None:
    r = served.client.post("/echo/jane", content=b"x" * (LIMIT + 1))
    assert r.status_code == 413 and _error_code(r) == "payload_too_large"
    assert str(LIMIT) in r.json()["error"]["message"]
    assert served.bodies == []


def test_a_streamed_body_is_counted_as_it_arrives(served: Served) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"y" * 16  # no Content-Length: chunked transfer, 160 bytes in all

    r = served.client.post("/echo/jane", content=chunks())
    assert r.status_code == 413 and _error_code(r) == "payload_too_large"
    assert served.bodies == []


def test_a_content_length_that_is_not_a_number_is_a_400() -> None:
    sent: list[Message] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover - never reached
        raise AssertionError("the app must not run")

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    limited = BodySizeLimit(app, max_bytes=LIMIT)
    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-length", b"12abc")]}
    asyncio.run(limited(scope, receive, send))
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["error"]["code"] == "bad_request"


def test_every_request_is_counted_by_route_template_and_logged_without_its_path(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="ragfort.server.access"):
        served.client.post("/echo/jane.doe?email=jane@example.com", content=b"{}")
        served.client.post("/echo/bob", content=b"{}")
        served.client.get("/nowhere")
        served.client.post("/echo/big", content=b"x" * (LIMIT + 1))
    assert served.requests(route="/echo/{name}", method="POST", code="200") == 2.0
    assert served.requests(route="unmatched", method="GET", code="404") == 1.0
    assert served.requests(route="unmatched", method="POST", code="413") == 1.0  # refused before routing
    fields = _access_fields(caplog)
    assert fields[0] == {
        "event": "request", "method": "POST", "route": "/echo/{name}", "status": 200, "ms": fields[0]["ms"],
        "trace_id": "trace-1", "tenant": "acme", "variant": None,
    }  # fmt: skip
    assert [f["status"] for f in fields] == [200, 200, 404, 413]
    assert "jane" not in caplog.text and "example.com" not in caplog.text


def test_a_request_that_crashes_is_logged_as_a_500(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ragfort.server.access"):
        assert served.client.get("/crash").status_code == 500
    assert served.requests(route="/crash", method="GET", code="500") == 1.0
    assert [f["status"] for f in _access_fields(caplog)] == [500]
