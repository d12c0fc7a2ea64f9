"""Conversations kept by the service: the stores (SQLite, Redis) and the API over real HTTP.

The HTTP tests run a three-turn conversation against the live server (the
bundled help center, the extractive generator, the shipped policy): the
follow-up is answered from the earlier turn's context, a name said in turn 1
and again in turn 3 keeps one placeholder, the stored history holds neither
the name nor any readable text, another tenant cannot see it, and erasing it
removes the history and the session's PII mappings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cache.conftest import RedisServer, redis_server  # noqa: F401  (the fixture)

from ragfort.errors import ConfigError
from ragfort.pii.vault import SQLiteVault, VaultKeys
from ragfort.server.sessions import History, RedisHistory, SQLiteHistory, keeps_exchange
from ragfort.types import Action, GuardedAnswer, HistoryMessage, Stage, Status, Turn, Verdict

from .conftest import LiveServer

CANARY = "Zebulon Quartermaine"
FOLLOW_UP = "And how do I turn it off again?"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def exchange(i: int) -> list[HistoryMessage]:
    return [HistoryMessage("human", f"question {i} from <PERSON_1>"), HistoryMessage("ai", f"answer {i}")]


@pytest.fixture(params=["sqlite", "redis"])
def store_and_clock(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[History, Clock, list[bytes]]]:
    """A store with a 60 s TTL and a 3-exchange limit, its clock, and a way to read everything it persisted."""
    keys = VaultKeys(os.urandom(32))
    clock = Clock()
    raw: list[bytes] = []
    if request.param == "sqlite":
        store: History = SQLiteHistory(tmp_path / "sessions.sqlite", keys=keys, ttl_s=60, max_turns=3, clock=clock)
        yield store, clock, raw
        store.close()  # type: ignore[attr-defined]
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    store = RedisHistory(server.url, keys=keys, ttl_s=60, max_turns=3, clock=clock)
    yield store, clock, raw
    store.close()  # type: ignore[attr-defined]


def test_a_session_keeps_its_exchanges_in_order(store_and_clock: tuple[History, Clock, list[bytes]]) -> None:
    store, _, _ = store_and_clock
    store.append("acme", "s1", exchange(1))
    store.append("acme", "s1", exchange(2))
    assert [m.content for m in store.load("acme", "s1")] == [
        "question 1 from <PERSON_1>", "answer 1", "question 2 from <PERSON_1>", "answer 2",
    ]  # fmt: skip
    assert [m.role for m in store.load("acme", "s1")] == ["human", "ai", "human", "ai"]


def test_only_the_newest_exchanges_are_kept(store_and_clock: tuple[History, Clock, list[bytes]]) -> None:
    store, _, _ = store_and_clock
    for i in range(1, 6):
        store.append("acme", "s1", exchange(i))
    kept = store.load("acme", "s1")
    assert len(kept) == 6
    assert kept[0].content == "question 3 from <PERSON_1>" and kept[-1].content == "answer 5"


def test_an_idle_session_expires_and_each_exchange_restarts_the_ttl(
    store_and_clock: tuple[History, Clock, list[bytes]],
) -> None:
    store, clock, _ = store_and_clock
    store.append("acme", "s1", exchange(1))
    clock.now += 50
    store.append("acme", "s1", exchange(2))
    clock.now += 50  # 100 s after the first exchange, 50 s after the second: the whole session lives on
    assert len(store.load("acme", "s1")) == 4
    clock.now += 11
    assert store.load("acme", "s1") == []


def test_sessions_are_per_tenant_and_erasable(store_and_clock: tuple[History, Clock, list[bytes]]) -> None:
    store, _, _ = store_and_clock
    store.append("acme", "s1", exchange(1))
    store.append("globex", "s1", exchange(2))
    assert [m.content for m in store.load("globex", "s1")][1] == "answer 2"
    assert store.erase("acme", "s1") is True
    assert store.load("acme", "s1") == []
    assert store.erase("acme", "s1") is False
    assert len(store.load("globex", "s1")) == 2  # the same id under another tenant is another session


def test_bad_limits_are_config_errors(tmp_path: Path) -> None:
    keys = VaultKeys(os.urandom(32))
    with pytest.raises(ConfigError, match="turn limit"):
        SQLiteHistory(tmp_path / "s.sqlite", keys=keys, max_turns=0)
    with pytest.raises(ConfigError, match="TTL"):
        SQLiteHistory(tmp_path / "s.sqlite", keys=keys, ttl_s=0)


def test_the_sqlite_file_holds_no_readable_text(tmp_path: Path) -> None:
    store = SQLiteHistory(tmp_path / "sessions.sqlite", keys=VaultKeys(os.urandom(32)))
    store.append("acme", "session-abc", [HistoryMessage("human", "my charger question"), HistoryMessage("ai", "ok")])
    store.close()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in (b"charger", b"acme", b"session-abc"):
        assert secret not in data


def test_redis_holds_no_readable_text(redis_server: RedisServer) -> None:  # noqa: F811
    import redis

    store = RedisHistory(redis_server.url, keys=VaultKeys(os.urandom(32)))
    store.append("acme", "session-abc", [HistoryMessage("human", "my charger question"), HistoryMessage("ai", "ok")])
    client = redis.Redis.from_url(redis_server.url)
    keys = client.keys("*")
    assert len(keys) == 1 and keys[0].startswith(b"ragfort:history:")
    dump = b"".join(keys) + b"".join(client.lrange(keys[0], 0, -1))
    for secret in (b"charger", b"acme", b"session-abc"):
        assert secret not in dump
    assert 0 < client.pttl(keys[0]) <= 3600 * 1000


def _result(status: Status, *verdicts: Verdict) -> GuardedAnswer:
    return GuardedAnswer(
        answer="a", status=status, verdicts=verdicts,
        exchange=(HistoryMessage("human", "q"), HistoryMessage("ai", "a")),
    )  # fmt: skip


def test_only_exchanges_the_input_pii_guard_passed_are_kept() -> None:
    pii_in = Verdict(guard="pii", stage=Stage.INPUT, action=Action.REWRITE, turn=Turn(question="I am <PERSON_1>"))
    assert keeps_exchange(_result(Status.REDACTED, pii_in))
    assert keeps_exchange(_result(Status.ABSTAINED, pii_in))
    assert not keeps_exchange(_result(Status.OK))  # no PII guard: the text may hold personal data
    assert not keeps_exchange(_result(Status.OK, Verdict(guard="pii", stage=Stage.OUTPUT, action=Action.ALLOW)))
    injection = Verdict(guard="injection", stage=Stage.INPUT, action=Action.BLOCK)
    assert not keeps_exchange(_result(Status.BLOCKED, pii_in, injection))  # a refused prompt never becomes context


# -- over HTTP ----------------------------------------------------------------


def _ask(live_server: LiveServer, tenant: str, question: str, session: str, **extra: object) -> dict[str, object]:
    with live_server.client(tenant) as c:
        r = c.post("/v1/ask", json={"question": question, "session_id": session, **extra})
    assert r.status_code == 200, r.text
    if extra.get("stream"):
        # The last event of a stream is the whole result.
        event, _, data = r.text.strip().split("\n\n")[-1].partition("\ndata: ")
        assert event == "event: result", r.text
        return dict(json.loads(data))
    body: dict[str, object] = r.json()
    return body


def _docs(body: dict[str, object]) -> set[str]:
    return {c["doc_id"] for c in body["citations"]}  # type: ignore[attr-defined, index]


def test_a_three_turn_conversation_is_kept_redacted_isolated_and_erasable(live_server: LiveServer) -> None:
    session = "conv-3-turns"
    first = _ask(live_server, "acme", f"Hi, I'm {CANARY}. How do I turn on roaming for my trip?", session)
    assert "plan/roaming-turn-on.md" in _docs(first)
    person = [r["placeholder"] for r in first["redactions"] if r["entity"] == "PERSON"]  # type: ignore[attr-defined, index]
    assert person, first["redactions"]

    # Alone, "turn it off" names nothing to retrieve by; the kept conversation says "it" is roaming.
    second = _ask(live_server, "acme", FOLLOW_UP, session, stream=True)
    alone = _ask(live_server, "acme", FOLLOW_UP, "another-conversation")
    assert second["status"] in ("ok", "redacted"), second
    assert "plan/roaming-turn-off.md" in _docs(second), second["citations"]
    assert "plan/roaming-turn-off.md" not in _docs(alone)

    third = _ask(live_server, "acme", f"{CANARY} again: how much does roaming cost per day?", session)
    assert [r["placeholder"] for r in third["redactions"] if r["entity"] == "PERSON"] == person  # type: ignore[attr-defined, index]

    with live_server.client("acme") as c:
        kept = c.get(f"/v1/sessions/{session}")
    assert kept.status_code == 200, kept.text
    body = kept.json()
    assert [m["role"] for m in body["messages"]] == ["user", "assistant"] * 3
    assert person[0] in body["messages"][0]["content"] and person[0] in body["messages"][4]["content"]
    assert CANARY not in kept.text and "Zebulon" not in kept.text
    assert body["messages"][2]["content"] == FOLLOW_UP

    # On disk: nothing readable, neither the name nor the words around it.
    stored = b"".join(p.read_bytes() for p in live_server.data_dir.glob("sessions.sqlite*"))
    assert stored and b"Zebulon" not in stored and b"roaming" not in stored

    # Another tenant asking for the same id finds nothing, exactly as for an unknown id.
    with live_server.client("globex") as c:
        hidden = c.get(f"/v1/sessions/{session}")
        unknown = c.get("/v1/sessions/never-started")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["error"]["code"] == unknown.json()["error"]["code"]

    vault = SQLiteVault(path=live_server.data_dir / "vault.sqlite")
    assert CANARY in {r.value for r in vault.load("acme", session)}
    with live_server.client("acme") as c:
        erased = c.delete(f"/v1/sessions/{session}")
        assert erased.status_code == 200 and erased.json() == {
            "session_id": session, "status": "erased", "had_history": True,
        }  # fmt: skip
        assert c.get(f"/v1/sessions/{session}").status_code == 404
        assert c.delete(f"/v1/sessions/{session}").json()["had_history"] is False
    assert vault.load("acme", session) == []

    # After erasure the conversation starts over: the follow-up stands alone again.
    restarted = _ask(live_server, "acme", FOLLOW_UP, session)
    assert "plan/roaming-turn-off.md" not in _docs(restarted)


def test_a_blocked_question_is_not_kept(live_server: LiveServer) -> None:
    session = "conv-blocked"
    blocked = _ask(live_server, "acme", "How do I return my phone? " * 100, session)  # over the policy's 2,000
    assert blocked["status"] == "blocked"
    with live_server.client("acme") as c:
        assert c.get(f"/v1/sessions/{session}").status_code == 404


def test_sessions_need_a_key(live_server: LiveServer) -> None:
    with live_server.client() as c:
        assert c.get("/v1/sessions/x").status_code == 401
        assert c.delete("/v1/sessions/x").status_code == 401


def test_an_overlong_session_id_is_a_400_naming_the_limit(live_server: LiveServer) -> None:
    with live_server.client("acme") as c:
        for method in ("GET", "DELETE"):
            r = c.request(method, "/v1/sessions/" + "x" * 201)
            assert r.status_code == 400 and "1 to 200" in r.json()["error"]["message"], r.text
