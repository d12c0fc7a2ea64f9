"""Loading golden sets: schema problems are reported per line, never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.evals.conftest import record

from ragfort.errors import GoldenSetError
from ragfort.evals.golden import GoldenRecord, load_golden, split_of, write_golden


def test_valid_records_load_and_bad_lines_are_reported_with_their_line_numbers(write_jsonl) -> None:
    path = write_jsonl(
        [
            record("a", "How long do refunds take?"),
            "{not json",
            record("b", "   "),
            {"id": "c", "question": "Missing answerable"},
            record("d", "Typo field", relevent_doc_ids=["x.md"]),
            [1, 2],
            record("e", "Fine again", answerable=True, reference_answer="yes", relevant_doc_ids=["x.md"]),
        ]
    )
    load = load_golden(path)
    assert [r.id for r in load.records] == ["a", "e"]
    by_line = {p.line: p for p in load.problems}
    assert set(by_line) == {2, 3, 4, 5, 6}
    assert by_line[2].kind == "json"
    assert "question" in by_line[3].message
    assert by_line[4].record_id == "c" and "answerable" in by_line[4].message
    assert "relevent_doc_ids" in by_line[5].message
    assert by_line[6].kind == "schema"
    assert load.lines == {"a": 1, "e": 7}


def test_a_repeated_id_is_an_error_naming_the_first_line(write_jsonl) -> None:
    load = load_golden(write_jsonl([record("q1", "one"), record("q1", "two")]))
    assert [r.question for r in load.records] == ["one"]
    assert load.problems[0].kind == "duplicate-id"
    assert "line 1" in load.problems[0].message and load.problems[0].line == 2


def test_unreviewed_candidates_are_kept_out(write_jsonl) -> None:
    load = load_golden(write_jsonl([record("fb-1", "q", tags=["needs-review"])]))
    assert load.records == ()
    assert load.problems[0].kind == "needs-review"


def test_a_missing_file_raises_a_golden_set_error(tmp_path: Path) -> None:
    with pytest.raises(GoldenSetError, match="does not exist"):
        load_golden(tmp_path / "nope.jsonl")


def test_records_round_trip_through_write_golden(tmp_path: Path) -> None:
    rec = GoldenRecord(
        id="x",
        question="q?",
        answerable=True,
        reference_answer="r",
        relevant_doc_ids=("d.md",),
        tags=("split:test",),
        labels=({"reviewer": "a", "answerable": True},),
    )  # type: ignore[arg-type]
    load = load_golden(write_golden([rec], tmp_path / "g.jsonl"))
    assert load.records == (rec,)
    assert split_of(load.records[0]) == "test"
