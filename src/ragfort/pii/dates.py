"""Dates of birth: a date that a birth cue introduces, in English, French, German, Spanish or Italian.

A date alone is not personal ("delivered on 3 November", "your bill of
12/05/2024") and the support policies leave `DATE_TIME` visible. A date of
birth is: with a name or a postcode it identifies a person, and banks and
carriers use it as a security answer. `DateOfBirthRecognizer` reports a date
only when a birth cue stands right before it ("DOB 03/14/1988", "born on
the 3rd of November 2001", "née le 14 mars 1988", "geboren am 3. November
2001", "fecha de nacimiento: 12 de mayo de 1979") or right after it
("14/03/1988 (date of birth)").

Accepted date shapes: day, month and year in any order of digits separated
by ``/``, ``.`` or ``-`` (two- or four-digit years, ISO order included), day
and month digits without the year ("her birthday is 14/02"),
day and month name with or without a year, month name and day, and month
name and year. A numeric date must be a real calendar date in at least one
reading (day-month or month-day), with a year between 1900 and today.
"""

from __future__ import annotations

import datetime as _dt
import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from ragfort.pii.cues import CuedValueRecognizer, result

__all__ = ["DateOfBirthRecognizer"]

# Month names and their usual abbreviations; "mar" and "mai" stay ambiguous
# only in theory, since a day and a year surround them.
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|"
    "januar|jänner|februar|märz|maerz|juni|juli|oktober|dezember|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|er|\.|º)?"
_YEAR = r"(?:19|20)\d{2}"
_DATE = (
    # 03/14/1988, 22/08/1995, 12.05.1979, 3-11-01
    r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})(?!\d)"
    # 1988-03-14, 1988/3/14
    r"|\d{4}[./-]\d{1,2}[./-]\d{1,2}(?!\d)"
    # 14/02, 14.02. (a birthday without the year, still half of a date of birth)
    r"|\d{1,2}[./]\d{1,2}\.?(?![./-]?\d)"
    # 3 November 2001, 3rd of November, 12 de mayo de 1979, 3. November 2001
    rf"|{_DAY}\s+(?:of\s+|de\s+)?(?:{_MONTHS})\.?(?:,?\s+(?:de\s+|del\s+)?{_YEAR})?(?!\w)"
    # November 3rd, 2001; Nov 3 2001
    rf"|(?:{_MONTHS})\.?\s+{_DAY}(?:,?\s+{_YEAR})?(?!\w)"
    # November 2001, mayo de 1979
    rf"|(?:{_MONTHS})\.?\s+(?:de\s+)?{_YEAR}(?!\w)"
)
_BIRTH_CUE = (
    r"d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?date|birthday|born(?:\s+on)?|"
    r"n[ée]e?\s+le|date\s+de\s+naissance|"
    r"geboren(?:\s+am)?|geburtsdatum|geburtstag|geb\.|"
    r"fecha\s+de\s+nacimiento|nacid[oa]\s+el|"
    r"data\s+di\s+nascita|nat[oa]\s+il|"
    r"data\s+de\s+nascimento"
)
# A cue after the date: "14/03/1988 (date of birth)", "3 November 2001 is my birthday".
_CUE_AFTER = re.compile(
    rf"\s*(?:[(,\-–]\s*)?(?:(?:is|was|=)\s+)?(?:(?:my|his|her|their)\s+)?(?:{_BIRTH_CUE})(?!\w)", re.IGNORECASE
)
_NUMERIC = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})")
_DAY_MONTH = re.compile(r"(\d{1,2})[./](\d{1,2})\.?")


def _valid_numeric(value: str) -> bool:
    dm = _DAY_MONTH.fullmatch(value)
    if dm is not None:
        a, b = int(dm.group(1)), int(dm.group(2))
        return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= b <= 31 and 1 <= a <= 12)
    m = _NUMERIC.fullmatch(value)
    if m is None:
        return True  # a textual date: its parts were constrained by the pattern
    a, b, c = (int(x) for x in m.groups())
    this_year = _dt.date.today().year
    if len(m.group(1)) == 4:
        readings = [(a, b, c)]
    else:
        year = c if len(m.group(3)) == 4 else (2000 + c if 2000 + c <= this_year else 1900 + c)
        readings = [(year, b, a), (year, a, b)]  # day-month-year, then month-day-year
    for year, month, day in readings:
        if not 1900 <= year <= this_year:
            continue
        try:
            _dt.date(year, month, day)
        except ValueError:
            continue
        return True
    return False


class DateOfBirthRecognizer(CuedValueRecognizer):
    """`DATE_OF_BIRTH`: a date next to a birth cue ("DOB", "born on", "né le", "geboren am", ...)."""

    ENTITY = "DATE_OF_BIRTH"
    CUE = re.compile(rf"(?<!\w)(?:{_BIRTH_CUE})(?!\w)", re.IGNORECASE)
    VALUE = re.compile(rf"(?:{_DATE})", re.IGNORECASE)
    SCORE = 0.85

    def accept(self, value: str) -> bool:
        """A real calendar date in some reading, with a plausible year of birth."""
        return _valid_numeric(value)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Dates after a birth cue, and dates with a birth cue right after them."""
        # Most texts have no birth cue at all: one scan for it spares the date scan.
        if self.CUE.search(text) is None:
            return []
        found = {(r.start, r.end): r for r in super().analyze(text, entities, nlp_artifacts)}
        for m in self.VALUE.finditer(text):
            if (m.start(), m.end()) in found or (m.start() > 0 and text[m.start() - 1].isalnum()):
                continue
            if self.accept(m.group()) and _CUE_AFTER.match(text, m.end()):
                found[(m.start(), m.end())] = result(self, self.ENTITY, m.start(), m.end(), self._score)
        return list(found.values())
