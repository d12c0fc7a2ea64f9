"""The PII vault on Redis: sealed like SQLite, isolated, expiring, and failing closed when Redis is gone.

(The throwaway redis-server comes from the fault tests' `redis` fixture.)
"""

from __future__ import annotations

import pytest
from tests.faults import conftest as faults_conftest
from tests.faults.procs import Redis, free_port

from ragfort.errors import BackendError, ConfigError
from ragfort.pii.vault import VaultKeys, VaultRecord, open_vault
from ragfort.pii.vault_redis import RedisVault

SECRET = "Margaret Thornbury"
redis = faults_conftest.redis  # the fixture: a throwaway redis-server per test


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keys() -> VaultKeys:
    return VaultKeys(b"k" * 32)


def test_round_trip_is_isolated_by_tenant_and_session(redis: Redis, keys: VaultKeys) -> None:
    vault = RedisVault(redis.url, keys=keys)
    record = VaultRecord("<PERSON_1>", "PERSON", SECRET, from_customer=True)
    vault.save("acme", "s1", [record], ttl_s=60)
    assert vault.load("acme", "s1") == [record]
    assert vault.load("acme", "s2") == []
    assert vault.load("globex", "s1") == []
    # A second replica (another client, same key) sees the same session.
    assert RedisVault(redis.url, keys=keys).load("acme", "s1") == [record]
    # Another deployment's key cannot read it.
    assert RedisVault(redis.url, keys=VaultKeys(b"x" * 32)).load("acme", "s1") == []


def test_redis_holds_no_value_tenant_or_session_in_clear(redis: Redis, keys: VaultKeys) -> None:
    import redis as redis_py

    RedisVault(redis.url, keys=keys).save(
        "acme", "session-42", [VaultRecord("<PERSON_1>", "PERSON", SECRET)], ttl_s=60
    )
    client = redis_py.Redis.from_url(redis.url)
    dump = b"".join(k + b"".join(f + v for f, v in client.hgetall(k).items()) for k in client.keys("*"))
    for clear in (SECRET, "acme", "session-42"):
        assert clear.encode() not in dump
    (key,) = client.keys("*")
    assert key.startswith(b"ragfort:vault:")
    assert 0 < client.ttl(key) <= 60  # Redis forgets the session by itself


def test_each_record_expires_on_its_own_clock(redis: Redis, keys: VaultKeys) -> None:
    clock = Clock()
    vault = RedisVault(redis.url, keys=keys, clock=clock)
    vault.save("acme", "s1", [VaultRecord("<PERSON_1>", "PERSON", SECRET)], ttl_s=60)
    clock.now += 50
    vault.save("acme", "s1", [VaultRecord("<EMAIL_ADDRESS_1>", "EMAIL_ADDRESS", "m@example.org")], ttl_s=60)
    clock.now += 20
    assert [r.placeholder for r in vault.load("acme", "s1")] == ["<EMAIL_ADDRESS_1>"]


def test_purge_forgets_the_session(redis: Redis, keys: VaultKeys) -> None:
    vault = RedisVault(redis.url, keys=keys)
    vault.save("acme", "s1", [VaultRecord("<PERSON_1>", "PERSON", SECRET)], ttl_s=60)
    vault.purge("acme", "s1")
    assert vault.load("acme", "s1") == []


def test_an_outage_is_a_backend_error_naming_no_session(redis: Redis, keys: VaultKeys) -> None:
    vault = RedisVault(redis.url, keys=keys)
    redis.stop()
    with pytest.raises(BackendError, match="vault on Redis is unreachable") as err:
        vault.load("acme", "session-42")
    assert "session-42" not in str(err.value) and "acme" not in str(err.value)
    with pytest.raises(BackendError):
        vault.save("acme", "s1", [VaultRecord("<PERSON_1>", "PERSON", SECRET)], ttl_s=60)
    redis.start()  # same port: the next call reconnects
    vault.save("acme", "s1", [VaultRecord("<PERSON_1>", "PERSON", SECRET)], ttl_s=60)
    assert len(vault.load("acme", "s1")) == 1


def test_a_bad_url_is_a_config_error(keys: VaultKeys) -> None:
    with pytest.raises(ConfigError, match="redis:// URL"):
        RedisVault("http://127.0.0.1:6379", keys=keys)


def test_open_vault_by_name(redis: Redis, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("RAGFORT_VAULT_KEY", "a" * 43 + "=")
    monkeypatch.delenv("RAGFORT_REDIS_URL", raising=False)
    with pytest.raises(ConfigError, match="RAGFORT_REDIS_URL is not set"):
        open_vault("redis", path=f"{tmp_path}/v1/vault.sqlite")
    assert type(open_vault("auto", path=f"{tmp_path}/v2/vault.sqlite")).__name__ == "SQLiteVault"
    monkeypatch.setenv("RAGFORT_REDIS_URL", redis.url)
    assert isinstance(open_vault("auto", path=f"{tmp_path}/v3/vault.sqlite"), RedisVault)
    with pytest.raises(ConfigError, match="unknown vault backend 'etcd'"):
        open_vault("etcd")


def test_an_unreachable_port_fails_fast_and_closed(keys: VaultKeys) -> None:
    vault = RedisVault(f"redis://127.0.0.1:{free_port()}/0", keys=keys, timeout_s=0.2)
    with pytest.raises(BackendError):
        vault.load("acme", "s1")
