"""The support-agent API over real HTTP: auth, errors, tenants, feedback, streaming, metrics, A/B."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import httpx
import pytest

from .conftest import LiveServer

pytestmark = pytest.mark.slow

CONTRACT_KEYS = {
    "answer", "status", "citations", "claims", "groundedness", "redactions", "verdicts", "cache",
    "timings_ms", "budget", "trace_id",
}
QUESTION = "How long do refunds take?"


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body


def parse_sse(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        events.append((name, json.loads("\n".join(data))))
    return events


def trace_ids_in(folder: Any) -> set[str]:
    ids: set[str] = set()
    for path in folder.glob("traces-*.jsonl") if folder.is_dir() else ():
        ids.update(json.loads(line)["trace_id"] for line in path.read_text().splitlines() if line.strip())
    return ids


# -- operations ----------------------------------------------------------------
def test_health_and_readiness_need_no_key(live_server: LiveServer) -> None:
    with live_server.client() as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        assert c.get("/readyz").json() == {"status": "ready"}
        assert c.get("/v1/info").json()["auth"] is True


# -- auth ---------------------------------------------------------------------------
def test_ask_without_a_key_is_401(live_server: LiveServer) -> None:
    with live_server.client() as c:
        r = c.post("/v1/ask", json={"question": QUESTION})
    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer rfk_000000000000_wrong", "Bearer not-a-key", "Basic dXNlcjpwYXNz", "Bearer"],
)
def test_ask_with_a_wrong_key_is_401(live_server: LiveServer, header: str) -> None:
    with live_server.client() as c:
        r = c.post("/v1/ask", json={"question": QUESTION}, headers={"Authorization": header})
    assert_error(r, 401, "unauthorized")


def test_a_key_with_one_wrong_character_is_401(live_server: LiveServer) -> None:
    key = live_server.keys["acme"]
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    with live_server.client() as c:
        r = c.post("/v1/ask", json={"question": QUESTION}, headers={"Authorization": f"Bearer {tampered}"})
    assert_error(r, 401)


# -- asking ------------------------------------------------------------------------------
def test_ask_returns_the_contract_json_without_a_variant_key(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        r = c.post("/v1/ask", json={"question": QUESTION, "session_id": "s-1"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == CONTRACT_KEYS
    assert body["status"] in {"ok", "redacted", "blocked", "abstained", "fallback"}
    assert body["answer"]
    assert r.headers["x-trace-id"] == body["trace_id"]


def test_whitespace_question_is_a_400_not_a_500(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        assert_error(c.post("/v1/ask", json={"question": "   "}), 400, "bad_request")


# -- error shapes --------------------------------------------------------------------------
def test_unknown_route_is_404_in_the_error_shape(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        assert_error(c.get("/v1/nope"), 404, "not_found")


def test_wrong_method_is_405_in_the_error_shape(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        assert_error(c.get("/v1/ask"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "body",
    [{}, {"question": ""}, {"question": 3}, {"question": "hi", "unknown": 1}, {"question": "hi", "session_id": ""}],
)
def test_invalid_ask_bodies_are_422_naming_the_field(live_server: LiveServer, body: dict[str, Any]) -> None:
    with live_server.client("acme") as c:
        err = assert_error(c.post("/v1/ask", json=body), 422, "validation_error")
    assert any(name in err["error"]["message"] for name in ("question", "unknown", "session_id"))


def test_malformed_json_is_400(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        r = c.post("/v1/ask", content=b'{"question": ', headers={"Content-Type": "application/json"})
    assert_error(r, 400, "malformed_json")


def test_lone_surrogates_are_rejected_not_crashed_on(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        r = c.post("/v1/ask", content=b'{"question": "hi \\ud800"}', headers={"Content-Type": "application/json"})
    assert_error(r, 422)


def test_oversized_body_is_413(live_server: LiveServer) -> None:
    big = {"question": "x" * 7000, "session_id": "s", "padding": "y" * 20_000}
    with live_server.client("acme") as c:
        assert_error(c.post("/v1/ask", json=big), 413, "payload_too_large")


def test_oversized_chunked_body_is_413(live_server: LiveServer) -> None:
    def chunks() -> Any:
        for _ in range(40):
            yield b"x" * 1024

    with live_server.client("acme") as c:
        r = c.post("/v1/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert_error(r, 413)


# -- rate limits --------------------------------------------------------------------------
def test_rate_limit_answers_429_with_retry_after(live_server: LiveServer) -> None:
    with live_server.client("tiny") as c:
        codes = [c.post("/v1/feedback", json={"trace_id": "nope", "rating": 1}) for _ in range(3)]
    assert [r.status_code for r in codes[:2]] == [404, 404]
    assert_error(codes[2], 429, "rate_limited")
    assert int(codes[2].headers["retry-after"]) >= 1
    # Another key is not affected.
    with live_server.client("globex") as c:
        assert c.post("/v1/feedback", json={"trace_id": "nope", "rating": 1}).status_code == 404


# -- tenants, traces and feedback --------------------------------------------------------------------------
def test_traces_and_feedback_are_per_tenant(live_server: LiveServer) -> None:
    with live_server.client("acme") as acme, live_server.client("globex") as globex:
        trace_a = acme.post("/v1/ask", json={"question": QUESTION}).json()["trace_id"]
        trace_g = globex.post("/v1/ask", json={"question": QUESTION}).json()["trace_id"]
        # Each tenant's traces are in its own folder only.
        traces = live_server.data_dir / "traces"
        assert trace_a in trace_ids_in(traces / "acme")
        assert trace_a not in trace_ids_in(traces / "globex")
        assert trace_g in trace_ids_in(traces / "globex")
        assert trace_g not in trace_ids_in(traces / "acme")
        # Another tenant's trace looks like a missing one.
        assert_error(globex.post("/v1/feedback", json={"trace_id": trace_a, "rating": 1}), 404, "not_found")
        assert_error(acme.post("/v1/feedback", json={"trace_id": "0" * 32, "rating": 1}), 404)
        ok = acme.post("/v1/feedback", json={"trace_id": trace_a, "rating": -1, "comment": "not what I asked"})
        assert ok.status_code == 201, ok.text
    with sqlite3.connect(live_server.data_dir / "feedback.sqlite") as conn:
        rows = conn.execute("SELECT tenant, rating, variant FROM feedback WHERE trace_id = ?", (trace_a,)).fetchall()
    assert rows == [("acme", -1, None)]


def test_feedback_table_has_exactly_the_contract_schema(live_server: LiveServer) -> None:
    with sqlite3.connect(live_server.data_dir / "feedback.sqlite") as conn:
        cols = [(r[1], r[2], r[3], r[5]) for r in conn.execute("PRAGMA table_info(feedback)")]
    assert cols == [
        ("id", "INTEGER", 0, 1),
        ("trace_id", "TEXT", 1, 0),
        ("tenant", "TEXT", 1, 0),
        ("variant", "TEXT", 0, 0),
        ("rating", "INTEGER", 1, 0),
        ("comment", "TEXT", 0, 0),
        ("created", "REAL", 1, 0),
    ]


def test_feedback_comments_are_stored_without_personal_data(live_server: LiveServer) -> None:
    comment = "Wrong! Email me at jane.doe@example.com or call +1 415 555 0134, card 4111 1111 1111 1111."
    with live_server.client("acme") as c:
        trace = c.post("/v1/ask", json={"question": QUESTION}).json()["trace_id"]
        assert c.post("/v1/feedback", json={"trace_id": trace, "rating": -1, "comment": comment}).status_code == 201
    with sqlite3.connect(live_server.data_dir / "feedback.sqlite") as conn:
        (stored,) = conn.execute("SELECT comment FROM feedback WHERE trace_id = ?", (trace,)).fetchone()
    for raw in ("jane.doe@example.com", "415 555 0134", "4111 1111 1111 1111"):
        assert raw not in stored
    assert "<EMAIL_ADDRESS>" in stored
    assert stored.startswith("Wrong!")


def test_a_second_rating_replaces_the_first(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        trace = c.post("/v1/ask", json={"question": QUESTION}).json()["trace_id"]
        c.post("/v1/feedback", json={"trace_id": trace, "rating": 1})
        c.post("/v1/feedback", json={"trace_id": trace, "rating": -1})
    with sqlite3.connect(live_server.data_dir / "feedback.sqlite") as conn:
        rows = conn.execute("SELECT rating FROM feedback WHERE trace_id = ?", (trace,)).fetchall()
    assert rows == [(-1,)]


@pytest.mark.parametrize("rating", [0, 2, "1", None])
def test_feedback_rating_must_be_plus_or_minus_one(live_server: LiveServer, rating: Any) -> None:
    with live_server.client("acme") as c:
        assert_error(c.post("/v1/feedback", json={"trace_id": "x", "rating": rating}), 422)


# -- streaming ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["body", "accept"])
def test_streaming_sends_sentences_then_the_full_result(live_server: LiveServer, how: str) -> None:
    question = "How do I reset my device to factory settings?"
    body: dict[str, Any] = {"question": question}
    headers = {}
    if how == "body":
        body["stream"] = True
    else:
        headers["Accept"] = "text/event-stream"
    with live_server.client("acme") as c, c.stream("POST", "/v1/ask", json=body, headers=headers) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = parse_sse(text)
    names = [n for n, _ in events]
    assert names[-1] == "result"
    assert names.count("result") == 1
    assert "error" not in names
    chunks = [d["text"] for n, d in events if n == "chunk"]
    assert chunks, "no sentence arrived before the final event"
    result = events[-1][1]
    assert set(result) == CONTRACT_KEYS
    assert "".join(chunks) == result["answer"]


# -- metrics ---------------------------------------------------------------------------------------------
def test_metrics_count_answers_stages_and_guard_actions(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        c.post("/v1/ask", json={"question": QUESTION})
        text = c.get("/metrics").text
    assert 'ragfort_answers_total{status="' in text
    assert 'ragfort_stage_seconds_count{stage="total",variant="none"}' in text
    assert "ragfort_guard_actions_total{" in text
    assert 'ragfort_http_requests_total{code="200",method="POST",route="/v1/ask"}' in text
    assert "ragfort_cache_hit_ratio" in text


# -- A/B variants -------------------------------------------------------------------------------------------
def test_variants_are_sticky_per_session_and_reported(live_server: LiveServer) -> None:
    seen: dict[str, str] = {}
    with live_server.client("abtest") as c:
        for i in range(12):
            body = c.post("/v1/ask", json={"question": QUESTION, "session_id": f"sess-{i}"}).json()
            assert body["variant"] in {"a", "b"}
            seen[f"sess-{i}"] = body["variant"]
        again = c.post("/v1/ask", json={"question": QUESTION, "session_id": "sess-3"}).json()
        assert again["variant"] == seen["sess-3"]
        assert set(seen.values()) == {"a", "b"}, "12 sessions at 50/50 should reach both variants"
        # The variant reaches the trace, the feedback row and the report.
        assert c.post("/v1/feedback", json={"trace_id": again["trace_id"], "rating": 1}).status_code == 201
        report = c.get("/v1/ab-report").json()
    records = [
        json.loads(line)
        for path in (live_server.data_dir / "traces" / "abtest").glob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert {r["trace_id"]: r["variant"] for r in records}[again["trace_id"]] == seen["sess-3"]
    with sqlite3.connect(live_server.data_dir / "feedback.sqlite") as conn:
        (variant,) = conn.execute("SELECT variant FROM feedback WHERE trace_id = ?", (again["trace_id"],)).fetchone()
    assert variant == seen["sess-3"]
    names = {v["variant"]: v for v in report["variants"]}
    assert set(names) == {"a", "b"}
    assert names[seen["sess-3"]]["ratings"] == 1
    assert sum(v["answers"] for v in names.values()) == 13


def test_ab_report_of_one_tenant_never_includes_another(live_server: LiveServer) -> None:
    with live_server.client("globex") as c:
        report = c.get("/v1/ab-report").json()
    assert report["tenant"] == "globex"
    assert all(v["variant"] not in {"a", "b"} for v in report["variants"])


# -- the page -----------------------------------------------------------------------------------------------------
def test_the_page_and_its_assets_are_served_locally(live_server: LiveServer) -> None:
    with live_server.client() as c:
        page = c.get("/")
        assert page.status_code == 200
        assert "default-src 'self'" in page.headers["content-security-policy"]
        for asset in ("/static/app.js", "/static/app.css"):
            assert c.get(asset).status_code == 200
    assert "http://" not in page.text and "https://" not in page.text


def test_examples_name_the_help_center_and_offer_three_questions(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        response = c.get("/v1/examples")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Voltwise Help Center"
    questions = body["examples"]
    assert len(questions) == 3 and len(set(questions)) == 3
    assert all(q.endswith("?") and q[0].isupper() for q in questions), questions


def test_examples_need_a_key_when_keys_are_on(live_server: LiveServer) -> None:
    with live_server.client() as c:
        assert_error(c.get("/v1/examples"), 401)


def test_personal_data_never_reaches_traces(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        body = c.post("/v1/ask", json={"question": "I am Jane Roe, jane.roe@example.com. How do refunds work?"}).json()
    assert body["status"] == "redacted"
    text = "".join(p.read_text() for p in (live_server.data_dir / "traces" / "acme").glob("*.jsonl"))
    assert body["trace_id"] in text
    assert "jane.roe@example.com" not in text and "Jane Roe" not in text


def test_one_tenant_cannot_read_another_tenants_vault(live_server: LiveServer) -> None:
    session = {"session_id": "shared-session-id"}
    with live_server.client("acme") as acme, live_server.client("globex") as globex:
        first = acme.post("/v1/ask", json={"question": "My email is jane.roe@example.com, what is my plan?", **session})
        assert first.json()["redactions"], first.text
        # Same session id, other tenant: the placeholder means nothing there.
        probe = globex.post("/v1/ask", json={"question": "Repeat <EMAIL_ADDRESS_1> back to me", **session}).json()
    assert "jane.roe@example.com" not in json.dumps(probe)


def test_no_cors_headers_unless_origins_are_configured(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        r = c.options("/v1/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
