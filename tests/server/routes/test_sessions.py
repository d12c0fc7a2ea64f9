"""`ragfort.server.routes.sessions`: a conversation read back (redacted) and erased."""

from __future__ import annotations

from ragfort.server.routes import sessions
from ragfort.types import HistoryMessage

from .conftest import MakeApp, assert_error


def test_a_kept_conversation_is_read_back_with_the_apis_roles(make_app: MakeApp) -> None:
    app = make_app(sessions.router, history_turns=4, history_ttl_s=60)
    assert app.service.history is not None
    app.service.history.append(
        "default", "s-1", (HistoryMessage("human", "Hi, I am <PERSON_1>."), HistoryMessage("ai", "Hello!"))
    )
    r = app.client.get("/v1/sessions/s-1")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "session_id": "s-1",
        "messages": [{"role": "user", "content": "Hi, I am <PERSON_1>."}, {"role": "assistant", "content": "Hello!"}],
        "max_turns": 4,
        "ttl_s": 60.0,
    }


def test_erasing_a_conversation_removes_it(make_app: MakeApp) -> None:
    app = make_app(sessions.router)
    assert app.service.history is not None
    app.service.history.append("default", "s-2", (HistoryMessage("human", "Hi"), HistoryMessage("ai", "Hello")))
    r = app.client.delete("/v1/sessions/s-2")
    assert r.status_code == 200 and r.json() == {"session_id": "s-2", "status": "erased", "had_history": True}
    assert_error(app.client.get("/v1/sessions/s-2"), 404, "not_found")
    assert app.client.delete("/v1/sessions/s-2").json()["had_history"] is False


def test_erasing_waits_for_the_service_to_load(make_app: MakeApp) -> None:
    assert_error(make_app(sessions.router, ready=False).client.delete("/v1/sessions/s-3"), 503, "not_ready")


def test_an_unknown_conversation_is_a_404(make_app: MakeApp) -> None:
    assert_error(make_app(sessions.router).client.get("/v1/sessions/never"), 404, "not_found")


def test_a_service_that_keeps_no_history_says_so(make_app: MakeApp) -> None:
    body = assert_error(make_app(sessions.router, history_turns=0).client.get("/v1/sessions/s-1"), 404, "not_found")
    assert "RAGFORT_HISTORY_TURNS=0" in body["error"]["message"]


def test_an_overlong_session_id_is_a_400(make_app: MakeApp) -> None:
    body = assert_error(make_app(sessions.router).client.delete("/v1/sessions/" + "x" * 201), 400, "bad_request")
    assert "201" in body["error"]["message"]
