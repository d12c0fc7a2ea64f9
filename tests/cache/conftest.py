"""Cache test helpers: entries, a real redis-server on a free loopback port, and each shipped backend in turn."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from ragfort.cache import CacheEntry, MemoryBackend, SQLiteBackend, question_features
from ragfort.cache.backends.base import CacheBackend
from ragfort.types import Citation, Passage


def make_entry(
    key: str = "k1", *, ns: str = "ns", fresh_s: float = 60.0, stale_s: float = 600.0, **kw: object
) -> CacheEntry:
    now = time.time()
    fields: dict[str, object] = {
        "answer": "Devices can be returned within 14 days [1].",
        "citations": (Citation(1, "returns.md", "returns.md", 0, 10, "Devices ca", 0.9),),
        "documents": (Passage(text="Devices can be returned.", doc_id="returns.md", chunk_id="returns.md#0"),),
        "vector": np.ones(4, dtype=np.float32) / 2.0,
        "features": question_features("Can I return a device?"),
        "anchors": ("a1", "a2"),
        "deps": ("d1",),
    }
    fields.update(kw)
    return CacheEntry(
        key=key,
        namespace=ns,
        created=now,
        fresh_until=now + fresh_s,
        stale_until=now + fresh_s + stale_s,
        **fields,  # type: ignore[arg-type]
    )


@dataclass
class RedisServer:
    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A throwaway redis-server on 127.0.0.1 (no persistence), stopped after the test."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not shutil.which(binary):
        pytest.skip("redis-server is not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(url=f"redis://127.0.0.1:{port}/0", process=proc)
    for _ in range(100):  # bounded wait for the port to open
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
        except OSError:
            time.sleep(0.05)
    else:
        server.kill()
        pytest.fail("redis-server did not start")
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CacheBackend]:
    """Each shipped backend in turn (SQLite in `tmp_path`, Redis on a throwaway server), closed afterwards."""
    made: CacheBackend
    if request.param == "memory":
        made = MemoryBackend()
    elif request.param == "sqlite":
        made = SQLiteBackend(tmp_path / "cache.sqlite")
    else:
        from ragfort.cache.backends.redis import RedisBackend

        server: RedisServer = request.getfixturevalue("redis_server")
        made = RedisBackend(server.url)
    yield made
    made.close()
