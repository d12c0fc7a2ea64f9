"""Shared fixtures for the PII tests: one real analyzer per test session, a throwaway vault key."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator

import pytest

# Presidio's email recognizer would otherwise try to fetch the public-suffix list.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from ragfort.pii import Detector, PIISettings, VaultKeys, get_detector


@pytest.fixture(scope="module")
def detector() -> Detector:
    return get_detector(PIISettings())


@pytest.fixture()
def keys() -> VaultKeys:
    return VaultKeys(os.urandom(32))


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("RAGFORT_HOME", str(tmp_path))
    monkeypatch.setenv("RAGFORT_VAULT_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    yield
