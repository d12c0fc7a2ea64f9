"""Cheap, explainable support signals between one claim and the evidence.

Dense similarity alone rewards a claim for being *about* the same thing as a
passage, which is exactly what a fluent hallucination is. The signals here
look at what similarity misses: content words and word pairs the evidence
never uses, numbers and quantities that differ, names and products that do
not appear, PII placeholders that do not match, and flipped polarity
(negation, antonyms, "unopened" versus "opened").

Everything is regular expressions and set look-ups, so a claim costs tens of
microseconds. `EvidenceIndex` is built once per request from the passages;
`claim_signals` compares one claim with it and returns both the numbers the
model needs and the human explanations `ragfort ask --explain` prints.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import cast

from ragfort.text import CALENDAR_WORDS, FUNCTION_WORDS

__all__ = [
    "CONTRADICTIONS",
    "ClaimSignals",
    "EvidenceIndex",
    "EvidenceSentence",
    "claim_signals",
    "content_tokens",
    "denied_words",
    "negated_words",
    "polarity",
    "stem",
]

# What a claim can contradict, as `ClaimSignals.contradicted` names it.
CONTRADICTIONS: tuple[str, ...] = ("number", "name", "polarity", "contact")

# A deliberately small English stop list: words that carry no checkable
# content. Longer lists start removing words such as "first" or "only" that
# do carry meaning in support answers.
_STOPWORDS = FUNCTION_WORDS | frozenset(
    [
        "again",
        "all",
        "am",
        "both",
        "done",
        "down",
        "each",
        "from",
        "further",
        "having",
        "her",
        "hers",
        "him",
        "his",
        "in",
        "it's",
        "mine",
        "off",
        "on",
        "once",
        "one's",
        "only",
        "onto",
        "other",
        "out",
        "s",
        "t",
        "them",
        "to",
        "up",
        "us",
        "well",
        "yes",
    ]
)
# Negation cues; parity of their count gives a sentence's polarity.
_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nobody",
        "nothing",
        "neither",
        "nor",
        "cannot",
        "without",
        "nowhere",
        "kein",
        "keine",
        "nicht",
        "nie",
        "jamais",
        "ne",
        "pas",
        "sin",
        "nunca",
    ]
)
# Pairs of words that flip a statement when swapped for one another.
_ANTONYMS: tuple[tuple[str, str], ...] = (
    ("before", "after"),
    ("more", "less"),
    ("more", "fewer"),
    ("over", "under"),
    ("above", "below"),
    ("increase", "decrease"),
    ("higher", "lower"),
    ("include", "exclude"),
    ("included", "excluded"),
    ("allow", "prohibit"),
    ("allowed", "prohibited"),
    ("allowed", "forbidden"),
    ("free", "paid"),
    ("earliest", "latest"),
    ("minimum", "maximum"),
    ("open", "closed"),
    ("accept", "reject"),
    ("accepted", "rejected"),
    ("always", "never"),
    ("eligible", "ineligible"),
    ("refundable", "nonrefundable"),
    ("required", "optional"),
    ("mandatory", "optional"),
    ("enable", "disable"),
    ("enabled", "disabled"),
    ("true", "false"),
    ("win", "lose"),
    ("won", "lost"),
    ("born", "died"),
    ("north", "south"),
    ("east", "west"),
    ("older", "younger"),
    ("first", "last"),
)
_ANTONYM_OF: dict[str, frozenset[str]] = {}
for _a, _b in _ANTONYMS:
    _ANTONYM_OF[_a] = _ANTONYM_OF.get(_a, frozenset()) | {_b}
    _ANTONYM_OF[_b] = _ANTONYM_OF.get(_b, frozenset()) | {_a}
_POLARITY_PREFIXES = ("un", "non", "in", "im", "dis", "ir", "il")
# "un-" and "non-" negate almost any word; the others mostly prefix words of
# their own ("display", "inform", "import", "install"), so they count only
# before an adjective-like stem ("impossible", "incorrect", "illegal").
_STRONG_PREFIXES = frozenset({"un", "non"})
_ADJECTIVE_ENDINGS = ("able", "ible", "al", "ive", "ent", "ant", "ect", "ete", "id", "ful", "ous", "ic", "ar")
# The speaker's own words: a claim about "me" or "my" experience cannot be
# backed by the passages unless they speak in the first person too.
_FIRST_PERSON = frozenset({"i", "i'm", "im", "me", "my", "mine", "myself", "i've", "i'd", "i'll"})
# A bare "yes" or "no" restates the question; see `claim_signals`.
_YES_NO = frozenset({"yes", "no", "yeah", "nope", "yep"})

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "dozen": 12, "single": 1, "twice": 2, "double": 2, "half": 0.5,
}  # fmt: skip
# Units whose pairing with a number must be preserved ("14 days" is not "14 weeks").
_UNITS = {
    "second": "second", "sec": "second", "minute": "minute", "min": "minute", "hour": "hour", "hr": "hour",
    # Plurals the stemmer cuts short ("minutes" -> "minut", "miles" -> "mil").
    "minut": "minute", "hrs": "hour", "mil": "mile", "decad": "decade", "kgs": "kg",
    "day": "day", "week": "week", "month": "month", "year": "year", "yr": "year", "decade": "decade",
    "century": "century", "business": "business-day", "working": "business-day",
    "%": "percent", "percent": "percent", "per": "percent",
    "gb": "gb", "mb": "mb", "kb": "kb", "tb": "tb", "kg": "kg", "g": "g", "lb": "lb", "km": "km", "m": "m",
    "mi": "mile", "mile": "mile", "cm": "cm", "mm": "mm", "w": "watt", "watt": "watt", "v": "volt",
    "volt": "volt", "mah": "mah", "inch": "inch", "ft": "ft", "foot": "ft", "feet": "ft",
    "usd": "usd", "eur": "eur", "dollar": "usd", "euro": "eur", "pound": "gbp", "gbp": "gbp",
    "$": "usd", "€": "eur", "£": "gbp",
}  # fmt: skip
_MONTHS = CALENDAR_WORDS
# "May" and "march" are also ordinary words; only count them as dates next to a number.
_AMBIGUOUS_MONTHS = frozenset({"may", "march", "mar", "jun", "sun"})

_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")
_TOKEN = re.compile(r"<[A-Z][A-Z0-9_]*>|[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
# A currency as a symbol or an upper-case code ("EUR 70"); "per" is a unit only in "per cent" ("40 per
# passenger" is 40 of something, not 40%).
_NUMBER = re.compile(
    r"(?P<cur>[$€£]|\b(?:EUR|GBP|USD|AUD|CAD|NZD|CHF)\b)?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:st|nd|rd|th)?(?:\s?(?P<unit>%|(?!per\b)[A-Za-z]+|per(?=\s?cent\b)))?"
)
_WORD_NUMBER = re.compile(r"\b(?P<num>" + "|".join(_NUMBER_WORDS) + r")\b(?:[\s-](?P<unit>[A-Za-z]+))?", re.I)
# A phone, account or reference number: digit groups joined by single spaces or hyphens, 7+ digits in all.
_IDENTIFIER = re.compile(r"(?<![\w.,])\+?\d+(?:[ -]\d+)*(?![\w.,]?\d)")
_IDENTIFIER_DIGITS = 7
_CONNECTORS = frozenset({"of", "the", "de", "la", "von", "van", "der", "du", "&", "and", "for"})
# Words that open a sentence before a name without being part of it ("Outside the EEA there is a fee").
_OPENING_PREPOSITIONS = frozenset(
    ["outside", "inside", "within", "without", "beyond", "across", "throughout", "during", "despite", "except",
     "unlike", "including", "excluding", "besides", "under", "over", "above", "below", "between", "among",
     "around", "behind", "near", "towards", "toward", "via", "per", "unless", "once", "while", "whereas", "whether",
     "like", "through", "against", "along", "upon", "onto", "into", "until", "till", "since", "after", "before"]
)  # fmt: skip


def stem(token: str) -> str:
    """A crude, dependency-free English stem: enough to match "returns" with "returned".

    Over-stemming costs little here (both sides are stemmed alike); what
    matters is that inflections of the same word meet.
    """
    t = token.lower()
    if t.endswith("n't"):
        return "not"
    if t.endswith("'s"):
        t = t[:-2]
    for suffix in ("ingly", "edly", "ing", "ies", "ied", "es", "ed", "ly", "s"):
        if len(t) - len(suffix) >= 3 and t.endswith(suffix):
            t = t[: -len(suffix)]
            if suffix in ("ies", "ied"):
                t += "y"
            break
    return t


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def content_tokens(text: str) -> list[str]:
    """Stemmed, lower-cased tokens of `text` without stop words (placeholders kept verbatim)."""
    out: list[str] = []
    for tok in _tokens(text):
        if tok.startswith("<"):
            out.append(tok)
            continue
        low = tok.lower()
        if low in _STOPWORDS:
            continue
        out.append(stem(low))
    return out


def _bigrams(text: str) -> set[tuple[str, str]]:
    toks = [t if t.startswith("<") else stem(t) for t in _tokens(text)]
    pairs: set[tuple[str, str]] = set()
    for a, b in pairwise(toks):
        # A pair of stop words ("of the") proves nothing.
        if a in _STOPWORDS and b in _STOPWORDS:
            continue
        pairs.add((a, b))
    return pairs


def polarity(text: str) -> int:
    """The negation parity of `text`: 1 when it holds an odd number of negation cues, else 0."""
    count = 0
    for tok in _tokens(text):
        low = tok.lower()
        if low in _NEGATIONS or low.endswith("n't"):
            count += 1
    return count % 2


# How many words after a negation cue it reaches ("not be returned within 14": all four).
_NEGATION_SCOPE = 4


def _negation(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """Stemmed content words within a few words after a negation cue, and those outside every cue's reach."""
    reached: set[str] = set()
    stated: set[str] = set()
    left = 0
    for tok in _tokens(text):
        low = tok.lower()
        if low in _NEGATIONS or low.endswith("n't"):
            left = _NEGATION_SCOPE
            continue
        word = None if low in _STOPWORDS else stem(low)
        if left > 0:
            left -= 1
            if word:
                reached.add(word)
        elif word:
            stated.add(word)
    return frozenset(reached), frozenset(stated)


