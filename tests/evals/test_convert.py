"""Dataset converters: golden records plus a corpus whose file names are the doc ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import shared_data

from ragfort.errors import InputError
from ragfort.evals.convert import convert
from ragfort.evals.golden import load_golden

FIXTURES = Path(__file__).parent / "fixtures"


def test_squad_questions_become_records_and_paragraphs_corpus_files(tmp_path: Path) -> None:
    result = convert("squad", FIXTURES / "squad_tiny.json", tmp_path / "out")
    load = load_golden(result.golden)
    assert load.problems == ()
    by_id = {r.id: r for r in load.records}
    assert set(by_id) == {"squad-r1", "squad-r2", "squad-r3"}
    assert by_id["squad-r1"].answerable and by_id["squad-r1"].reference_answer == "24 months after they are earned"
    assert not by_id["squad-r2"].answerable and by_id["squad-r2"].relevant_doc_ids == ()
    files = sorted(p.name for p in result.corpus.iterdir())
    assert files == ["voltwise-rewards-000.txt", "voltwise-rewards-001.txt"]
    assert by_id["squad-r3"].relevant_doc_ids == ("voltwise-rewards-001.txt",)
    assert "100 points per dollar" in (result.corpus / "voltwise-rewards-000.txt").read_text(encoding="utf-8")


def test_faq_csv_uses_reworded_questions_when_a_similarity_file_is_beside_it(tmp_path: Path) -> None:
    src = tmp_path / "faq"
    src.mkdir()
    (src / "faq.csv").write_text(
        'question,answer\n"How do refunds work?","Refunds go back to your card in 5-7 days."\n'
        '"Can I pause my plan?","Yes, for up to 3 months."\n',
        encoding="utf-8",
    )
    (src / "eval_question_similarity_en.csv").write_text(
        "question_1,question_2,similar\nHow do refunds work?,When do I get my money back?,1\n"
        "Can I pause my plan?,Can I cancel my plan?,0\n",
        encoding="utf-8",
    )
    result = convert("faq-csv", src, tmp_path / "out")
    [rec] = load_golden(result.golden).records
    assert rec.question == "When do I get my money back?"
    assert rec.relevant_doc_ids == ("faq-0001-how-do-refunds-work.md",)
    assert result.documents == 2
    assert any("not similar" in note for note in result.notes)


def test_clapnq_keeps_unanswerable_passages_in_the_corpus(tmp_path: Path) -> None:
    src = shared_data("clapnq")
    result = convert("clapnq", src, tmp_path / "out")
    load = load_golden(result.golden)
    assert len(load.records) == 600
    answerable = [r for r in load.records if r.answerable]
    assert len(answerable) == 300
    assert all(len(r.relevant_doc_ids) == 1 and r.reference_answer for r in answerable)
    assert all(not r.relevant_doc_ids for r in load.records if not r.answerable)
    corpus = {p.name for p in result.corpus.iterdir()}
    assert {d for r in answerable for d in r.relevant_doc_ids} <= corpus
    assert len(corpus) > 590  # unanswerable questions' passages are there too


def test_unknown_formats_and_missing_sources_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown format 'csv'"):
        convert("csv", tmp_path, tmp_path / "out")
    with pytest.raises(InputError, match="does not exist"):
        convert("squad", tmp_path / "missing.json", tmp_path / "out")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"nope": 1}), encoding="utf-8")
    with pytest.raises(InputError, match="SQuAD"):
        convert("squad", bad, tmp_path / "out")
