"""Where ragfort keeps state: one data dir for index, cache, vault, traces, feedback, keys.

`--data-dir` on the CLI, else ``RAGFORT_HOME``, else ``.ragfort/`` in the
working directory. Nothing ragfort persists lives anywhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir"]


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data dir: `explicit` if given, else ``$RAGFORT_HOME``, else ``./.ragfort``."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("RAGFORT_HOME")
    return Path(env) if env else Path(".ragfort")