def negated_words(text: str) -> frozenset[str]:
    """Stemmed content words within a few words after a negation cue: what `text` negates."""
    return _negation(text)[0]


def denied_words(text: str) -> frozenset[str]:
    """What a claim denies: words a negation cue reaches that the claim never states outside one.

    "If you don't have one, we'll open one for you" denies nothing about "one": it says both.
    """
    reached, stated = _negation(text)
    return reached - stated


def _to_number(raw: str) -> float | None:
    try:
        return float(raw.replace(",", ""))
    except ValueError:
        return None


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


# A time of day: "9am", "5 p.m.", "10:30pm", "09:30", "17:00", "noon", "midnight". Two-digit hours only
# without am/pm: "2:30" may be either half of the day, and stays two plain numbers.
_TIME = re.compile(
    r"\b(?P<h>\d{1,2})(?::(?P<m>[0-5]\d))?\s?(?P<ap>[ap])\.?\s?m\b\.?"
    r"|\b(?P<h24>[01]\d|2[0-3]):(?P<m24>[0-5]\d)\b"
    r"|\b(?P<word>noon|midday|midnight)\b",
    re.IGNORECASE,
)
_TIME_WORDS = {"noon": 12.0, "midday": 12.0, "midnight": 0.0}


def _time_value(m: re.Match[str]) -> float | None:
    """The hour of a `_TIME` match, 0 to 24 (minutes as a fraction), or None for an impossible one ("13pm")."""
    if m.group("word"):
        return _TIME_WORDS[m.group("word").lower()]
    if m.group("h24"):
        return int(m.group("h24")) + int(m.group("m24")) / 60
    hour = int(m.group("h"))
    if not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if m.group("ap").lower() == "p" else 0)
    return hour + int(m.group("m") or 0) / 60


# Days of the week, 1 (Monday) to 7 (Sunday): full names (and plurals) in any case, three- and four-letter
# abbreviations only capitalised ("Sat", "Wed" and "Sun" are also words).
_DAY_NAMES = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}
_DAY_SHORT = {"Mon": 1, "Tue": 2, "Tues": 2, "Wed": 3, "Thu": 4, "Thur": 4, "Thurs": 4, "Fri": 5, "Sat": 6, "Sun": 7}
_DAY = (r"(?:(?i:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
        r"|(?:Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\b\.?)")
