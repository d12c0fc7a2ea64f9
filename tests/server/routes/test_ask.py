"""`ragfort.server.routes.ask`: ``POST /v1/ask`` answered through the tenant's runnable (JSON; SSE is in test_app)."""

from __future__ import annotations

import pytest

from ragfort.errors import InputError, RagfortError
from ragfort.server.routes import ask

from .conftest import MakeApp, assert_error


def test_ask_waits_for_the_service_to_load(make_app: MakeApp) -> None:
    app = make_app(ask.router, ready=False)
    r = app.client.post("/v1/ask", json={"question": "How do refunds work?"})
    assert_error(r, 503, "not_ready")
    assert r.headers["Retry-After"] == "5"
    assert app.runtime.tenant_route.runnable.calls == []


def test_a_blank_question_is_a_400(make_app: MakeApp) -> None:
    assert_error(make_app(ask.router).client.post("/v1/ask", json={"question": "  \n"}), 400, "bad_request")


def test_the_answer_is_the_results_json_with_its_trace_id(make_app: MakeApp) -> None:
    app = make_app(ask.router)
    r = app.client.post("/v1/ask", json={"question": "How do refunds work?", "session_id": "s-1"})
    assert r.status_code == 200, r.text
    runnable = app.runtime.tenant_route.runnable
    assert r.json() == runnable.answer.to_dict()
    assert "variant" not in r.json()
    (payload, config), = runnable.calls
    assert payload == {"question": "How do refunds work?", "session_id": "s-1", "chat_history": []}
    assert config["configurable"] == {"tenant": "default", "session_id": "s-1", "trace_id": r.headers["X-Trace-Id"]}


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (InputError("the question is too long"), 400, "bad_request"),
        (ConnectionRefusedError("index server"), 503, "backend_unavailable"),
        (RagfortError("the chain failed"), 500, "internal"),
    ],
)
def test_a_failed_run_is_answered_in_the_error_shape(
    make_app: MakeApp, error: BaseException, status: int, code: str
) -> None:
    app = make_app(ask.router, retry_after_s=9)
    app.runtime.tenant_route.runnable.error = error
    r = app.client.post("/v1/ask", json={"question": "How do refunds work?"})
    assert_error(r, status, code)
    if status == 503:
        assert r.headers["Retry-After"] == "9"


def test_a_history_store_that_is_down_is_an_outage(make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(ask.router)

    class Down:
        def load(self, tenant: str, session_id: str) -> list[object]:
            raise ConnectionRefusedError("redis")

    monkeypatch.setattr(app.service, "history", Down())
    r = app.client.post("/v1/ask", json={"question": "And for a phone?", "session_id": "s-1"})
    body = assert_error(r, 503, "backend_unavailable")
    assert "conversation history" in body["error"]["message"]
    # Without a session there is no history to read: the question is answered.
    assert app.client.post("/v1/ask", json={"question": "How do refunds work?"}).status_code == 200
