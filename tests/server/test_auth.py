"""Auth modes: `auto` is off only on loopback before any key exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragfort.server.auth import auth_enabled
from ragfort.server.keys import KeyStore
from ragfort.server.settings import ServerSettings, is_loopback


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("::1", True), ("localhost", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("192.168.1.5", False), ("::", False), ("example.com", False),
])
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_auto_is_off_on_loopback_without_keys_and_on_otherwise(tmp_path: Path) -> None:
    keys = KeyStore(tmp_path / "keys.sqlite")
    local = ServerSettings(data_dir=str(tmp_path), host="127.0.0.1", auth="auto")
    public = ServerSettings(data_dir=str(tmp_path), host="0.0.0.0", auth="auto")
    assert not auth_enabled(local, keys)
    assert auth_enabled(public, keys)
    keys.create("acme")
    assert auth_enabled(local, keys)


def test_explicit_modes_win(tmp_path: Path) -> None:
    keys = KeyStore(tmp_path / "keys.sqlite")
    keys.create("acme")
    assert not auth_enabled(ServerSettings(data_dir=str(tmp_path), host="0.0.0.0", auth="off"), keys)
    assert auth_enabled(ServerSettings(data_dir=str(tmp_path), host="127.0.0.1", auth="on"), keys)
