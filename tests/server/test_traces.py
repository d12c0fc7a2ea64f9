"""Per-tenant traces on disk, and who owns a trace: from memory, from another replica through Redis, from files."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.faults import conftest as faults_conftest
from tests.faults.procs import Redis

from ragfort.server.traces import WARMUP_TENANT, RedisTraceOwners, TenantTraceSink, TraceOwner

redis = faults_conftest.redis  # the fixture: a throwaway redis-server per test


def _record(trace_id: str, tenant: str, variant: str | None = None) -> dict[str, Any]:
    return {"trace_id": trace_id, "tenant": tenant, "variant": variant, "status": "ok", "time": 1_767_225_600.0}


@pytest.fixture
def sinks(tmp_path: Path) -> Iterator[list[TenantTraceSink]]:
    """Sinks made by a test (``sinks.append(...)``), their open day files closed afterwards."""
    made: list[TenantTraceSink] = []
    yield made
    for sink in made:
        sink.close()


def _sink(sinks: list[TenantTraceSink], directory: Path, **kwargs: Any) -> TenantTraceSink:
    sinks.append(TenantTraceSink(directory, **kwargs))
    return sinks[-1]


def test_each_tenants_records_go_to_its_own_folder(tmp_path: Path, sinks: list[TenantTraceSink]) -> None:
    seen: list[str] = []
    sink = _sink(sinks, tmp_path / "traces", on_record=lambda r: seen.append(str(r["trace_id"])))
    sink.write(_record("t-acme", "acme", "a"))
    sink.write(_record("t-globex", "globex"))
    sink.write(_record("t-warm", WARMUP_TENANT))  # start-up warm-up: dropped, not counted
    assert seen == ["t-acme", "t-globex"]
    assert sorted(p.name for p in (tmp_path / "traces").iterdir()) == ["acme", "globex"]
    acme = (tmp_path / "traces" / "acme" / "traces-2026-01-01.jsonl").read_text(encoding="utf-8")
    assert "t-acme" in acme and "t-globex" not in acme
    assert sink.owner("t-warm", WARMUP_TENANT) is None


def test_a_trace_is_owned_only_by_its_own_tenant(tmp_path: Path, sinks: list[TenantTraceSink]) -> None:
    sink = _sink(sinks, tmp_path / "traces")
    sink.write(_record("t-1", "acme", "b"))
    assert sink.owner("t-1", "acme") == TraceOwner("acme", "b")
    assert sink.owner("t-1", "globex") is None  # someone else's trace looks like no trace at all
    assert sink.owner("t-unknown", "acme") is None


def test_after_a_restart_the_owner_is_found_in_the_tenants_files(tmp_path: Path, sinks: list[TenantTraceSink]) -> None:
    first = _sink(sinks, tmp_path / "traces", remember=1)
    first.write(_record("t-old", "acme", "a"))
    first.write(_record("t-new", "acme"))  # pushes t-old out of memory
    assert first.owner("t-old", "acme") == TraceOwner("acme", "a")  # from the file
    restarted = _sink(sinks, tmp_path / "traces")
    assert restarted.owner("t-new", "acme") == TraceOwner("acme", None)
    assert restarted.owner("t-old", "globex") is None  # only the asking tenant's files are read


def test_without_files_owners_live_in_memory_only(tmp_path: Path, sinks: list[TenantTraceSink]) -> None:
    sink = _sink(sinks, tmp_path / "traces", write_files=False)
    sink.write(_record("t-1", "acme"))
    assert sink.owner("t-1", "acme") == TraceOwner("acme", None)
    assert not (tmp_path / "traces").exists()
    assert _sink(sinks, tmp_path / "traces", write_files=False).owner("t-1", "acme") is None


def test_replicas_find_each_others_traces_through_redis(
    tmp_path: Path, sinks: list[TenantTraceSink], redis: Redis
) -> None:
    answering = _sink(sinks, tmp_path / "a", write_files=False, shared=RedisTraceOwners(redis.url, ttl_s=60))
    other = _sink(sinks, tmp_path / "b", write_files=False, shared=RedisTraceOwners(redis.url))
    answering.write(_record("t-1", "acme", "b"))
    assert other.owner("t-1", "acme") == TraceOwner("acme", "b")
    assert other.owner("t-1", "globex") is None

    import redis as redis_py

    client = redis_py.Redis.from_url(redis.url)
    assert 0 < client.ttl("ragfort:trace:t-1") <= 60
    client.set("ragfort:trace:t-torn", b"{not json")
    assert RedisTraceOwners(redis.url).get("t-torn") is None
    client.close()


def test_a_redis_outage_costs_only_the_cross_replica_lookup(
    tmp_path: Path, sinks: list[TenantTraceSink], redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    shared = RedisTraceOwners(redis.url, retry_s=0.0)
    sink = _sink(sinks, tmp_path / "traces", shared=shared)
    redis.stop()
    with caplog.at_level(logging.WARNING, logger="ragfort.server"):
        for i in range(3):
            sink.write(_record(f"t-{i}", "acme"))  # never raises
        assert shared.get("t-0") is None
    assert sink.owner("t-2", "acme") == TraceOwner("acme", None)  # the local lookup still answers
    warnings = [r for r in caplog.records if "Redis unavailable for trace owners" in r.getMessage()]
    assert len(warnings) == 1


def test_close_closes_every_tenants_file_and_a_later_record_reopens_it(tmp_path: Path) -> None:
    sink = TenantTraceSink(tmp_path / "traces")
    sink.write(_record("t1", "acme"))
    sink.write(_record("t2", "globex"))
    sink.close()
    sink.write(_record("t3", "acme"))  # reopens acme's day file and appends
    sink.close()
    files = sorted((tmp_path / "traces" / "acme").glob("*.jsonl"))
    records = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    assert [r["trace_id"] for r in records] == ["t1", "t3"]
