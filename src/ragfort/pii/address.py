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

from ragfort.text import CALENDAR_WORDS

__all__ = ["StreetAddressRecognizer"]

_STREET_WORDS = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|square|sq|squares|"
    "terrace|parkway|pkwy|highway|hwy|circle|cir|trail|crescent|close|row|alley|plaza|streets|"
    "grove|mews|parade|wharf|quay|"
    "str|strasse|straße|gasse|weg|platz|allee|ring|rue|chemin|via|viale|piazza|corso|calle|carrera|avenida|"
    "rua|travessa|largo|praça|ulica|ul|utca|út|tér|u|kapu|körút|krt|rkp|gata|gatan|vägen|väg|vej|vei|veien|gade|"
    "katu|tie|kuja|straat|laan|plein|gracht|odos|leoforos|paseo|camino|rambla|carrer|avinguda|strada|vicolo|"
    "estrada|alameda|ulice|ulitsa|prospekt|bulevar|cesta"
)
# Street types written before the street's name ("12 rue de la Paix", "63 Avenue du Parc").
_LEADING_WORDS = (
    "rue|avenue|avenida|av|via|viale|rua|calle|piazza|corso|chemin|boulevard|bd|travessa|largo|praça|ulica|ul|"
    "carrera|plaza|allée|quai|impasse|place|paseo|camino|rambla|carrer|avinguda|strada|vicolo|estrada|alameda"
)
# Suffixes glued to the street name in Germanic, Nordic, Dutch and Finnish names.
_STREET_SUFFIX = (
    r"[^\W\d_]{2,}(?:strasse|straße|str|gasse|weg|platz|allee|gata|gatan|vägen|vej|veien|vei|gade|"
    r"katu|tie|kuja|straat|laan|plein|gracht|vænget|torget|torg|gränd|stig|bakken|vegen)\.?"
)
_CAP = r"[A-ZÀ-ÖØ-ÞĀ-ŽΑ-ΩА-Я][\w'’.-]*"
_WORD = r"[^\W\d_][\w'’.-]*"
_NUM = r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?"
_UNIT = r"(?:apt|apartment|suite|ste|unit|flat|floor|fl|room|rm|bldg|building|#)\.?\s*#?\s*\d{1,5}[A-Za-z]?"

