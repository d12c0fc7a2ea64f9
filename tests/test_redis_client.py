"""`connect`: one Redis client for every shared store, with short timeouts and the errors that mean "Redis is down".

(The throwaway, restartable redis-server comes from the fault tests' `redis` fixture.)
"""

from __future__ import annotations

import time

import pytest
from redis import exceptions
from tests.faults import conftest as faults_conftest
from tests.faults.procs import Redis, free_port

from ragfort.errors import ConfigError
from ragfort.redis_client import connect

redis = faults_conftest.redis  # the fixture: a throwaway redis-server per test


def test_the_client_talks_to_the_server(redis: Redis) -> None:
    client, errors = connect(redis.url, purpose="the test")
    try:
        assert client.ping()
        client.set("ragfort:test", b"value", ex=10)
        assert client.get("ragfort:test") == b"value"
        down = (exceptions.ConnectionError, exceptions.TimeoutError, ConnectionRefusedError, TimeoutError)
        assert all(issubclass(exc, errors) for exc in down)
    finally:
        client.close()


def test_a_server_that_went_away_is_one_of_the_errors_and_fails_fast(redis: Redis) -> None:
    client, errors = connect(redis.url, purpose="the test", timeout_s=0.25)
    assert client.ping()
    redis.stop()
    started = time.monotonic()
    with pytest.raises(errors):
        client.ping()
    assert time.monotonic() - started < 2.0  # no client-side retries
    client.close()


def test_nothing_listening_is_one_of_the_errors() -> None:
    client, errors = connect(f"redis://127.0.0.1:{free_port()}/0", purpose="the test")
    with pytest.raises(errors):
        client.get("anything")


@pytest.mark.parametrize("url", ["localhost:6379", "http://cache:6379", "", "redis//x"])
def test_a_url_that_is_not_a_redis_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="must be a redis:// URL"):
        connect(url, purpose="the test")


@pytest.mark.parametrize("url", ["redis://127.0.0.1:1/0", "rediss://cache.example:6380/1", "unix:///run/redis.sock"])
def test_every_redis_url_scheme_builds_a_client_without_connecting(url: str) -> None:
    client, _ = connect(url, purpose="the test")
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["socket_timeout"], kwargs["socket_connect_timeout"]) == (0.25, 0.25)
    assert kwargs["retry_on_timeout"] is False
