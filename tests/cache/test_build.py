"""Building a cache from its settings (the backend registry), and dropping the answers of changed documents from
the store a policy names, as ``ragfort ingest`` does from another process."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from tests.faults.procs import free_port

from ragfort import paths
from ragfort.cache import BACKENDS, AnswerCache, CacheSettings, MemoryBackend, SQLiteBackend, build_cache
from ragfort.cache.backends.redis import RedisBackend
from ragfort.cache.build import drop_cached_documents
from ragfort.cache.store import dependency
from ragfort.errors import ConfigError

from .conftest import RedisServer, make_entry

RULES_ONLY = {"semantic": {"equivalence_judge": False}}  # no judge to load: these tests are about the stores


def _settings(**section: Any) -> CacheSettings:
    return CacheSettings.model_validate(RULES_ONLY | section)


def test_every_backend_a_policy_can_name_is_registered() -> None:
    assert set(BACKENDS) == {"memory", "sqlite", "redis"}


def test_a_memory_cache_gets_the_policys_bound_and_ttls() -> None:
    cache = build_cache(_settings(backend="memory", max_entries=7, ttl_s=60, stale_grace_s=5))
    assert isinstance(cache, AnswerCache) and isinstance(cache.backend, MemoryBackend)
    assert (cache.backend.max_entries, cache.ttl_s, cache.stale_grace_s) == (7, 60, 5)
    assert cache.gate is None


def test_a_sqlite_cache_lives_at_its_path_or_in_the_data_dir(tmp_path: Path) -> None:
    cache = build_cache(_settings(backend="sqlite", path=str(tmp_path / "mine.sqlite"), max_entries=3))
    assert isinstance(cache.backend, SQLiteBackend) and cache.backend.max_entries == 3
    cache.put(make_entry("k1"))
    cache.close()
    assert (tmp_path / "mine.sqlite").is_file()
    setting = paths.configure(home=tmp_path / "home")
    try:
        default = build_cache(_settings(backend="sqlite"))
    finally:
        paths.release(setting)
    assert isinstance(default.backend, SQLiteBackend) and default.backend.path == tmp_path / "home" / "cache.sqlite"
    default.close()


def test_a_redis_cache_needs_a_url(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAGFORT_REDIS_URL", raising=False)
    with pytest.raises(ConfigError, match=r"neither cache\.redis_url nor RAGFORT_REDIS_URL"):
        build_cache(_settings(backend="redis"))
    monkeypatch.setenv("RAGFORT_REDIS_URL", redis_server.url)
    cache = build_cache(_settings(backend="redis"))
    assert isinstance(cache.backend, RedisBackend)
    cache.put(make_entry("k1"))
    assert cache.exact("k1", "ns") is not None
    cache.close()


@pytest.fixture(params=["sqlite", "redis"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> CacheSettings:
    """Settings of a store another process can reach."""
    if request.param == "sqlite":
        return _settings(backend="sqlite", path=str(tmp_path / "cache.sqlite"))
    server: RedisServer = request.getfixturevalue("redis_server")
    return _settings(backend="redis", redis_url=server.url)


def test_another_process_drops_the_answers_of_changed_documents(shared: CacheSettings) -> None:
    serving = build_cache(shared)
    serving.put(make_entry("k-returns", deps=(dependency("returns.md"),)))
    serving.put(make_entry("k-both", ns="tenant-b", deps=(dependency("returns.md"), dependency("shipping.md"))))
    serving.put(make_entry("k-shipping", deps=(dependency("shipping.md"),)))
    assert drop_cached_documents(shared, []) == 0
    assert drop_cached_documents(shared, ["returns.md", "warranty.md"]) == 2
    where = {"k-returns": "ns", "k-both": "tenant-b", "k-shipping": "ns"}
    assert [key for key, ns in where.items() if serving.exact(key, ns) is not None] == ["k-shipping"]
    serving.close()


def test_an_unreachable_redis_drops_nothing_and_raises_nothing(caplog: pytest.LogCaptureFixture) -> None:
    settings = _settings(backend="redis", redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.WARNING, logger="ragfort.cache"):
        assert drop_cached_documents(settings, ["returns.md"]) == 0
    assert any("unavailable" in r.getMessage() for r in caplog.records)


def test_dropping_never_creates_a_store(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "cache.sqlite"
    assert drop_cached_documents(CacheSettings(backend="sqlite", path=str(missing)), ["refunds.md"]) == 0
    assert not missing.exists() and not missing.parent.exists()
    # A memory cache belongs to the process serving from it: nothing to reach from an ingest.
    assert drop_cached_documents(CacheSettings(backend="memory"), ["refunds.md"]) == 0
