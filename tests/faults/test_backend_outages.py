"""Redis and the Chroma server go away mid-traffic and come back: the service keeps answering what it can.

One real ``ragfort serve`` on a Chroma server index, with the cache, the PII
vault and rate limits on Redis. While Redis is down: answers keep coming
(the cache misses, one warning), requests that need a session's PII mapping
get 503 + Retry-After (fail closed), rate limits go local. While the Chroma
server is down: ``/readyz`` is 503, uncached questions get 503 +
Retry-After, cached answers are still served. After each restart the
service recovers by itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from tests.faults.procs import Chroma, Redis, Serve, ingest, log_events, shared_policy, vault_key

from ragfort.index.backends import MANIFEST_POLL_S

RECOVERY_S = 60.0  # bounded waits for a restarted backend to be noticed (the retry window is 5 s)


@dataclass
class Stack:
    redis: Redis
    chroma: Chroma
    serve: Serve


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("outages")
    redis, chroma = Redis(), Chroma(path=root / "chroma")
    serve: Serve | None = None
    try:
        redis.start()
        chroma.start()
        ingest(root / "ingest" / "index", env={"RAGFORT_CHROMA_URL": chroma.url})
        env = {
            "RAGFORT_REDIS_URL": redis.url,
            "RAGFORT_CHROMA_URL": chroma.url,
            "RAGFORT_VAULT_KEY": vault_key(),
            "RAGFORT_AUTH": "off",
        }
        serve = Serve(home=root / "home", index=root / "home" / "index", env=env,
                      policy=shared_policy(root / "policy.yaml")).start()  # fmt: skip
        yield Stack(redis, chroma, serve)
    finally:
        if serve is not None:
            serve.kill()
        chroma.stop()
        redis.stop()


def post(stack: Stack, question: str, **extra: object) -> httpx.Response:
    with stack.serve.client(timeout_s=60) as client:
        return client.post("/v1/ask", json={"question": question, **extra})


def eventually(check: Callable[[], bool], *, timeout_s: float = RECOVERY_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(1.0)
    return False


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "backend_unavailable"
    assert int(response.headers["Retry-After"]) >= 1


def test_redis_stopped_mid_traffic_and_restarted(stack: Stack) -> None:
    question = "How many days do I have to return a Voltwise phone?"
    assert post(stack, question).json()["cache"] == "miss"
    assert post(stack, question).json()["cache"] == "exact_hit"

    stack.redis.stop()
    for q in (question, "How long does shipping take?", question):
        response = post(stack, q)
        assert response.status_code == 200, response.text
        assert response.json()["cache"] == "miss"  # degraded to no cache, still answered
        assert response.json()["status"] in ("ok", "redacted")
    # A session needs its PII mapping; without the vault the request is refused, never sent unredacted.
    assert_unavailable(post(stack, "I am Margaret Thornbury, where is my refund?", session_id="s-1"))
    assert_unavailable(post(stack, "I am Margaret Thornbury, where is my refund?", session_id="s-1", stream=True))
    with stack.serve.client() as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["redis"] == "down"  # Redis alone never pulls a replica out
    log = stack.serve.log()
    assert log_events(log, "Redis cache unavailable") == 1
    assert log_events(log, "Redis unavailable for rate limits") == 1

    stack.redis.start()  # same port, empty (no persistence)

    def cache_works() -> bool:
        return post(stack, question).json()["cache"] == "exact_hit"

    assert eventually(cache_works)
    response = post(stack, "I am Margaret Thornbury, where is my refund?", session_id="s-1")
    assert response.status_code == 200
    assert "Margaret Thornbury" not in str(response.json()["redactions"])
    assert "Traceback" not in stack.serve.log()


def test_the_chroma_server_goes_away_and_comes_back(stack: Stack) -> None:
    cached = "How long does shipping take?"
    assert eventually(lambda: post(stack, cached).json()["cache"] == "exact_hit")

    stack.chroma.stop()
    with stack.serve.client() as client:
        assert eventually(lambda: client.get("/readyz").status_code == 503, timeout_s=10)
        ready = client.get("/readyz")
    assert_unavailable(ready)
    assert_unavailable(post(stack, "Can I change my plan in the middle of the month?"))
    assert_unavailable(post(stack, "Do you ship to Canada?", stream=True))
    # The cache sits before retrieval: what was answered before is still answered, also after
    # the replica's manifest poll comes due while the server is away (the cache keys on the
    # index version; the last manifest read stays in use).
    time.sleep(MANIFEST_POLL_S + 0.5)
    response = post(stack, cached)
    assert response.status_code == 200, response.text
    assert response.json()["cache"] == "exact_hit"
    assert log_events(stack.serve.log(), "cannot re-read the manifest") >= 1

    stack.chroma.start()  # same port, same data
    with stack.serve.client() as client:
        assert eventually(lambda: client.get("/readyz").status_code == 200)
    response = post(stack, "Can I change my plan in the middle of the month?")
    assert response.status_code == 200, response.text
    assert response.json()["citations"] or response.json()["status"] == "abstained"
    assert "Traceback" not in stack.serve.log()
