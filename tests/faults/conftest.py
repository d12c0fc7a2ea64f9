"""Fixtures for the fault tests: a throwaway redis-server per test (restartable on its port)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.faults.procs import Redis


@pytest.fixture
def redis() -> Iterator[Redis]:
    """A redis-server on a free loopback port, no persistence; stopped after the test."""
    server = Redis().start()
    try:
        yield server
    finally:
        server.stop()
