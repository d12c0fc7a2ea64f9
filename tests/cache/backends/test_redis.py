"""The Redis backend against a real redis-server; an outage degrades to misses with one warning."""

from __future__ import annotations

import logging

import pytest
from tests.cache.conftest import RedisServer, make_entry

from ragfort.cache.backends.redis import RedisBackend


def test_roundtrip_candidates_and_dependencies(redis_server: RedisServer) -> None:
    b = RedisBackend(redis_server.url)
    b.put(make_entry("k1", anchors=("x",), deps=("d1",)))
    b.put(make_entry("k2", anchors=("x",), deps=("d2",), ns="other"))
    got = b.get("k1")
    assert got is not None and got.answer.startswith("Devices")
    assert [e.key for e in b.candidates("ns", ["x"], limit=10)] == ["k1"]
    assert b.drop_documents(["d1"]) == 1
    assert b.get("k1") is None
    b.close()


def test_an_outage_is_a_miss_with_one_warning(redis_server: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    b = RedisBackend(redis_server.url, retry_s=0.0)
    b.put(make_entry("k1"))
    assert b.get("k1") is not None
    redis_server.kill()
    with caplog.at_level(logging.WARNING, logger="ragfort.cache"):
        for _ in range(5):
            assert b.get("k1") is None
            b.put(make_entry("k2"))
            assert b.candidates("ns", ["a1"], limit=5) == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "unavailable" in warnings[0].getMessage()
