"""`Runtime.load` points the stores at the server's data dir and Redis URL through `ragfort.paths`, not os.environ."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ragfort import paths
from ragfort.cache.settings import CacheSettings
from ragfort.pii.vault import SQLiteVault
from ragfort.server.runtime import Runtime
from ragfort.server.settings import ServerSettings
from ragfort.server.traces import TenantTraceSink

REDIS_URL = "redis://127.0.0.1:1/0"  # never connected to here


def test_the_data_dir_and_redis_url_reach_the_stores_without_the_environment(
    help_center_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAGFORT_HOME", raising=False)
    monkeypatch.delenv("RAGFORT_REDIS_URL", raising=False)
    data = tmp_path / "data"
    settings = ServerSettings(
        index=str(help_center_index), policy="passthrough", data_dir=str(data), redis_url=REDIS_URL, warmup=False
    )
    runtime = Runtime(settings, TenantTraceSink(data / "traces"))
    before = dict(os.environ)
    # Whatever applies now (the default, or the live server of other tests) applies again after close().
    home, shared, backend = paths.data_dir(), paths.redis_url(), CacheSettings(backend="auto").backend
    runtime.load()
    try:
        assert dict(os.environ) == before
        assert paths.data_dir() == data.resolve()
        assert paths.redis_url() == REDIS_URL
        # What the PII guard's vault and the cache resolve when the policy names no location.
        vault = SQLiteVault()
        try:
            assert vault.path == data.resolve() / "vault.sqlite"
        finally:
            vault.close()
        assert (data.resolve() / "vault.key").is_file()
        assert CacheSettings(backend="auto").backend == "redis"
    finally:
        runtime.close()
    assert (paths.data_dir(), paths.redis_url(), CacheSettings(backend="auto").backend) == (home, shared, backend)
    assert dict(os.environ) == before


def test_a_runtime_that_is_closed_gives_the_setting_back_to_the_one_before(
    help_center_index: Path, tmp_path: Path
) -> None:
    before = paths.data_dir()
    outer = paths.configure(home=tmp_path / "outer")
    try:
        settings = ServerSettings(
            index=str(help_center_index), policy="passthrough", data_dir=str(tmp_path / "inner"), warmup=False,
            redis_url=None,
        )
        runtime = Runtime(settings, TenantTraceSink(tmp_path / "inner" / "traces"))
        runtime.load()
        assert paths.data_dir() == (tmp_path / "inner").resolve()
        runtime.close()
        runtime.close()  # idempotent
        assert paths.data_dir() == tmp_path / "outer"
    finally:
        paths.release(outer)
    assert paths.data_dir() == before
