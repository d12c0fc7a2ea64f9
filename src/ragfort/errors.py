"""Exceptions: faults only. Guards say no with verdicts, never by raising.

The tree::

    RagfortError
    ├── ConfigError            bad settings or environment
    │   └── PolicyError        a policy file that does not validate
    ├── InputError             bad input from a caller (empty question, bad file)
    │   └── GoldenSetError     a golden set or gate file that does not validate
    ├── IndexError_            an index that is missing, incompatible or corrupt
    │   └── IndexIncomplete    its last ingest has not finished (interrupted, or running elsewhere)
    ├── ChainError             the wrapped chain failed or returned an unusable result
    └── BackendError           a shared backend (Redis, Chroma server) is unreachable

Running out of latency budget is not a fault: the pipeline degrades (skips
optional guards, falls back as ``budget.on_timeout`` says) and reports it in
the result's ``budget``, so no exception stands for it.

Every message names the bad value and where it came from.
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "ChainError",
    "ConfigError",
    "GoldenSetError",
    "IndexError_",
    "IndexIncomplete",
    "InputError",
    "PolicyError",
    "RagfortError",
]


class RagfortError(Exception):
    """Base class of every error ragfort raises on purpose."""


class ConfigError(RagfortError):
    """Settings or environment that cannot work."""


class PolicyError(ConfigError):
    """A policy that does not validate; the message names the file, key and value."""


class InputError(RagfortError, ValueError):
    """Bad input from a caller."""


class GoldenSetError(InputError):
    """A golden set or gate file that does not validate."""


class IndexError_(RagfortError):  # noqa: N801 - the builtin IndexError means something else
    """An index that is missing, incompatible with this version, or corrupt."""


class IndexIncomplete(IndexError_):
    """An index whose last ingest has not finished: interrupted, or still running in another process.

    Transient when another process is ingesting (the service answers 503 with
    ``Retry-After``); ``ragfort ingest`` again repairs an interrupted one.
    """


class ChainError(RagfortError):
    """The wrapped chain failed, or returned something without an answer."""


class BackendError(RagfortError):
    """A shared backend (Redis, a Chroma server) could not be reached."""
