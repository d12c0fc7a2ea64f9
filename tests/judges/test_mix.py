"""The support mix and the helpers every task's mix shares, on tiny cases written here (no shared data)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from ragfort.errors import ConfigError
from ragfort.judges.mix import (
    GENERATED_LICENSE,
    Mix,
    MixSettings,
    build_mix,
    case_pair,
    case_premise,
    default_data_dir,
    evidence_span,
    finish_mix,
    hold_back,
    load_cases,
    place_generated,
    sentence_spans,
    window_pairs,
)
from ragfort.judges.perturb import Pair


def _case(n: int, corpus: str, split: str, answer: str, *, label: str = "supported", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{corpus}-{n}",
        "corpus": corpus,
        "split": split,
        "question": "Can I return an opened phone?",
        "passages": [{"doc_id": f"{corpus}/a.md", "text": " Opened phones can be returned. "},
                     {"doc_id": f"{corpus}/b.md", "text": "Refunds take 5 days."}],
        "answer": answer,
        "label": label,
    } | extra  # fmt: skip


def _write_cases(root: Path, name: str, rows: list[dict[str, Any]]) -> None:
    folder = root / "evals" / "grounding"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _pair(doc: str, label: int = 1, corpus: str = "c") -> Pair:
    return Pair(f"premise of {doc}", f"claim {label}", label, "paraphrase", corpus, doc)


def test_a_case_becomes_a_pair_with_its_question_only_when_the_answer_needs_it() -> None:
    short = case_pair(_case(1, "shop", "train", "Yes, you can."))
    assert short.hypothesis == "Can I return an opened phone?\nYes, you can."
    assert short.premise == "Opened phones can be returned."  # "opened", from the question it is read with
    assert (short.label, short.corpus, short.doc_id) == (1, "shop", "shop/a.md")
    statement = "Opened phones can be returned within the usual return window."
    assert case_pair(_case(2, "shop", "train", statement, label="unsupported")).hypothesis == statement
    tagged = case_pair(_case(3, "shop", "train", statement, kind="fragment"))
    assert tagged.hypothesis.startswith("Can I return") and tagged.kind == "fragment"


def test_a_cases_premise_is_the_passage_holding_the_answers_nearest_sentence() -> None:
    """The judge reads one passage at run time (the one holding the claim's nearest sentence), so training does."""
    refund = "Refunds reach your card within 5 days of the return."
    case = _case(1, "shop", "train", refund, label="supported")
    assert case_pair(case).premise == "Refunds take 5 days."
    assert case_premise(["Opened phones can be returned.", "Refunds take 5 days. " + refund], refund) == (
        "Refunds take 5 days. " + refund
    )
    # A tie, or nothing shared, goes to the better ranked passage; no passages, no premise.
    assert case_premise(["First passage.", "Second passage."], "Unrelated words.") == "First passage."
    assert case_premise([], "Anything.") == ""


def test_cases_repeat_weighs_the_hand_written_cases(tmp_path: Path) -> None:
    _write_cases(tmp_path, "a", [_case(1, "shop", "train", "Yes."), _case(2, "shop", "dev", "No.")])
    for repeat in (1, 3):
        m = build_mix("support", MixSettings(root=tmp_path, data=tmp_path, public_max=0, public_dev=0,
                                            per_sentence=0, cases_repeat=repeat))  # fmt: skip
        assert len([p for p in m.train if p.corpus == "shop"]) == repeat
        assert {c.rows for c in m.counts if c.source == "cases/shop" and c.part == "train"} == {1}
    with pytest.raises(ConfigError, match="cases_repeat must be at least 1, got 0"):
        build_mix("support", MixSettings(root=tmp_path, data=tmp_path, public_max=0, per_sentence=0, cases_repeat=0))


def test_cases_load_per_corpus_for_one_split_and_a_bad_line_is_named(tmp_path: Path) -> None:
    _write_cases(tmp_path, "a", [_case(1, "shop", "train", "Yes."), _case(2, "shop", "dev", "No."),
                                 _case(3, "bank", "train", "Yes.")])  # fmt: skip
    train = load_cases(tmp_path, split="train")
    assert sorted(train) == ["bank", "shop"] and [len(v) for _, v in sorted(train.items())] == [1, 1]
    assert [p.hypothesis.splitlines()[-1] for p in load_cases(tmp_path, split="dev")["shop"]] == ["No."]
    (tmp_path / "evals" / "grounding" / "b.jsonl").write_text('\n{"split": "train", "answer": "x"}\n')
    with pytest.raises(ConfigError, match=r"b\.jsonl:2: not a grounding case"):
        load_cases(tmp_path, split="train")


def test_generated_pairs_are_filed_by_their_documents_split(tmp_path: Path) -> None:
    folder = tmp_path / "evals" / "grounding"
    folder.mkdir(parents=True)
    (folder / "shop.splits.json").write_text(json.dumps({"./dev.md": "dev", "test.md": "test"}), encoding="utf-8")
    pairs = [_pair("train.md"), _pair("./dev.md"), _pair("test.md"), _pair("unlisted.md")]
    settings = MixSettings(root=tmp_path, data=tmp_path)
    dev: dict[str, list[Pair]] = {}
    counts: list[Any] = []
    kept = place_generated("shop", pairs, settings, random.Random(0), dev=dev, counts=counts)
    assert [p.doc_id for p in kept] == ["train.md", "unlisted.md"]  # test documents are dropped, never moved
    assert [p.doc_id for p in dev["generated/shop"]] == ["./dev.md"]
    assert [(c.part, c.rows, c.license) for c in counts] == [
        ("train", 2, GENERATED_LICENSE),
        ("generated/shop", 1, GENERATED_LICENSE),
    ]
    held = MixSettings(root=tmp_path, data=tmp_path, holdout=("shop",))
    assert place_generated("shop", pairs, held, random.Random(0), dev=dev, counts=counts) == []
    assert len(dev["heldout/shop"]) == 4


def test_hold_back_keeps_groups_whole() -> None:
    picked = [_pair("a"), _pair("a", 0), _pair("b"), _pair("b", 0), _pair("b"), _pair("c")]
    held, rest = hold_back(picked, 3)
    assert [p.doc_id for p in held] == ["a", "a", "b", "b", "b"] and [p.doc_id for p in rest] == ["c"]
    assert hold_back(picked, 0) == ([], picked)


def test_the_support_mix_trains_on_train_cases_and_selects_on_dev_cases(tmp_path: Path) -> None:
    _write_cases(tmp_path, "cases", [
        _case(1, "shop", "train", "Yes."), _case(2, "shop", "train", "No.", label="unsupported"),
        _case(3, "shop", "dev", "Yes."), _case(4, "shop", "test", "Never trained on."),
        _case(5, "bank", "train", "Yes."), _case(6, "bank", "dev", "No.", label="unsupported"),
    ])  # fmt: skip
    settings = MixSettings(root=tmp_path, data=tmp_path, public_max=0, public_dev=0, per_sentence=0, corpora=())
    mix = build_mix("support", settings)
    assert mix.task == "support" and len(mix.train) == 3
    assert not any("Never trained on." in p.hypothesis for p in mix.train)
    assert mix.selection == ("cases/bank", "cases/shop") and len(mix.selection_pairs()) == 2
    assert {c.source for c in mix.counts} == {"cases/bank", "cases/shop"} and all(c.license for c in mix.counts)

    held = build_mix("support", MixSettings(root=tmp_path, data=tmp_path, holdout=("shop",), public_max=0,
                                            public_dev=0, per_sentence=0, corpora=()))  # fmt: skip
    assert {p.corpus for p in held.train} == {"bank"} and held.selection == ("cases/bank",)
    assert "cases/shop" in held.dev  # still measured, never trained on


def test_bad_settings_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown judge task 'nli'; known: answerability, equivalence, support"):
        build_mix("nli", MixSettings(root=tmp_path, data=tmp_path))
    with pytest.raises(ConfigError, match="unknown corpus to hold out"):
        build_mix("support", MixSettings(root=tmp_path, data=tmp_path, holdout=("atlantis",), per_sentence=0))
    with pytest.raises(ConfigError, match="does not exist"):
        build_mix("support", MixSettings(root=tmp_path, data=tmp_path / "nowhere", per_sentence=0, corpora=()))
    with pytest.raises(ConfigError, match="empty"):
        finish_mix("support", MixSettings(root=tmp_path, data=tmp_path), train=[], dev={}, selection=(), counts=(),
                   corpora=())  # fmt: skip


def test_the_digest_follows_the_training_pairs_and_their_order() -> None:
    a, b = _pair("a"), _pair("b", 0)

    def mix(*train: Pair) -> Mix:
        return Mix(task="support", train=train, dev={}, selection=(), counts=())

    assert mix(a, b).digest() == mix(a, b).digest()
    assert mix(a, b).digest() != mix(b, a).digest()
    assert mix(a, b).digest() != mix(a, _pair("b", 1)).digest()


def test_the_shared_data_folder_can_be_set_in_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGFORT_SHARED_DATA", str(tmp_path))
    assert default_data_dir() == tmp_path
    monkeypatch.delenv("RAGFORT_SHARED_DATA")
    assert default_data_dir(tmp_path / "repo") == tmp_path.resolve() / "shared" / "data"


def test_the_counterfactual_option_adds_mirrored_flips_to_the_generated_training_pairs(tmp_path: Path) -> None:
    from ragfort.judges.mix import repo_root

    def mix(counterfactual: bool) -> Any:
        settings = MixSettings(root=repo_root(), data=tmp_path, public_max=0, public_dev=0, per_sentence=1,
                               corpora=("voltwise",), counterfactual=counterfactual)  # fmt: skip
        return build_mix("support", settings)

    plain, mirrored = mix(False), mix(True)
    added = [p for p in mirrored.train if p.kind == "counterfactual"]
    assert added and not [p for p in plain.train if p.kind == "counterfactual"]
    assert all(p.label == 1 and p.corpus == "voltwise" for p in added)
    # Each supported mirror has its unsupported twin on the same rewritten passage.
    wrong = {(p.premise, p.doc_id) for p in mirrored.train if p.kind == "negation" and p.label == 0}
    assert all((p.premise, p.doc_id) in wrong for p in added)
    assert len(mirrored.train) > len(plain.train)


def test_sentence_spans_cut_sentences_and_list_items() -> None:
    text = "# Returns\n\nOpened phones can be returned. Refunds take 5 days.\n- Item one\n"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "# Returns", "Opened phones can be returned.", "Refunds take 5 days.", "- Item one",
    ]  # fmt: skip
    assert sentence_spans("   ") == []


