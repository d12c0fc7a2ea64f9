"""Decoding cache payloads: the memo of decoded entries never changes what a payload means."""

from __future__ import annotations

import pytest

from ragfort.cache import CacheEntry
from ragfort.cache.entry import CorruptEntry

from .conftest import make_entry


def test_the_same_payload_decodes_once() -> None:
    payload = make_entry("memo-1").to_bytes()
    first = CacheEntry.from_bytes(payload)
    again = CacheEntry.from_bytes(bytes(payload))  # equal bytes, another object
    assert again is first
    assert first.answer == make_entry("memo-1").answer


def test_a_changed_payload_is_decoded_afresh() -> None:
    one = CacheEntry.from_bytes(make_entry("memo-2", answer="Returns take 14 days [1].").to_bytes())
    two = CacheEntry.from_bytes(make_entry("memo-2", answer="Returns take 30 days [1].").to_bytes())
    assert (one.answer, two.answer) == ("Returns take 14 days [1].", "Returns take 30 days [1].")


def test_a_corrupt_payload_still_fails_every_time() -> None:
    payload = bytearray(make_entry("memo-3").to_bytes())
    payload[-5] ^= 0x01  # one flipped bit in the body: the checksum no longer matches
    for _ in range(2):
        with pytest.raises(CorruptEntry):
            CacheEntry.from_bytes(bytes(payload))


def test_the_memo_is_bounded() -> None:
    from ragfort.cache import entry as module

    for i in range(module._DECODED_MAX + 50):
        CacheEntry.from_bytes(make_entry(f"memo-bound-{i}").to_bytes())
    assert len(module._DECODED) == module._DECODED_MAX
