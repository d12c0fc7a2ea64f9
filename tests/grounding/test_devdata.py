"""The development-set loaders, each on a tiny file in the layout of the real set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragfort.grounding.devdata import DATASETS, data_dir, load_begin, load_dataset, load_halueval, load_wice


@pytest.fixture
def dev_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RAGFORT_DEV_DATA", str(tmp_path))
    return tmp_path


def _write_halueval(root: Path, n: int) -> None:
    folder = root / "halueval_qa"
    folder.mkdir()
    rows = [
        {
            "knowledge": f"Fact number {i}.",
            "question": f"Question {i}?",
            "right_answer": f"right {i}",
            "hallucinated_answer": f"wrong {i}",
        }
        for i in range(n)
    ]
    (folder / "qa_data_full_10k.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")


def test_the_data_folder_comes_from_the_environment(dev_data: Path) -> None:
    assert data_dir() == dev_data


def test_halueval_gives_a_supported_and_a_hallucinated_answer_per_sampled_question(dev_data: Path) -> None:
    _write_halueval(dev_data, 10)
    examples = load_halueval(questions=4, seed=1)
    assert len(examples) == 8
    for right, wrong in zip(examples[::2], examples[1::2], strict=True):
        i = right.group[1:]
        assert (right.answer, right.label, wrong.answer, wrong.label) == (f"right {i}", 1, f"wrong {i}", 0)
        assert right.group == wrong.group and right.passages == wrong.passages
        assert right.passages[0].text == f"Fact number {i}." and right.question == f"Question {i}?"
    assert [e.group for e in load_halueval(questions=4, seed=1)] == [e.group for e in examples]  # a fixed sample
    assert len(load_halueval(questions=50)) == 20  # never more questions than the file has


def test_begin_drops_generic_responses_and_groups_by_knowledge(dev_data: Path) -> None:
    folder = dev_data / "begin"
    folder.mkdir()
    lines = [
        "knowledge\tresponse\tbegin_label",
        "The shop opens at 9.\tIt opens at 9.\tFully attributable",
        "The shop opens at 9.\tIt opens at 10.\tNot fully attributable",
        "The shop opens at 9.\tHow nice!\tGeneric",
        'Prices include "VAT".\tPrices include VAT.\tFully attributable',
    ]
    (folder / "wow_dev_1.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "wow_test_1.tsv").write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")  # not a dev file
    examples = load_begin()
    assert [(e.answer, e.label) for e in examples] == [
        ("It opens at 9.", 1),
        ("It opens at 10.", 0),
        ("Prices include VAT.", 1),
    ]
    assert examples[0].group == examples[1].group != examples[2].group
    assert examples[2].passages[0].text == 'Prices include "VAT".'  # quotes kept as written


def test_wice_keeps_the_evidence_sentences_as_exact_spans(dev_data: Path) -> None:
    folder = dev_data / "wice"
    folder.mkdir()
    rows = [
        {"claim": "A was born in 1900.", "evidence": [" A was born in 1900. ", "", "A died in 1950."],
         "label": "supported", "meta": {"id": "w1"}},
        {"claim": "A was a painter.", "evidence": ["A wrote novels."], "label": "partially_supported",
         "meta": {"id": "w2"}},
    ]  # fmt: skip
    (folder / "oracle_claim_dev.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    first, second = load_wice()
    (passage,) = first.passages
    assert passage.text == "A was born in 1900. A died in 1950."
    assert [passage.text[s:e] for s, e in passage.sentences] == ["A was born in 1900.", "A died in 1950."]
    assert (first.label, second.label) == (1, 0)
    assert (first.group, first.dataset) == ("w1", "wice")


def test_datasets_load_by_name_and_an_unknown_name_lists_the_known_ones(dev_data: Path) -> None:
    _write_halueval(dev_data, 3)
    assert len(load_dataset("halueval", halueval_questions=2)) == 4
    assert DATASETS == ("halueval", "begin", "wice")
    with pytest.raises(ValueError, match="known: halueval, begin, wice"):
        load_dataset("squad")