def test_the_evidence_span_is_the_sentence_sharing_most_words_with_the_claim() -> None:
    text = "Opened phones can be returned. Refunds take 5 days to arrive. Refunds are paid to the card."
    a, b = evidence_span(text, "Your refund arrives within 5 days.")
    assert text[a:b] == "Refunds take 5 days to arrive."
    # No shared word: the first sentence (ties go to the earlier one).
    a, b = evidence_span(text, "Unrelated.")
    assert text[a:b] == "Opened phones can be returned."


def _reads(limit: int) -> Any:
    """A judge that reads the first `limit` characters of any premise."""
    return lambda premise, hypothesis: min(len(premise), limit)


def test_window_pairs_shows_the_judge_an_evidence_sentence_that_lies_past_its_cut() -> None:
    filler = " ".join(f"Filler sentence number {i}." for i in range(12))
    premise = f"# Refunds\n\n{filler} Refunds of a voucher take 9 days."
    far = Pair(premise, "A voucher refund takes 9 days.", 1, "paraphrase", "shop", "shop/a.md")
    near = Pair(premise, "Filler sentence number 0.", 1, "verbatim", "shop", "shop/a.md")
    out, changed = window_pairs([far, near], _reads(120))
    assert changed == 1
    assert out[1] == near  # its evidence fits: unchanged
    window = out[0].premise
    assert window.startswith("# Refunds\n\n") and window.endswith("Refunds of a voucher take 9 days.")
    assert len(window) <= 120 and len(window) < len(premise)
    assert (out[0].hypothesis, out[0].label, out[0].doc_id) == (far.hypothesis, far.label, far.doc_id)
    # A judge that reads everything changes nothing.
    assert window_pairs([far, near], _reads(10_000)) == ([far, near], 0)


def test_the_window_option_applies_to_the_in_domain_pairs_and_is_recorded(tmp_path: Path) -> None:
    from ragfort.judges.mix import repo_root

    def mix(window: int) -> Mix:
        settings = MixSettings(root=repo_root(), data=tmp_path, public_max=0, public_dev=0, per_sentence=1,
                               corpora=("voltwise",), window=window)  # fmt: skip
        return build_mix("support", settings)

    plain, windowed = mix(0), mix(64)
    assert "window" not in plain.settings and windowed.settings["window"] == 64
    counts = windowed.settings["windowed"]
    assert counts["train"] > 0 and set(counts) >= {"train", "cases/voltwise", "generated/voltwise"}
    assert len(plain.train) == len(windowed.train)
    changed = [(a, b) for a, b in zip(plain.train, windowed.train, strict=True) if a != b]
    assert len(changed) == counts["train"]
    assert all(b.premise != a.premise and b.hypothesis == a.hypothesis and b.label == a.label for a, b in changed)
    assert all(len(b.premise) < len(a.premise) for a, b in changed)
