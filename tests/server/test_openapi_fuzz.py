"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis): never a 500.

Every generated request goes over real HTTP to the live server with a valid
key, both inputs that follow the schema and inputs that break it. Whatever
the input, the answer is a success or a client error in the API's one error
shape. (Schemathesis' pytest plugin does not run under pytest 9 yet, so its
Hypothesis strategies are driven directly.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from .conftest import LiveServer

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 50


def operations(live_server: LiveServer) -> dict[str, Any]:
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    ops = {}
    for result in schema.get_all_operations():
        op = result.ok()
        ops[f"{op.method.upper()} {op.path}"] = op
    return ops


def test_the_schema_lists_the_api(live_server: LiveServer) -> None:
    assert {"POST /v1/ask", "POST /v1/feedback", "GET /v1/ab-report", "GET /healthz"} <= set(operations(live_server))


VALID, INVALID = GenerationMode.POSITIVE, GenerationMode.NEGATIVE


# GET operations take no parameters, so they have no invalid inputs to generate.
@pytest.mark.parametrize(
    ("label", "mode"),
    [
        ("POST /v1/ask", VALID), ("POST /v1/ask", INVALID), ("POST /v1/feedback", VALID),
        ("POST /v1/feedback", INVALID), ("GET /v1/ab-report", VALID), ("GET /v1/info", VALID),
    ],
)
def test_no_input_makes_the_server_fail(live_server: LiveServer, label: str, mode: GenerationMode) -> None:
    op = operations(live_server)[label]
    headers = {"Authorization": f"Bearer {live_server.keys['acme']}"}
    seen = {"calls": 0}

    @given(case=op.as_strategy(mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case: schemathesis.Case) -> None:
        seen["calls"] += 1
        response = case.call(base_url=live_server.url, headers=headers, timeout=60)
        assert response.status_code < 500, f"{label} -> {response.status_code}: {response.text[:300]}"
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body

    check()
    assert seen["calls"] > 0
