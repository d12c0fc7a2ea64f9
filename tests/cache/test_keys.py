"""Cache keys: hashes of normalised text, scoped so that no tenant, policy, index or model shares an entry."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ragfort.cache.keys import IndexVersion, anchor, digest, exact_key, namespace

SCOPE = {"tenant": "acme", "policy_fingerprint": "p1", "index_version": "i1", "model_id": "m1"}


def test_a_digest_keeps_its_parts_apart() -> None:
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("a", "b") == digest("a", "b") != digest("b", "a")
    assert len(digest("x")) == 64 and int(digest("x"), 16) >= 0


def test_every_part_of_the_scope_moves_the_namespace() -> None:
    ns = namespace(**SCOPE)
    assert len(ns) == 32 and ns == namespace(**SCOPE)
    for part in SCOPE:
        assert namespace(**(SCOPE | {part: "other"})) != ns, part
    assert "acme" not in ns


def test_the_exact_key_is_of_the_normalised_question_within_its_namespace() -> None:
    ns = namespace(**SCOPE)
    key = exact_key(ns, "How long do refunds take?")
    assert len(key) == 40
    assert exact_key(ns, "  how long do REFUNDS take ") == key
    assert exact_key(ns, "What’s the fee?") == exact_key(ns, "what's the fee")  # a typographic apostrophe too
    assert exact_key(ns, "How long does shipping take?") != key
    assert exact_key(namespace(**(SCOPE | {"tenant": "globex"})), "How long do refunds take?") != key


def test_a_follow_up_only_shares_a_key_within_the_same_conversation() -> None:
    ns = namespace(**SCOPE)
    returns = [("user", "How do I return a phone?"), ("assistant", "Within 14 days [1].")]
    warranty = [("user", "What does the warranty cover?"), ("assistant", "Two years [1].")]
    follow_up = "What about the charger?"
    assert exact_key(ns, follow_up, history=returns) != exact_key(ns, follow_up, history=warranty)
    assert exact_key(ns, follow_up, history=returns) != exact_key(ns, follow_up)
    shouted = [(role, text.upper()) for role, text in returns]
    assert exact_key(ns, follow_up, history=shouted) == exact_key(ns, follow_up, history=returns)


def test_anchors_hash_chunk_ids_per_namespace() -> None:
    ns, other = namespace(**SCOPE), namespace(**(SCOPE | {"model_id": "m2"}))
    assert anchor(ns, "returns.md#0") == anchor(ns, "returns.md#0") != anchor(ns, "returns.md#1")
    assert anchor(ns, "returns.md#0") != anchor(other, "returns.md#0")
    assert len(anchor(ns, "returns.md#0")) == 24 and "returns" not in anchor(ns, "returns.md#0")


def _manifest(folder: Path, **data: object) -> None:
    (folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


def test_the_index_version_follows_its_manifest_on_disk(tmp_path: Path) -> None:
    version = IndexVersion(tmp_path)
    assert version() == ""  # no index yet
    _manifest(tmp_path, index_version=1, fingerprint="abc")
    assert version() == "1:abc"
    _manifest(tmp_path, index_version=2, fingerprint="abcd")  # rewritten by another process
    assert version() == "2:abcd"
    (tmp_path / "manifest.json").write_text("{torn", encoding="utf-8")
    assert version().startswith("unreadable:")


def test_the_manifest_is_reread_only_when_it_changes(tmp_path: Path) -> None:
    _manifest(tmp_path, index_version=1, fingerprint="abc")
    version = IndexVersion(tmp_path)
    assert version() == "1:abc"
    stat = os.stat(tmp_path / "manifest.json")
    _manifest(tmp_path, index_version=9, fingerprint="xyz")  # same size...
    os.utime(tmp_path / "manifest.json", ns=(stat.st_atime_ns, stat.st_mtime_ns))  # ...and the same mtime
    assert version() == "1:abc"  # one stat per call, no read while the stamp is unchanged
    os.utime(tmp_path / "manifest.json", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert version() == "9:xyz"
