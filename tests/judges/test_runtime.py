"""The judge runtime: checked files, calibrated scores, the same score alone or in a batch, no torch.

The model folder is the shipped ``support`` model (CI never trains: it tests
what ships); tests that damage files work on a copy.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ragfort.errors import ConfigError
from ragfort.judges import runtime
from ragfort.judges.runtime import MANIFEST_FILE, MODEL_FILE, TOKENIZER_FILE, PairJudge, available_tasks, load_judge

PAIRS = [
    ("Refunds are paid to the card you used within 14 days.", "Refunds arrive within 14 days."),
    ("Refunds are paid to the card you used within 14 days.", "Refunds take 30 days."),
    ("Care+ must be added within 30 days of buying the device.", "Can I add Care+ after two months?\nNo."),
    ("word " * 400, "A premise far past the limit is cut, the claim kept."),
    ("Short premise.", "claim " * 200),  # the claim alone is too long: both are cut
    ("", ""),
    ("Ünïcödé et テキスト, <PERSON_1>", "4111 1111 1111 1111"),
]


@pytest.fixture(scope="session")
def model_dir() -> Path:
    shipped = runtime.MODELS_DIR / "support"
    assert (shipped / MANIFEST_FILE).is_file(), f"the shipped support model is missing from {shipped}"
    return shipped


@pytest.fixture
def judge(model_dir: Path) -> PairJudge:
    return PairJudge(model_dir)


@pytest.fixture
def copy(model_dir: Path, tmp_path: Path) -> Path:
    """A copy of the model folder that a test may damage."""
    return Path(shutil.copytree(model_dir, tmp_path / "model"))


def test_scores_are_probabilities_in_input_order(judge: PairJudge) -> None:
    scores = judge.score(PAIRS)
    assert scores.shape == (len(PAIRS),)
    assert scores.dtype == np.float32
    assert np.all((scores >= 0) & (scores <= 1))
    assert judge.score([]).shape == (0,)
    reversed_scores = judge.score(PAIRS[::-1])
    np.testing.assert_allclose(reversed_scores[::-1], scores, atol=1e-6)


def test_a_pair_scores_the_same_alone_and_among_others(judge: PairJudge) -> None:
    together = judge.score(PAIRS)
    alone = np.array([judge.score([pair])[0] for pair in PAIRS])
    assert float(np.abs(together - alone).max()) <= 1e-5
    # Padded batches are only for offline throughput: int8 activations are quantised per tensor, so a
    # pair's score then depends on its neighbours (the shipped model: by up to 0.2). Never the default.
    padded = judge.score(PAIRS, batch_size=8)
    assert padded.shape == alone.shape and np.all((padded >= 0) & (padded <= 1))
    assert judge.batch_size == 1


def test_lanes_are_one_per_core_unless_threads_are_fixed(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGFORT_TORCH_THREADS", "3")
    assert PairJudge(model_dir).lanes == 3
    assert PairJudge(model_dir, threads=2).lanes == 1
    # Side by side or one after the other, longest first or not: the same scores.
    np.testing.assert_allclose(PairJudge(model_dir).score(PAIRS), PairJudge(model_dir, threads=1).score(PAIRS),
                               atol=1e-6)  # fmt: skip


def test_the_calibration_of_the_manifest_is_applied(judge: PairJudge) -> None:
    logits = judge.logits(PAIRS[:3])
    a, b = judge.manifest.calibration.a, judge.manifest.calibration.b
    np.testing.assert_allclose(judge.score(PAIRS[:3]), 1 / (1 + np.exp(-(a * logits + b))), atol=1e-6)


def test_inputs_are_cut_to_max_length_premise_first(judge: PairJudge) -> None:
    limit = judge.manifest.max_length
    encodings = judge.tokenizer.encode(PAIRS)
    assert max(len(e.ids) for e in encodings) <= limit
    long_premise = encodings[3]
    claim_tokens = judge.tokenizer.encode([("", PAIRS[3][1])])[0]
    # The claim is whole: its type-1 tokens are all there.
    assert long_premise.type_ids.count(1) == claim_tokens.type_ids.count(1)
    assert len(long_premise.ids) == limit


def test_a_damaged_file_is_an_error_naming_it(copy: Path) -> None:
    for name in (MODEL_FILE, TOKENIZER_FILE):
        path = copy / name
        original = path.read_bytes()
        path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        with pytest.raises(ConfigError, match=rf"{name}.*damaged"):
            PairJudge(copy)
        path.write_bytes(original)
    PairJudge(copy)  # intact again


def test_a_missing_file_is_an_error_naming_it(copy: Path) -> None:
    (copy / TOKENIZER_FILE).unlink()
    with pytest.raises(ConfigError, match=rf"missing.*{TOKENIZER_FILE}"):
        PairJudge(copy)
    (copy / MANIFEST_FILE).unlink()
    with pytest.raises(ConfigError, match=rf"missing.*{MANIFEST_FILE}"):
        PairJudge(copy)
    with pytest.raises(ConfigError, match="does not exist"):
        PairJudge(copy / "nowhere")


def test_a_manifest_without_calibration_or_checksums_is_an_error(copy: Path) -> None:
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    for key, value, message in (
        ("calibration", {"a": "x"}, "calibration"),
        ("files", {MODEL_FILE: manifest["files"][MODEL_FILE]}, f"lacks '{TOKENIZER_FILE}'"),
        ("max_length", 100000, "max_length"),
        ("format", 2, "format 2"),
    ):
        (copy / MANIFEST_FILE).write_text(json.dumps({**manifest, key: value}))
        with pytest.raises(ConfigError, match=message):
            PairJudge(copy)


def test_load_judge_loads_a_task_once(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    task = json.loads((copy / MANIFEST_FILE).read_text())["task"]
    models = copy.parent / "models"
    shutil.move(copy, models / task)
    monkeypatch.setattr(runtime, "MODELS_DIR", models)
    monkeypatch.setattr(runtime, "_judges", {})
    assert available_tasks() == (task,)
    assert load_judge(task) is load_judge(task)
    with pytest.raises(ConfigError, match=rf"no judge model for task 'equivalence'.*shipped: {task}"):
        load_judge("equivalence")


def test_the_serving_process_never_imports_torch(model_dir: Path) -> None:
    code = (
        "import sys, ragfort._offline\n"
        "from ragfort.judges import PairJudge\n"
        f"scores = PairJudge({str(model_dir)!r}).score([('The store opens at 9.', 'It opens at 9.')] * 20)\n"
        "assert 0 <= float(scores.min()) <= float(scores.max()) <= 1\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False False"


@pytest.mark.parametrize("task", available_tasks())
def test_every_shipped_model_loads_and_scores(task: str) -> None:
    judge = PairJudge(runtime.MODELS_DIR / task)
    assert judge.task == task
    assert (runtime.MODELS_DIR / task / "MODEL_CARD.md").is_file()
    assert (runtime.MODELS_DIR / task / MODEL_FILE).stat().st_size <= 30 * 1024 * 1024
    scores = judge.score(PAIRS)
    assert np.all((scores >= 0) & (scores <= 1))


def test_kept_chars_says_how_much_of_the_premise_the_model_reads(judge: PairJudge) -> None:
    short = ("Returns are free within 14 days.", "Returns are free.")
    sentence = "Store credit is issued the same day. "
    long = ("## Returns\n\n" + sentence * 60, "Store credit comes the same day.")
    whole, cut = judge.kept_chars([short, long])
    assert whole == len(short[0])
    assert 0 < cut < len(long[0])
    # What is kept is exactly what the encoding holds: re-encoding the kept part alone cuts nothing more.
    kept_part = long[0][:cut]
    assert judge.kept_chars([(kept_part, long[1])]) == [len(kept_part)]
    ids = judge.tokenizer.encode([long])[0].ids
    assert judge.tokenizer.encode([(kept_part, long[1])])[0].ids == ids
