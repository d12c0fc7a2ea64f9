"""API keys: printed once, stored hashed, verified in constant time, revocable."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragfort.errors import InputError
from ragfort.server.keys import KeyStore


def test_a_created_key_maps_to_its_tenant(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    key = store.create("acme")
    assert key.startswith("rfk_")
    assert store.tenant_of(key) == "acme"
    assert store.tenant_of(store.create("globex")) == "globex"


def test_only_the_hash_is_stored(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    key = store.create("acme")
    secret = key.split("_", 2)[2]
    assert secret.encode() not in (tmp_path / "keys.sqlite").read_bytes()
    assert (tmp_path / "keys.sqlite").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("wrong", ["", "rfk_", "rfk_abc_def", "x" * 500, "nokey"])
def test_wrong_keys_have_no_tenant(tmp_path: Path, wrong: str) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    store.create("acme")
    assert store.tenant_of(wrong) is None


def test_a_tampered_key_has_no_tenant(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    key = store.create("acme")
    assert store.tenant_of(key[:-2] + "zz" if not key.endswith("zz") else key[:-2] + "yy") is None


def test_revoked_keys_stop_working(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    key = store.create("acme")
    assert store.tenant_of(key) == "acme"
    assert store.revoke(key.split("_")[1])
    assert store.tenant_of(key) is None
    assert not store.revoke(key.split("_")[1])
    assert not store.any_keys()


@pytest.mark.parametrize("name", ["", "Acme", "a b", "../etc", "_x", "a" * 64])
def test_bad_tenant_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="tenant names"):
        KeyStore(tmp_path / "keys.sqlite").create(name)


def test_only_verified_keys_are_remembered(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    key = store.create("acme")
    assert store.remembered(key) is None  # never checked against the store yet
    assert store.tenant_of(key) == "acme"
    assert store.remembered(key) == "acme"
    assert store.remembered(key + "x") is None


def test_revoking_forgets_remembered_keys(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    key = store.create("acme")
    assert store.tenant_of(key) == "acme"
    store.revoke(key.split("_")[1])
    assert store.remembered(key) is None
    assert store.tenant_of(key) is None
