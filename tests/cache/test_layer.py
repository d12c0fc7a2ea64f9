"""The cache layers over the real default chain (Chroma + MiniLM): hits, near-misses, tenants, privacy, invalidation."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

import ragfort
from ragfort.cache import CacheEntry
from ragfort.errors import PolicyError
from ragfort.ingest import ingest_paths
from ragfort.types import CacheStatus


def _policy(**cache: Any) -> dict[str, Any]:
    return {"name": "cache_test", "cache": {"backend": "memory", **cache}}


@pytest.fixture
def guarded(help_center_chain: Any) -> Any:
    return ragfort.harden(help_center_chain, _policy())


def test_the_same_question_again_is_an_exact_hit_with_the_same_answer(guarded: Any) -> None:
    first = guarded.invoke("How long do refunds take?")
    again = guarded.invoke("  how long do REFUNDS take ")
    assert first.cache is CacheStatus.MISS
    assert again.cache is CacheStatus.EXACT_HIT
    assert again.to_dict()["cache"] == "exact_hit"
    assert again.answer == first.answer
    assert [c.to_dict() for c in again.citations] == [c.to_dict() for c in first.citations]
    assert [p.chunk_id for p in again.documents] == [p.chunk_id for p in first.documents]


def test_a_paraphrase_is_a_semantic_hit(guarded: Any) -> None:
    # (The equivalence judge's minimum is strict: "What's the daily price of Travel Pass?" against
    # "How much does Travel Pass cost per day?" scores 0.85 and is refused; see docs/cache-and-budgets.md.)
    first = guarded.invoke("How long do refunds take?")
    para = guarded.invoke("When will my refund arrive?")
    assert para.cache is CacheStatus.SEMANTIC_HIT
    assert para.answer == first.answer


@pytest.mark.parametrize(
    ("stored", "asked"),
    [
        ("How do I turn roaming on?", "How do I turn roaming off?"),
        ("How much is a 1 GB add-on?", "How much is a 5 GB add-on?"),
        ("Can I return opened headphones?", "Why can't I return opened headphones?"),
        ("How much is a screen repair for the Voltwise One?", "How much is a screen repair for the Voltwise Max?"),
        ("What's the return window for a device?", "What's the return window for an accessory?"),
        ("How do I transfer my number to Voltwise?", "How do I transfer my number from Voltwise?"),
    ],
)
def test_a_near_miss_is_never_served_the_other_answer(help_center_chain: Any, stored: str, asked: str) -> None:
    guarded = ragfort.harden(help_center_chain, _policy())
    guarded.invoke(stored)
    assert guarded.invoke(stored).cache is CacheStatus.EXACT_HIT  # the entry is there...
    assert guarded.invoke(asked).cache is CacheStatus.MISS  # ...and still not served


def test_tenants_never_see_each_others_entries(guarded: Any) -> None:
    guarded.invoke("How long do refunds take?", config={"configurable": {"tenant": "acme"}})
    other = guarded.invoke("How long do refunds take?", config={"configurable": {"tenant": "globex"}})
    para = guarded.invoke("When will my refund arrive?", config={"configurable": {"tenant": "globex"}})
    same = guarded.invoke("How long do refunds take?", config={"configurable": {"tenant": "acme"}})
    assert other.cache is CacheStatus.MISS
    assert para.cache is not CacheStatus.SEMANTIC_HIT or para.answer == other.answer
    assert same.cache is CacheStatus.EXACT_HIT


def test_nothing_raw_reaches_the_sqlite_file(help_center_chain: Any, tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    guarded = ragfort.harden(help_center_chain, {"name": "no_pii", "cache": {"backend": "sqlite", "path": str(path)}})
    question = "I am jane.doe@example.com, how long do refunds to my card take?"
    first = guarded.invoke(question)
    assert guarded.invoke(question).cache is CacheStatus.EXACT_HIT
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("cache.sqlite*"))
    for raw in (b"jane.doe", b"example.com", b"jane", b"how long do refunds"):
        assert raw not in blob.lower()
    with sqlite3.connect(path) as con:
        (payload,) = con.execute("SELECT payload FROM entries").fetchone()
    assert CacheEntry.from_bytes(payload).answer == first.answer  # answers are stored as they were shown


def test_a_changed_document_invalidates_what_depended_on_it(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "refunds.md").write_text("# Refunds\n\nRefunds reach your card within 5 business days.\n")
    (corpus / "shipping.md").write_text("# Shipping\n\nStandard shipping takes 3 to 5 business days.\n")
    index = tmp_path / "index"
    ingest_paths([corpus], index=index, policy=None)
    guarded = ragfort.harden(ragfort.build_chain(index), _policy())
    first = guarded.invoke("How long do refunds take to reach my card?")
    assert "5 business days" in first.answer
    assert guarded.invoke("How long do refunds take to reach my card?").cache is CacheStatus.EXACT_HIT
    (corpus / "refunds.md").write_text("# Refunds\n\nRefunds reach your card within 10 business days.\n")
    ingest_paths([corpus], index=index, policy=None)  # another Index object, as the CLI would
    after = guarded.invoke("How long do refunds take to reach my card?")
    assert after.cache is CacheStatus.MISS
    assert "10 business days" in after.answer


def test_a_bad_cache_section_fails_at_load_naming_the_key() -> None:
    with pytest.raises(PolicyError, match=r"cache\.semantic\.threshold"):
        ragfort.load_policy({"name": "bad", "cache": {"semantic": {"threshold": 1.5}}})
    with pytest.raises(PolicyError, match=r"cache\.backend"):
        ragfort.load_policy({"name": "bad", "cache": {"backend": "memcached"}})


def test_cache_false_turns_the_policys_cache_off(help_center_chain: Any) -> None:
    guarded = ragfort.harden(help_center_chain, _policy(), cache=False)
    guarded.invoke("How long do refunds take?")
    assert guarded.invoke("How long do refunds take?").cache is CacheStatus.MISS