_DAY_RANGE = re.compile(
    rf"\b(?P<a>{_DAY})\s*(?:-|\u2013|\u2014|(?i:to|through|thru|until|till))\s*(?P<b>{_DAY})|\b(?P<one>{_DAY})"
)
_DAY_TOKENS = frozenset([*(stem(d) for d in _DAY_NAMES), *(stem(d + "s") for d in _DAY_NAMES),
                          *(d.lower() for d in _DAY_SHORT), "weekday", "weekend", "every", "day", "week"])
_DAY_SPANS = re.compile(r"\b(?:(?P<wd>weekdays?)|(?P<we>weekends?)|(?P<all>every day|(?:7|seven) days a week))\b", re.I)


def _day_number(word: str) -> int:
    word = word.rstrip(".")
    low = word.lower()
    return _DAY_SHORT.get(word) or _DAY_NAMES.get(low) or _DAY_NAMES[low.removesuffix("s")]


def weekdays(text: str, *, spans: bool = True) -> frozenset[int]:
    """The days of the week `text` names, 1 (Monday) to 7: ranges spelled out ("Monday to Friday", "Mon-Sat").

    With `spans`, "weekdays", "weekends", "every day" and "7 days a week" count too; without, only the
    last two ("at a weekend or bank holiday" is usually a condition, not opening hours).
    """
    days: set[int] = set()
    for m in _DAY_RANGE.finditer(text):
        if m.group("one"):
            days.add(_day_number(m.group("one")))
            continue
        a, b = _day_number(m.group("a")), _day_number(m.group("b"))
        span = b - a if b >= a else b + 7 - a
        days.update((a - 1 + k) % 7 + 1 for k in range(span + 1))
    for m in _DAY_SPANS.finditer(text):
        if not spans and not m.group("all"):
            continue
        days.update(range(1, 6) if m.group("wd") else (6, 7) if m.group("we") else range(1, 8))
    return frozenset(days)


def _quantities(text: str) -> list[tuple[float, str | None, str]]:
    """`(value, unit or None, surface)` for every number in `text`, digits or words.

    A time of day is one quantity with the unit ``time`` and its hour as the value ("5pm" is 17).
    """
    out: list[tuple[float, str | None, str]] = []
    # Placeholder indices ("<PERSON_2>") are not quantities.
    text = _PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)
    for m in _TIME.finditer(text):
        value = _time_value(m)
        if value is not None:
            out.append((round(value, 4), "time", m.group(0).strip()))
            text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    for m in _NUMBER.finditer(text):
        value = _to_number(m.group("num"))
        if value is None:
            continue
        unit_raw = m.group("cur") or m.group("unit")
        unit = None
        if unit_raw:
            unit = _UNITS.get(unit_raw.lower()) or _UNITS.get(stem(unit_raw.lower()))
        surface = m.group(0) if unit else text[m.start() : m.end("num")]
        out.append((value, unit, surface.strip()))
    for m in _WORD_NUMBER.finditer(text):
        value = float(_NUMBER_WORDS[m.group("num").lower()])
        unit_raw = m.group("unit")
        unit = _UNITS.get(stem(unit_raw.lower())) if unit_raw else None
        surface = m.group(0) if unit else m.group("num")
        out.append((value, unit, surface.strip()))
    return out


def _date_words(text: str) -> set[str]:
    found: set[str] = set()
    toks = _tokens(text)
    for i, tok in enumerate(toks):
        low = tok.lower()
        # Days of the week are read as sets of days (`weekdays`, `_day_check`), not as dates.
        if low not in _MONTHS or low in _DAY_NAMES:
            continue
        if low in _AMBIGUOUS_MONTHS:
            near = toks[max(0, i - 1) : i + 2]
            if not any(t.isdigit() for t in near):
                continue
        found.add(low[:3])
    return found


# Where an answer can send a customer: an email address, or a web address (with a scheme, with "www.", or a
# host followed by a path). A wrong one sends them somewhere else, so it must be in the evidence as written.
_CONTACT = re.compile(
    r"[a-z0-9][\w.+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)+"
    r"|(?:https?://|www\.)[^\s<>\"'()\[\]]+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}/[^\s<>\"'()\[\]]*",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"\b(?:https?://)?(?:www\.)?", re.IGNORECASE)


def _contact_form(text: str) -> str:
    """A contact as compared: lower case, without a scheme, "www." or trailing punctuation and slashes."""
    return _SCHEME.sub("", text.lower(), count=1).rstrip(".,;:!?/")


def contacts(text: str) -> list[str]:
    """The email and web addresses of `text`, in their compared form (see `_CONTACT`)."""
    return [form for m in _CONTACT.finditer(text) if (form := _contact_form(m.group(0)))]


def _identifiers(text: str) -> dict[str, str]:
    """Phone, account and reference numbers in `text`: their digits, mapped to how they are written."""
    out: dict[str, str] = {}
    for m in _IDENTIFIER.finditer(_PLACEHOLDER.sub(" ", text)):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= _IDENTIFIER_DIGITS:
            out.setdefault(digits, m.group(0).strip())
    return out


# Units of speed that follow a plan's number as often as a name does ("Fibre 500" vs "500 Mbps").
RATE_UNITS = frozenset({"mbps", "gbps", "kbps", "mb/s", "gb/s"})


_CURRENCIES = frozenset({"usd", "eur", "gbp"})


def model_number(prev: str, tok: str, after: str = "") -> bool:
    """Whether `tok`, after the word `prev` and before `after`, is a model number ("Fibre 500", "Hub 6").

    An integer of up to four digits after a word that is no month or weekday ("May 5"), stop word,
    number or currency code ("EUR 25"), and before no unit ("Fibre 500 Mbps" is a speed). The binding
    checks read names and subject words with it.
    """
    last, after = prev.lower(), after.lower()
    if not last or not tok.isdigit() or len(tok) > 4 or last in _MONTHS or last in _STOPWORDS or last.isdigit():
        return False
    if _UNITS.get(last) in _CURRENCIES:
        return False  # "EUR 25" is an amount
    return not (after in _UNITS or stem(after) in _UNITS or after in RATE_UNITS)


def _model_number(toks: Sequence[re.Match[str]], i: int, run: Sequence[str]) -> bool:
    """Whether token `i` is the model number of the name `run` ends ("Fibre 500", "iPhone 15 Pro")."""
    after = toks[i + 1].group(0) if i + 1 < len(toks) else ""
    return bool(run) and model_number(run[-1], toks[i].group(0), after)


