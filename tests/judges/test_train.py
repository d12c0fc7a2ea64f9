"""The training command: the data mix, an exact resume, and a miniature run end to end.

These need torch and transformers (the dev install). The tests that train
(marked ``train``) are deselected by default, so the CI suite never trains
(it tests the committed model): run them with ``python -m pytest -m train
tests/judges``. The end-to-end run also needs ../shared/data.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch
from tests.conftest import shared_data

from ragfort.errors import ConfigError
from ragfort.judges import mix, perturb, train
from ragfort.judges.mix import MixSettings, build_mix, case_pair, needs_question
from ragfort.judges.perturb import Pair
from ragfort.judges.runtime import PairJudge

from . import TINY, tiny_config, tiny_mix

# --------------------------------------------------------------------------- the mix


def _case(corpus: str, split: str, doc: str, label: str, answer: str, kind: str, n: int) -> dict[str, object]:
    return {
        "id": f"{corpus}-{n}",
        "corpus": corpus,
        "split": split,
        "question": "Can I add Care+ later?",
        "passages": [{"doc_id": doc, "text": f"Text of {doc}."}, {"doc_id": doc, "text": "More."}],
        "answer": answer,
        "label": label,
        "kind": kind,
        "error_span": None,
        "note": None,
    }


@pytest.fixture
def fake_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two corpora with cases and splits, a third without; generation faked: one pair per document and label."""
    grounding = tmp_path / "evals" / "grounding"
    grounding.mkdir(parents=True)
    splits = {"a.md": "train", "b.md": "dev", "c.md": "test"}
    for corpus in ("alpha", "beta"):
        (grounding / f"{corpus}.splits.json").write_text(json.dumps(splits))
        rows = [
            _case(corpus, split, doc, label, "A full sentence that answers the question well.", "paraphrase", n)
            for n, (doc, split) in enumerate(splits.items())
            for label in ("supported", "unsupported")
        ]
        (grounding / f"{corpus}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))

    def generate_pairs(root: Path, *, corpus: str, seed: int = 0, per_sentence: int = 2) -> list[Pair]:
        return [
            Pair(f"{corpus} {doc} sentence.", f"{corpus} {doc} claim {label}.", label, "verbatim", corpus, doc)
            for doc in ("a.md", "b.md", "c.md", "unlisted.md")
            for label in (0, 1)
        ]

    monkeypatch.setattr(perturb, "CORPORA", {"alpha": Path("alpha"), "beta": Path("beta"), "gamma": Path("gamma")})
    monkeypatch.setattr(perturb, "generate_pairs", generate_pairs)
    return tmp_path


def _settings(root: Path, **kw: object) -> MixSettings:
    values: dict[str, object] = {"root": root, "data": root / "no-data", "public_max": 0, "public_dev": 0}
    values.update(kw)
    return MixSettings(**values)  # type: ignore[arg-type]


def test_the_mix_trains_on_train_documents_only(fake_repo: Path) -> None:
    m = build_mix("support", _settings(fake_repo))
    train_docs = {(p.corpus, p.doc_id, p.kind) for p in m.train}
    # Generated pairs: train and unlisted documents; dev documents are a dev set; test documents nowhere.
    for corpus in ("alpha", "beta"):
        assert {d for c, d, k in train_docs if c == corpus and k == "verbatim"} == {"a.md", "unlisted.md"}
        assert {p.doc_id for p in m.dev[f"generated/{corpus}"]} == {"b.md"}
        assert {d for c, d, k in train_docs if c == corpus and k == "paraphrase"} == {"a.md"}  # the train cases
        assert {p.doc_id for p in m.dev[f"cases/{corpus}"]} == {"b.md"}
    assert {d for c, d, _ in train_docs if c == "gamma"} == {"a.md", "b.md", "c.md", "unlisted.md"}  # no splits file
    everywhere = [p for p in m.train] + [p for pairs in m.dev.values() for p in pairs]
    assert not any(p.doc_id == "c.md" and p.corpus in ("alpha", "beta") for p in everywhere)
    assert m.selection == ("cases/alpha", "cases/beta")


def test_a_held_out_corpus_is_only_measured(fake_repo: Path) -> None:
    m = build_mix("support", _settings(fake_repo, holdout=("beta",)))
    assert not [p for p in m.train if p.corpus == "beta"]
    assert {p.corpus for p in m.dev["heldout/beta"]} == {"beta"}
    assert "cases/beta" in m.dev  # measured, but not chosen on: the selection is in-domain only
    assert m.selection == ("cases/alpha",)
    assert m.digest() != build_mix("support", _settings(fake_repo)).digest()
    with pytest.raises(ConfigError, match="unknown corpus to hold out"):
        build_mix("support", _settings(fake_repo, holdout=("delta",)))


def test_the_mix_is_the_same_for_the_same_seed(fake_repo: Path) -> None:
    a = build_mix("support", _settings(fake_repo, generated_max=3, seed=1))
    b = build_mix("support", _settings(fake_repo, generated_max=3, seed=1))
    assert a.digest() == b.digest()
    assert {c.source: c.rows for c in a.counts if c.part == "train"}["generated/alpha"] == 3


def test_unknown_task_and_missing_data_are_clear_errors(fake_repo: Path) -> None:
    with pytest.raises(ConfigError, match="unknown judge task 'relevance'; known: answerability, equivalence, support"):
        build_mix("relevance", _settings(fake_repo))
    with pytest.raises(ConfigError, match=r"no-data/nli.*does not exist"):
        build_mix("support", _settings(fake_repo, public_max=10))


def test_short_answers_are_judged_with_their_question() -> None:
    assert needs_question("No.")
    assert needs_question("Not straight away.")
    assert needs_question("Yes, within 30 days of buying it, online or in a store.")
    assert not needs_question("Care+ has to be added within 30 days of buying the device.")
    case = _case("alpha", "train", "a.md", "supported", "They don't stack.", "fragment", 0)
    pair = case_pair(case)
    assert pair.hypothesis == "Can I add Care+ later?\nThey don't stack."
    assert pair.premise == "Text of a.md."  # no word shared: the better ranked passage
    assert (pair.label, pair.doc_id, pair.corpus) == (1, "a.md", "alpha")


def test_public_sets_are_capped_sampled_by_group_and_licensed() -> None:
    data = shared_data("nli").parent
    m = build_mix(
        "support",
        MixSettings(root=mix.repo_root(), data=data, public_max=200, public_dev=40, per_sentence=0, seed=3),
    )
    for name, spec in mix.PUBLIC.items():
        rows = [c for c in m.counts if c.source == name]
        assert rows and all(c.license == spec.license for c in rows)
        train_rows = [p for p in m.train if p.corpus == name]
        assert 0 < len(train_rows) <= 200
        dev = m.dev.get(f"public/{name}", ())
        assert not {p.doc_id for p in dev} & {p.doc_id for p in train_rows}  # a group is on one side only
    halueval = [p for p in m.train if p.corpus == "halueval_dialogue"]
    assert sum(p.label for p in halueval) * 2 == len(halueval)  # the right and the hallucinated reply together
    assert all(p.label == 0 for p in m.train if p.corpus == "wice")
    assert all(len(p.premise.split()) <= 160 for p in m.train if p.corpus == "halueval_summarization")
    assert not any(" ." in p.hypothesis or " 's" in p.hypothesis for p in m.train if p.corpus == "snli")


# --------------------------------------------------------------------------- training pieces


def test_auc_balanced_accuracy_and_platt() -> None:
    assert train.auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert train.auc([0, 1], [0.5, 0.5]) == 0.5
    assert np.isnan(train.auc([1, 1], [0.1, 0.2]))
    assert train.balanced_accuracy([0, 0, 0, 1], [0, 0, 0, 0]) == 0.5
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 4000)
    logits = np.where(labels == 1, 2.0, -2.0) + rng.normal(0, 2.0, 4000)
    cal = train.fit_platt(logits, labels)
    assert cal.a > 0
    assert abs(float(cal(logits).mean()) - labels.mean()) < 0.02  # calibrated: mean prediction = base rate


