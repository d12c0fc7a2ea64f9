"""`ragfort.server.routes.pages`: the chat page and what it asks for before the first question."""

from __future__ import annotations

import pytest

import ragfort
from ragfort.server.routes import pages

from .conftest import MakeApp, assert_error


def test_the_page_is_served_with_its_security_headers(make_app: MakeApp) -> None:
    r = make_app(pages.router).client.get("/")
    assert r.status_code == 200 and "<html" in r.text.lower()
    for name, value in pages.PAGE_HEADERS.items():
        assert r.headers[name] == value


def test_info_says_whether_a_key_is_needed_and_whether_the_service_is_ready(make_app: MakeApp) -> None:
    app = make_app(pages.router, ready=False)
    assert app.client.get("/v1/info").json() == {"auth": False, "ready": False, "version": ragfort.__version__}
    app.service.ready = True
    assert app.client.get("/v1/info").json()["ready"] is True


def test_examples_wait_for_the_service_to_load(make_app: MakeApp) -> None:
    r = make_app(pages.router, ready=False).client.get("/v1/examples")
    assert_error(r, 503, "not_ready")
    assert r.headers["Retry-After"] == "5"


def test_examples_from_an_unreachable_index_server_are_an_outage(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(pages.router)

    class Down:
        def get(self, index: str) -> None:
            raise ConnectionRefusedError(index)

    monkeypatch.setattr(app.service, "examples", Down())
    r = app.client.get("/v1/examples")
    assert_error(r, 503, "backend_unavailable")
    assert r.headers["Retry-After"] == str(app.service.settings.retry_after_s)