def _entities(text: str, *, drop_prepositions: bool = False, numbered: bool = False) -> list[str]:
    """Names, products and placeholders: runs of capitalised tokens, minus a plain sentence opener.

    With `drop_prepositions`, a preposition that opens the sentence is not part of the name after it
    ("Outside the EEA" is "EEA"); with `numbered`, a name keeps its model number ("Fibre 500" rather
    than "Fibre", `_model_number`). The feature model was fitted without them (on the public sets the
    first moved HaluEval's leave-one-out F1 by -0.023), so only the binding checks ask for them.
    """
    toks = list(_TOKEN.finditer(text))
    phrases: list[str] = []
    run: list[str] = []
    run_starts_sentence = False

    def flush() -> None:
        nonlocal run
        while run and run[-1].lower() in _CONNECTORS:
            run.pop()
        if run:
            words = run
            opener = words[0].lower()
            dropped = opener in _STOPWORDS or (drop_prepositions and opener in _OPENING_PREPOSITIONS)
            if run_starts_sentence and (dropped or len(words) == 1):
                # "Devices can be returned" starts with a capital because it starts the sentence.
                first = words[0]
                if not (any(c.isdigit() for c in first) or any(c.isupper() for c in first[1:])):
                    words = words[1:]
            # Keep inner connectors ("First for Women") but not leading ones ("The").
            while words and words[0].lower() in _STOPWORDS:
                words = words[1:]
            if words:
                phrases.append(" ".join(words))
        run = []

    prev_end = 0
    for i, m in enumerate(toks):
        tok = m.group(0)
        gap = text[prev_end : m.start()]
        prev_end = m.end()
        at_sentence_start = i == 0 or bool(re.search(r"[.!?:;\n]", gap))
        # Punctuation between tokens ends a name ("Apple, Google").
        if run and any(ch in gap for ch in ',.;:!?()"\n'):
            flush()
        if tok.startswith("<"):
            flush()
            phrases.append(tok)
            continue
        # "Voltwise", "iPhone", "X200": a capital anywhere marks a name.
        if numbered and not gap.strip() and _model_number(toks, i, run):
            run.append(tok)
        elif tok[0].isupper() or any(c.isupper() for c in tok[1:]):
            if not run:
                run_starts_sentence = at_sentence_start
            run.append(tok)
        elif (run and tok.lower() in _CONNECTORS and not run[-1].isdigit() and i + 1 < len(toks)
              and toks[i + 1].group(0)[:1].isupper()):  # fmt: skip
            run.append(tok)
        else:
            flush()
    flush()
    return [p for p in phrases if p.lower() not in _MONTHS]


@dataclass(frozen=True, slots=True)
class EvidenceSentence:
    """One sentence of one passage, with its precomputed look-up sets."""

    passage: int
    start: int
    end: int
    text: str
    tokens: frozenset[str]
    polarity: int
    negated: frozenset[str] = frozenset()


def _table_row(text: str) -> bool:
    """Whether a sentence is a markdown table row (a separator row "|---|---|" is not)."""
    text = text.strip()
    return "|" in text and not re.fullmatch(r"[|\-:\s]+", text)


def table_headers(sentences: Sequence[EvidenceSentence]) -> dict[int, int]:
    """For each table row sentence below a header: the index of its table's header row.

    A table is a run of row sentences in one passage (the sentence splitter drops the "|---|" line), and its
    first row is the header. Header rows themselves are not keys.
    """
    out: dict[int, int] = {}
    first = -1
    for k, sent in enumerate(sentences):
        if not _table_row(sent.text):
            first = -1
            continue
        if first < 0 or sentences[k - 1].passage != sent.passage:
            first = k
        else:
            out[k] = first
    return out


@dataclass(slots=True)
class EvidenceIndex:
    """Everything the signals need to know about the passages of one request.

    Built once per request (`EvidenceIndex.build`); each claim is then checked
    with set look-ups only.
    """

    sentences: list[EvidenceSentence]
    tokens: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    lowered: str
    quantities: list[tuple[float, str | None, str]]
    dates: frozenset[str]
    placeholders: frozenset[str]
    numbers: frozenset[float] = field(default_factory=frozenset)
    identifiers: dict[str, str] = field(default_factory=dict)
    emails: frozenset[str] = field(default_factory=frozenset)
    web_text: str = ""
    # Each sentence's days of the week, read the first time a claim names a day (`days_of`).
    _days: list[frozenset[int]] | None = None
    # Each table row's header row (`table_headers`), and which patterns some sentence holds (`mentions`): read
    # once per index, whichever check asks first.
    _headers: dict[int, int] | None = None
    _mentioned: dict[re.Pattern[str], bool] = field(default_factory=dict)

    def headers(self) -> dict[int, int]:
        """`table_headers` of this index's sentences, read once."""
        if self._headers is None:
            self._headers = table_headers(self.sentences)
        return self._headers

    def mentions(self, pattern: re.Pattern[str]) -> bool:
        """Whether any evidence sentence holds `pattern`, searched once per index for every claim."""
        hit = self._mentioned.get(pattern)
        if hit is None:
            hit = self._mentioned[pattern] = any(pattern.search(sent.text) for sent in self.sentences)
        return hit

    def days_of(self, i: int) -> frozenset[int]:
        """The days of the week sentence `i` gives (`weekdays`), read once per index for every claim.

        A table row that names no day gives the days of its table's header row: under "| Clinic | Weekdays |
        Saturday |" the row "| Geelong | 8:30am to 5:30pm | Closed |" speaks of weekdays and Saturday.
        """
        if self._days is None:
            days = [weekdays(sent.text, spans=False) for sent in self.sentences]
            for row, header in self.headers().items():
                days[row] = days[row] or days[header]
            self._days = days
        return self._days[i]

    @classmethod
    def build(cls, sentences: Sequence[tuple[int, int, int, str]]) -> EvidenceIndex:
        """Index `(passage_index, start, end, text)` sentences."""
        items: list[EvidenceSentence] = []
        all_tokens: set[str] = set()
        all_bigrams: set[tuple[str, str]] = set()
        quantities: list[tuple[float, str | None, str]] = []
        dates: set[str] = set()
        placeholders: set[str] = set()
        identifiers: dict[str, str] = {}
        for p, s, e, text in sentences:
            toks = frozenset(content_tokens(text))
            items.append(EvidenceSentence(p, s, e, text, toks, polarity(text), negated_words(text)))
            all_tokens |= toks
            all_bigrams |= _bigrams(text)
            quantities.extend(_quantities(text))
            dates |= _date_words(text)
            placeholders.update(_PLACEHOLDER.findall(text))
            for digits, written in _identifiers(text).items():
                identifiers.setdefault(digits, written)
        lowered = " ".join(" ".join(_tokens(t)) for *_, t in sentences).lower()
        found = [c for *_, t in sentences for c in contacts(t)]
        # Web addresses as written, without schemes and "www.": a claim's address must be one of them or
        # lead one ("voltwise.example" of "voltwise.example/returns").
        web = " ".join(_SCHEME.sub("", t.lower()) for *_, t in sentences)
        return cls(
            sentences=items,
            tokens=frozenset(all_tokens),
            bigrams=frozenset(all_bigrams),
            lowered=f" {lowered} ",
            quantities=quantities,
            dates=frozenset(dates),
            placeholders=frozenset(placeholders),
            numbers=frozenset(q[0] for q in quantities),
            identifiers=identifiers,
            emails=frozenset(c for c in found if "@" in c),
            web_text=f" {web} ",
        )


