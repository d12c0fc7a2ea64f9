"""`ragfort.paths`: an explicit setting, then the environment, then the default; never written to os.environ."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ragfort import paths


@pytest.fixture(autouse=True)
def no_settings_from_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    # A server another test started in this process may hold a setting of its own.
    monkeypatch.setattr(paths, "_configured", [])


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAGFORT_HOME", raising=False)
    monkeypatch.delenv("RAGFORT_REDIS_URL", raising=False)


@pytest.mark.usefixtures("clean_env")
def test_the_defaults_without_a_setting_or_the_environment() -> None:
    assert paths.data_dir() == Path(".ragfort")
    assert paths.redis_url() is None


def test_the_environment_wins_over_the_default(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGFORT_HOME", "/srv/env-home")
    monkeypatch.setenv("RAGFORT_REDIS_URL", "redis://env:6379/0")
    assert paths.data_dir() == Path("/srv/env-home")
    assert paths.redis_url() == "redis://env:6379/0"
    monkeypatch.setenv("RAGFORT_REDIS_URL", "")  # blank means not set
    assert paths.redis_url() is None


def test_a_setting_wins_over_the_environment_and_leaves_it_alone(
    clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAGFORT_HOME", "/srv/env-home")
    monkeypatch.setenv("RAGFORT_REDIS_URL", "redis://env:6379/0")
    before = dict(os.environ)
    setting = paths.configure(home="/srv/configured", redis_url="redis://configured:6379/1")
    try:
        assert paths.data_dir() == Path("/srv/configured")
        assert paths.redis_url() == "redis://configured:6379/1"
        assert paths.data_dir("/explicit") == Path("/explicit")  # an argument wins over both
        assert dict(os.environ) == before
    finally:
        paths.release(setting)
    assert paths.data_dir() == Path("/srv/env-home")
    assert paths.redis_url() == "redis://env:6379/0"


@pytest.mark.usefixtures("clean_env")
def test_what_a_setting_leaves_unset_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGFORT_REDIS_URL", "redis://env:6379/0")
    setting = paths.configure(home="/srv/configured")
    try:
        assert paths.data_dir() == Path("/srv/configured")
        assert paths.redis_url() == "redis://env:6379/0"
    finally:
        paths.release(setting)


@pytest.mark.usefixtures("clean_env")
def test_the_newest_setting_in_force_decides_and_releasing_any_one_is_safe() -> None:
    first = paths.configure(home="/srv/first")
    second = paths.configure(home="/srv/second")
    try:
        assert paths.data_dir() == Path("/srv/second")
        paths.release(first)  # released out of order: the newer one still applies
        assert paths.data_dir() == Path("/srv/second")
        paths.release(second)
        assert paths.data_dir() == Path(".ragfort")
        paths.release(second)  # twice is harmless
    finally:
        paths.release(first)
        paths.release(second)
