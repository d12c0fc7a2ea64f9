"""A street-address recognizer built from the general shape of addresses.

spaCy's small model tags cities and countries, not street addresses, so stock
Presidio finds about one address in five. An address line is recognised by
structure, not by memorised strings:

* a *street line*: a house number next to a street name, where the street name
  carries a street-type word ("Street", "Ave", "Rua", "Via", "Calle") or a
  street-type suffix common in European languages ("-strasse", "-katu",
  "-gatan", "-vej", "-weg");
* or a military/PO-box line ("PSC 1234, Box 5678", "PO Box 12");
* optionally followed, across commas and line breaks, by a unit ("Apt. 5",
  "Suite 300"), a city, a state or region code, a country and a postal code.

A bare unit ("Suite 464") is reported with a low score, so it only counts next
to a context word such as "address" or "ship to".
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

__all__ = ["StreetAddressRecognizer"]

_STREET_WORDS = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|square|sq|squares|"
    "terrace|parkway|pkwy|highway|hwy|circle|cir|trail|crescent|close|row|alley|plaza|streets|"
    "str|strasse|straße|gasse|weg|platz|allee|ring|rue|chemin|via|viale|piazza|corso|calle|carrera|avenida|"
    "rua|travessa|largo|praça|ulica|ul|utca|út|tér|u|gata|gatan|vägen|väg|vej|vei|veien|gade|katu|tie|kuja|"
    "straat|laan|plein|gracht|odos|leoforos"
)
# Suffixes glued to the street name in Germanic, Nordic, Dutch and Finnish names.
_STREET_SUFFIX = (
    r"[^\W\d_]{2,}(?:strasse|straße|str|gasse|weg|platz|allee|gata|gatan|vägen|vej|veien|vei|gade|"
    r"katu|tie|kuja|straat|laan|plein|gracht|vænget|torget|torg|gränd|stig|bakken|vegen)\.?"
)
_WORD = r"[^\W\d_][\w'’.-]*"
_NUM = r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?"
_UNIT = r"(?:apt|apartment|suite|ste|unit|flat|floor|fl|room|rm|bldg|building|#)\.?\s*#?\s*\d{1,5}[A-Za-z]?"

# "1600 Pennsylvania Avenue", "74 Diakou Street", "12 rue de la Paix", "159 Eleftheriou Venizelou str".
_US_STYLE = rf"{_NUM}\s+(?:{_WORD}\s+){{0,4}}?(?:{_STREET_WORDS})\b\.?(?:\s+{_NUM}\b)?"
# "Rua do Arenque 1634", "Via Franscini 71", "Calle Mayor 5".
_LEADING_TYPE = rf"(?:{_STREET_WORDS})\s+(?:{_WORD}\s+){{0,3}}?{_WORD}\s+{_NUM}\b"
# "Koskikatu 25", "Brucker Bundesstrasse 31", "Præstevænget 15" (optionally "450 Præstevænget 15").
_SUFFIXED = rf"(?:{_NUM}\s+)?(?:{_WORD}\s+){{0,2}}{_STREET_SUFFIX}\s+{_NUM}\b"
# "Villacher Strasse 89", "Baker Street 12".
_TRAILING_TYPE = rf"(?:{_WORD}\s+){{1,2}}(?:{_STREET_WORDS})\.?\s+{_NUM}\b"
# "20789 Allika 46", "10252 Μεγάλη Άμμος 184": a building number, one to three
# capitalised words and a house number. Two numbers framing a capitalised name
# is the shape of an address line in many countries; case-sensitive on purpose.
_CAP = r"[A-ZÀ-ÖØ-ÞĀ-ŽΑ-ΩА-Я][\w'’.-]*"
_FRAMED = re.compile(rf"(?<![\w-])\d{{1,6}}\s+(?:{_CAP}\s+){{0,2}}{_CAP}\s+\d{{1,5}}[A-Za-z]?\b")
_POBOX = r"(?:(?:PSC|CMR|Unit)\s+\d{1,5},?\s+Box\s+\d{1,5}|P\.?\s?O\.?\s+Box\s+\d{1,6})"

_STREET_LINE = re.compile(
    rf"(?<![\w-])(?:{_POBOX}|{_US_STYLE}|{_SUFFIXED}|{_LEADING_TYPE}|{_TRAILING_TYPE})", re.IGNORECASE
)
_BARE_UNIT = re.compile(rf"(?<![\w-]){_UNIT}\b", re.IGNORECASE)

# What may follow a street line, one segment at a time: a unit, a military
# post office line, a postal code, a region code, or a short run of name-like
# words (city, country). Separators are commas, spaces and line breaks.
_SEP = r"[ \t]*(?:,[ \t]*|\n[ \t]*|[ \t]+)(?:\n[ \t]*)*"
_TAIL_SEGMENT = re.compile(
    rf"{_SEP}(?:"
    rf"(?P<unit>(?i:{_UNIT})\b)"
    r"|(?P<mil>(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5})"
    r"|(?P<zip>\d{3}\s?\d{2}(?:-\d{4})?\b|\d{4}\b|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b)"
    r"|(?P<code>[A-Z]{2}\b)"
    r"|(?P<words>(?:[^\W\d_][\w'’.-]*)(?:[ \t]+[^\W\d_][\w'’.-]*){0,2})"
    r")"
)
_CALENDAR_WORDS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
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
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)
# Words that end an address rather than continue it.
_STOP_WORDS = frozenset(
    [
        "and",
        "or",
        "but",
        "for",
        "after",
        "before",
        "in",
        "on",
        "at",
        "to",
        "from",
        "the",
        "a",
        "an",
        "is",
        "was",
        "are",
        "were",
        "be",
        "i",
        "we",
        "you",
        "he",
        "she",
        "they",
        "it",
        "this",
        "that",
        "my",
        "your",
        "his",
        "her",
        "our",
        "their",
        "please",
        "thanks",
        "thank",
        "if",
        "when",
        "where",
        "which",
        "who",
        "with",
        "by",
        "as",
        "so",
        "then",
        "also",
        "can",
        "could",
        "would",
        "will",
        "should",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "not",
        "no",
        "yes",
        "phone",
        "tel",
        "fax",
        "email",
        "e-mail",
        "mobile",
        "call",
        "office",
    ]
)


def _tail_end(text: str, pos: int) -> int:
    """Extend an address from `pos` over unit, city, region, country and postal-code segments."""
    end = pos
    segments = 0
    lines = 0
    while segments < 6:
        m = _TAIL_SEGMENT.match(text, end)
        if m is None:
            break
        kind = m.lastgroup
        if kind == "words":
            words = m.group("words").split()
            # A city or country is capitalised and not a sentence word.
            if not words or any(w.lower().strip(".,") in _STOP_WORDS for w in words):
                break
            if not all(w[0].isupper() for w in words):
                break
        elif kind == "code" and m.group("code").lower() in _STOP_WORDS:
            break
        separator = text[end : m.start(kind or 0)]
        lines += separator.count("\n")
        if lines > 4:
            break
        end = m.end()
        segments += 1
        if kind == "zip" or kind == "mil":
            # A postal code closes an address in most formats.
            nxt = _TAIL_SEGMENT.match(text, end)
            if nxt is None or nxt.lastgroup != "words":
                break
    return end


class StreetAddressRecognizer(LocalRecognizer):
    """Finds street addresses (`STREET_ADDRESS`) by structure; see the module docstring."""

    CONTEXT: ClassVar[list[str]] = [
        "address",
        "live",
        "lives",
        "living",
        "moved",
        "ship",
        "send",
        "deliver",
        "delivery",
        "billing",
        "shipping",
        "located",
        "office",
        "street",
    ]

    def __init__(self, *, score: float = 0.7, framed_score: float = 0.5, unit_score: float = 0.3) -> None:
        self._score = score
        self._framed_score = framed_score
        self._unit_score = unit_score
        super().__init__(
            supported_entities=["STREET_ADDRESS"],
            name="StreetAddressRecognizer",
            supported_language="en",
            context=self.CONTEXT,
        )

    def load(self) -> None:
        """Nothing to load: the recognizer is pure patterns."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Report address spans in `text`."""
        results: list[RecognizerResult] = []
        taken_until = -1
        for m in _STREET_LINE.finditer(text):
            if m.start() < taken_until:
                continue
            end = _tail_end(text, m.end())
            results.append(self._result(m.start(), end, self._score))
            taken_until = end
        for m in _FRAMED.finditer(text):
            # "3 March 2024" has the same shape as "20789 Allika 46".
            if any(w.lower().strip(".") in _CALENDAR_WORDS for w in m.group().split()):
                continue
            if any(r.start <= m.start() < r.end or m.start() <= r.start < m.end() for r in results):
                continue
            results.append(self._result(m.start(), _tail_end(text, m.end()), self._framed_score))
        for m in _BARE_UNIT.finditer(text):
            if any(r.start <= m.start() < r.end for r in results):
                continue
            results.append(self._result(m.start(), _tail_end(text, m.end()), self._unit_score))
        return results

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            entity_type="STREET_ADDRESS",
            start=start,
            end=end,
            score=score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: "StreetAddressRecognizer",
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
