"""The answerability judge's training mix: splits kept apart, every source licensed, bad data named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragfort.errors import ConfigError
from ragfort.judges.answerability_mix import (
    clapnq_half,
    clapnq_pairs,
    generate_question_pairs,
    load_answerability_cases,
)
from ragfort.judges.mix import Mix, MixSettings, _splits, build_mix, default_data_dir, repo_root

ROOT = repo_root()
DATA = default_data_dir()


def _need_data() -> None:
    if not (DATA / "clapnq").is_dir() or not (DATA / "answerability").is_dir():
        pytest.skip(f"the shared data folder {DATA} is absent (set RAGFORT_SHARED_DATA)")


@pytest.fixture(scope="module")
def mix() -> Mix:
    _need_data()
    return build_mix("answerability", MixSettings(root=ROOT, data=DATA, public_max=300, public_dev=50, per_sentence=2))


def test_no_test_question_or_test_document_is_trained_on(mix: Mix) -> None:
    test_questions = {
        str(c["question"]) for cases in load_answerability_cases(ROOT, split="test").values() for c in cases
    }
    assert test_questions, "the labelled set has a test split"
    trained_questions = {p.hypothesis for p in mix.train}
    assert not test_questions & trained_questions
    for corpus in ("voltwise", "northbeam"):
        splits = _splits(ROOT, corpus)
        test_docs = {d for d, s in splits.items() if s == "test"}
        assert test_docs
        generated = [p for p in mix.train if p.corpus == corpus and p.kind in ("answered", "same_topic", "nearby")]
        assert generated, corpus
        assert not {p.doc_id.removeprefix("./") for p in generated} & test_docs
    # The dev cases are dev sets, never training rows.
    dev_questions = {p.hypothesis for name in mix.selection for p in mix.dev[name]}
    assert dev_questions and not dev_questions & trained_questions


def test_clapnq_test_half_is_never_trained_on(mix: Mix) -> None:
    test_half = clapnq_pairs(DATA / "clapnq", half="test")
    train_half = clapnq_pairs(DATA / "clapnq", half="train")
    assert test_half and train_half
    assert not {p.doc_id for p in test_half} & {p.doc_id for p in train_half}
    assert {clapnq_half(p.doc_id.removeprefix("clapnq:")) for p in test_half} == {"test"}
    assert not {p.hypothesis for p in test_half} & {p.hypothesis for p in mix.train}
    assert {p.label for p in test_half} == {0, 1}


def test_every_source_has_a_license_and_no_research_only_set(mix: Mix) -> None:
    sources = {c.source.split("/")[0] for c in mix.counts}
    assert {"cases", "generated", "clapnq", "qnli", "selqa", "clinc150"} <= sources
    assert not sources & {"wikiqa", "insuranceqa", "techqa", "squad2"}
    assert all(c.license for c in mix.counts)
    assert {p.label for p in mix.train} == {0, 1}
    kinds = {p.kind for p in mix.train}
    assert {"answered", "same_topic", "nearby", "off_topic", "out_of_scope"} <= kinds


def test_generated_pairs_on_a_small_help_center(tmp_path: Path) -> None:
    (tmp_path / "returns.md").write_text(
        "# Returns\n\n## Return window\n\nYou can return a phone within 14 days of delivery. "
        "Refunds are paid to the card you used within 5 business days.\n\n"
        "## Damaged items\n\nIf your parcel arrives damaged, send us a photo of the box.\n",
        encoding="utf-8",
    )
    (tmp_path / "stores.md").write_text(
        "# Stores\n\n## Opening hours\n\nOur stores open at 9 a.m. and close at 6 p.m. every day. "
        "Store staff can repair a cracked screen while you wait.\n",
        encoding="utf-8",
    )
    pairs = generate_question_pairs(tmp_path, corpus="tiny", seed=3, per_chunk=2)
    assert pairs == generate_question_pairs(tmp_path, corpus="tiny", seed=3, per_chunk=2)
    positives = [p for p in pairs if p.label == 1]
    assert positives and all(p.kind == "answered" and p.hypothesis.endswith("?") for p in positives)
    for p in positives:
        # The positive's passage is the chunk its question was written from.
        assert p.doc_id in ("returns.md", "stores.md")
    negatives = [p for p in pairs if p.label == 0]
    assert negatives
    for n in negatives:
        same_question = [p for p in positives if p.hypothesis == n.hypothesis]
        if same_question:
            assert n.premise != same_question[0].premise


def test_a_bad_case_line_names_the_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "evals" / "answerability"
    folder.mkdir(parents=True)
    good = {"id": "x-1", "corpus": "x", "split": "train", "question": "Q?", "answerable": True,
            "passages": [{"doc_id": "a.md", "text": "A.", "answers": True}]}  # fmt: skip
    (folder / "x.jsonl").write_text(json.dumps(good) + "\n" + '{"split": "train", "question": 3}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"x\.jsonl:2"):
        load_answerability_cases(tmp_path, split="train")


def test_unknown_corpus_and_missing_data_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown corpus"):
        build_mix("answerability", MixSettings(root=ROOT, data=DATA, holdout=("nowhere",), per_sentence=1))
    with pytest.raises(ConfigError, match="missing"):
        build_mix("answerability", MixSettings(root=ROOT, data=tmp_path, per_sentence=1, public_max=10))


def test_counterfactual_pairs_ask_the_same_question_of_its_chunk_without_its_sentence(tmp_path: Path) -> None:
    (tmp_path / "returns.md").write_text(
        "# Returns\n\n## Return window\n\nYou can return a phone within 14 days of delivery. "
        "Refunds are paid to the card you used within 5 business days. "
        "Opened accessories can be returned if they are unused.\n",
        encoding="utf-8",
    )
    plain = generate_question_pairs(tmp_path, corpus="tiny", seed=3, per_chunk=3)
    more = generate_question_pairs(tmp_path, corpus="tiny", seed=3, per_chunk=3, counterfactual=True)
    # The option only adds pairs.
    assert [p for p in more if p.kind != "ablated"] == plain
    ablated = [p for p in more if p.kind == "ablated"]
    assert ablated and all(p.label == 0 for p in ablated)
    answered = {p.hypothesis: p.premise for p in plain if p.label == 1}
    for p in ablated:
        chunk = answered[p.hypothesis]
        # The same chunk, one sentence shorter, its heading kept.
        assert p.premise != chunk and len(p.premise) < len(chunk)
        assert p.premise.startswith("## Return window") and set(p.premise.split()) <= set(chunk.split())


def test_a_chunk_without_its_sentence_keeps_the_rest_or_is_nothing() -> None:
    from ragfort.judges.answerability_mix import _without

    chunk = "## Hours\n\nWe open at 9. We close at 6."
    assert _without(chunk, "We open at 9.") == "## Hours\n\nWe close at 6."
    assert _without(chunk, "We close at 6.") == "## Hours\n\nWe open at 9."
    assert _without(chunk, "We never close.") is None  # not in the chunk
    assert _without("## Hours\n\nWe open at 9.", "We open at 9.") is None  # only the heading would be left


def test_surface_forms_change_only_how_questions_are_typed_and_every_pair_of_a_question_shares_one(
    tmp_path: Path,
) -> None:
    (tmp_path / "returns.md").write_text(
        "# Returns\n\n## Return window\n\nYou can return a phone within 14 days of delivery. "
        "Refunds are paid to the card you used within 5 business days. "
        "Opened accessories can be returned if they are unused.\n\n"
        "## Store returns\n\nStores accept returns of devices bought online. Bring the receipt and the box.\n",
        encoding="utf-8",
    )
    (tmp_path / "stores.md").write_text(
        "# Stores\n\n## Opening hours\n\nStores open at 9am and close at 6pm. On Sundays they open at 11am.\n",
        encoding="utf-8",
    )
    plain = generate_question_pairs(tmp_path, corpus="tiny", seed=5, per_chunk=3)
    typed = generate_question_pairs(tmp_path, corpus="tiny", seed=5, per_chunk=3, surface=True)
    # The same seed gives the same forms.
    assert typed == generate_question_pairs(tmp_path, corpus="tiny", seed=5, per_chunk=3, surface=True)
    changed = {p.hypothesis for p in typed} - {p.hypothesis for p in plain}
    assert changed, "no question was asked in another form"
    # The passages and labels are the generator's own: each answered question still goes with the chunk it came from.
    assert {(p.premise, p.label) for p in typed if p.label == 1} <= {(p.premise, p.label) for p in plain}
    # A question's negatives on other passages carry its positive's form, so the form never tells the label.
    answered = {p.hypothesis for p in typed if p.label == 1}
    others = [p for p in typed if p.kind in ("same_topic", "nearby")]
    assert others and all(p.hypothesis in answered for p in others)
    assert any(p.hypothesis in changed for p in others)
