"""The labelled support-message sets (evals/pii/support_messages*.jsonl) are well formed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ragfort.pii.settings import DEFAULT_ENTITIES

SETS = Path(__file__).resolve().parents[2] / "evals" / "pii"
KNOWN = set(DEFAULT_ENTITIES)  # every label names a type the default settings detect


@pytest.fixture(
    scope="module", params=["support_messages.jsonl", "support_messages_fresh.jsonl", "support_messages_fresh2.jsonl"]
)
def rows(request: pytest.FixtureRequest) -> list[dict]:
    path = SETS / request.param
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_row_has_the_documented_fields_and_valid_spans(rows: list[dict]) -> None:
    for row in rows:
        assert set(row) == {"id", "text", "lang", "split", "spans"}, row["id"]
        assert row["split"] in {"dev", "test"}, row["id"]
        previous_end = 0
        for span in row["spans"]:
            assert span["entity"] in KNOWN, (row["id"], span)
            assert 0 <= span["start"] < span["end"] <= len(row["text"]), (row["id"], span)
            value = row["text"][span["start"] : span["end"]]
            assert value == value.strip() and value, (row["id"], value)
            assert span["start"] >= previous_end, f"{row['id']}: spans overlap or are unsorted"
            previous_end = span["end"]


def test_size_languages_and_splits(rows: list[dict]) -> None:
    assert len(rows) >= 160
    assert len({r["id"] for r in rows}) == len(rows)
    langs = Counter(r["lang"] for r in rows)
    assert langs["fr"] + langs["de"] + langs["es"] >= 30 and langs["it"] >= 3
    splits = Counter(r["split"] for r in rows)
    assert splits["dev"] > 0 and splits["test"] > 0
    assert sum(1 for r in rows if not r["spans"]) >= 30  # messages with nothing personal


def test_every_new_type_is_in_both_splits(rows: list[dict]) -> None:
    for split in ("dev", "test"):
        types = {s["entity"] for r in rows if r["split"] == split for s in r["spans"]}
        assert {"DATE_OF_BIRTH", "IMEI", "ICCID", "MAC_ADDRESS", "ACCOUNT_NUMBER", "PASSPORT_NUMBER"} <= types, split
