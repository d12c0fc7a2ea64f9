"""Validation against the index and across records: coverage, duplicates, leakage, consensus."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import REPO
from tests.evals.conftest import record

from ragfort.evals.golden import load_golden, split_of
from ragfort.evals.validate import validate_golden

CONVERSATIONS = REPO / "evals" / "conversations.jsonl"


def _kinds(validated) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, set[str]] = {}
    for p in validated.problems:
        out.setdefault(p.kind, set()).add(p.record_id)
    return out


def test_records_citing_docs_missing_from_the_index_are_dropped(write_jsonl) -> None:
    load = load_golden(
        write_jsonl(
            [
                record("ok", "q1", answerable=True, reference_answer="a", relevant_doc_ids=["a.md"]),
                record("bad", "q2", answerable=True, reference_answer="a", relevant_doc_ids=["a.md", "gone.md"]),
            ]
        )
    )
    validated = validate_golden(load, doc_ids=["a.md", "b.md"])
    assert [r.id for r in validated.records] == ["ok"]
    [problem] = validated.errors
    assert problem.kind == "unknown-doc" and "gone.md" in problem.message and problem.line == 2


@pytest.mark.slow
def test_near_duplicates_and_split_leakage_are_found_with_minilm(write_jsonl) -> None:
    from ragfort.embeddings import get_embedder

    load = load_golden(
        write_jsonl(
            [
                record("a", "How long do I have to return my phone?", tags=["split:train"]),
                record("b", "How long do I have to return my phone ?", tags=["split:train"]),
                record("c", "How long do I have to return my phone??", tags=["split:test"]),
                record("d", "How much time do I have to return my phone?", tags=["split:test"]),
                record("e", "Can I pay my bill with PayPal?", tags=["split:test"]),
            ]
        )
    )
    validated = validate_golden(load, embed=get_embedder().encode, near_threshold=0.9)
    kinds = _kinds(validated)
    assert kinds["duplicate-question"] == {"b"}
    assert {"c", "d"} <= kinds["split-leak"]
    assert "e" not in set().union(*kinds.values())
    # Warnings only: every record still runs.
    assert len(validated.records) == 5 and validated.errors == []


def test_records_without_reviewer_consensus_stay_out_and_kappa_is_reported(write_jsonl) -> None:
    def labelled(rid: str, answerable: bool, *votes: bool) -> dict[str, object]:
        return record(
            rid,
            f"question {rid}",
            answerable=answerable,
            reference_answer="r",
            labels=[{"reviewer": n, "answerable": v} for n, v in zip("xy", votes, strict=True)],
        )

    load = load_golden(
        write_jsonl(
            [
                labelled("agree", True, True, True),
                labelled("split", True, True, False),
                labelled("overruled", True, False, False),
            ]
        )
    )
    validated = validate_golden(load)
    assert [r.id for r in validated.records] == ["agree", "overruled"]
    assert validated.records[1].answerable is False
    kinds = _kinds(validated)
    assert kinds["no-consensus"] == {"split"} and kinds["label-mismatch"] == {"overruled"}
    assert validated.agreement.kappa is not None
    assert validated.to_dict()["agreement"]["no_consensus"] == ["split"]


def _turns(*texts: str) -> list[dict[str, str]]:
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(texts)]


def test_follow_ups_typed_alike_in_different_conversations_are_not_duplicates(write_jsonl) -> None:
    phone = _turns("Can I return my phone?", "Yes, within 14 days.")
    case = _turns("Can I return a case?", "Yes, within 30 days.")
    load = load_golden(
        write_jsonl(
            [
                record("phone", "Is there a fee for it?", history=phone, tags=["split:dev"]),
                record("case", "Is there a fee for it?", history=case, tags=["split:test"]),
                record("again", "is there a fee for it", history=phone, tags=["split:dev"]),
                record(
                    "named",
                    "And a fee?",
                    history=case,
                    standalone_question="Is there a fee for returning a case?",
                    tags=["split:dev"],
                ),
                record("plain", "Is there a fee for returning a case?", tags=["split:test"]),
            ]
        )
    )
    kinds = _kinds(validate_golden(load))
    # The same conversation twice is a duplicate; so is a conversation whose standalone
    # question is asked on its own in another split.
    assert kinds == {"duplicate-question": {"again"}, "split-leak": {"plain"}}


def test_a_standalone_question_without_history_is_flagged_but_kept(write_jsonl) -> None:
    load = load_golden(write_jsonl([record("s", "q?", standalone_question="The full q?")]))
    validated = validate_golden(load)
    assert [r.id for r in validated.records] == ["s"]
    [problem] = validated.warnings
    assert problem.kind == "inconsistent" and "no history" in problem.message


@pytest.mark.slow
def test_the_bundled_conversation_set_validates_against_the_help_center(help_center_index: Path) -> None:
    from ragfort.index.store import Index

    load = load_golden(CONVERSATIONS)
    validated = validate_golden(load, doc_ids=Index(help_center_index).doc_ids)
    assert validated.problems == (), [str(p) for p in validated.problems]
    records = validated.records
    assert len(records) >= 40
    assert all(r.history and r.standalone_question for r in records)
    tags = Counter(t for r in records for t in r.tags)
    assert min(tags["topic-switch"], tags["unanswerable"], tags["pii"]) >= 3
    assert all(not r.answerable and not r.relevant_doc_ids for r in records if "unanswerable" in r.tags)
    assert all(split_of(r) in ("dev", "test") for r in records)
    # No article is a relevant document in both splits.
    splits: dict[str, set[str | None]] = {}
    for r in records:
        for doc in r.relevant_doc_ids:
            splits.setdefault(doc, set()).add(split_of(r))
    assert {doc for doc, seen in splits.items() if len(seen) > 1} == set()