@dataclass(frozen=True, slots=True)
class ClaimSignals:
    """The lexical and consistency signals of one claim, with explanations.

    Attributes:
        coverage: share of the claim's content words found anywhere in the evidence.
        novel_coverage: the same share over only the words the question did not
            already contain: what the answer adds must come from the evidence.
            "Refunds take 30 days" for "How long do refunds take?" is judged on
            "30 days", not on the echoed "refunds take". Equals `coverage`
            without a question or when every word echoes the question.
        local_coverage: the best share found within one sentence or two adjacent sentences.
        bigram_coverage: share of the claim's word pairs found in the evidence.
        number_mismatch: 1.0 when a number, quantity (with its unit) or date of the claim is not in the evidence.
        number_coverage: share of the claim's numbers (digits or words) whose value
            is in the evidence; 1.0 for a claim without numbers. Graded where
            `number_mismatch` is not: a long claim with one year the evidence
            omits is less suspect than a short one whose only amount is new.
        entity_mismatch: 1.0 when a name, product or placeholder of the claim is not in the evidence.
        polarity_mismatch: 1.0 when the claim's polarity (negation, antonym, un-/non- prefix)
            differs from the evidence sentence it matches best.
        first_person: 1.0 when the claim speaks in the first person ("I think",
            "my favourite") and the evidence never does: the speaker's own
            experience or opinion is not something the passages can back.
        contradiction: 1.0 when a mismatch is a substitution rather than an
            addition: the closest evidence states a different amount or date,
            part of a missing name is in the evidence ("Voltwise Max" where it
            says "Voltwise Pro"), a placeholder of the same kind differs, or
            the polarity flips.
        best_local: indices into `EvidenceIndex.sentences` of the best local match.
        explanations: short human-readable reasons, worst first.
        contradicted: which substitutions set `contradiction`: ``"number"``,
            ``"name"``, ``"polarity"`` and/or ``"contact"`` (an email or web
            address the evidence does not hold; the learned tier can veto on
            them, and always does on a contact).
    """

    coverage: float
    novel_coverage: float
    local_coverage: float
    bigram_coverage: float
    number_mismatch: float
    number_coverage: float
    entity_mismatch: float
    polarity_mismatch: float
    contradiction: float
    best_local: tuple[int, ...]
    explanations: tuple[str, ...]
    first_person: float = 0.0
    contradicted: tuple[str, ...] = ()


def _coverage(claim: Sequence[str], pool: frozenset[str] | set[str]) -> float:
    if not claim:
        return 1.0
    return sum(1 for t in claim if t in pool) / len(claim)


def _negating_prefix(prefix: str, base: str) -> bool:
    return len(base) >= 3 and (prefix in _STRONG_PREFIXES or base.endswith(_ADJECTIVE_ENDINGS))


def _polarity_clash(
    claim_text: str, claim_toks: set[str], sent: EvidenceSentence, *, check_negation: bool = True
) -> str | None:
    if check_negation:
        # Negation is compared on the words both sides share, not by counting
        # cues over the whole sentence: a long evidence sentence often negates
        # something the claim never mentions.
        shared = claim_toks & sent.tokens
        # The claim is read as denying only what it never also states ("If you don't have one, we'll open
        # one"); the evidence with every cue's full reach, which on the public sets reads better.
        mine, theirs = denied_words(claim_text) & shared, sent.negated & shared
        if mine != theirs:
            word = sorted(mine ^ theirs)[0]
            side = "the claim" if word in mine else "the evidence"
            return f"negation mismatch with the closest evidence ('{word}' is negated only in {side})"
    for tok in claim_toks:
        if tok in sent.tokens:
            continue
        for anti in _ANTONYM_OF.get(tok, ()):
            if anti in sent.tokens:
                return f"'{tok}' contradicts evidence '{anti}'"
        for pre in _POLARITY_PREFIXES:
            if _negating_prefix(pre, tok) and pre + tok in sent.tokens:
                return f"'{tok}' contradicts evidence '{pre + tok}'"
            base = tok[len(pre) :]
            if tok.startswith(pre) and _negating_prefix(pre, base) and base in sent.tokens:
                return f"'{tok}' contradicts evidence '{base}'"
    return None


def _first_person(claim: str, evidence: EvidenceIndex) -> str | None:
    """The first first-person word of `claim` that the evidence never uses, if any.

    A capital "I" right after a capitalised word with nothing between them is
    a regnal or part number ("Elizabeth I", "World War I"), not the speaker.
    """
    prev_end, prev_cap = 0, False
    for m in _TOKEN.finditer(claim):
        tok = m.group(0)
        gap = claim[prev_end : m.start()]
        numeral = tok == "I" and prev_cap and not gap.strip()
        prev_end, prev_cap = m.end(), tok[:1].isupper()
        low = tok.lower()
        if low in _FIRST_PERSON and not numeral and f" {low} " not in evidence.lowered:
            return tok
    return None


