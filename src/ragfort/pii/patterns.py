"""Pattern recognizers that need a context word where Presidio's need a checksum.

Presidio's card recognizer reports a number only when it passes the Luhn
check, and its phone recognizer only when `phonenumbers` validates it. Both
are right for a bare digit string, which is more often an order or serial
number. Next to the word that names it, though, a digit group is what the
customer says it is: "my card 4030 8743 9774 0603 788" is their card number
even if they mistyped a digit or the issuer uses a range the checksum tables
do not know, and it has to be redacted all the same. These recognizers report
such numbers only when a context word stands right before them (or, for
phones, a label right after: "555 0134 mobile"), so a stray digit run stays
unreported.

`CaseInsensitiveIbanRecognizer` checks IBANs typed in lower case, which
Presidio's recognizer does not match at all.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import IbanRecognizer

from ragfort.pii.cues import PatternOnlyRecognizer, result

__all__ = [
    "CardNumberContextRecognizer",
    "CaseInsensitiveIbanRecognizer",
    "ObfuscatedEmailRecognizer",
    "PhoneContextRecognizer",
]

_WORDS = re.compile(r"[\w#]+")


def _words_before(text: str, start: int, count: int) -> list[str]:
    return [w.lower() for w in _WORDS.findall(text[max(0, start - 60) : start])][-count:]


def _words_after(text: str, end: int, count: int) -> list[str]:
    return [w.lower() for w in _WORDS.findall(text[end : end + 30])][:count]


class _ContextPattern(LocalRecognizer):
    """A regex whose matches count only with a context word nearby."""

    ENTITY: ClassVar[str]
    PATTERN: ClassVar[re.Pattern[str]]
    BEFORE: ClassVar[frozenset[str]]
    AFTER: ClassVar[frozenset[str]] = frozenset()
    WINDOW: ClassVar[int] = 4

    def __init__(self, *, score: float = 0.6) -> None:
        self._score = score
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__, supported_language="en")

    def load(self) -> None:
        """Nothing to load: the recognizer is pure patterns."""

    def accept(self, value: str) -> bool:
        """Whether a match (with context) is a value of this type."""
        return True

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Report matches that have a context word next to them."""
        results = []
        for m in self.PATTERN.finditer(text):
            if not self.accept(m.group()):
                continue
            before = _words_before(text, m.start(), self.WINDOW)
            after = _words_after(text, m.end(), 1)
            if not (self.BEFORE.intersection(before) or self.AFTER.intersection(after)):
                continue
            results.append(self._result(m.start(), m.end()))
        return results

    def _result(self, start: int, end: int) -> RecognizerResult:
        return RecognizerResult(
            entity_type=self.ENTITY,
            start=start,
            end=end,
            score=self._score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )


class CardNumberContextRecognizer(_ContextPattern):
    """A 12-19 digit group right after a card word ("card", "visa", "cc"), Luhn-valid or not."""

    ENTITY = "CREDIT_CARD"
    # Digits in groups separated by single spaces or dashes; not part of a longer token.
    PATTERN = re.compile(r"(?<![\w+-])\d{2,6}(?:[ -]?\d{2,6}){1,5}(?![\w-])")
    BEFORE = frozenset(
        ["card", "cards", "credit", "debit", "visa", "mastercard", "amex", "maestro", "jcb", "discover", "cc"]
    )
    WINDOW = 4

    def accept(self, value: str) -> bool:
        """Card numbers have 12 to 19 digits."""
        digits = sum(c.isdigit() for c in value)
        return 12 <= digits <= 19


