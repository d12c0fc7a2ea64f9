"""The vault: encryption at rest, TTL, tenant and session isolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragfort.pii import MemoryVault, SQLiteVault, VaultKeys, VaultRecord

SECRET = "Margaret Thornbury 4111111111111111"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "sqlite"])
def vault_and_clock(request: pytest.FixtureRequest, tmp_path: Path, keys: VaultKeys) -> tuple[object, Clock]:
    clock = Clock()
    if request.param == "memory":
        return MemoryVault(keys=keys, clock=clock), clock
    return SQLiteVault(path=tmp_path / "vault.sqlite", keys=keys, clock=clock), clock


def test_round_trip_and_isolation(vault_and_clock: tuple[object, Clock]) -> None:
    vault, _ = vault_and_clock
    record = VaultRecord("<PERSON_1>", "PERSON", SECRET, from_customer=True)
    vault.save("acme", "s1", [record], ttl_s=60)  # type: ignore[attr-defined]
    assert vault.load("acme", "s1") == [record]  # type: ignore[attr-defined]
    assert vault.load("acme", "s2") == []  # type: ignore[attr-defined]
    assert vault.load("globex", "s1") == []  # type: ignore[attr-defined]


def test_ttl_expiry(vault_and_clock: tuple[object, Clock]) -> None:
    vault, clock = vault_and_clock
    vault.save("acme", "s1", [VaultRecord("<PERSON_1>", "PERSON", SECRET)], ttl_s=10)  # type: ignore[attr-defined]
    clock.now += 9
    assert len(vault.load("acme", "s1")) == 1  # type: ignore[attr-defined]
    clock.now += 2
    assert vault.load("acme", "s1") == []  # type: ignore[attr-defined]


def test_sqlite_file_holds_no_raw_values(tmp_path: Path, keys: VaultKeys) -> None:
    path = tmp_path / "vault.sqlite"
    vault = SQLiteVault(path=path, keys=keys)
    vault.save("acme-tenant", "session-42", [VaultRecord("<PERSON_1>", "PERSON", SECRET)], ttl_s=60)
    vault.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("vault.sqlite"))
    for needle in (b"Margaret", b"Thornbury", b"4111111111111111", b"acme-tenant", b"session-42"):
        assert needle not in raw