def _is_fragment(claim: str) -> bool:
    # Mirrors `ragfort.grounding.scorer.is_fragment` (which imports this module).
    return len(claim.split()) <= 4 and not claim.rstrip().endswith((".", "!", "?"))


def _checked_tokens(claim: str, question_tokens: frozenset[str] | set[str]) -> tuple[list[str], bool]:
    """The content words a claim is checked on, and whether it is a bare yes/no.

    A bare "yes"/"no" asserts the question's proposition (or its negation):
    its words are the question's, and which way it goes needs reasoning the
    lexical signals cannot do (the NLI and LLM tiers can). Checked like
    that, "no" is treated the same as "yes".
    """
    words = [w.lower() for w in _tokens(claim)]
    yes_no = bool(words) and all(w in _YES_NO for w in words)
    return (sorted(question_tokens) if yes_no else content_tokens(claim)), yes_no


def _word_coverage(
    toks: Sequence[str], evidence: EvidenceIndex, question_tokens: frozenset[str] | set[str]
) -> tuple[float, float]:
    """`coverage` and `novel_coverage`: the claim's words found anywhere in the evidence."""
    coverage = _coverage(toks, evidence.tokens)
    novel = [t for t in toks if t not in question_tokens]
    return coverage, (_coverage(novel, evidence.tokens) if novel else coverage)


def _best_local(toks: Sequence[str], sents: Sequence[EvidenceSentence]) -> tuple[float, tuple[int, ...]]:
    """`local_coverage` and the sentence indices it is found in.

    One sentence, or two neighbours of the same passage (claims often fuse a
    subject from one sentence with a fact from the next).
    """
    best_cov, best_idx = -1.0, cast(tuple[int, ...], ())
    for i, sent in enumerate(sents):
        cov = _coverage(toks, sent.tokens)
        if cov > best_cov:
            best_cov, best_idx = cov, (i,)
        if i + 1 < len(sents) and sents[i + 1].passage == sent.passage:
            cov2 = _coverage(toks, sent.tokens | sents[i + 1].tokens)
            if cov2 > best_cov + 1e-9:
                best_cov, best_idx = cov2, (i, i + 1)
    return (max(best_cov, 0.0) if sents else 0.0), best_idx


def _bigram_coverage(claim: str, evidence: EvidenceIndex) -> float:
    """Share of the claim's word pairs found in the evidence."""
    claim_bigrams = _bigrams(claim)
    if not claim_bigrams:
        return 1.0
    return sum(1 for b in claim_bigrams if b in evidence.bigrams) / len(claim_bigrams)


@dataclass(frozen=True, slots=True)
class _Check:
    """What one consistency check found: a mismatch, whether it is a substitution, and why."""

    mismatch: float
    contradicted: bool
    explanations: tuple[str, ...]


# How many words on one side of a bare number make its frame ("if you're 75 | or over").
_FRAME = 2


def _bare_numbers(text: str) -> list[tuple[float, tuple[str, ...], tuple[str, ...]]]:
    """`(value, words before, words after)` of every number in `text` written with no unit or currency."""
    text = _PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)
    text = _TIME.sub(lambda m: " " * len(m.group(0)), text)
    out: list[tuple[float, tuple[str, ...], tuple[str, ...]]] = []
    for m in _NUMBER.finditer(text):
        value = _to_number(m.group("num"))
        unit_raw = m.group("unit")
        unit = (_UNITS.get(unit_raw.lower()) or _UNITS.get(stem(unit_raw.lower()))) if unit_raw else None
        if value is None or m.group("cur") or unit or text[m.end("num") : m.end("num") + 1] in ("%", "."):
            continue
        before = tuple(t.lower() for t in _tokens(text[: m.start("num")])[-_FRAME:])
        after = tuple(t.lower() for t in _tokens(text[m.end("num") :])[:_FRAME])
        out.append((value, before, after))
    return out


def _framed_swap(claim: str, evidence: EvidenceIndex, local_text: str) -> str | None:
    """A bare number of the claim, nowhere in the evidence, where the closest evidence frames another the same way.

    "free if you're 65 or over" beside "free if you're 75 or over": bare numbers next to other numbers are
    too often a different fact to count as swaps, but the same words on one side make it the same fact.
    """
    local = _bare_numbers(local_text) if local_text else []
    for value, before, after in _bare_numbers(claim):
        if value in evidence.numbers:
            continue
        for other, o_before, o_after in local:
            if other != value and ((len(after) == _FRAME and after == o_after)
                                   or (len(before) == _FRAME and before == o_before)):  # fmt: skip
                return f"number {_fmt(value)} not in evidence, which gives {_fmt(other)} in the same words"
    return None


# Where a claim's clauses part: each may speak of another line or channel, with days of its own.
_DAY_CLAUSES = re.compile(r",\s*(?:and|but|while|whereas)\s+|;\s*", re.IGNORECASE)


def _day_check(claim: str, days: frozenset[int], evidence: EvidenceIndex) -> tuple[list[int], bool]:
    """The claim's days of the week its evidence does not give, and whether no evidence sentence gives any.

    The claim's evidence is the sentences that give days and share the most of its other content words:
    help centers list each channel's hours side by side ("phone Monday to Friday, chat every day"), and
    "Monday to Saturday" is a swap when the phone's sentence says Monday to Friday.
    """
    words = set(content_tokens(claim)) - _DAY_TOKENS
    best, found = 0, set[int]()
    for i, sent in enumerate(evidence.sentences):
        given = evidence.days_of(i)
        if not given:
            continue
        shared = len(words & sent.tokens)
        if shared > best:
            best, found = shared, set(given)
        elif shared == best:
            found |= given
    if not found:
        # As the date check did: a weekday the evidence never names is missing, not contradicted.
        named = {_DAY_NAMES[w.lower().removesuffix("s")] for w in _tokens(claim)
                 if w.lower().removesuffix("s") in _DAY_NAMES}  # fmt: skip
        return sorted(named), True
    return (sorted(days - found) if best else []), False