def test_batches_are_a_function_of_seed_and_step() -> None:
    lengths = [random.Random(n).randint(5, 80) for n in range(100)]
    a = train.Batches(lengths, batch_size=8, seed=4)
    b = train.Batches(lengths, batch_size=8, seed=4)
    steps = [a.rows(s).tolist() for s in range(40)]
    assert [b.rows(s).tolist() for s in reversed(range(40))] == steps[::-1]
    # Every pair once per epoch: 32 batches of 8 over 100 pairs are two epochs and 56 rows of a third.
    counts = np.bincount([i for s in range(32) for i in steps[s]], minlength=100)
    assert counts.sum() == 256 and set(counts.tolist()) == {2, 3}
    assert train.Batches(lengths, batch_size=8, seed=5).rows(0).tolist() != steps[0]


@pytest.fixture
def tiny_task() -> object:
    mix.TASKS[TINY] = tiny_mix
    yield
    del mix.TASKS[TINY]


def _state(workdir: Path) -> dict[str, object]:
    return torch.load(workdir / train.LAST, map_location="cpu", weights_only=False)  # type: ignore[no-any-return]


@pytest.mark.usefixtures("tiny_task")
@pytest.mark.train
def test_a_resumed_run_ends_exactly_where_an_uninterrupted_one_does(tmp_path: Path) -> None:
    straight = tiny_config(tmp_path / "straight", freeze_layers=5)
    train.train(straight)
    stopped = tiny_config(tmp_path / "stopped", freeze_layers=5, until=2)
    train.train(stopped)
    assert _state(Path(stopped.workdir))["step"] == 2
    resumed = tiny_config(tmp_path / "stopped", freeze_layers=5)
    train.train(resumed, resume=True)

    a, b = _state(Path(straight.workdir)), _state(Path(resumed.workdir))
    assert a["step"] == b["step"] == 4
    assert a["seen"] == b["seen"] == 16
    for key, tensor in a["model"].items():  # type: ignore[attr-defined]
        assert torch.equal(tensor, b["model"][key]), key  # type: ignore[index]
    assert a["scheduler"] == b["scheduler"]
    assert [h["selection"] for h in a["history"]] == [h["selection"] for h in b["history"]]  # type: ignore[attr-defined]


