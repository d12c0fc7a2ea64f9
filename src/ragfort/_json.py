"""Fast JSON encoding for the hot paths (HTTP responses, trace lines).

orjson when it is installed (it is a dependency), with the standard library
as the fallback for anything orjson refuses (non-string keys, integers past
64 bits) so a record never fails to encode because of the fast path.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a declared dependency
    orjson = None  # type: ignore[assignment]

__all__ = ["dumps"]


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON for `value` (non-ASCII kept as is)."""
    if orjson is not None:
        try:
            return orjson.dumps(value)
        except TypeError:
            pass
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