class PhoneContextRecognizer(_ContextPattern):
    """A phone-shaped number next to a phone word or phrase, or any number written with a leading ``+``.

    The cue decides, not the numbering plan: "my number is +44 7700 900123"
    is the customer's phone even though 07700 900xxx is Ofcom's range for
    fiction and fails `phonenumbers` validation. Besides single phone words
    (in English, French, German, Spanish and Italian), phrases that make a
    bare "number" a phone number count: "my number is", "mon numéro",
    "mi número", "meine Nummer", "call me on", "reach me at", and a line
    that starts with "Number:". "Order number" and "account number" do not.
    """

    ENTITY = "PHONE_NUMBER"
    PATTERN = re.compile(
        r"(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,6}(?:[ .-]\d{2,8}){1,4}"
        r"(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?(?![\w-]*\d)|(?<![\w+])\+\d{8,14}\b"
    )
    BEFORE = frozenset(
        [
            "phone",
            "telephone",
            "tel",
            "cell",
            "mobile",
            "fax",
            "desk",
            "office",
            "call",
            "whatsapp",
            "sms",
            "text",
            # French, German, Spanish and Italian phone words.
            "téléphone",
            "tél",
            "portable",
            "handy",
            "handynummer",
            "telefon",
            "telefonnummer",
            "mobilnummer",
            "rufnummer",
            "festnetz",
            "teléfono",
            "telefono",
            "móvil",
            "movil",
            "celular",
            "cellulare",
        ]
    )
    AFTER = frozenset(["phone", "tel", "cell", "mobile", "fax", "desk", "office", "home", "work"])
    WINDOW = 3
    # Phrases ending right before the number; "number" alone needs a possessive or a line start.
    CUE_PHRASE = re.compile(
        r"(?:\b(?:my|our|his|her|their|the\s+best|contact|callback|call-back|mon|ma|notre|mi|nuestro|meine|unsere|"
        r"il\s+mio|la\s+mia)\s+(?:(?:phone|mobile|cell|home|work|direct|contact|new|other|old|landline|whatsapp|"
        r"callback)\s+)?"
        r"(?:number|no\.?|numéro|numero|número|nummer|num)"
        r"|(?:^|\n)\s*(?:number|numéro|número|nummer|numero)"
        r"|\b(?:call|ring|reach|text|contact|phone|message|whatsapp)\s+(?:me|us|him|her)\s+(?:on|at)"
        r"|\b(?:joignable|appelez-moi|rappelez-moi|erreichbar|anrufen|llámame|llamame|llamadme|chiamami)"
        r"(?:\s+(?:au|unter|al|sur|a))?)"
        r"\s*(?:is|est|ist|es|è)?\s*[:=\-]?\s*$",
        re.IGNORECASE,
    )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Context matches, cue-phrase matches, and ``+``-prefixed international numbers."""
        results = super().analyze(text, entities, nlp_artifacts)
        taken = {(r.start, r.end) for r in results}
        for m in self.PATTERN.finditer(text):
            if (m.start(), m.end()) in taken or not self.accept(m.group()):
                continue
            before = text[max(0, m.start() - 60) : m.start()]
            if m.group().startswith("+") or self.CUE_PHRASE.search(before):
                results.append(self._result(m.start(), m.end()))
                taken.add((m.start(), m.end()))
        return results

    def accept(self, value: str) -> bool:
        """Seven to fifteen digits, not shaped like a date or a decimal."""
        digits = sum(c.isdigit() for c in value.split("x")[0])
        return 7 <= digits <= 15


class CaseInsensitiveIbanRecognizer(IbanRecognizer):
    """Presidio's IBAN recognizer, also matching IBANs typed in lower case (checksum still required)."""

    def __init__(self) -> None:
        import regex

        super().__init__(regex_flags=regex.DOTALL | regex.MULTILINE | regex.IGNORECASE)

    def validate_result(self, pattern_text: str) -> bool | None:
        """The stock check on the upper-cased value."""
        result: bool | None = super().validate_result(pattern_text.upper())
        return result


# "dot" and "at" spelled out, as people hide an address from scrapers, in the five languages served.
_DOT = r"(?:[ \t]*\.[ \t]*|[ \t]*[\[(\{]dot[\])\}][ \t]*|[ \t]+(?:dot|punto|point|punkt)[ \t]+)"
_AT = r"(?:[ \t]*[\[(\{](?:at|@)[\])\}][ \t]*|[ \t]+(?:at|arroba|chez|ät|chiocciola)[ \t]+)"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?"
# Top-level domains an address ends in: the generic ones and the country codes of the markets served.
_TLD = (
    r"(?:com|net|org|edu|gov|info|biz|io|co|me|eu|uk|ie|de|fr|es|it|nl|be|ch|at|au|nz|ca|us|in|pl|pt|se|no|dk|fi|"
    r"mx|br|ar|za|sg|jp|cn|hk|ae)"
)


class ObfuscatedEmailRecognizer(PatternOnlyRecognizer):
    """`EMAIL_ADDRESS` written so a scraper misses it: "jane dot doe at example dot com", "k.lee[at]example.com".

    The "at" must be spelled out or bracketed, and the domain must end in a
    top-level domain after a dot (written either way), so "meet at the
    store" or "5 at 10 pm" never match. Plain addresses are Presidio's.
    """

    ENTITY: ClassVar[str] = "EMAIL_ADDRESS"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        rf"(?<![\w.@-])(?:[a-z0-9][a-z0-9_+-]*)(?:{_DOT}[a-z0-9][a-z0-9_+-]*){{0,3}}{_AT}"
        rf"{_LABEL}(?:{_DOT}{_LABEL}){{0,3}}{_DOT}{_TLD}(?![\w-])",
        re.IGNORECASE,
    )

    SCORE: ClassVar[float] = 0.7

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Spelled-out addresses in `text`."""
        out = []
        for m in self.PATTERN.finditer(text):
            value = m.group()
            if "@" in value and not any(bracket in value for bracket in "[({"):
                continue  # a plain address: Presidio's recognizer reports it
            if _website_after_at(value):
                continue
            out.append(result(self, self.ENTITY, m.start(), m.end(), self._score))
        return out


_PLAIN_AT = re.compile(r"^(?P<local>[a-z]+)[ \t]+at[ \t]+(?P<domain>\S.*)$", re.IGNORECASE)


def _website_after_at(value: str) -> bool:
    """`value` is a word of the sentence, a plain "at", then a web address: "online at acme.co.uk", "form at ...".

    Help text says where to go ("Start a return online at acme.co.uk/returns", "Apply at harbourline.co.uk");
    the recognizer's shape reads the word before "at" as an address's local part. Such a match is let go
    when nothing in it is hidden: the "at" is the English word between spaces, no dot is spelled out or
    bracketed, and the local part is one everyday English word (a stop word included) that is no one's
    given name. "john at gmail.com", "jane.doe at outlook.com" and "sales at acme dot com" still match.
    """
    m = _PLAIN_AT.match(value)
    if m is None or re.search(r"[\[({]|\b(?:dot|punto|point|punkt)\b", m.group("domain"), re.IGNORECASE):
        return False
    from ragfort.cache.english import english_words, is_english  # imported late: the cache package is heavier
    from ragfort.pii.lexicon import any_given_names, stop_words

    word = m.group("local").lower()
    return word not in any_given_names() and (word in stop_words() or is_english(word, english_words()))
