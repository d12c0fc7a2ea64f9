"""Identifiers a telecom support desk sees: IMEI, ICCID (the SIM serial) and MAC addresses.

Each identifies one device or SIM card, and through the carrier's records
its owner, so they are personal data in a question even though nothing in
them names anyone.

* **IMEI**: 15 digits whose last one is a Luhn check digit, often grouped
  ("35-209900-176148-1", "35 209900 176148 1"). Without a cue a Luhn-valid
  15-digit number is reported, except with the 15-digit card prefixes
  (American Express 34 and 37, JCB 1800 and 2131) or right after a card word
  ("card 180016070420458"): those are card numbers, left to the card
  recognizers. A bare number labelled as another kind of id ("ticket",
  "order", "code") is that id, not an IMEI. After the
  word "IMEI" (or "numéro IMEI", ...) a 14 to 16 digit number counts even if
  the checksum fails: 14 digits is an IMEI without its check digit, 16 an
  IMEISV, and a customer may mistype one digit; the cue is the stronger
  evidence.
* **ICCID**: 19 or 20 digits starting with 89 (the telecom industry prefix),
  Luhn-valid without a cue; after "SIM", "ICCID" or "SIM serial" any 18 to 22
  digits starting with 89 count.
* **MAC address**: six hex pairs with ``:`` or ``-`` (``00:1A:2B:3C:4D:5E``),
  or Cisco's three dotted quads (``001a.2b3c.4d5e``). The dotted form needs
  a hex letter or a device cue, because "2023.1104.0001" is a version number.
  The all-zero and broadcast addresses identify no device and are skipped.
"""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from ragfort.pii.cues import FILLER, result

__all__ = ["DeviceMacRecognizer", "IccidRecognizer", "ImeiRecognizer", "luhn_valid"]

# A digit run with single spaces, dashes or slashes between any digits, not glued to more digits or letters.
_DIGIT_RUN = re.compile(r"(?<![\w+/.-])\d(?:[ /-]?\d){12,21}(?![\w/-]|[ /-]\d)")
_NON_DIGIT = re.compile(r"\D")


_SEPARATOR = re.compile(r"[ /-]")


def _group_ends(m: re.Match[str]) -> list[int]:
    """The end of the run, then the end of each shorter prefix that stops before a separator."""
    ends = [m.end()]
    ends.extend(m.start() + sep.start() for sep in reversed(list(_SEPARATOR.finditer(m.group()))))
    return ends


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _cue_before(cue: re.Pattern[str], text: str, start: int) -> bool:
    """A cue ends right before `start`, with at most the usual filler between."""
    window = text[max(0, start - 60) : start]
    for m in cue.finditer(window):
        gap = window[m.end() :]
        filler = FILLER.fullmatch(gap)
        if filler is not None and len(gap) <= 24:
            return True
    return False


