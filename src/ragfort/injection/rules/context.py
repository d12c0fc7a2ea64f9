"""Context signals: where a match was found, not what it says.

* ``hidden_markup``: the match lies inside markup a reader never sees (an
  HTML comment, a ``display:none`` or ``hidden`` element, a Markdown comment
  ``[//]: # (...)``, a link title).
* ``obfuscation``: only the normaliser's de-obfuscating steps uncovered the
  match (homoglyphs, zero-width characters, leetspeak, spaced-out letters).

Legitimate help text has no reason to do either, so each adds evidence on top
of the rule that matched.
"""

from __future__ import annotations

import re

__all__ = ["HIDDEN_MARKUP", "HIDDEN_WEIGHT", "OBFUSCATION", "OBFUSCATION_WEIGHT", "hidden_spans"]

HIDDEN_MARKUP = "hidden_markup"
HIDDEN_WEIGHT = 0.45
OBFUSCATION = "obfuscation"
OBFUSCATION_WEIGHT = 0.4

_HIDDEN = re.compile(
    r"<!--.*?(?:-->|$)"
    r"|<(\w+)\b[^>]*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0|\bhidden\b|"
    r"aria-hidden)[^>]*>.*?(?:</\1>|$)"
    r"|^\s*\[[^\]\n]*\]:\s*(?:#|<>)\s*[\"'(].*$"
    r"|\]\([^)\s]+\s+(?:\"[^\"\n]+\"|'[^'\n]+')\)",
    re.IGNORECASE | re.DOTALL | re.MULTILINE,
)


def hidden_spans(text: str) -> list[tuple[int, int]]:
    """The spans of `text` (original offsets) that a rendered page would not show."""
    if "<" not in text and "]" not in text:
        return []
    return [m.span() for m in _HIDDEN.finditer(text)]
