"""`Service` and its dependencies on a small FastAPI app: the stores it opens, the caller (401/429), 503s, text checks.

The routes here are the test's own; the `Service` is the real one, built from settings in a throwaway data dir
(its runtime is never loaded: no model is needed to authenticate, rate-limit or refuse).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, field_validator
from tests.faults import conftest as faults_conftest
from tests.faults.procs import Redis
from tests.server.conftest import metric_value
from tests.server.routes.conftest import assert_error

from ragfort.server.auth import Caller
from ragfort.server.errors import install_error_handlers
from ragfort.server.ratelimit_redis import RedisRateLimiter
from ragfort.server.service import Service, caller, service, valid_text
from ragfort.server.sessions import SQLiteHistory
from ragfort.server.settings import ServerSettings
from ragfort.server.traces import RedisTraceOwners

redis = faults_conftest.redis  # the fixture: a throwaway redis-server per test


class Note(BaseModel):
    text: str

    @field_validator("text")
    @classmethod
    def _valid(cls, value: str) -> str | None:
        return valid_text(value)


def _app(svc: Service) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.service = svc

    @app.get("/whoami")
    async def whoami(who: Caller = Depends(caller), svc: Service = Depends(service)) -> dict[str, str]:
        svc.require_ready()
        return {"tenant": who.tenant}

    @app.get("/index")
    async def index_down(svc: Service = Depends(service)) -> None:
        raise svc.outage("the index server")

    @app.post("/notes")
    async def note(body: Note) -> dict[str, str]:
        return {"text": body.text}

    return app


Make = Callable[..., tuple[Service, TestClient]]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    """``make(**settings)``: a ready `Service` in `tmp_path` and a client of an app serving it."""
    made: list[tuple[Service, TestClient]] = []

    def build(**settings: Any) -> tuple[Service, TestClient]:
        values: dict[str, Any] = {"data_dir": str(tmp_path), "index": str(tmp_path / "index"), "redis_url": None}
        svc = Service.from_settings(ServerSettings(**(values | settings)))
        svc.ready = True
        made.append((svc, TestClient(_app(svc))))
        return made[-1]

    yield build
    for svc, client in made:
        client.close()
        if isinstance(svc.auth.limiter, RedisRateLimiter):
            svc.auth.limiter.close()


def test_the_stores_open_in_the_data_dir(make: Make, tmp_path: Path) -> None:
    svc, _ = make(history_turns=4)
    assert svc.data == tmp_path
    assert {p.name for p in tmp_path.iterdir()} >= {"feedback.sqlite", "sessions.sqlite", "vault.key"}
    assert svc.keys.path == svc.auth.keys.path == tmp_path / "keys.sqlite"  # opened on first use
    assert isinstance(svc.history, SQLiteHistory)
    assert svc.sink.directory == tmp_path / "traces" and svc.sink.shared is None
    assert make(history_turns=0)[0].history is None
    assert asyncio.run(svc.backends()) == {}  # nothing loaded: no shared index backend to probe


def test_with_a_redis_url_the_replicas_share_limits_and_trace_owners(make: Make, redis: Redis) -> None:
    svc, _ = make(redis_url=redis.url, history_turns=0)
    assert isinstance(svc.auth.limiter, RedisRateLimiter) and svc.auth.limiter.ping()
    assert isinstance(svc.sink.shared, RedisTraceOwners)


def test_a_caller_needs_a_valid_key_when_keys_are_on(make: Make) -> None:
    svc, client = make(auth="on")
    key = svc.keys.create("acme")
    r = client.get("/whoami")
    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert_error(client.get("/whoami", headers={"Authorization": "Bearer not-a-key"}), 401, "unauthorized")
    for _ in range(2):  # checked against the store once, then remembered
        assert client.get("/whoami", headers={"Authorization": f"Bearer {key}"}).json() == {"tenant": "acme"}


def test_without_keys_on_loopback_every_caller_is_the_default_tenant(make: Make) -> None:
    _, client = make(auth="auto", host="127.0.0.1")
    assert client.get("/whoami").json() == {"tenant": "default"}


def test_a_caller_over_its_rate_limit_gets_429_with_retry_after(make: Make) -> None:
    svc, client = make(auth="off", rate_limit={"per_second": 0.01, "burst": 2})
    assert [client.get("/whoami").status_code for _ in range(2)] == [200, 200]
    r = client.get("/whoami")
    assert_error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["retry-after"]) <= 100
    assert metric_value(svc.metrics, "ragfort_rate_limited_total") == 1.0


def test_a_service_still_loading_answers_503(make: Make) -> None:
    svc, client = make(auth="off")
    svc.ready = False
    r = client.get("/whoami")
    assert_error(r, 503, "not_ready")
    assert r.headers["retry-after"] == "5"


def test_an_outage_is_a_503_with_the_configured_retry_after(make: Make) -> None:
    _, client = make(auth="off", retry_after_s=17)
    r = client.get("/index")
    body = assert_error(r, 503, "backend_unavailable")
    assert r.headers["retry-after"] == "17"
    assert body["error"]["message"] == "the index server is unavailable; retry shortly"


def test_text_that_is_not_valid_unicode_is_a_422(make: Make) -> None:
    _, client = make(auth="off")
    assert client.post("/notes", json={"text": "Zürich 🙂"}).json() == {"text": "Zürich 🙂"}
    r = client.post("/notes", content=b'{"text": "half a pair \\ud800"}', headers={"content-type": "application/json"})
    assert_error(r, 422, "validation_error")
    assert valid_text(None) is None
