"""Text utilities shared by ingest, generation and guards: sentences with offsets.

Sentence boundaries matter twice: chunks end on them at ingest, and claims
and citations are sentences at request time. Both need exact character
offsets, so the splitter never rewrites text; it only reports spans.
"""

from __future__ import annotations

import re

__all__ = ["CALENDAR_WORDS", "PLACEHOLDER_RE", "normalize_question", "search_text", "sentence_spans", "sentences"]

# A redaction placeholder: ``<PERSON_1>`` (a session's), ``<PHONE_NUMBER_D3f9a2c1b>`` (a corpus's) or
# ``<EMAIL_ADDRESS_H...>`` (hashed). Defined here, the leaf module, so that retrieval can drop
# placeholders without loading the PII stack; `ragfort.pii.pseudonym` uses the same pattern.
PLACEHOLDER_RE = re.compile(r"<([A-Z][A-Z0-9_]*?)_(\d+|D[0-9a-f]{6,}|H[0-9a-f]{6,})>")
# What is left around a removed placeholder: "I'm <PERSON_1>, <EMAIL_ADDRESS_1>." -> "I'm , ."
_ORPHAN_PUNCT = re.compile(r"\s*(?:[,;:/()\-]\s*)+(?=[.?!,;:]|$)|(?<=[.?!])\s*[,;:]+")

# English function words every content-word comparison drops (pronouns, articles,
# auxiliaries, the commonest prepositions). Modules add their own words on top:
# the extractive generator, the grounding signals and the cache's near-miss
# features each need a slightly different list.
FUNCTION_WORDS = frozenset(
    [
        "a",
        "about",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "had",
        "has",
        "have",
        "he",
        "here",
        "how",
        "i",
        "if",
        "into",
        "is",
        "it",
        "its",
        "just",
        "may",
        "me",
        "might",
        "must",
        "my",
        "of",
        "or",
        "our",
        "own",
        "same",
        "shall",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "too",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


# Month and weekday names (full and abbreviated), lower-case: dates for the
# grounding checks, and words that never end a street name for the PII rules.
CALENDAR_WORDS = frozenset(
    {
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    }
)  # fmt: skip

# Words after which a period does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "vs",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "no",
        "approx",
        "incl",
        "excl",
        "dept",
        "est",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "a.m",
        "p.m",
        "inc",
        "ltd",
        "co",
        "corp",
    ]
)
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets),
# or at a line break that starts a list item, heading, table row or new paragraph.
_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)|\n\s*\n|\n(?=\s*(?:[-*+]\s|\d+[.)]\s|#|\|))|(?<=\|)[ \t]*\n")
_SPACE = re.compile(r"\s+")
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)$")
_LIST_NUMBER = re.compile(r"\s*\d{1,3}")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in "#>*-+|"):
        start += 1
    # A leading list number ("1. ") belongs to the markup, not the sentence.
    m = re.match(r"\d+[.)]\s+", text[start:end])
    if m:
        start += m.end()
    while end > start and (text[end - 1].isspace() or text[end - 1] == "|"):
        end -= 1
    return start, end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """`(start, end)` offsets of the sentences of `text`, in order.

    Handles common abbreviations, decimals ("5.5 GB"), list items and
    paragraph breaks. Spans never include surrounding whitespace or Markdown
    list/heading markers, and `text[start:end]` is always a non-empty string.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        if m.group(0)[0] == ".":
            # "1. " at the start of a line numbers a list item; it ends nothing.
            line_start = text.rfind("\n", 0, m.start()) + 1
            if _LIST_NUMBER.fullmatch(text, line_start, m.start()):
                continue
            word = _WORD_BEFORE.search(text, 0, m.start())
            if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
                continue
            # A single capital letter standing alone ("J. Smith") is an initial,
            # not an ending; one closing a token ("USB-C.") ends the sentence.
            if word and len(word.group(1)) == 1 and word.group(1).isupper():
                before = text[word.start() - 1] if word.start() > 0 else " "
                if before.isspace() or before in "([":
                    continue
        s, e = _trim(text, start, end)
        if e > s and any(ch.isalnum() for ch in text[s:e]):
            spans.append((s, e))
        start = end
    s, e = _trim(text, start, len(text))
    if e > s and any(ch.isalnum() for ch in text[s:e]):
        spans.append((s, e))
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of `text` (see `sentence_spans`)."""
    return [text[s:e] for s, e in sentence_spans(text)]


def normalize_question(text: str) -> str:
    """Case- and whitespace-folded question text, for cache keys and duplicate checks."""
    return _SPACE.sub(" ", text).strip().lower().rstrip("?!. ")


def search_text(question: str) -> str:
    """The redacted question as a retrieval query: placeholders removed.

    A question that carries personal data ("Hi, I'm <PERSON_1>,
    <EMAIL_ADDRESS_1>. How do I change my address?") must retrieve what the same
    question without it retrieves. Placeholder tokens mean nothing to the
    embedding model, and words such as EMAIL or ADDRESS inside them pull
    retrieval towards articles about e-mail and addresses
    (benchmarks/pii_retrieval.py measures it). A question that is nothing but
    placeholders is returned unchanged.
    """
    if "<" not in question:
        return question
    stripped = PLACEHOLDER_RE.sub(" ", question)
    stripped = _SPACE.sub(" ", _ORPHAN_PUNCT.sub("", stripped)).strip()
    return stripped if any(c.isalnum() for c in stripped) else question
