"""One router at a time, on a bare FastAPI app: the routes reach the `Service` through ``app.state`` alone.

No models load here: the runtime is a stand-in whose tenant route answers
with a scripted `GuardedAnswer` (or raises), so each router's own logic
(readiness, status codes, headers, outage handling) is tested on its own.
The whole app, with real pipelines, is tested in ``tests/server/test_app.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from ragfort.policy import Policy, load_policy
from ragfort.server.errors import install_error_handlers
from ragfort.server.runtime import Runtime
from ragfort.server.service import Service
from ragfort.server.settings import ServerSettings
from ragfort.types import GuardedAnswer, Status


@dataclass
class FakeRunnable:
    """Answers every question with `answer`, or raises `error`; records each call."""

    answer: GuardedAnswer = field(default_factory=lambda: GuardedAnswer(answer="Within 30 days.", status=Status.OK))
    error: BaseException | None = None
    policy: Policy = field(default_factory=lambda: load_policy("passthrough"))
    calls: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def invoke(self, payload: dict[str, Any], config: dict[str, Any]) -> GuardedAnswer:
        self.calls.append((payload, config))
        if self.error is not None:
            raise self.error
        return self.answer


class FakeRedactor:
    def redact(self, text: str) -> str:
        return text.replace("jane@example.com", "<EMAIL_ADDRESS>")


@dataclass
class FakeRoute:
    runnable: FakeRunnable = field(default_factory=FakeRunnable)
    variants: tuple[Any, ...] = ()
    redactor: FakeRedactor = field(default_factory=FakeRedactor)

    def pick(self, *, tenant: str, key: str) -> tuple[str | None, FakeRunnable]:
        return None, self.runnable

    def vaults(self) -> list[Any]:
        return []


@dataclass
class FakeRuntime:
    """Stands in for `Runtime` once it has loaded."""

    tenant_route: FakeRoute = field(default_factory=FakeRoute)
    up: dict[str, bool] = field(default_factory=dict)

    def route(self, tenant: str) -> FakeRoute:
        return self.tenant_route

    def backends(self) -> dict[str, bool]:
        return dict(self.up)


@dataclass
class RouterApp:
    client: TestClient
    service: Service
    runtime: FakeRuntime


MakeApp = Callable[..., RouterApp]


@pytest.fixture()
def make_app(tmp_path: Path) -> Iterator[MakeApp]:
    """``make_app(router, ready=True, **settings)``: a bare app serving `router` alone (keys off)."""
    clients: list[TestClient] = []

    def make(router: APIRouter, *, ready: bool = True, **settings: Any) -> RouterApp:
        values: dict[str, Any] = {
            "data_dir": str(tmp_path), "index": str(tmp_path / "index"), "auth": "off", "redis_url": None, **settings
        }
        svc = Service.from_settings(ServerSettings(**values))
        runtime = FakeRuntime()
        svc.runtime = cast(Runtime, runtime)
        svc.ready = ready
        app = FastAPI()
        install_error_handlers(app)
        app.include_router(router)
        app.state.service = svc
        client = TestClient(app)
        clients.append(client)
        return RouterApp(client=client, service=svc, runtime=runtime)

    yield make
    for client in clients:
        client.close()


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """`response` is `status` in the API's error shape with `code`; its body."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"]["code"] == code, body
    return body
