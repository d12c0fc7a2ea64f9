"""A real support-agent server for the HTTP tests: uvicorn on 127.0.0.1, a free port, a background thread.

One server (models and index loaded once) serves every test module in this
folder. Its tenants:

* ``acme`` and ``globex``: the default policy, for auth and isolation tests;
* ``tiny``: a rate limit of two requests (then one per ~100 s);
* ``abtest``: a policy with two A/B variants (``a`` = the base, ``b`` = a
  smaller latency budget).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from ragfort.server.metrics import Metrics

AB_POLICY = {
    "name": "ab_support",
    "budget": {"total_ms": 3000, "generation_ms": 2000},
    "guards": {"input": [{"guard": "question_length", "max_chars": 2000}]},
    "variants": [
        {"name": "a", "share": 0.5},
        {"name": "b", "share": 0.5, "overrides": {"budget": {"total_ms": 2500}}},
    ],
}


@dataclass
class LiveServer:
    """A running server and the credentials the tests use."""

    url: str
    data_dir: Path
    keys: dict[str, str]

    def client(self, tenant: str | None = None, **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[tenant]}"} if tenant else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60.0, **kwargs)  # type: ignore[arg-type]


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


# Package scope: the server stops after this folder's tests, and with it the data dir and Redis URL its
# runtime set in `ragfort.paths` for this process (later tests find theirs through RAGFORT_HOME again).
@pytest.fixture(scope="package")
def live_server(help_center_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    import uvicorn

    from ragfort.server.app import create_app
    from ragfort.server.keys import KeyStore
    from ragfort.server.settings import ServerSettings

    data = tmp_path_factory.mktemp("server-data")
    policy_file = data / "ab_support.yaml"
    policy_file.write_text(yaml.safe_dump(AB_POLICY), encoding="utf-8")
    store = KeyStore(data / "keys.sqlite")
    keys = {t: store.create(t) for t in ("acme", "globex", "tiny", "abtest")}
    settings = ServerSettings(
        index=str(help_center_index),
        policy="support_agent",
        data_dir=str(data),
        auth="on",
        max_body_bytes=16 * 1024,
        rate_limit={"per_second": 1000, "burst": 1000},
        tenants={
            "tiny": {"rate_limit": {"per_second": 0.01, "burst": 2}},
            "abtest": {"policy": str(policy_file)},
        },
    )
    app = create_app(settings)
    sock = _free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # loading models on a busy 2-core machine
    ready = False
    while time.monotonic() < deadline and thread.is_alive():
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                ready = True
                break
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    if not ready:
        server.should_exit = True
        thread.join(timeout=10)
        pytest.fail("the server did not become ready")
    try:
        yield LiveServer(url=url, data_dir=data, keys=keys)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def metric_value(metrics: Metrics, name: str, **labels: str) -> float | None:
    """The sample `name` with exactly `labels` in `metrics`' rendered exposition (None when absent)."""
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return None