def _number_check(claim: str, evidence: EvidenceIndex, best_idx: tuple[int, ...]) -> tuple[_Check, float]:
    """Numbers, quantities and dates of the claim against the evidence, and `number_coverage`.

    A value must occur in the evidence; a value with a unit must occur with
    that unit; a phone, account or reference number must occur whole. The
    mismatch is a contradiction when the closest evidence (`best_idx`) states
    a different amount in the same unit, another month or another phone or
    account number of the same length (even one listed elsewhere), or when
    the claim's number is nowhere and the evidence gives another of the same
    length (a phone number wrong in its last digits).
    """
    quantities = _quantities(claim)
    evidence_pairs = {(v, u) for v, u, _ in evidence.quantities}
    bad_numbers: list[str] = []
    swapped_ids = False
    local_ids = _identifiers(" ".join(evidence.sentences[i].text for i in best_idx)) if best_idx else {}
    for digits, surface in _identifiers(claim).items():
        if digits in local_ids:
            continue
        # Help centres list several numbers (a general line, a fraud line, one from abroad): the closest
        # sentence giving another number of the same length is a swap even if the claim's is listed elsewhere.
        near_ids = [written for d, written in local_ids.items() if len(d) == len(digits)]
        if near_ids:
            swapped_ids = True
            bad_numbers.append(f"number '{surface}' is not the one the closest evidence gives ({near_ids[0]})")
            continue
        if digits in evidence.identifiers:
            continue
        same = [written for d, written in evidence.identifiers.items() if len(d) == len(digits)]
        swapped_ids = swapped_ids or bool(same)
        bad_numbers.append(f"number '{surface}' not in evidence" + (f", which gives {same[0]}" if same else ""))
    bad_units: set[str] = set()
    for value, unit, surface in quantities:
        if value not in evidence.numbers:
            bad_numbers.append(f"number {_fmt(value)} not in evidence")
            if unit is not None:
                bad_units.add(unit)
        elif unit is not None and (value, unit) not in evidence_pairs:
            units = sorted({u for v, u in evidence_pairs if v == value and u})
            # "14 days" against an evidence "14" with no unit is fine; against "14 weeks" it is not.
            if units:
                bad_numbers.append(f"'{surface}' not in evidence, which has {_fmt(value)} as {units[0]}")
                bad_units.add(unit)
    dates = _date_words(claim)
    bad_dates = sorted(d for d in dates if d not in evidence.dates)
    bad_numbers.extend(f"date '{d}' not in evidence" for d in bad_dates)
    local_text = " ".join(evidence.sentences[i].text for i in best_idx) if best_idx else ""
    days = weekdays(claim)
    bad_days: list[int] = []
    dayless = True  # every missing day is one the evidence never names (missing, not contradicted)
    # Each clause against its own sentence: "open Monday to Saturday, and closed on Sundays" gives two channels.
    for clause in _DAY_CLAUSES.split(claim) if days else ():
        if clause_days := weekdays(clause):
            missing, none = _day_check(clause, clause_days, evidence)
            bad_days += [d for d in missing if d not in bad_days]
            dayless = dayless and (none or not missing)
    if bad_days:
        names = {v: k.capitalize() for k, v in _DAY_NAMES.items()}
        where = "the evidence never names it" if dayless else "not among the days its evidence gives"
        bad_numbers.append(f"day '{names[bad_days[0]]}': {where}")
    n_checks = len(quantities) + len(dates) + len(days)
    # Binary on purpose: one wrong amount makes the claim wrong however many others are right.
    number_mismatch = 1.0 if bad_numbers and n_checks else 0.0
    number_coverage = sum(1 for v, _, _ in quantities if v in evidence.numbers) / len(quantities) if quantities else 1.0
    if not bad_numbers:
        return _Check(number_mismatch, False, ()), number_coverage
    near: list[str] = []
    local_quantities = _quantities(local_text)
    for _, _, surface in local_quantities:
        if surface not in near:
            near.append(surface)
    # The closest evidence states a different amount in the same unit ("30 days" where it says
    # "14 days"), or a different month: a substitution, not an addition. A bare number or year
    # next to other numbers is too often a paraphrase or a different fact to count.
    same_unit = any(u in bad_units for _, u, _ in local_quantities)
    # "48 hours before departure" where the closest evidence says "5 days before": one kind of value, two units.
    same_unit = same_unit or _other_duration(quantities, local_quantities, evidence_pairs)
    # The closest evidence gives the claim's value in another unit: "€1.50" where it says "£1.50".
    other_unit = any(
        u is not None and (value, u) not in evidence_pairs and any(lv == value and lu not in (None, u)
                                                                   for lv, lu, _ in local_quantities)
        for value, u, _ in quantities
    )  # fmt: skip
    dated = bool(bad_dates and _date_words(local_text))
    framed = _framed_swap(claim, evidence, local_text)
    if framed:
        bad_numbers.insert(0, framed)
    contradicted = swapped_ids or same_unit or other_unit or dated or bool(bad_days and not dayless) or bool(framed)
    hint = f"; evidence says {', '.join(near[:3])}" if near and re.match(r"number \d", bad_numbers[0]) else ""
    return _Check(number_mismatch, contradicted, (bad_numbers[0] + hint, *bad_numbers[1:3])), number_coverage


# Time units in hours, for comparing durations written in different units (working days are left out: how
# many hours a working day spans depends on the week).
_HOURS = {"second": 1 / 3600, "minute": 1 / 60, "hour": 1.0, "day": 24.0, "week": 168.0, "month": 730.0, "year": 8760.0}


def _other_duration(
    claim: Sequence[tuple[float, str | None, str]],
    local: Sequence[tuple[float, str | None, str]],
    evidence_pairs: set[tuple[float, str | None]],
) -> bool:
    """A claim duration the evidence never gives, beside a different one in another unit in the closest evidence."""
    for value, unit, _ in claim:
        if unit not in _HOURS or (value, unit) in evidence_pairs:
            continue
        hours = value * _HOURS[unit]
        for other, other_unit, _ in local:
            if other_unit in _HOURS and other_unit != unit and abs(hours - other * _HOURS[other_unit]) > 1e-6:
                return True
    return False


