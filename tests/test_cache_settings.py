"""The ``cache:`` section of a policy: defaults, bounds, no unknown keys, and ``backend: auto`` resolved once."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ragfort import paths
from ragfort.cache_settings import CacheSettings, SemanticSettings


def test_the_defaults_are_the_documented_ones() -> None:
    s = CacheSettings()
    assert (s.enabled, s.backend, s.path, s.redis_url) == (True, "sqlite", None, None)
    assert (s.ttl_s, s.stale_grace_s, s.max_entries) == (86_400.0, 604_800.0, 10_000)
    assert s.semantic == SemanticSettings(
        enabled=True, threshold=0.75, anchor_depth=3, max_candidates=64, equivalence_judge=True,
        judged_threshold=0.68, min_equivalence=0.8, judge_candidates=3,
    )  # fmt: skip


@pytest.mark.parametrize(
    "section",
    [
        {"ttl_s": 0},
        {"stale_grace_s": -1},
        {"max_entries": 0},
        {"backend": "memcached"},
        {"semantic": {"threshold": 1.5}},
        {"semantic": {"anchor_depth": 0}},
        {"semantic": {"min_equivalence": -0.1}},
        {"semantic": {"judge_candidates": 65}},
        {"tll_s": 60},  # a typo is an error, not a silently ignored key
        {"semantic": {"treshold": 0.8}},
    ],
)
def test_values_out_of_bounds_and_unknown_keys_are_refused(section: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CacheSettings.model_validate(section)


def test_settings_are_frozen() -> None:
    s = CacheSettings()
    with pytest.raises(ValidationError):
        s.ttl_s = 5


def test_auto_is_redis_when_a_redis_url_is_known_else_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAGFORT_REDIS_URL", raising=False)
    assert CacheSettings(backend="auto").backend == "sqlite"
    shared = CacheSettings(backend="auto", redis_url="redis://cache:6379/0")
    assert (shared.backend, shared.redis_url) == ("redis", "redis://cache:6379/0")
    monkeypatch.setenv("RAGFORT_REDIS_URL", "redis://from-env:6379/0")
    assert CacheSettings(backend="auto").backend == "redis"
    assert CacheSettings(backend="memory").backend == "memory"  # only auto is resolved


def test_auto_follows_the_url_configured_for_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAGFORT_REDIS_URL", raising=False)
    setting = paths.configure(redis_url="redis://replicas:6379/0")
    try:
        assert CacheSettings.model_validate({"backend": "auto"}).backend == "redis"
    finally:
        paths.release(setting)
    assert CacheSettings.model_validate({"backend": "auto"}).backend == "sqlite"
