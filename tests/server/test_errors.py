"""Every status and error code that docs/service.md documents is the one the API returns, in the one error shape."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from tests.server.conftest import LiveServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "service.md"
_ROW = re.compile(r"^\|\s*(\d{3})\s*\|\s*`([a-z_]+)`\s*\|(.*)\|\s*$")


def documented() -> list[tuple[int, str]]:
    """The (status, code) rows of the error table in docs/service.md."""
    rows = [
        (int(m.group(1)), m.group(2))
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if (m := _ROW.match(line))
    ]
    assert len(rows) >= 8, f"the error table of {DOC} was not found or changed shape"
    return rows


Trigger = Callable[[LiveServer], httpx.Response]


def _post(server: LiveServer, tenant: str | None, **kwargs: object) -> httpx.Response:
    with server.client(tenant) as c:
        return c.post("/v1/ask", **kwargs)  # type: ignore[arg-type]


def _rate_limited(server: LiveServer) -> httpx.Response:
    # The "tiny" tenant has a burst of two; other tests may have spent it already.
    with server.client("tiny") as c:
        for _ in range(3):
            r = c.post("/v1/feedback", json={"trace_id": "nope", "rating": 1})
            if r.status_code == 429:
                break
    return r


def _not_ready(server: LiveServer) -> httpx.Response:
    # A fresh app whose start-up (model loading) has not run: every answer waits for it.
    from ragfort.server.app import create_app
    from ragfort.server.settings import ServerSettings

    settings = ServerSettings(
        index=str(server.data_dir.parent / "missing-index"), policy="passthrough", data_dir=str(server.data_dir),
        auth="off",
    )  # fmt: skip

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post("/v1/ask", json={"question": "hi"})

    return asyncio.run(ask())


TRIGGERS: dict[tuple[int, str], Trigger] = {
    (400, "bad_request"): lambda s: _post(s, "acme", json={"question": "   "}),
    (400, "malformed_json"): lambda s: _post(
        s, "acme", content=b'{"question": ', headers={"Content-Type": "application/json"}
    ),
    (401, "unauthorized"): lambda s: _post(s, None, json={"question": "hi"}),
    (404, "not_found"): lambda s: httpx.get(f"{s.url}/v1/nope", timeout=30),
    (405, "method_not_allowed"): lambda s: httpx.get(f"{s.url}/v1/ask", timeout=30),
    (413, "payload_too_large"): lambda s: _post(s, "acme", json={"question": "x" * 20_000}),
    (422, "validation_error"): lambda s: _post(s, "acme", json={"question": ""}),
    (429, "rate_limited"): _rate_limited,
    (503, "not_ready"): _not_ready,
}
# Rows that need a broken backend or chain, each asserted by the test file named.
ELSEWHERE: dict[tuple[int, str], str] = {
    (503, "backend_unavailable"): "tests/faults/test_backend_outages.py",
    (500, "internal"): "tests/server/test_errors.py::test_a_chain_fault_is_500_internal",
}


def test_every_documented_error_is_triggered_here_or_named_elsewhere() -> None:
    assert set(documented()) == set(TRIGGERS) | set(ELSEWHERE)
    root = DOC.parents[1]
    for (_, code), where in ELSEWHERE.items():
        assert code in (root / where.split("::")[0]).read_text(encoding="utf-8"), where


@pytest.mark.parametrize(("status", "code"), sorted(TRIGGERS))
def test_the_documented_status_and_code_is_what_the_api_returns(
    live_server: LiveServer, status: int, code: str
) -> None:
    assert (status, code) in documented()
    response = TRIGGERS[(status, code)](live_server)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code and body["error"]["message"]


def test_a_chain_fault_is_500_internal(help_center_index: Path, tmp_path: Path) -> None:
    import json
    import shutil

    from fastapi.testclient import TestClient

    from ragfort.server.app import create_app
    from ragfort.server.settings import ServerSettings

    index = tmp_path / "index"
    shutil.copytree(help_center_index, index)
    settings = ServerSettings(index=str(index), policy="passthrough", data_dir=str(tmp_path), auth="off", warmup=False)
    with TestClient(create_app(settings), client=("127.0.0.1", 50000)) as client:
        assert client.post("/v1/ask", json={"question": "How do I turn on roaming?"}).status_code == 200
        # An index rewritten under the service by an incompatible ragfort: a fault of ours, not an outage.
        manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
        (index / "manifest.json").write_text(json.dumps({**manifest, "schema_version": 99}), encoding="utf-8")
        response = client.post("/v1/ask", json={"question": "How do I turn off roaming?"})
    assert response.status_code == 500, response.text
    assert response.json() == {"error": {"code": "internal", "message": "the request could not be answered"}}
