"""Re-ingest drops the cached answers of changed and removed documents, from the store the policy names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import ragfort
from ragfort.cache import BACKENDS, AnswerCache, CacheEntry, CacheSettings, drop_cached_documents
from ragfort.ingest import ingest_paths
from ragfort.types import CacheStatus

REFUNDS_Q = "How long do refunds take to reach my card?"
SHIPPING_Q = "How long does standard shipping take?"
EXACT_ONLY = {"semantic": {"enabled": False}}  # no equivalence judge to load: these tests are about dropping


class _Recording(AnswerCache):
    """An answer cache that remembers the key each answer was stored under."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys: dict[str, str] = {}

    def put(self, entry: CacheEntry) -> None:
        self.keys[entry.answer] = entry.key
        super().put(entry)

    def holds(self, answer: str) -> bool:
        return self.backend.get(self.keys[answer]) is not None


@pytest.fixture(params=["sqlite", "redis"])
def cache_section(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The policy's ``cache:`` section for a store another process can reach."""
    if request.param == "sqlite":
        return {"backend": "sqlite", "path": str(tmp_path / "cache.sqlite"), **EXACT_ONLY}
    server = request.getfixturevalue("redis_server")
    return {"backend": "redis", "redis_url": server.url, **EXACT_ONLY}


def _corpus(root: Path) -> Path:
    root.mkdir()
    (root / "refunds.md").write_text("# Refunds\n\nRefunds reach your card within 5 business days.\n")
    (root / "shipping.md").write_text("# Shipping\n\nStandard shipping takes 3 to 5 business days.\n")
    return root


def _serve(index: Path, policy: dict[str, Any]) -> tuple[Any, _Recording]:
    """The guarded default chain over `index` with the policy's cache; one passage per answer, so one dependency."""
    settings = CacheSettings.model_validate(policy["cache"])
    cache = _Recording.from_settings(settings, BACKENDS[settings.backend](settings))
    assert isinstance(cache, _Recording)
    return ragfort.harden(ragfort.build_chain(index, k=1), policy, cache=cache), cache


def test_a_reingest_drops_the_answers_of_changed_and_removed_documents_only(
    cache_section: dict[str, Any], tmp_path: Path
) -> None:
    corpus = _corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    policy = {"name": "reingest", "cache": cache_section}
    ingest_paths([corpus], index=index, policy=policy)
    guarded, cache = _serve(index, policy)
    refunds, shipping = guarded.invoke(REFUNDS_Q), guarded.invoke(SHIPPING_Q)
    assert refunds.cache is CacheStatus.MISS and "5 business days" in refunds.answer
    assert guarded.invoke(REFUNDS_Q).cache is CacheStatus.EXACT_HIT
    assert cache.holds(refunds.answer) and cache.holds(shipping.answer)

    (corpus / "refunds.md").write_text("# Refunds\n\nRefunds reach your card within 10 business days.\n")
    report = ingest_paths([corpus], index=index, policy=policy)  # its own Index object, as the CLI would
    assert report.updated == ("refunds.md",)
    assert not cache.holds(refunds.answer)  # it cited the changed document
    assert cache.holds(shipping.answer)  # it did not

    again = guarded.invoke(REFUNDS_Q)
    assert again.cache is CacheStatus.MISS
    assert "10 business days" in again.answer and "5 business days" not in again.answer
    assert guarded.invoke(REFUNDS_Q).cache is CacheStatus.EXACT_HIT

    (corpus / "shipping.md").unlink()
    report = ingest_paths([corpus], index=index, policy=policy)
    assert report.removed == ("shipping.md",)
    assert not cache.holds(shipping.answer)
    assert cache.holds(again.answer)


@pytest.mark.xfail(
    strict=True,
    reason="harden.cache_layers keys the cache namespace on the index's content fingerprint, so a re-ingest "
    "that changes any document moves every key; per-document invalidation makes that unnecessary",
)
def test_an_unchanged_documents_cached_answer_is_still_served_after_a_reingest(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    policy = {"name": "reingest", "cache": {"backend": "sqlite", "path": str(tmp_path / "cache.sqlite"), **EXACT_ONLY}}
    ingest_paths([corpus], index=index, policy=policy)
    guarded, _ = _serve(index, policy)
    shipping = guarded.invoke(SHIPPING_Q)
    (corpus / "refunds.md").write_text("# Refunds\n\nRefunds reach your card within 10 business days.\n")
    ingest_paths([corpus], index=index, policy=policy)
    served = guarded.invoke(SHIPPING_Q)
    assert served.cache is CacheStatus.EXACT_HIT
    assert served.answer == shipping.answer


def test_dropping_never_creates_a_store(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "cache.sqlite"
    assert drop_cached_documents(CacheSettings(backend="sqlite", path=str(missing)), ["refunds.md"]) == 0
    assert not missing.exists() and not missing.parent.exists()
    # A memory cache belongs to the process serving from it: nothing to reach from an ingest.
    assert drop_cached_documents(CacheSettings(backend="memory"), ["refunds.md"]) == 0
