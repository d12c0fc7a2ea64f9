"""The equivalence mix: splits respected, both orders, licenses listed, clear errors for bad input."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ragfort.errors import ConfigError
from ragfort.judges.equivalence_mix import (
    EQUIVALENCE_PUBLIC,
    _edit_question,
    case_questions,
    equivalence_mix,
    generate_equivalence,
    load_equivalence_cases,
)
from ragfort.judges.mix import Mix, MixSettings, _splits, build_mix, default_data_dir, repo_root
from ragfort.judges.perturb import CORPORA

ROOT = repo_root()
DATA = default_data_dir()
needs_data = pytest.mark.skipif(
    not (DATA / "answerability" / "banking77").is_dir(),
    reason=f"the shared training data is not here ({DATA}); set RAGFORT_SHARED_DATA to run these",
)


@pytest.fixture(scope="module")
def mix() -> Mix:
    if not (DATA / "answerability" / "banking77").is_dir():
        pytest.skip(f"the shared training data is not here ({DATA}); set RAGFORT_SHARED_DATA to run these")
    return build_mix("equivalence", MixSettings(root=ROOT, data=DATA, public_max=60, public_dev=20))


def _test_questions() -> set[str]:
    out: set[str] = set()
    for pairs in load_equivalence_cases(ROOT, split="test").values():
        for p in pairs:
            out |= {p.premise, p.hypothesis}
    return out


@needs_data
def test_no_test_document_and_no_test_pair_is_trained_on(mix: Mix) -> None:
    test_pairs = {(p.premise, p.hypothesis) for ps in load_equivalence_cases(ROOT, split="test").values() for p in ps}
    trained = {(p.premise, p.hypothesis) for p in mix.train}
    assert not test_pairs & trained
    assert not {(b, a) for a, b in test_pairs} & trained
    for corpus in ("voltwise", "northbeam"):
        splits = _splits(ROOT, corpus)
        assert splits, f"{corpus} has a splits file"
        docs = {p.doc_id.removeprefix("./") for p in mix.train if p.corpus == corpus}
        assert docs, f"{corpus} contributes training pairs"
        assert not [d for d in docs if splits.get(d) == "test"]


@needs_data
def test_generated_pairs_from_test_documents_are_left_out_not_moved(mix: Mix) -> None:
    # The generator does make pairs in test documents; the mix drops them instead of training or selecting on them.
    made = generate_equivalence(CORPORA["voltwise"], corpus="voltwise", per_seed=2)
    splits = _splits(ROOT, "voltwise")
    in_test = {(p.premise, p.hypothesis) for p in made if splits.get(p.doc_id) == "test"}
    assert in_test
    # (Another corpus may place the same written task in one of its own documents: compare within voltwise.)
    used = {(p.premise, p.hypothesis) for p in mix.train if p.corpus == "voltwise"} | {
        (p.premise, p.hypothesis) for ps in mix.dev.values() for p in ps if p.corpus == "voltwise"
    }
    assert not in_test & used


@needs_data
def test_cases_repeat_weighs_the_hand_written_pairs_in_both_orders() -> None:
    def hand_written(repeat: int) -> list[tuple[str, str]]:
        m = equivalence_mix(MixSettings(root=ROOT, data=DATA, public_max=0, public_dev=0, per_sentence=0,
                                        cases_repeat=repeat))  # fmt: skip
        return [(p.premise, p.hypothesis) for p in m.train if p.corpus == "skylark"]

    once, twice = hand_written(1), hand_written(2)
    assert once and len(twice) == 2 * len(once) and set(twice) == set(once)


def test_every_training_pair_is_there_in_both_orders(mix: Mix) -> None:
    seen = {(p.premise, p.hypothesis, p.label) for p in mix.train}
    assert all((p.hypothesis, p.premise, p.label) in seen for p in mix.train)
    labels = [p.label for p in mix.train]
    assert 0.3 < sum(labels) / len(labels) < 0.7


@needs_data
def test_checkpoints_are_chosen_on_the_hand_written_dev_pairs(mix: Mix) -> None:
    assert mix.task == "equivalence"
    assert mix.selection == ("cases/northbeam", "cases/voltwise")
    dev = load_equivalence_cases(ROOT, split="dev")
    assert [(p.premise, p.hypothesis) for p in mix.dev["cases/voltwise"]] == [
        (p.premise, p.hypothesis) for p in dev["voltwise"]
    ]


@needs_data
def test_every_source_is_counted_with_a_license_and_unlicensed_sets_are_never_read(mix: Mix) -> None:
    sources = {c.source for c in mix.counts}
    assert {"banking77", "clinc150", "stsb_images", "cases/voltwise", "generated/skylark"} <= sources
    assert all(c.license.strip() for c in mix.counts)
    assert not {s for s in sources if any(bad in s for bad in ("mrpc", "qqp", "quora", "stackfaq"))}
    licenses = {c.source: c.license for c in mix.counts}
    for spec in EQUIVALENCE_PUBLIC.values():
        assert licenses[spec.name] == spec.license
    train_rows = sum(c.rows for c in mix.counts if c.part == "train")
    assert train_rows * 2 == len(mix.train)  # counted once, trained in both orders


def _root_with(tmp_path: Path, line: str) -> Path:
    folder = tmp_path / "evals" / "equivalence"
    folder.mkdir(parents=True)
    (folder / "broken.jsonl").write_text(line + "\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "row",
    [
        {"corpus": "x", "split": "train", "q1": "a?", "q2": "b?", "kind": "k"},  # no label
        {"corpus": "x", "split": "train", "q1": "a?", "q2": "b?", "equivalent": "yes", "id": "1"},
        {"corpus": "x", "split": "train", "q1": "", "q2": "b?", "equivalent": True, "id": "1"},
    ],
)
def test_a_bad_case_line_is_a_config_error_naming_file_and_line(tmp_path: Path, row: dict[str, object]) -> None:
    root = _root_with(tmp_path, json.dumps(row))
    with pytest.raises(ConfigError, match=r"broken\.jsonl:1"):
        load_equivalence_cases(root, split="train")


def test_a_line_that_is_not_json_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"broken\.jsonl:1: not a question pair"):
        load_equivalence_cases(_root_with(tmp_path, "{not json"), split="train")


def test_an_unknown_split_or_corpus_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="split must be"):
        load_equivalence_cases(ROOT, split="validation")
    with pytest.raises(ConfigError, match="unknown corpus 'atlantis'"):
        equivalence_mix(MixSettings(root=ROOT, data=tmp_path, holdout=("atlantis",), public_max=0, public_dev=0))


def test_a_missing_public_set_is_a_config_error_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="public set 'banking77' is missing"):
        equivalence_mix(MixSettings(root=ROOT, data=tmp_path, per_sentence=0))


def test_generation_varies_one_axis_for_a_near_miss_and_only_the_form_for_a_paraphrase() -> None:
    pairs = generate_equivalence(CORPORA["northbeam"], corpus="northbeam", per_seed=1)
    kinds = {p.kind for p in pairs}
    assert {"near/channel", "near/payment", "near/asks", "near/direction"} <= kinds
    assert any(k.startswith("paraphrase/") for k in kinds)
    assert all(p.label == (1 if p.kind.startswith("paraphrase/") else 0) for p in pairs)
    assert all(p.premise.strip().lower() != p.hypothesis.strip().lower() for p in pairs)
    with pytest.raises(ConfigError, match="per_seed must be at least 1"):
        generate_equivalence(CORPORA["northbeam"], corpus="northbeam", per_seed=0)
    with pytest.raises(ConfigError, match="corpus folder does not exist"):
        generate_equivalence(Path("/nonexistent/corpus"), corpus="x")


def test_role_swaps_keep_every_word_and_change_who_does_what() -> None:
    pairs = generate_equivalence(CORPORA["voltwise"], corpus="voltwise", per_seed=1)
    swaps = [p for p in pairs if p.kind == "near/roles"]
    kept = [p for p in pairs if p.kind == "paraphrase/roles"]
    assert len(swaps) >= 10 and len(kept) >= 10
    pronouns = {"i", "me"}
    for p in swaps:
        a = sorted(w for w in p.premise.lower().rstrip("?").split() if w not in pronouns)
        b = sorted(w for w in p.hypothesis.lower().rstrip("?").split() if w not in pronouns)
        assert a == b and p.premise != p.hypothesis  # the same words, in other roles
    assert all(p.label == 0 for p in swaps) and all(p.label == 1 for p in kept)
    # The seed edits swap them too: "my sole account into a joint account" and the giver and the receiver.
    edits = {_edit_question("How do I turn my sole account into a joint account?", random.Random(i)) for i in range(30)}
    assert ("How do I turn my joint account into a sole account?", "roles") in edits
    edits = {_edit_question("Can I send money to my son?", random.Random(i)) for i in range(30)}
    assert ("Can my son send money to me?", "roles") in edits


def test_sibling_questions_about_one_document_are_near_misses() -> None:
    from ragfort.judges.equivalence_mix import SIBLINGS_PER_CORPUS, _sibling_pairs

    rows = [("How do I turn on 2FA?", "a.md"), ("What number gets my 2FA codes?", "a.md"),
            ("How do I turn on 2FA?", "a.md"), ("Can I pay by card?", "b.md")]  # fmt: skip
    pairs = _sibling_pairs(rows, "shop", random.Random(0))
    assert [(p.premise, p.hypothesis, p.label, p.kind, p.doc_id) for p in pairs] == [
        ("How do I turn on 2FA?", "What number gets my 2FA codes?", 0, "near/sibling", "a.md")
    ]
    many = [(f"Question number {i}?", "c.md") for i in range(60)]
    assert len(_sibling_pairs(many, "shop", random.Random(0))) == SIBLINGS_PER_CORPUS


@needs_data
def test_sibling_pairs_come_from_train_split_questions_only(mix: Mix) -> None:
    siblings = [p for p in mix.train if p.kind == "near/sibling"]
    assert siblings and all(p.label == 0 for p in siblings)
    held = _split_questions("dev") | _split_questions("test")
    trained = _split_questions("train")
    assert {q for p in siblings for q in (p.premise, p.hypothesis)} <= trained
    assert not {q for p in siblings for q in (p.premise, p.hypothesis)} & (held - trained)


def _split_questions(split: str) -> set[str]:
    return {q for rows in case_questions(ROOT, split=split).values() for q, _ in rows}
