"""The vault's secret and sealing (`ragfort.pii.sealing`): bound ciphertexts, the key file, the key's source."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ragfort.errors import ConfigError
from ragfort.pii.sealing import VaultKeys, VaultRecord

SECRET = "Margaret Thornbury 4111111111111111"


def test_sealed_value_moved_to_another_session_does_not_open(keys: VaultKeys) -> None:
    record = VaultRecord("<PERSON_1>", "PERSON", SECRET)
    blob = keys.seal("acme", "s1", record)
    assert keys.open("acme", "s1", "<PERSON_1>", blob) == record
    assert keys.open("acme", "s2", "<PERSON_1>", blob) is None
    assert keys.open("globex", "s1", "<PERSON_1>", blob) is None


def test_key_file_created_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAGFORT_VAULT_KEY")
    path = tmp_path / "keys" / "vault.key"
    first = VaultKeys.load(path=path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second = VaultKeys.load(path=path)
    assert first.scope("t", "s") == second.scope("t", "s")


def test_bad_env_key_names_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGFORT_VAULT_KEY", "c2hvcnQ=")
    with pytest.raises(ConfigError, match="RAGFORT_VAULT_KEY"):
        VaultKeys.load()


def test_sealed_text_opens_only_under_its_own_label(keys: VaultKeys) -> None:
    blob = keys.seal_text("acme", "s1", "history", SECRET)
    assert SECRET.encode() not in blob
    assert keys.open_text("acme", "s1", "history", blob) == SECRET
    assert keys.open_text("acme", "s1", "question", blob) is None