def _entity_check(claim: str, evidence: EvidenceIndex, question_tokens: frozenset[str] | set[str]) -> _Check:
    """Names, products and PII placeholders of the claim against the evidence.

    The mismatch is a contradiction when another placeholder of the same kind
    is in the evidence (the wrong person or address), or part of a missing
    name is ("Voltwise Max" where it says "Voltwise Pro"): a swapped name.
    """
    bad_entities: list[str] = []
    contradicted = False
    for ent in _entities(claim):
        if ent.startswith("<"):
            # The customer's own placeholders (from the question) are conversation,
            # not facts: "<PERSON_1>, refunds take 5 days" needs no evidence for the name.
            if ent not in evidence.placeholders and ent not in question_tokens:
                bad_entities.append(f"placeholder {ent} not in evidence")
                kind = ent.rsplit("_", 1)[0]
                contradicted = contradicted or any(p.rsplit("_", 1)[0] == kind for p in evidence.placeholders)
            continue
        phrase = " " + " ".join(_tokens(ent)).lower() + " "
        if phrase in evidence.lowered:
            continue
        parts = content_tokens(ent)
        if parts and any(set(parts) <= s.tokens for s in evidence.sentences):
            continue
        bad_entities.append(f"entity '{ent}' not in evidence")
        contradicted = contradicted or (len(parts) > 1 and any(t in evidence.tokens for t in parts))
    return _Check(1.0 if bad_entities else 0.0, contradicted, tuple(bad_entities[:3]))


def _contact_check(claim: str, evidence: EvidenceIndex, question_tokens: frozenset[str] | set[str]) -> _Check:
    """Email and web addresses of the claim against the evidence: one it does not hold is a substitution.

    An email address must be one of the evidence's; a web address must be
    one of its addresses or the start of one ("voltwise.example" of
    "https://voltwise.example/returns"). One the customer wrote in the
    question is theirs to have repeated back.
    """
    missing: list[str] = []
    for form in contacts(claim):
        if set(content_tokens(form)) <= set(question_tokens):
            continue
        if "@" in form:
            held = form in evidence.emails
        else:
            at = evidence.web_text.find(form)
            held = False
            while at >= 0 and not held:
                before = evidence.web_text[at - 1]
                held = not (before.isalnum() or before in "@.-/")
                at = evidence.web_text.find(form, at + 1)
        if not held:
            missing.append(f"contact '{form}' not in evidence")
    return _Check(1.0 if missing else 0.0, bool(missing), tuple(missing[:3]))


def _closest_sentences(
    sents: Sequence[EvidenceSentence], best_idx: tuple[int, ...], dense_best: int | None
) -> list[EvidenceSentence]:
    """The closest evidence, lexically (`best_idx`) and by embedding (`dense_best`).

    Two neighbouring sentences are read as one ("... charger. It is not compatible ...").
    """
    candidates: list[EvidenceSentence] = []
    if best_idx:
        first, last = sents[best_idx[0]], sents[best_idx[-1]]
        joined = " ".join(sents[i].text for i in best_idx)
        tokens, negated = first.tokens | last.tokens, first.negated | last.negated
        candidates.append(
            EvidenceSentence(first.passage, first.start, last.end, joined, tokens, polarity(joined), negated)
        )
    if dense_best is not None and (dense_best,) != best_idx:
        candidates.append(sents[dense_best])
    return candidates


def _polarity_check(claim: str, claim_toks: set[str], candidates: Sequence[EvidenceSentence]) -> str | None:
    """The claim's polarity clash with the closest evidence, if it clashes with every candidate.

    A mismatch counts only if no close sentence agrees with the claim.
    """
    # A verb-less fragment ("Ford Fusion", "director") states no negation of
    # its own: the parity of a negation elsewhere in its sentence says nothing.
    check_negation = not (_is_fragment(claim) and not polarity(claim))
    clashes = [_polarity_clash(claim, claim_toks, c, check_negation=check_negation) for c in candidates]
    if not clashes or any(c is None for c in clashes):
        return None
    return clashes[0]


def _coverage_notes(toks: Sequence[str], evidence: EvidenceIndex, coverage: float, local_coverage: float) -> list[str]:
    """The closing explanations: the words the evidence lacks and the coverage figures."""
    notes: list[str] = []
    missing_words = [t for t in dict.fromkeys(toks) if t not in evidence.tokens and not t.startswith("<")]
    if missing_words and coverage < 1.0:
        shown = ", ".join(f"'{w}'" for w in missing_words[:4])
        notes.append(f"words not in evidence: {shown}")
    notes.append(f"word coverage {coverage:.2f} (best sentence {local_coverage:.2f})")
    return notes


def claim_signals(
    claim: str,
    evidence: EvidenceIndex,
    *,
    dense_best: int | None = None,
    question_tokens: frozenset[str] | set[str] = frozenset(),
) -> ClaimSignals:
    """Compare one claim with the evidence.

    Args:
        claim: the claim text.
        evidence: the request's evidence index.
        dense_best: index of the evidence sentence most similar by embedding,
            also considered as the claim's closest sentence for polarity.
        question_tokens: `content_tokens` of the question, for `novel_coverage`.
    """
    toks, yes_no = _checked_tokens(claim, question_tokens)
    coverage, novel_coverage = _word_coverage(toks, evidence, question_tokens)
    local_coverage, best_idx = _best_local(toks, evidence.sentences)
    numbers, number_coverage = _number_check(claim, evidence, best_idx)
    entities = _entity_check(claim, evidence, question_tokens)
    contact = _contact_check(claim, evidence, question_tokens)
    closest = _closest_sentences(evidence.sentences, best_idx, dense_best)
    # A bare yes/no takes the question's words, so its polarity is not its own.
    clash = None if yes_no else _polarity_check(claim, set(toks), closest)
    speaker = _first_person(claim, evidence)
    kinds = (("number", numbers.contradicted), ("name", entities.contradicted), ("polarity", clash is not None),
             ("contact", contact.contradicted))  # fmt: skip
    explanations = [*contact.explanations, *numbers.explanations, *entities.explanations]
    if clash:
        explanations.append(clash)
    if speaker:
        explanations.append(f"speaks in the first person ('{speaker}'), which the evidence never does")
    explanations += _coverage_notes(toks, evidence, coverage, local_coverage)
    return ClaimSignals(
        coverage=coverage,
        novel_coverage=novel_coverage,
        local_coverage=local_coverage,
        bigram_coverage=_bigram_coverage(claim, evidence),
        number_mismatch=numbers.mismatch,
        number_coverage=number_coverage,
        entity_mismatch=entities.mismatch,
        polarity_mismatch=1.0 if clash else 0.0,
        contradiction=1.0 if numbers.contradicted or entities.contradicted or clash or contact.contradicted else 0.0,
        best_local=best_idx,
        explanations=tuple(explanations),
        first_person=1.0 if speaker else 0.0,
        contradicted=tuple(kind for kind, hit in kinds if hit),
    )