# Street types written only before the name ("Via Roma 5", "12 rue de la Paix"): a name never ends with one,
# so "12 nights booked via" is no address.
_LEADING_ONLY = frozenset(
    w
    for line in (
        "rue via viale rua calle piazza corso chemin travessa largo praça carrera avenida",
        "paseo camino rambla carrer avinguda strada vicolo estrada alameda",
    )
    for w in line.split()
)
_ENDING_WORDS = "|".join(w for w in _STREET_WORDS.split("|") if w not in _LEADING_ONLY)
# A count of time or things after a number ("3 years in a row", "12 nights booked", "a 22 year old daughter"): no
# street name starts so.
_NOT_A_NAME_START = (
    r"(?!(?:years?|yrs?|nights?|days?|weeks?|months?|hours?|hrs?|minutes?|mins?|times?|people|persons?|items?|"
    r"miles?|km|percent|per)\b)"
    # A fare ("£35 one way", "80 each way"), unless another street word follows ("5 One Way Street").
    r"(?!(?:one|each)[ \t]+way\b(?![ \t]+(?:street|st|road|rd|lane|ln|avenue|ave|close)\b))"
)
# A number that counts time ("take place within 60 days", "Rue ... 14 working days") is no house number.
_NOT_A_DURATION = r"(?![ \t]+(?:days?|weeks?|months?|years?|hours?|minutes?|mins?|nights?|working|business|calendar)\b)"
# "1600 Pennsylvania Avenue", "74 Diakou Street", "159 Eleftheriou Venizelou str"; a building number
# may come first ("975 3968 Bay Street").
_US_STYLE = (
    rf"(?:\d{{1,6}}[ \t]+)?{_NUM}[ \t]+{_NOT_A_NAME_START}(?:{_WORD}[ \t]+){{0,4}}?(?:{_ENDING_WORDS})\b\.?"
    rf"(?:[ \t]+{_NUM}\b)?"
)
# "12 rue de la Paix", "63 Avenue du Golf Arabe": the name follows the type word, on the same line.
_NOT_UNIT = r"(?!(?:apt|apartment|suite|ste|unit|flat|floor|room|bldg)\b)"
_NUM_LEADING = (
    rf"(?:\d{{1,6}}[ \t]+)?{_NUM}[ \t]+(?:{_LEADING_WORDS})\.?(?:[ \t]+{_NOT_UNIT}{_WORD}){{1,4}}(?:[ \t]+{_NUM}\b)?"
)
# "Rua do Arenque 1634", "Via Franscini 71", "Calle Mayor 5".
_LEADING_TYPE = rf"(?:{_LEADING_WORDS})[ \t]+(?:{_WORD}[ \t]+){{0,3}}?{_WORD}[ \t]+{_NUM}\b{_NOT_A_DURATION}"
# "Koskikatu 25", "Brucker Bundesstrasse 31", "Præstevænget 15" (optionally "450 Præstevænget 15").
# The words before the name are capitalised ("Brucker"; case-sensitive although the shapes are compiled
# ignoring case): "at Kastanienallee 12" must not take "at" (and the name before it) into the address,
# where the overlap with that name would drop the whole address.
_SUFFIXED = rf"(?:{_NUM}[ \t]+)?(?:(?-i:{_CAP})[ \t]+){{0,2}}{_STREET_SUFFIX}[ \t]+{_NUM}\b"
# "Villacher Strasse 89", "Baker Street 12": a capitalised name ("I still ring 999" is no address).
_TRAILING_TYPE = rf"(?:(?-i:{_CAP})[ \t]+){{1,2}}(?:{_ENDING_WORDS})\.?[ \t]+{_NUM}\b"
# "Hoge Wei 32 St.", "Grössgstötten 50 street": name, house number, then the type word.
_NUMBER_THEN_TYPE = rf"(?:{_CAP}[ \t]+){{1,3}}{_NUM}[ \t]+(?i:street|st|str)\b\.?"
# An intersection: "the corner of Main St and 5th Ave", "corner of Kuusiku 7 and Alder Flat".
_CORNER_PART = r"(?:[^\W_][\w'’/-]*\.?)(?:[ \t]+(?!and\b)[^\W_][\w'’/-]*\.?){0,5}"
_CORNER = re.compile(rf"\bcorner of[ \t]+(?P<span>{_CORNER_PART}[ \t]+and[ \t]+{_CORNER_PART})", re.IGNORECASE)
# "20789 Allika 46", "10252 Μεγάλη Άμμος 184": a building number, one to three
# capitalised words and a house number. Two numbers framing a capitalised name
# is the shape of an address line in many countries; case-sensitive on purpose.
_FRAMED = re.compile(rf"(?<![\w-])\d{{1,6}}[ \t]+(?:{_CAP}[ \t]+){{0,2}}{_CAP}[ \t]+\d{{1,5}}[A-Za-z]?\b")
_POBOX = (
    r"(?:\d{1,6}[ \t]+)?(?:(?:PSC|CMR|Unit)[ \t]+\d{1,5},?[ \t]+Box[ \t]+\d{1,5}|P\.?[ \t]?O\.?[ \t]+Box[ \t]+\d{1,6})"
)
# A US military post line on its own ("FPO AE 09582"), optionally after a ship's name line.
_MILITARY = (
    r"(?:(?:USNS|USNV|USS|USCGC)[ \t]+[^\W\d_][\w'’-]*[ \t]*\n[ \t]*)?(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{5}"
)

