"""Cache entries on the wire: checksummed JSON that keeps every field, and decoding (the memo of decoded entries
never changes what a payload means; an unreadable payload is corrupt)."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import pytest

from ragfort.cache import CacheEntry
from ragfort.cache.entry import CorruptEntry
from ragfort.cache.features import READING
from ragfort.types import Claim, Passage, Redaction, Stage, Turn

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


def test_every_field_survives_the_wire_format() -> None:
    passage = Passage(
        text="Devices can be returned.", doc_id="returns.md", source="help/returns.md", title="Returns", start=12,
        chunk_id="returns.md#0", score=0.8, sentences=((0, 24),), metadata={"lang": "en", "pages": [1, 2]}, public=True,
    )  # fmt: skip
    claim = Claim("Devices can be returned within 14 days.", True, 0.93, (1,), start=0, end=40)
    entry = make_entry(
        "wire-all", claims=(claim,), groundedness=0.93, documents=(passage,), versions=("v1",), sealed_question="c2Vh"
    )
    back = CacheEntry.from_bytes(entry.to_bytes())
    for name in ("key", "namespace", "created", "fresh_until", "stale_until", "answer", "citations", "claims",
                 "groundedness", "features", "anchors", "deps", "versions", "sealed_question"):  # fmt: skip
        assert getattr(back, name) == getattr(entry, name), name
    assert back.documents == (dataclasses.replace(passage, metadata={"lang": "en"}),)  # only plain metadata travels
    assert back.vector is not None and back.vector.dtype == np.float32
    assert np.allclose(back.vector, np.ones(4) / 2.0, atol=1e-3)  # stored as float16


def test_the_payload_is_checksummed_json_never_pickle() -> None:
    check, _, text = make_entry("json-1").to_bytes().decode("utf-8").partition("\n")
    assert check == hashlib.sha256(text.encode()).hexdigest()
    assert json.loads(text)["answer"] == "Devices can be returned within 14 days [1]."
    no_vector = make_entry("json-2", vector=None, features=None)
    assert CacheEntry.from_bytes(no_vector.to_bytes()).vector is None


def _resealed(entry: CacheEntry, **changes: object) -> bytes:
    """`entry`'s payload with `changes` to its JSON body and a checksum that matches again."""
    body = json.loads(entry.to_bytes().decode().partition("\n")[2]) | changes
    text = json.dumps(body, separators=(",", ":"), sort_keys=True)
    return f"{hashlib.sha256(text.encode()).hexdigest()}\n{text}".encode()


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (_resealed(make_entry("bad-1"), format=2), "unknown cache entry format 2"),
        (_resealed(make_entry("bad-2"), created="yesterday"), "ValueError"),
        (_resealed(make_entry("bad-3"), features={"reading": READING, "numbers": []}), "ValueError"),
        (b"\xff\xfe not text", "UnicodeDecodeError"),
    ],
    ids=["format", "created", "features", "not-utf8"],
)
def test_a_well_checksummed_but_unreadable_payload_is_corrupt(payload: bytes, why: str) -> None:
    with pytest.raises(CorruptEntry, match=why):
        CacheEntry.from_bytes(payload)


@pytest.mark.parametrize("reading", [None, READING - 1], ids=["before-readings-were-stored", "older"])
def test_an_entry_with_features_of_another_reading_reads_without_them(reading: int | None) -> None:
    entry = make_entry("old-reading")
    assert entry.features is not None
    features = entry.features.to_json()
    if reading is None:
        del features["reading"], features["actions"]  # as a v3 entry was written
    else:
        features["reading"] = reading
    back = CacheEntry.from_bytes(_resealed(entry, features=features))
    assert back.features is None  # never compared by the rules, so never a semantic hit
    assert back.answer == entry.answer and back.anchors == entry.anchors  # still an exact hit


def test_an_entry_answers_a_turn_keeping_its_question_and_redactions() -> None:
    redaction = Redaction(Stage.INPUT, "EMAIL_ADDRESS", "<EMAIL_ADDRESS_1>")
    turn = Turn(question="Can I return it, <EMAIL_ADDRESS_1>?", redactions=(redaction,))
    entry = make_entry("apply-1", groundedness=0.9)
    answered = entry.apply(turn)
    assert (answered.question, answered.redactions) == (turn.question, turn.redactions)
    assert (answered.answer, answered.citations, answered.documents) == (entry.answer, entry.citations, entry.documents)
    assert answered.groundedness == 0.9
