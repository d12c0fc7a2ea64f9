"""The text as the injection rules see it, with a map back to the original offsets.

`normalise` undoes the tricks that hide an instruction from a plain pattern
match: HTML entities, accents, compatibility forms (full-width letters),
zero-width and other format characters, look-alike Cyrillic/Greek letters,
leetspeak digits inside words, spaced-out letters (``i g n o r e``,
``d-i-s-r-e-g-a-r-d``), case and runs of whitespace. Each character of the
result remembers the offset it came from and whether a de-obfuscating step
made it, so a match can be reported against the original text and flagged as
uncovered obfuscation.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LEET", "NormalisedText", "normalise", "text_before"]


@dataclass(slots=True)
class NormalisedText:
    """Text as the rules see it: per character, its offset in the original and whether de-obfuscation made it."""

    text: str
    index: list[int]
    altered: list[bool]


_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064")
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
        "ԁ": "d", "ɡ": "g", "ո": "n", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "ѵ": "v", "ɪ": "i", "ʟ": "l",
    }
)  # fmt: skip
# Leetspeak digits and the letters they stand for. No "@" or "$": e-mail addresses and prices must survive
# normalisation. The scanner folds host names with the same table when it looks for look-alike domains.
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# A word mixing letters with leetspeak digits, e.g. "1gn0re". Units such as "5gb" are mapped too ("sgb"),
# which is harmless: no rule matches them.
_LEET_WORD = re.compile(r"(?<![\w@])(?=\w*[a-z])(?=\w*[013457])[a-z013457]{4,}(?![\w@])")
# Three or more single letters with the same separator: "i g n o r e", "d-i-s-r-e-g-a-r-d", "s.y.s.t.e.m".
_SPACED = re.compile(r"(?<![^\W\d_])[^\W\d_]([ \-._*·|/])[^\W\d_](?:\1[^\W\d_])+(?![^\W\d_])")
_WS = re.compile(r"\s+")


def normalise(text: str) -> NormalisedText:
    """The text as the rules see it, with the map back to `text`'s offsets."""
    norm = NormalisedText(text, list(range(len(text))), [False] * len(text))
    if "&" in text:
        norm = _substitute(norm, _ENTITY, lambda m: html.unescape(m.group(0)), alters=False)
    norm = NormalisedText(norm.text.lower(), norm.index, norm.altered) if norm.text.isascii() else _fold_chars(norm)
    norm = _substitute(norm, _LEET_WORD, lambda m: m.group(0).translate(LEET), alters=True)
    norm = _substitute(norm, _SPACED, lambda m: m.group(0).replace(m.group(1), ""), alters=True)
    norm = _substitute(norm, _WS, lambda m: " ", alters=False)
    return norm


def text_before(norm: NormalisedText, original_offset: int, width: int = 60) -> str:
    """The normalised text just before the character at `original_offset` of the original."""
    # index is non-decreasing, so a bisection finds the first normalised char at or after the offset
    lo, hi = 0, len(norm.index)
    while lo < hi:
        mid = (lo + hi) // 2
        if norm.index[mid] < original_offset:
            lo = mid + 1
        else:
            hi = mid
    return norm.text[max(0, lo - width) : lo]


def _substitute(
    norm: NormalisedText, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], *, alters: bool
) -> NormalisedText:
    """Replace each match of `pattern`, keeping the offset map.

    A replacement that only deletes characters (joining spaced-out letters) keeps each survivor's own
    offset; any other rewrite maps its characters to the start of the match.
    """
    text, parts, index, altered = norm.text, [], [], []
    pos = 0
    for m in pattern.finditer(text):
        s, e = m.span()
        parts.append(text[pos:s])
        index += norm.index[pos:s]
        altered += norm.altered[pos:s]
        new = repl(m)
        parts.append(new)
        if new == m.group(0):
            index += norm.index[s:e]
            altered += norm.altered[s:e]
        elif len(new) == e - s:  # same length: keep the per-character map
            index += norm.index[s:e]
            altered += [alters or a for a in norm.altered[s:e]]
        else:
            keep = _subsequence(new, m.group(0))
            if keep is None:  # a real rewrite (an entity decoded): every new character maps to the match start
                keep = [0] * len(new)
            index += [norm.index[s + k] for k in keep]
            altered += [alters or norm.altered[s + k] for k in keep]
        pos = e
    if pos == 0:
        return norm
    parts.append(text[pos:])
    index += norm.index[pos:]
    altered += norm.altered[pos:]
    return NormalisedText("".join(parts), index, altered)


def _subsequence(new: str, old: str) -> list[int] | None:
    """Positions in `old` of the characters of `new` when `new` only deletes from `old` (greedy), else None."""
    positions: list[int] = []
    j = 0
    for ch in new:
        while j < len(old) and old[j] != ch:
            j += 1
        if j == len(old):
            return None
        positions.append(j)
        j += 1
    return positions


def _fold_chars(base: NormalisedText) -> NormalisedText:
    """NFKD, accents dropped, format characters removed, look-alikes mapped, case folded."""
    out: list[str] = []
    index: list[int] = []
    altered: list[bool] = []
    pending_alter = False
    for ch, i, a in zip(base.text, base.index, base.altered, strict=True):
        if ch in _ZERO_WIDTH or (ord(ch) > 127 and unicodedata.category(ch) == "Cf"):
            pending_alter = True
            if altered:
                altered[-1] = True
            continue
        if ord(ch) < 128:
            folded = ch.lower()
            suspicious = False
        else:
            mapped = ch.translate(_HOMOGLYPHS)
            suspicious = mapped != ch
            decomposed = unicodedata.normalize("NFKD", mapped)
            folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
            # Full-width and other compatibility forms are how filters are dodged; accents are not.
            suspicious = suspicious or unicodedata.normalize("NFD", mapped) != decomposed
        for c in folded:
            out.append(c)
            index.append(i)
            altered.append(a or suspicious or pending_alter)
        pending_alter = False
    return NormalisedText("".join(out), index, altered)
