"""`ragfort.server.routes.feedback`: ratings of answers, and the A/B report."""

from __future__ import annotations

from ragfort.server.routes import feedback

from .conftest import MakeApp, assert_error


def test_feedback_waits_for_the_service_to_load(make_app: MakeApp) -> None:
    r = make_app(feedback.router, ready=False).client.post("/v1/feedback", json={"trace_id": "t", "rating": 1})
    assert_error(r, 503, "not_ready")


def test_feedback_on_an_unknown_answer_is_a_404(make_app: MakeApp) -> None:
    r = make_app(feedback.router).client.post("/v1/feedback", json={"trace_id": "nope", "rating": -1})
    body = assert_error(r, 404, "not_found")
    assert "'nope'" in body["error"]["message"]


def test_a_rating_must_be_up_or_down(make_app: MakeApp) -> None:
    r = make_app(feedback.router).client.post("/v1/feedback", json={"trace_id": "t", "rating": 0})
    assert_error(r, 422, "validation_error")


def test_the_ab_report_of_a_service_with_no_traffic_is_empty(make_app: MakeApp) -> None:
    r = make_app(feedback.router).client.get("/v1/ab-report")
    assert r.status_code == 200, r.text
    assert isinstance(r.json(), dict)
