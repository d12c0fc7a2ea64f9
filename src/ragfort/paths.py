"""Where ragfort keeps state: one data dir for index, cache, vault, traces, feedback, keys.

`--data-dir` on the CLI, else ``RAGFORT_HOME``, else ``.ragfort/`` in the
working directory. Nothing ragfort persists lives anywhere else, with one
exception that holds no data of yours: the embedding model's ONNX export
(`model_cache_dir`), shared by every data dir on the machine so that it is
made once. State shared by replicas (the cache and the PII vault when their
backend is Redis) lives at `redis_url`.

A program that embeds ragfort can point it elsewhere without touching the
environment: `configure` sets this process's data dir and Redis URL, and
they win over ``RAGFORT_HOME`` and ``RAGFORT_REDIS_URL``. The precedence, for
each of the two on its own:

1. an explicit argument (``data_dir(path)``, a policy's ``cache.redis_url``);
2. the newest `configure` call not yet released, if it set that value;
3. the environment variable;
4. the default (``./.ragfort``; no Redis).

The support-agent server configures its data dir and Redis URL this way when
it loads, and releases them when it shuts down.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Locations", "configure", "data_dir", "model_cache_dir", "redis_url", "release"]


@dataclass(frozen=True, eq=False)
class Locations:
    """One `configure` call's setting (None: not set by it).

    Attributes:
        home: the data dir.
        redis_url: the Redis URL for shared state.
    """

    home: Path | None = None
    redis_url: str | None = None


_configured: list[Locations] = []
_lock = threading.Lock()


def configure(*, home: str | os.PathLike[str] | None = None, redis_url: str | None = None) -> Locations:
    """Set this process's data dir and Redis URL, ahead of ``RAGFORT_HOME`` and ``RAGFORT_REDIS_URL``.

    The newest call still in force decides; a value it leaves None (or
    empty) falls back to the environment. Nothing in ``os.environ`` changes,
    so child processes do not inherit it.

    Args:
        home: the data dir.
        redis_url: the Redis URL (``redis://``, ``rediss://`` or ``unix://``).

    Returns:
        The setting, to hand to `release` when it should no longer apply.
    """
    setting = Locations(home=Path(home) if home else None, redis_url=redis_url or None)
    with _lock:
        _configured.append(setting)
    return setting


def release(setting: Locations) -> None:
    """Withdraw a `configure` call; the one before it (or the environment) applies again. Idempotent."""
    with _lock:
        _configured[:] = [s for s in _configured if s is not setting]


def _current() -> Locations | None:
    with _lock:
        return _configured[-1] if _configured else None


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data dir: `explicit` if given, else the one `configure` set, else ``$RAGFORT_HOME``, else ``./.ragfort``."""
    if explicit is not None:
        return Path(explicit)
    current = _current()
    if current is not None and current.home is not None:
        return current.home
    env = os.environ.get("RAGFORT_HOME")
    return Path(env) if env else Path(".ragfort")


def redis_url() -> str | None:
    """The Redis URL for shared state: the `configure` one, else ``$RAGFORT_REDIS_URL``, else None."""
    current = _current()
    if current is not None and current.redis_url is not None:
        return current.redis_url
    return os.environ.get("RAGFORT_REDIS_URL") or None


def model_cache_dir() -> Path:
    """Where derived model files go: ``$RAGFORT_MODEL_CACHE``, else ``$XDG_CACHE_HOME/ragfort/models``
    (``~/.cache/ragfort/models``)."""
    env = os.environ.get("RAGFORT_MODEL_CACHE")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "ragfort" / "models"
