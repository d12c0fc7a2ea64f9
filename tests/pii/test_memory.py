"""A long-running service must not grow with every new word it reads: spaCy's strings are dropped after each text."""

from __future__ import annotations

import random

from ragfort.pii.detect import get_detector
from ragfort.pii.settings import PIISettings


def _gibberish(rnd: random.Random) -> str:
    return " ".join("".join(rnd.choice("bcdfghjklmnpqrstvwxz") for _ in range(8)) for _ in range(5))


def test_unique_texts_do_not_grow_the_vocabulary() -> None:
    detector = get_detector(PIISettings())
    assert detector.ner_available
    strings = detector._nlp.vocab.strings
    rnd = random.Random(5)
    detector.detect(f"Warm-up for Jane Doe, {_gibberish(rnd)}")
    before = len(strings)
    found = []
    for i in range(200):
        found.append(detector.detect(f"Hi, I'm Maria Lopez, mail me at maria{i}@example.org about {_gibberish(rnd)}"))
    assert len(strings) == before  # every made-up word was forgotten again
    assert all({"PERSON", "EMAIL_ADDRESS"} <= {d.entity for d in f} for f in found)  # and detection still works


def test_batches_forget_their_words_too() -> None:
    detector = get_detector(PIISettings())
    strings = detector._nlp.vocab.strings
    rnd = random.Random(6)
    detector.detect_batch([f"Warm-up {_gibberish(rnd)}"])
    before = len(strings)
    out = detector.detect_batch([f"Call John Smith at 415-555-01{i:02d} re {_gibberish(rnd)}" for i in range(40)])
    assert len(strings) == before
    assert all(any(d.entity == "PHONE_NUMBER" for d in found) for found in out)
