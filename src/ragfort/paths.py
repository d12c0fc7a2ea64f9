"""Where ragfort keeps state: one data dir for index, cache, vault, traces, feedback, keys.

`--data-dir` on the CLI, else ``RAGFORT_HOME``, else ``.ragfort/`` in the
working directory. Nothing ragfort persists lives anywhere else, with one
exception that holds no data of yours: the embedding model's ONNX export
(`model_cache_dir`), shared by every data dir on the machine so that it is
made once.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir", "model_cache_dir"]


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data dir: `explicit` if given, else ``$RAGFORT_HOME``, else ``./.ragfort``."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("RAGFORT_HOME")
    return Path(env) if env else Path(".ragfort")


def model_cache_dir() -> Path:
    """Where derived model files go: ``$RAGFORT_MODEL_CACHE``, else ``$XDG_CACHE_HOME/ragfort/models``
    (``~/.cache/ragfort/models``)."""
    env = os.environ.get("RAGFORT_MODEL_CACHE")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "ragfort" / "models"
