"""Validation against the index and across records: coverage, duplicates, leakage, consensus."""

from __future__ import annotations

import pytest
from tests.evals.conftest import record

from ragfort.evals.golden import load_golden
from ragfort.evals.validate import validate_golden


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