@pytest.mark.usefixtures("tiny_task")
@pytest.mark.train
def test_a_checkpoint_is_never_overwritten_or_resumed_with_other_settings(tmp_path: Path) -> None:
    config = tiny_config(tmp_path, steps=2, until=1)
    train.train(config)
    with pytest.raises(ConfigError, match="--resume to continue it or --fresh"):
        train.train(config)
    with pytest.raises(ConfigError, match=r"differ from the checkpoint's \(lr: 3e-05 -> 0.001\)"):
        train.train(tiny_config(tmp_path, steps=2, lr=1e-3), resume=True)
    train.train(tiny_config(tmp_path, steps=2), fresh=True)
    assert _state(tmp_path / "work")["step"] == 2


@pytest.mark.usefixtures("tiny_task")
@pytest.mark.train
def test_a_fine_tune_starts_from_the_given_weights_and_refuses_a_foreign_checkpoint(tmp_path: Path) -> None:
    first = tiny_config(tmp_path / "first", freeze_layers=5, steps=2)
    train.train(first)
    best = Path(first.workdir) / train.BEST
    start = torch.load(best, map_location="cpu", weights_only=True)["model"]
    tuned = tiny_config(tmp_path / "tuned", freeze_layers=5, steps=2, init_from=str(best))
    fresh_model = train.build_model(tuned)
    train._init_weights(fresh_model, tuned)
    for key, tensor in start.items():
        assert torch.equal(tensor, fresh_model.state_dict()[key]), key
    train.train(tuned)
    state = _state(Path(tuned.workdir))
    assert state["step"] == 2 and state["config"]["init_from"] == str(best)  # type: ignore[index]
    with pytest.raises(ConfigError, match="no checkpoint file"):
        train._init_weights(fresh_model, tiny_config(tmp_path / "x", init_from=str(tmp_path / "missing.pt")))
    with pytest.raises(ConfigError, match="max_length"):
        train._init_weights(fresh_model, tiny_config(tmp_path / "y", max_length=32, init_from=str(best)))
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ConfigError, match="not a judge checkpoint"):
        train._init_weights(fresh_model, tiny_config(tmp_path / "z", init_from=str(tmp_path / "junk.pt")))


# --------------------------------------------------------------------------- end to end


@pytest.mark.train
def test_the_smoke_run_writes_a_model_folder_the_runtime_loads(tmp_path: Path) -> None:
    shared_data("nli")
    out = tmp_path / "model"
    assert train.main(["--smoke", "--out", str(out), "--workdir", str(tmp_path / "work")]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["MODEL_CARD.md", "manifest.json", "model.onnx", "tokenizer.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["task"] == "support"
    assert {c["source"] for c in manifest["data"]["counts"]} >= set(mix.PUBLIC)
    assert manifest["metrics"]["int8_vs_fp32"]["max_abs_prob_diff"] is not None
    assert "python -m ragfort.judges.train --smoke" in (out / "MODEL_CARD.md").read_text()
    assert (out / "model.onnx").stat().st_size <= train.MAX_MODEL_BYTES
    scores = PairJudge(out).score([("The store opens at 9.", "The store opens at 9."), ("a", "b")])
    assert np.all((scores >= 0) & (scores <= 1))
    # --export-only writes the same folder again from the workdir's best checkpoint.
    again = tmp_path / "again"
    assert train.main(["--export-only", "--smoke", "--out", str(again), "--workdir", str(tmp_path / "work")]) == 0
    assert (
        json.loads((again / "manifest.json").read_text())["training"]["best_step"] == manifest["training"]["best_step"]
    )


def test_the_window_option_reaches_the_mix_at_the_models_input_length() -> None:
    def settings(*argv: str) -> MixSettings:
        return train._config_from_args(train._parser().parse_args(["--task", "support", *argv])).mix_settings()

    assert settings().window == 0 and settings().window_tokenizer is None
    assert settings("--window").window == 160  # the default --max-length
    assert settings("--window").window_tokenizer == train.base_model_path() / train.TOKENIZER_FILE
    assert settings("--window", "--max-length", "96").window == 96
    assert "window" in train._FIXED  # a resumed run cannot switch it
