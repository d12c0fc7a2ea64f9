"""`ragfort.server.routes.operations`: liveness, readiness and metrics."""

from __future__ import annotations

from ragfort.server.routes import operations

from .conftest import MakeApp, assert_error


def test_liveness_answers_while_loading(make_app: MakeApp) -> None:
    r = make_app(operations.router, ready=False).client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_readiness_is_503_until_loaded_then_ready(make_app: MakeApp) -> None:
    app = make_app(operations.router, ready=False)
    body = assert_error(app.client.get("/readyz"), 503, "not_ready")
    assert body["error"]["message"] == "the service is still loading"
    app.service.ready = True
    r = app.client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready"}


def test_an_unreachable_index_server_fails_readiness_with_retry_after(make_app: MakeApp) -> None:
    app = make_app(operations.router, retry_after_s=7)
    app.runtime.up = {"http://chroma-a:8000": True, "http://chroma-b:8000": False}
    r = app.client.get("/readyz")
    body = assert_error(r, 503, "backend_unavailable")
    assert "(1 of them)" in body["error"]["message"]
    assert r.headers["Retry-After"] == "7"


def test_metrics_are_prometheus_text(make_app: MakeApp) -> None:
    r = make_app(operations.router).client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "# TYPE" in r.text