# Each shape separately: at one position the longest wins ("86036 Rua do Arenque 1634" is
# one leading-type line, not "86036 Rua"). A unit may come first ("Suite 5, 12 Main St").
_UNIT_FIRST = rf"(?:{_UNIT}[ \t]*,?[ \t]+)?"
# The digits of an amount are no house number: "$8,000 engagement ring", "£12 Main Street voucher".
_NOT_AMOUNT = r"(?<!\d,)(?<!\d\.)(?<![$£€¥])"
_STREET_LINES = [
    re.compile(rf"(?<![\w-]){_NOT_AMOUNT}{_UNIT_FIRST}(?:{shape})", re.IGNORECASE)
    for shape in (_POBOX, _US_STYLE, _NUM_LEADING, _SUFFIXED, _LEADING_TYPE, _TRAILING_TYPE, _MILITARY)
] + [re.compile(rf"(?<![\w-]){_NUMBER_THEN_TYPE}")]
# A postal code right after its label: "ZIP: 8592", "postcode 1012 AB", "my zip code is 35350".
_LABELLED_ZIP = re.compile(
    r"\b(?:zip|zip code|zipcode|postal code|postcode|post code|plz|cap)\b[ \t]*(?::|is|=)?[ \t]*"
    r"(?P<zip>\d{3,6}(?:[ -]\d{2,4})?(?:[ \t]+[A-Z]{2}\b)?|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}\b|"
    r"[A-Z]\d[A-Z][ \t]?\d[A-Z]\d\b)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_BARE_UNIT = re.compile(rf"(?<![\w-]){_UNIT}\b", re.IGNORECASE)

# What may follow a street line, one segment at a time: a unit, a military
# post office line, a postal code, a region code, or a short run of name-like
# words (city, country). Separators are commas, spaces and line breaks.
# A line may start with a quote or bullet mark (">", "*", "-", "•", or "???" where one was lost).
_LINE_START = r"\n[ \t>*•?|-]*"
_SEP = rf"(?=[\s,.])\.?(?:[ \t]*(?:,|{_LINE_START}))*[ \t]*"
_TAIL_SEGMENT = re.compile(
    rf"{_SEP}(?:"
    rf"(?P<unit>(?i:{_UNIT})\b)"
    r"|(?P<mil>(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5})"
    r"|(?P<zip>\d{3}\s?\d{2}(?:-\d{4})?\b|\d{4}\b|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d\b)"
    r"|(?P<code>[A-Z]{2}\b)"
    r"|(?P<words>(?:[^\W\d_](?:[^\W\d_]|['’.-])*)(?:[ \t]+[^\W\d_](?:[^\W\d_]|['’.-])*){0,2})\b"
    r")"
)
_CALENDAR_WORDS = CALENDAR_WORDS
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


_SENTENCE_END_IN_RUN = re.compile(r"[^\W\d_]{4,}\.(?=\s)")


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
        stop = m.end()
        if kind == "words":
            run = m.group("words")
            # "Berlin. What sizes ...": a full stop after a long word ends the sentence, and the address with it.
            full_stop = _SENTENCE_END_IN_RUN.search(run)
            if full_stop is not None:
                run = run[: full_stop.end()]
                stop = m.start("words") + len(run)
            words = run.split()
            # A city or country is capitalised and not a sentence word.
            if not words or any(w.lower().strip(".,") in _STOP_WORDS for w in words):
                break
            if not all(w[0].isupper() for w in words):
                break
        elif kind == "code" and m.group("code").lower() in _STOP_WORDS:
            break
        separator = text[end : m.start(kind or 0)]
        if "." in separator and "\n" not in separator and kind in ("words", "code"):
            # "12 Main St. Then we ..." : after a full stop on the same line a new sentence starts.
            break
        lines += separator.count("\n")
        if lines > 4:
            break
        end = stop
        if kind == "words" and text[end - 1] == "." and len(words[-1]) > 4:
            # "..., Sevilla." ends a sentence; "St." and "Mt." keep their period.
            end -= 1
        segments += 1
        if kind == "zip" or kind == "mil":
            # A postal code closes an address in most formats.
            nxt = _TAIL_SEGMENT.match(text, end)
            if nxt is None or nxt.lastgroup != "words":
                break
    return end


def _street_lines(text: str) -> list[tuple[int, int]]:
    """Non-overlapping street-line spans, the longest at each start winning."""
    found: dict[int, int] = {}
    for pattern in _STREET_LINES:
        for m in pattern.finditer(text):
            start = _skip_sentence_words(text, m.start(), m.end())
            end = _trim_words(text, start, m.end())
            if _sentence_inside(text[start:end]):
                continue
            if end > found.get(start, -1):
                found[start] = end
    spans: list[tuple[int, int]] = []
    for start in sorted(found):
        if spans and start < spans[-1][1]:
            # Overlapping shapes describe one line: take their union.
            spans[-1] = (spans[-1][0], max(spans[-1][1], found[start]))
            continue
        spans.append((start, found[start]))
    return spans


_LEAD_WORD = re.compile(r"([^\W\d_][\w'’-]*)[ \t]+")
_STREET_WORD_SET = frozenset(_STREET_WORDS.split("|")) | frozenset(_LEADING_WORDS.split("|"))


def _skip_sentence_words(text: str, start: int, end: int) -> int:
    """Drop lower-case sentence words a match took at its start ("enter on Sludevej 13")."""
    while True:
        m = _LEAD_WORD.match(text, start, end)
        if m is None:
            return start
        word = m.group(1)
        if word[0].isupper() or word.lower().rstrip(".") in _STREET_WORD_SET:
            return start
        start = m.end()


# Function words that occur inside street names in some language ("Rua do Sol", "r josé a madeira").
_STREET_PARTICLES = frozenset(["do", "a", "i", "on", "at", "in", "the"])


def _sentence_inside(line: str) -> bool:
    """A "street line" with sentence words inside it ("2 hours after you place") is prose, as is one that runs on
    past a sentence's end ("38 states. Tallyho doesn't close", where an answer joined two sentences)."""
    if _SENTENCE_END_IN_RUN.search(line) is not None:
        return True
    return any(w.lower() in _STOP_WORDS and w.lower() not in _STREET_PARTICLES for w in line.split()[1:-1])


def _trim_words(text: str, start: int, end: int) -> int:
    """Drop sentence words a greedy street-name match took at its end ("63 Avenue Road and then")."""
    if text[end - 1] == "." and end - start > 1:
        word = text[max(text.rfind(" ", start, end), start) : end - 1].strip()
        # "Road." ends a sentence; "Rd." and "St." keep their period.
        if len(word) > 3 and word.isalpha():
            end -= 1
    while True:
        cut = max(text.rfind(" ", start, end), text.rfind("\t", start, end))
        if cut <= start:
            return end
        last = text[cut + 1 : end].strip(".,").lower()
        if last in _STOP_WORDS or last in _CALENDAR_WORDS:
            end = cut
            continue
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
        if _DIGIT.search(text) is None:
            # Every shape but an intersection holds a number; most answers hold none.
            return self._corners(text, results)
        taken_until = -1
        for start, line_end in _street_lines(text):
            if start < taken_until:
                continue
            end = _tail_end(text, line_end)
            results.append(self._result(start, end, self._score))
            taken_until = end
        for m in _LABELLED_ZIP.finditer(text):
            if not any(r.start <= m.start("zip") < r.end for r in results):
                results.append(self._result(m.start("zip"), m.end("zip"), self._score))
        results = self._corners(text, results)
        for m in _FRAMED.finditer(text):
            # "3 March 2024" has the same shape as "20789 Allika 46"; "5 Musicians Of The 70s" is a title.
            words = [w.lower().strip(".") for w in m.group().split()]
            if any(w in _CALENDAR_WORDS or w in _STOP_WORDS or w == "of" for w in words):
                continue
            if any(r.start <= m.start() < r.end or m.start() <= r.start < m.end() for r in results):
                continue
            results.append(self._result(m.start(), _tail_end(text, m.end()), self._framed_score))
        for m in _BARE_UNIT.finditer(text):
            if any(r.start <= m.start() < r.end for r in results):
                continue
            results.append(self._result(m.start(), _tail_end(text, m.end()), self._unit_score))
        return results

    def _corners(self, text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
        """Add intersections ("the corner of A and B"), widening a street line found inside one."""
        if "corner" not in text.lower():
            return results
        for m in _CORNER.finditer(text):
            start, end = m.start("span"), m.end("span")
            inside = [i for i, r in enumerate(results) if r.start <= start < r.end or start <= r.start < end]
            if not inside:
                results.append(self._result(start, end, self._score))
            for i in inside:
                r = results[i]
                results[i] = self._result(min(r.start, start), max(r.end, end), max(r.score, self._score))
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
