"""``encoded``: instructions hidden in base64.

A base64 token that decodes to printable UTF-8 text with spaces is scanned
again (once, no deeper) by the scanner; if the decoded text scores at all,
the token is a hit at the decoded score, floored at `PAYLOAD_FLOOR`. A word
such as "decode" or "base64" next to a base64 token is a weaker cue of its own.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from ragfort.injection.normalize import NormalisedText

__all__ = ["CUE_WEIGHT", "ENCODED", "PAYLOAD_FLOOR", "base64_payloads", "encoding_cue"]

ENCODED = "encoded"
PAYLOAD_FLOOR = 0.5
CUE_WEIGHT = 0.45

_BASE64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])")
_ENCODING_WORD = re.compile(r"\b(?:decode|base64|rot13|rot-13|hex-?encoded|deobfuscate)\b")


def base64_payloads(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, decoded)`` for each base64 token of `text` that decodes to readable text with a space."""
    for m in _BASE64.finditer(text):
        token = m.group(0)
        try:
            decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if sum(ch.isprintable() for ch in decoded) < 0.95 * len(decoded) or " " not in decoded:
            continue
        yield m.start(), m.end(), decoded


def encoding_cue(text: str, norm: NormalisedText) -> tuple[int, int] | None:
    """The original span of a word like "decode" or "base64" when `text` also holds a base64 token, else None."""
    if "decode" not in norm.text and "base64" not in norm.text and "rot" not in norm.text:
        return None
    m = _ENCODING_WORD.search(norm.text)
    if m is None or not _BASE64.search(text):
        return None
    s, e = m.span()
    return norm.index[s], norm.index[e - 1] + 1
