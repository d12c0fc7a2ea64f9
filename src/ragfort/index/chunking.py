"""Split indexed text into chunks that respect headings and sentences.

A chunk never crosses a heading and never cuts a sentence (except a single
sentence longer than the hard limit, which is cut at whitespace). Every
chunk is an exact slice of the document text, so `text[start:end]` of the
document is the chunk, and its sentence offsets are exact too.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ragfort.text import sentence_spans

__all__ = ["Chunk", "chunk_text"]

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Chunk:
    """An exact slice `[start, end)` of a document, with its sentences' offsets (relative to the chunk)."""

    start: int
    end: int
    text: str
    heading_path: str
    sentences: tuple[tuple[int, int], ...]


def _split_long(text: str, s: int, e: int, hard: int) -> list[tuple[int, int]]:
    out = []
    while e - s > hard:
        cut = text.rfind(" ", s, s + hard)
        if cut <= s:
            cut = s + hard
        out.append((s, cut))
        s = cut
        while s < e and text[s].isspace():
            s += 1
    if e > s:
        out.append((s, e))
    return out


def chunk_text(text: str, *, title: str = "", max_chars: int = 800) -> list[Chunk]:
    """Chunks of `text` of at most about `max_chars` characters.

    Args:
        text: the document as indexed (Markdown-like, ``#`` heading lines).
        title: the document title, the root of every heading path.
        max_chars: target chunk size; sentences are packed up to it.
    """
    if max_chars < 100:
        raise ValueError(f"max_chars must be at least 100, got {max_chars!r}")
    headings = [(m.start(), len(m.group(1)), m.group(2).strip()) for m in _HEADING.finditer(text)]
    bounds = [0] + [h[0] for h in headings if h[0] > 0] + [len(text)]
    chunks: list[Chunk] = []
    stack: list[tuple[int, str]] = []
    hidx = 0
    for sec_start, sec_end in itertools.pairwise(bounds):
        while hidx < len(headings) and headings[hidx][0] == sec_start:
            _, level, name = headings[hidx]
            stack = [(lv, nm) for lv, nm in stack if lv < level] + [(level, name)]
            hidx += 1
        names = [nm for _, nm in stack]
        if title and (not names or names[0] != title):
            names = [title, *names]
        path = " > ".join(names)
        spans: list[tuple[int, int]] = []
        for s, e in sentence_spans(text[sec_start:sec_end]):
            spans.extend(_split_long(text, sec_start + s, sec_start + e, max_chars * 2))
        group: list[tuple[int, int]] = []
        for span in spans:
            if group and span[1] - group[0][0] > max_chars:
                chunks.append(_make(text, group, path))
                group = []
            group.append(span)
        if group:
            chunks.append(_make(text, group, path))
    return chunks


def _make(text: str, group: list[tuple[int, int]], path: str) -> Chunk:
    start, end = group[0][0], group[-1][1]
    # Keep a leading heading's "#" marker inside the chunk, so readers of the
    # chunk alone can still tell a heading from a sentence.
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip(" \t#") == "" and "#" in text[line_start:start]:
        start = line_start
    return Chunk(
        start=start,
        end=end,
        text=text[start:end],
        heading_path=path,
        sentences=tuple((s - start, e - start) for s, e in group),
    )
