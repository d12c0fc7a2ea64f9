"""Text utilities shared by ingest, generation and guards: sentences with offsets.

Sentence boundaries matter twice: chunks end on them at ingest, and claims
and citations are sentences at request time. Both need exact character
offsets, so the splitter never rewrites text; it only reports spans.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Collection, Iterable
from typing import NamedTuple

__all__ = [
    "CALENDAR_WORDS",
    "CONTRACTIONS",
    "EMAIL_RE",
    "LIST_MARK",
    "PLACEHOLDER_RE",
    "CorpusVocabulary",
    "compounds",
    "contact_key",
    "corpus_vocabulary",
    "fold_accents",
    "normalize_question",
    "pair_key",
    "plain_quotes",
    "printed_contacts",
    "proper_words",
    "search_text",
    "sentence_spans",
    "sentences",
    "word_pairs",
    "words",
]

# A redaction placeholder: ``<PERSON_1>`` (a session's), ``<PHONE_NUMBER_D3f9a2c1b>`` (a corpus's) or
# ``<EMAIL_ADDRESS_H...>`` (hashed). Defined here, the leaf module, so that retrieval can drop
# placeholders without loading the PII stack; `ragfort.pii.pseudonym` uses the same pattern.
PLACEHOLDER_RE = re.compile(r"<([A-Z][A-Z0-9_]*?)_(\d+|D[0-9a-f]{6,}|H[0-9a-f]{6,})>")
# What stands on a line before a list item's text: "- ", "* ", "+ ", "1. ", "1) ". `sentence_spans` never takes it
# into a sentence, so a sentence is a list item when the text between its line's start and its own start is this.
LIST_MARK = re.compile(r"\s*(?:[-*+]|\d+[.)])\s*")
# What is left around a removed placeholder: "I'm <PERSON_1>, <EMAIL_ADDRESS_1>." -> "I'm , ."
# Clauses: the text up to and including the next , ; : ( ) or sentence end.
_CLAUSE = re.compile(r"(?<=[,;:()?!.])(?=\s)|(?<=\))|(?=\()")
_WORD = re.compile(r"[a-z][a-z'’-]*", re.IGNORECASE)
_LEADING_PUNCT = re.compile(r"^[\s.?!,;:]+")
_REPEATED_END = re.compile(r"([.?!])(?:\s*[.?!])+")
# Words that only introduce a value ("my account number is <ACCOUNT_NUMBER_1>", "thanks, <PERSON_1>").
_INTRODUCTIONS = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "dear",
        "this",
        "i'm",
        "im",
        "i",
        "am",
        "name",
        "named",
        "called",
        "account",
        "acct",
        "number",
        "no",
        "customer",
        "client",
        "id",
        "e-mail",
        "email",
        "mail",
        "phone",
        "mobile",
        "cell",
        "tel",
        "telephone",
        "address",
        "order",
        "placed",
        "holder",
        "date",
        "birth",
        "born",
        "dob",
        "reach",
        "contact",
        "call",
        "text",
        "me",
        "on",
        "at",
        "via",
        "thanks",
        "thank",
        "regards",
        "cheers",
        "best",
        "wishes",
        "sincerely",
        "from",
        "here",
        "it's",
        "signed",
        "card",
        "ending",
        "passport",
        "imei",
        "iccid",
        "sim",
        "serial",
        "mac",
        "postcode",
        "zip",
        "code",
    ]
)
_GREETINGS = frozenset("hi hello hey dear thanks thank you regards cheers best kind".split())  # noqa: SIM905
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
    """Case-, whitespace- and quote-folded question text, for cache keys and duplicate checks."""
    return _SPACE.sub(" ", plain_quotes(text)).strip().lower().rstrip("?!. ")


def search_text(question: str) -> str:
    """The redacted question as a retrieval query: placeholders, and the words that only introduced them, removed.

    A question that carries personal data ("Hi, I'm <PERSON_1>,
    <EMAIL_ADDRESS_1>. How do I change my address?") must retrieve what the same
    question without it retrieves. Placeholder tokens mean nothing to the
    embedding model, words such as EMAIL or ADDRESS inside them pull retrieval
    towards articles about e-mail and addresses, and the clause that introduced
    the value ("my account number is", "you can reach me on", "thanks,") is
    noise too. So each clause (split at ``, ; : ( )`` and sentence ends) that
    held a placeholder is dropped when nothing is left of it but function
    words and such introductions; other clauses only lose the placeholder.
    benchmarks/pii_retrieval.py measures it. A question that is nothing but
    placeholders is returned unchanged. Typographic apostrophes and quotes
    are written plainly (`plain_quotes`): "what’s" is read as "what's".
    """
    question = plain_quotes(question)
    if "<" not in question or not PLACEHOLDER_RE.search(question):
        return question
    kept: list[str] = []
    for piece in _CLAUSE.split(question):
        if not PLACEHOLDER_RE.search(piece):
            words = [w.lower() for w in _WORD.findall(piece)]
            if not words or any(w not in _GREETINGS for w in words):
                kept.append(piece)  # a bare "Hi," or "Thanks" beside the removed values goes too
            continue
        rest = PLACEHOLDER_RE.sub(" ", piece)
        words = [w.lower() for w in _WORD.findall(rest)]
        if any(w not in FUNCTION_WORDS and w not in _INTRODUCTIONS for w in words):
            kept.append(rest)
        elif piece and piece[-1] in ".?!":
            kept.append(piece[-1])  # the sentence end stays
    stripped = "".join(kept)
    stripped = _SPACE.sub(" ", _ORPHAN_PUNCT.sub("", stripped)).strip(" ,;:")
    stripped = _REPEATED_END.sub(r"\1", _LEADING_PUNCT.sub("", stripped))
    return stripped if any(c.isalnum() for c in stripped) else question


# Typographic apostrophes and quotes, as help-center editors and phone keyboards write them, to their ASCII forms.
# One character for one, so offsets into the mapped text are offsets into the original.
_PLAIN_QUOTES = str.maketrans(
    {"’": "'", "‘": "'", "‛": "'", "ʼ": "'", "＇": "'", "“": '"', "”": '"', "„": '"', "‟": '"'}
)


def plain_quotes(text: str) -> str:
    """`text` with typographic apostrophes and quotes written as ``'`` and ``"`` ("can’t" -> "can't").

    Grounding reads negations, contractions and quoted names by their ASCII
    forms; the mapping keeps the length, so every offset still points into
    the text as written.
    """
    return text.translate(_PLAIN_QUOTES)


@functools.lru_cache(maxsize=4096)
def _folded(char: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if len(base) == 1 else char


def fold_accents(text: str) -> str:
    """`text` with each accented letter written as its base letter ("Gràcia" -> "Gracia", "Málaga" -> "Malaga").

    One character for one (a letter whose decomposition is not one base letter, such as "ß", stays), so every
    offset still points into the text as written. The corpus's words and a question's are read through it: a
    help center writes "Ostara Gràcia" and customers type "gracia"; and the word readers below take ASCII
    letters only, which would cut "Gràcia" into "Gr" and "cia".
    """
    if text.isascii():
        return text
    return "".join(_folded(c) if ord(c) > 127 else c for c in text)


_LETTERS = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")

# Contractions as people type them without the apostrophe, and as written ("dont" -> "don't"). "id" is left out:
# typed so, it is nearly always "ID".
CONTRACTIONS: dict[str, str] = {
    w.replace("'", ""): w
    for w in (
        "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "hasn't", "haven't", "hadn't", "won't",
        "wouldn't", "can't", "couldn't", "shouldn't", "mustn't", "what's", "that's", "there's", "here's", "where's",
        "who's", "i'm", "i've", "you're", "you've", "they're", "they've", "you'd", "it'll", "you'll",
    )
}  # fmt: skip


def words(text: str) -> set[str]:
    """The lower-case words of `text` (letters, with an inner apostrophe: "can't"), read with plain quotes and
    accents folded ("Gràcia" is "gracia": `fold_accents`)."""
    return {w.lower() for w in _LETTERS.findall(fold_accents(plain_quotes(text)))}


# A capitalised word inside a sentence: after a letter, digit, comma or closing bracket and a space, not after a
# sentence end, a colon, a table bar or a line start.
_INNER_CAPITAL = re.compile(r"(?<=[A-Za-z0-9,)’'\"”] )[A-Z][A-Za-z]*(?:'[A-Za-z]+)?")


class CorpusVocabulary(NamedTuple):
    """What the index knows of its corpus's wording, read once per index version (`ragfort.index.Index`);
    what the PII guard reads a question's names against (`ragfort.pii.vocabulary`).

    Attributes:
        words: the corpus's lower-case words (`ragfort.text.words`).
        pairs: the keys of the pairs of words it writes side by side (`ragfort.text.word_pairs`).
        proper: the words it writes capitalised inside a sentence, in lower case (`ragfort.text.proper_words`).
        contacts: the phone numbers and e-mail addresses its published (public) documents print, as
            `contact_key` writes them: the help center's own support lines and addresses.
        compounds: the words it writes joined by hyphens, in lower case (`ragfort.text.compounds`): "check-in",
            "wi-fi", what a customer types closed up ("checkin", "wifi").
    """

    words: Collection[str]
    pairs: Collection[int]
    proper: Collection[str]
    contacts: Collection[str] = frozenset()
    compounds: Collection[str] = frozenset()


# Letters joined by hyphens: "check-in", "Wi-Fi", "drop-off" (not "W-2", "24-hour" or a dash between spaces).
_COMPOUND = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z]+(?:-[A-Za-z]+)+(?![A-Za-z0-9-])")


def compounds(text: str) -> set[str]:
    """The lower-case words of `text` joined by hyphens ("check-in", "wi-fi"), read with plain quotes and accents
    folded, as `words` reads the rest."""
    return {w.lower() for w in _COMPOUND.findall(fold_accents(plain_quotes(text)))}


# A run of digit groups that may print a phone number: "0345 712 3400", "+1 (888) 555-0190", "1-800-555-0123".
_DIGIT_RUN = re.compile(r"\d+(?:[ .()-]{1,2}\d+)*")
_DIGITS = re.compile(r"\d+")
# An e-mail address as text prints it; also what error messages are scrubbed of (`ragfort.faults.scrub`).
EMAIL_RE = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
# The digits a phone number has, whatever its grouping (E.164 allows 15; seven is a short local number).
_PHONE_MIN, _PHONE_MAX = 7, 15


def contact_key(entity: str, value: str) -> str | None:
    """How a phone number (its digits) or an e-mail address (case-folded) is compared with the ones a help center
    prints; None for any other type, or a value with too few or too many digits for a phone number."""
    if entity == "EMAIL_ADDRESS":
        address = value.strip().rstrip(".").lower()
        return address if "@" in address else None
    if entity == "PHONE_NUMBER":
        digits = "".join(_DIGITS.findall(value))
        return digits if _PHONE_MIN <= len(digits) <= _PHONE_MAX else None
    return None


def printed_contacts(text: str) -> set[str]:
    """The e-mail addresses and phone-number digits `text` prints, as `contact_key` writes them.

    A run of digit groups yields the digits of every sequence of neighbouring groups with 7-15 digits, so that a
    number printed beside another figure ("0345 712 3400 24 hours a day") is still found as "03457123400".
    Digit runs that are no phone number (order numbers, tables) are found too: they are only ever compared with a
    value the detector already reads as a phone number.
    """
    found = {m.group().lower() for m in EMAIL_RE.finditer(text)}
    for run in _DIGIT_RUN.finditer(text):
        groups = _DIGITS.findall(run.group())
        for first in range(len(groups)):
            digits = ""
            for group in groups[first:]:
                digits += group
                if len(digits) > _PHONE_MAX:
                    break
                if len(digits) >= _PHONE_MIN:
                    found.add(digits)
    return found


def proper_words(text: str) -> set[str]:
    """The words `text` writes capitalised inside a sentence, in lower case: its names ("Brightwater", "Railcard").

    Headings (Markdown lines starting with "#") are skipped: they capitalise every word. What a question's lone
    capitalised word must be for the PII guard to read it as the help center's name rather than a person's
    (`ragfort.pii.vocabulary`).
    """
    found: set[str] = set()
    for line in fold_accents(plain_quotes(text)).splitlines():
        if line.lstrip().startswith("#"):
            continue
        found.update(w.lower() for w in _INNER_CAPITAL.findall(line))
    return found


def corpus_vocabulary(texts: Iterable[str], *, public: Iterable[str] = ()) -> CorpusVocabulary:
    """The words, word pairs, capitalised names and hyphenated compounds of `texts` pooled, in one pass
    (frozensets), and the contact
    points (`printed_contacts`) of `public`: the published ones among them (a private document's phone numbers
    may be a customer's). Pass a public text in both."""
    found: tuple[set[str], set[int], set[str], set[str]] = (set(), set(), set(), set())
    for text in texts:
        found[0].update(words(text))
        found[1].update(word_pairs(text))
        found[2].update(proper_words(text))
        found[3].update(compounds(text))
    contacts: set[str] = set()
    for text in public:
        contacts.update(printed_contacts(text))
    return CorpusVocabulary(
        frozenset(found[0]), frozenset(found[1]), frozenset(found[2]), frozenset(contacts), frozenset(found[3])
    )


def word_pairs(text: str) -> set[int]:
    """The keys (`pair_key`) of the pairs of words that stand next to each other in `text`.

    What tells "Voltwise Watch" from "Voltwise One" when a help center writes "watch" but never the two side
    by side (`ragfort.guards.names`). Keys are hashes, for this process only: never stored.
    """
    forms = [_pair_form(w) for w in _LETTERS.findall(fold_accents(plain_quotes(text)))]
    return {hash(pair) for pair in itertools.pairwise(forms)}


def pair_key(first: str, second: str) -> int:
    """The key of two words standing side by side, as `word_pairs` keeps it: lower case, accents folded, a plural
    "s" dropped."""
    return hash((_pair_form(first), _pair_form(second)))


def _pair_form(word: str) -> str:
    w = fold_accents(word).lower()
    return w[:-1] if len(w) > 3 and w.endswith("s") else w