class _DigitIdRecognizer(LocalRecognizer):
    """A digit identifier: checksum-valid alone, or of the right length after its cue."""

    ENTITY = ""
    CUE: re.Pattern[str] = re.compile(r"(?!)")
    # A cue for another type that vetoes the bare (checksum-only) reading.
    OTHER_CUE: re.Pattern[str] = re.compile(r"(?!)")

    # A bare checksum-valid value scores what Presidio gives a Luhn-valid card
    # number (1.0), so the narrower device reading wins the tie on specificity.
    def __init__(self, *, score: float = 0.95, bare_score: float = 1.0) -> None:
        self._score = score
        self._bare_score = bare_score
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__, supported_language="en")

    def load(self) -> None:
        """Nothing to load: the recognizer is pure patterns."""

    def with_cue(self, digits: str) -> bool:
        """Whether `digits` is a value of this type when its cue precedes it."""
        raise NotImplementedError

    def bare(self, digits: str) -> bool:
        """Whether `digits` is a value of this type with no cue at all."""
        raise NotImplementedError

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Checksum-valid numbers, and cued numbers of the right length."""
        out = []
        for m in _DIGIT_RUN.finditer(text):
            cued = _cue_before(self.CUE, text, m.start())
            other = _cue_before(self.OTHER_CUE, text, m.start())
            digits = _NON_DIGIT.sub("", m.group())
            if not cued:
                # Only the whole run: a checksum-valid prefix of a longer number (a 19-digit
                # card) must not take its first 15 digits away from the card reading.
                if not other and self.bare(digits):
                    out.append(result(self, self.ENTITY, m.start(), m.end(), self._bare_score))
                continue
            # After the cue the run may have taken a number that follows ("IMEI
            # 352099001761481 12 months"): try it whole, then without trailing groups.
            for end in _group_ends(m):
                digits = _NON_DIGIT.sub("", text[m.start() : end])
                if self.with_cue(digits):
                    # Cue and checksum together: as certain as a checksum-valid card reading, and narrower.
                    score = max(self._score, self._bare_score) if luhn_valid(digits) else self._score
                    out.append(result(self, self.ENTITY, m.start(), end, score))
                    break
        return out


class ImeiRecognizer(_DigitIdRecognizer):
    """`IMEI`: 15 Luhn-valid digits (not an Amex prefix), or 14-16 digits after an IMEI cue."""

    ENTITY = "IMEI"
    CUE = re.compile(r"(?<!\w)(?:imei(?:sv)?(?:\s+(?:number|nummer|numéro|número|numero))?)(?!\w)", re.IGNORECASE)
    # A card word, or the label of another kind of id ("ticket", "order", "code"), before the digits.
    OTHER_CUE = re.compile(
        r"(?<!\w)(?:card|cards|credit|debit|visa|mastercard|amex|jcb|cc|ticket|order|invoice|case|tracking|"
        r"reference|ref|booking|code)(?:\s+(?:number|no\.?|#|id))?(?!\w)",
        re.IGNORECASE,
    )

    def with_cue(self, digits: str) -> bool:
        """14 to 16 digits, checksum or not."""
        return 14 <= len(digits) <= 16

    def bare(self, digits: str) -> bool:
        """15 digits, Luhn-valid, not shaped like a 15-digit card number (Amex, JCB)."""
        return len(digits) == 15 and luhn_valid(digits) and not digits.startswith(("34", "37", "1800", "2131"))


class IccidRecognizer(_DigitIdRecognizer):
    """`ICCID`: 19-20 Luhn-valid digits starting 89, or 18-22 such digits after a SIM cue."""

    ENTITY = "ICCID"
    CUE = re.compile(
        r"(?<!\w)(?:iccid|sim(?:[\s-]?(?:card|karte|carte|tarjeta))?(?:\s+(?:serial|number|no\.?|nummer|id))*"
        r"|(?:carte|tarjeta|scheda)\s+sim|sim-nummer)(?!\w)",
        re.IGNORECASE,
    )

    def with_cue(self, digits: str) -> bool:
        """18 to 22 digits with the telecom prefix 89."""
        return 18 <= len(digits) <= 22 and digits.startswith("89")

    def bare(self, digits: str) -> bool:
        """19 or 20 digits with the prefix 89 and a valid Luhn check digit."""
        return len(digits) in (19, 20) and digits.startswith("89") and luhn_valid(digits)


_MAC = re.compile(
    r"(?<![\w:.-])(?:[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}|([0-9a-f]{4})\.[0-9a-f]{4}\.[0-9a-f]{4})(?![\w:-]|\.\w)",
    re.IGNORECASE,
)
_DEVICE_CUE = re.compile(
    r"(?<!\w)(?:mac|hardware\s+address|physical\s+address|router|modem|device|wi-?fi|ethernet|adresse|adresa)(?!\w)",
    re.IGNORECASE,
)
_NOT_A_DEVICE = frozenset(["000000000000", "ffffffffffff"])


class DeviceMacRecognizer(LocalRecognizer):
    """`MAC_ADDRESS`: ``00:1A:2B:3C:4D:5E``, ``00-1a-2b-3c-4d-5e`` or ``001a.2b3c.4d5e``.

    Presidio ships a ``MacAddressRecognizer`` for the same notations; this one
    adds the version-number guard on the dotted form. It has its own class
    name because Presidio's default registry looks recognizer classes up by
    name among all loaded subclasses, and a second class with that name
    replaced Presidio's own in every `AnalyzerEngine` of the process.
    """

    ENTITY = "MAC_ADDRESS"

    def __init__(self, *, score: float = 0.85) -> None:
        self._score = score
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__, supported_language="en")

    def load(self) -> None:
        """Nothing to load: the recognizer is pure patterns."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """MAC addresses in the three usual notations."""
        out = []
        for m in _MAC.finditer(text):
            value = m.group()
            hexes = re.sub(r"[^0-9a-fA-F]", "", value).lower()
            if hexes in _NOT_A_DEVICE:
                continue
            # Dotted quads of digits only: a version or build number unless a device is named.
            dotted_digits = m.group(2) is not None and hexes.isdigit()
            if dotted_digits and _DEVICE_CUE.search(text, max(0, m.start() - 60), m.start()) is None:
                continue
            out.append(result(self, self.ENTITY, m.start(), m.end(), self._score))
        return out
