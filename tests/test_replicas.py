"""Two ``ragfort serve`` replicas sharing Redis and a Chroma server behave as one service.

Real processes on loopback: a ``redis-server`` (no persistence), ``chroma
run`` holding the help center (ingested through the CLI), a fake
OpenAI-compatible LLM, and two ``ragfort serve`` processes with their own
data dirs and the same ``RAGFORT_REDIS_URL``, ``RAGFORT_CHROMA_URL`` and
vault key. What one replica learned, the other knows: cached answers (per
tenant), a customer's PII session, rate limits, trace ownership for feedback.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from tests.faults.procs import Chroma, FakeLLM, Redis, Serve, ingest, shared_policy, vault_key

from ragfort.pii.vault import VaultKeys
from ragfort.pii.vault_redis import RedisVault
from ragfort.server.keys import KeyStore

TENANTS = ("acme", "globex", "tiny")


@dataclass
class Replicas:
    a: Serve
    b: Serve
    keys: dict[str, str]
    redis: Redis
    vault_key: str


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    root = tmp_path_factory.mktemp("replicas")
    redis = Redis()
    chroma = Chroma(path=root / "chroma")
    llm = FakeLLM()
    servers: list[Serve] = []
    try:
        redis.start()
        chroma.start()
        llm.start()
        ingest(root / "ingest-home" / "index", env={"RAGFORT_CHROMA_URL": chroma.url})
        secret = vault_key()
        env = {
            "RAGFORT_REDIS_URL": redis.url,
            "RAGFORT_CHROMA_URL": chroma.url,
            "RAGFORT_VAULT_KEY": secret,
            "RAGFORT_AUTH": "on",
            "RAGFORT_RATE_LIMIT": json.dumps({"per_second": 1000, "burst": 1000}),
            "RAGFORT_TENANTS": json.dumps({"tiny": {"rate_limit": {"per_second": 0.01, "burst": 2}}}),
            "RAGFORT_LLM_BASE_URL": llm.base_url,
            "RAGFORT_LLM_MODEL": "fake-model",
        }
        policy = shared_policy(root / "shared_policy.yaml")
        # API keys are created once and the hash file copied to every replica (what the k8s example does).
        store = KeyStore(root / "a" / "keys.sqlite")
        keys = {t: store.create(t) for t in TENANTS}
        (root / "b").mkdir()
        shutil.copy(root / "a" / "keys.sqlite", root / "b" / "keys.sqlite")
        # Both index folders are named "index": that name picks the collection on the Chroma server.
        for name in ("a", "b"):
            servers.append(Serve(home=root / name, index=root / name / "index", env=env, policy=policy).launch())
        for server in servers:
            server.wait_ready()
        yield Replicas(servers[0], servers[1], keys, redis, secret)
    finally:
        for server in servers:
            server.kill()
        llm.stop()
        chroma.stop()
        redis.stop()


def ask(server: Serve, key: str, question: str, **extra: object) -> dict[str, object]:
    with server.client(key) as client:
        response = client.post("/v1/ask", json={"question": question, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_an_answer_cached_on_one_replica_is_an_exact_hit_on_the_other(replicas: Replicas) -> None:
    question = "How many days do I have to return a Voltwise phone?"
    first = ask(replicas.a, replicas.keys["acme"], question)
    assert first["cache"] == "miss" and first["status"] in ("ok", "redacted")
    again = ask(replicas.b, replicas.keys["acme"], question)
    assert again["cache"] == "exact_hit"
    assert again["answer"] == first["answer"] and again["citations"] == first["citations"]
    # Another tenant never sees acme's entry, on either replica.
    other = ask(replicas.b, replicas.keys["globex"], question)
    assert other["cache"] == "miss"


def test_a_pii_session_started_on_one_replica_continues_on_the_other(replicas: Replicas) -> None:
    key = replicas.keys["acme"]
    first = ask(replicas.a, key, "Hi, I am Margaret Thornbury. How long do refunds take?", session_id="sess-77")
    assert [r["placeholder"] for r in first["redactions"] if r["entity"] == "PERSON"] == ["<PERSON_1>"]
    assert "Margaret Thornbury" in str(first["answer"])  # the fake LLM addressed <PERSON_1>; restored for the owner

    # The mapping is in Redis, sealed: readable with the deployment's key, for this tenant and session only.
    vault = RedisVault(replicas.redis.url, keys=VaultKeys(base64.urlsafe_b64decode(replicas.vault_key)))
    assert {r.value for r in vault.load("acme", "sess-77")} >= {"Margaret Thornbury"}
    assert vault.load("globex", "sess-77") == []

    # Replica B continues the session. It knows Margaret is <PERSON_1> (from A, through Redis), so Tobias,
    # named first, gets <PERSON_2>; the fake LLM addresses the lowest placeholder, which B restores to A's
    # value. With a per-replica vault, Tobias would be <PERSON_1> and be the one addressed.
    second = ask(replicas.b, key, "I am Tobias Lindqvist, Margaret Thornbury's husband. How do I return a device?",
                 session_id="sess-77")  # fmt: skip
    placeholders = [r["placeholder"] for r in second["redactions"] if r["entity"] == "PERSON"]
    assert sorted(placeholders) == ["<PERSON_1>", "<PERSON_2>"]
    assert str(second["answer"]).startswith("Margaret Thornbury, "), second["answer"]
    # The same session id under another tenant is another session: nothing to restore there.
    third = ask(replicas.b, replicas.keys["globex"], "How do I return a device?", session_id="sess-77")
    assert "Margaret Thornbury" not in json.dumps(third)


def test_the_rate_limit_is_one_limit_for_all_replicas(replicas: Replicas) -> None:
    key = replicas.keys["tiny"]  # a burst of 2, then one request per 100 s
    statuses = []
    for server in (replicas.a, replicas.b, replicas.a):
        with server.client(key) as client:
            response = client.get("/v1/ab-report")
        statuses.append(response.status_code)
    assert statuses == [200, 200, 429]
    assert int(response.headers["Retry-After"]) >= 1


def test_feedback_reaches_any_replica(replicas: Replicas) -> None:
    key = replicas.keys["acme"]
    answer = ask(replicas.a, key, "How long does shipping take?")
    with replicas.b.client(key) as client:
        stored = client.post("/v1/feedback", json={"trace_id": answer["trace_id"], "rating": 1})
    assert stored.status_code == 201, stored.text
    with replicas.b.client(replicas.keys["globex"]) as client:
        hidden = client.post("/v1/feedback", json={"trace_id": answer["trace_id"], "rating": -1})
    assert hidden.status_code == 404  # another tenant's answer looks like no answer at all


def test_readiness_reports_the_shared_backends(replicas: Replicas) -> None:
    for server in (replicas.a, replicas.b):
        with server.client() as client:
            body = client.get("/readyz").json()
        assert body == {"status": "ready", "redis": "ok"}


def test_a_conversation_continues_on_the_other_replica_and_redis_never_holds_the_name(replicas: Replicas) -> None:
    import redis

    key = replicas.keys["acme"]
    session = "conv-replicas"
    name = "Ottoline Vexworth"
    first = ask(replicas.a, key, f"Hi, I am {name}. How do I turn on roaming?", session_id=session)
    assert [r["placeholder"] for r in first["redactions"] if r["entity"] == "PERSON"] == ["<PERSON_1>"]
    ask(replicas.b, key, "And how do I turn it off again?", session_id=session)

    # Replica B kept the exchange where A can read it: the conversation is one, whichever replica answers.
    with replicas.a.client(key) as client:
        kept = client.get(f"/v1/sessions/{session}")
    assert kept.status_code == 200, kept.text
    messages = kept.json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert "<PERSON_1>" in messages[0]["content"] and name not in kept.text

    # Every Redis key and value, read raw (cache, vault, rate limits, traces, histories): no name, no session id.
    client = redis.Redis.from_url(replicas.redis.url)
    history_keys = client.keys("ragfort:history:*")
    assert history_keys  # this conversation's, and the other tests' sessions
    dump = b"".join(client.keys("*"))
    for k in client.keys("*"):
        kind = client.type(k)
        if kind == b"list":
            dump += b"".join(client.lrange(k, 0, -1))
        elif kind == b"hash":
            dump += b"".join(b"".join(kv) for kv in client.hgetall(k).items())
        elif kind == b"string":
            dump += client.get(k) or b""
    for secret in (b"Ottoline", b"Vexworth", session.encode()):
        assert secret not in dump, secret
    # The history is sealed too: not even the (redacted) words of the conversation are readable.
    sealed = b"".join(b"".join(client.lrange(k, 0, -1)) for k in history_keys)
    assert sealed and b"roaming" not in sealed and b"PERSON" not in sealed

    # Erasure on B removes the history and the PII mapping that A wrote.
    vault = RedisVault(replicas.redis.url, keys=VaultKeys(base64.urlsafe_b64decode(replicas.vault_key)))
    assert name in {r.value for r in vault.load("acme", session)}
    with replicas.b.client(key) as c:
        assert c.delete(f"/v1/sessions/{session}").json()["had_history"] is True
    assert len(client.keys("ragfort:history:*")) == len(history_keys) - 1
    assert vault.load("acme", session) == []
    with replicas.a.client(key) as c:
        assert c.get(f"/v1/sessions/{session}").status_code == 404
