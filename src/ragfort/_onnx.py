"""One way to open an ONNX Runtime session on the CPU, shared by MiniLM (`ragfort.embeddings`) and the judges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["cpu_session"]


def cpu_session(ort: Any, path: str | Path, *, threads: int) -> Any:
    """An `InferenceSession` for `path` on the CPU with `threads` intra-op threads and one inter-op thread.

    Args:
        ort: the imported ``onnxruntime`` module (callers import it lazily).
        path: the model file.
        threads: intra-op threads (a few short inputs run fastest on one).
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
