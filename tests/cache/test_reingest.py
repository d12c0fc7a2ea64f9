"""Re-ingest drops the cached answers of changed and removed documents from the store the policy names, no cache
serves them afterwards wherever it lives, and answers from unchanged documents survive."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest

import ragfort
from ragfort.cache import BACKENDS, AnswerCache, CacheEntry, CacheSettings
from ragfort.embeddings import get_embedder
from ragfort.index.store import Index
from ragfort.ingest import ingest_paths
from ragfort.testing import ScriptedChat
from ragfort.types import CacheStatus, Status

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


def test_a_memory_cache_in_the_serving_process_stops_serving_a_changed_documents_answer(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    policy = {"name": "reingest", "cache": {"backend": "memory", **EXACT_ONLY}}
    ingest_paths([corpus], index=index, policy=policy)
    guarded, cache = _serve(index, policy)
    refunds, shipping = guarded.invoke(REFUNDS_Q), guarded.invoke(SHIPPING_Q)
    assert guarded.invoke(REFUNDS_Q).cache is CacheStatus.EXACT_HIT

    (corpus / "refunds.md").write_text("# Refunds\n\nRefunds reach your card within 10 business days.\n")
    report = ingest_paths([corpus], index=index, policy=policy)  # its own Index object, as the CLI would
    assert report.updated == ("refunds.md",)
    assert cache.holds(refunds.answer) and cache.holds(shipping.answer)  # no drop reached this process's cache

    again = guarded.invoke(REFUNDS_Q)
    assert again.cache is CacheStatus.MISS
    assert "10 business days" in again.answer and "5 business days" not in again.answer
    assert guarded.invoke(REFUNDS_Q).cache is CacheStatus.EXACT_HIT
    served = guarded.invoke(SHIPPING_Q)
    assert served.cache is CacheStatus.EXACT_HIT and served.answer == shipping.answer


def test_a_removed_documents_answer_is_not_offered_as_a_stale_fallback(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    policy = {
        "name": "reingest",
        "budget": {"total_ms": 10_000, "generation_ms": 2000, "on_timeout": ["stale_cache", "abstain"]},
        "cache": {"backend": "memory", "ttl_s": 0.05, "stale_grace_s": 60, **EXACT_ONLY},
    }
    ingest_paths([corpus], index=index, policy=policy)
    llm = ScriptedChat(answer="It is in the passage [1].", delay_s=0.0)
    guarded = ragfort.harden(ragfort.build_chain(index, llm=llm, k=1), policy)
    assert guarded.invoke(REFUNDS_Q).status is Status.OK
    assert guarded.invoke(SHIPPING_Q).status is Status.OK
    time.sleep(0.1)  # both entries are stale now: budget fallbacks only

    (corpus / "shipping.md").unlink()
    assert ingest_paths([corpus], index=index, policy=policy).removed == ("shipping.md",)
    llm.delay_s = 5.0  # generation runs out of time: the stale entry, if any, is the first fallback

    kept = guarded.invoke(REFUNDS_Q)  # its document did not change: its stale answer still stands in
    assert kept.status is Status.FALLBACK and kept.cache is CacheStatus.EXACT_HIT
    assert "fallback:stale_cache" in kept.budget.degraded
    gone = guarded.invoke(SHIPPING_Q)
    assert gone.cache is CacheStatus.MISS
    assert "fallback:stale_cache" not in gone.budget.degraded
    assert "fallback:abstain" in gone.budget.degraded


@pytest.mark.parametrize("change", ["transform", "embedder"])
def test_a_change_of_corpus_transform_or_embedder_still_moves_every_key(change: str, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    policy = {"name": "reingest", "cache": {"backend": "memory", **EXACT_ONLY}}
    Index(index).ingest([corpus])
    guarded, cache = _serve(index, policy)
    shipping = guarded.invoke(SHIPPING_Q)
    old_key = cache.keys[shipping.answer]
    structure = Index(index).structure

    if change == "transform":  # other redaction settings: every document re-indexed, no file changed
        Index(index).ingest([corpus], transform=lambda texts: texts, transform_id="other-redaction")
    else:  # another embedding model (the same vectors under another name, so retrieval still works)
        renamed = copy.copy(get_embedder())
        renamed.model_id = "renamed-minilm"
        Index(index, embedder=renamed).ingest([corpus])
    assert Index(index).structure != structure

    again = guarded.invoke(SHIPPING_Q)
    assert again.cache is CacheStatus.MISS
    assert cache.keys[again.answer] != old_key  # a new key...
    assert cache.backend.get(old_key) is not None  # ...while the old entry is still there, unserved
    assert guarded.invoke(SHIPPING_Q).cache is CacheStatus.EXACT_HIT


def test_a_content_reingest_keeps_the_index_structure(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    index = Index(tmp_path / "index")
    index.ingest([corpus])
    structure, versions = index.structure, index.document_versions
    assert index.document_versions is versions  # the same mapping while nothing changed
    (corpus / "refunds.md").write_text("# Refunds\n\nRefunds reach your card within 10 business days.\n")
    (corpus / "returns.md").write_text("# Returns\n\nReturns are accepted within 30 days.\n")
    Index(tmp_path / "index").ingest([corpus])  # another Index object: this one sees it on its next read
    assert index.structure == structure
    now = index.document_versions
    assert now is not versions and set(now) == {"refunds.md", "shipping.md", "returns.md"}
    assert now["shipping.md"] == versions["shipping.md"] and now["refunds.md"] != versions["refunds.md"]
