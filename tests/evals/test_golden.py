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


def test_a_conversation_record_loads_with_its_history_and_standalone_question(write_jsonl) -> None:
    history = [
        {"role": "system", "content": "You are the help desk."},
        {"role": "user", "content": "How long do I have to return a phone?"},
        {"role": "assistant", "content": "14 days from delivery."},
    ]
    load = load_golden(
        write_jsonl(
            [record("c1", "What about the charger?", history=history, standalone_question="Charger return window?")]
        )
    )
    assert load.problems == ()
    [rec] = load.records
    assert [(t.role, t.content) for t in rec.history] == [(h["role"], h["content"]) for h in history]
    assert rec.standalone_question == "Charger return window?"
    assert rec.to_json()["history"] == history
    plain = load_golden(write_jsonl([record("p1", "q?")], name="plain.jsonl")).records[0]
    assert plain.history == () and plain.standalone_question is None
    assert "history" not in plain.to_json() and "standalone_question" not in plain.to_json()


@pytest.mark.parametrize(
    ("history", "field", "detail"),
    [
        ([{"role": "bot", "content": "hi"}], "history.0.role", "got 'bot'"),
        ([{"role": "user", "content": "ok"}, {"role": "assistant", "content": "  "}], "history.1.content", "blank"),
        ([{"role": "user"}], "history.0.content", "required"),
        ([{"role": "user", "content": 7}], "history.0.content", "string"),
        ([{"role": "user", "content": "hi", "name": "x"}], "history.0.name", "not permitted"),
        ([["user", "hi"]], "history", "message 0 is a list"),
        ("How long?", "history", "got str"),
    ],
)
def test_a_bad_history_is_a_schema_problem_naming_the_record_and_the_field(
    write_jsonl, history: object, field: str, detail: str
) -> None:
    load = load_golden(write_jsonl([record("ok", "q?"), record("c9", "And for that one?", history=history)]))
    assert [r.id for r in load.records] == ["ok"]
    [problem] = load.problems
    assert problem.kind == "schema" and problem.record_id == "c9" and problem.line == 2
    assert field in problem.message and detail in problem.message


def test_a_blank_standalone_question_is_a_schema_problem(write_jsonl) -> None:
    load = load_golden(write_jsonl([record("c1", "And then?", standalone_question=" ")]))
    [problem] = load.problems
    assert problem.record_id == "c1" and "standalone_question is blank" in problem.message
