"""Question features for the semantic cache's near-miss check, stored only as hashes.

Embedding similarity cannot tell "turn roaming on" from "turn roaming off"
(MiniLM scores such pairs 0.96-0.99). What tells them apart is small and
explicit: the numbers and their units, negation, direction words and the order
of "from X to Y", the named things, the scope (domestic/international, a
device/an accessory, me/my child), the kind of answer asked for (a price,
a duration, a procedure), and the kind of action asked about with its object
(view / change / cancel my PIN; `ragfort.cache.actions`). This module
extracts those from a question's (already redacted) text with general rules,
not a list of known questions.

Every feature is kept as a keyed 64-bit BLAKE2b hash of a short token, so a
cache can compare two questions without ever storing their words; the only
plain values are counts and parities.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from ragfort.cache.actions import actions
from ragfort.cache.opening import opening_ask
from ragfort.text import CONTRACTIONS, FUNCTION_WORDS

__all__ = [
    "READING",
    "QuestionFeatures",
    "StaleFeatures",
    "courtesy_stripped",
    "question_features",
    "word_hashes",
    "word_stem",
]

# The reading of a question these features come from; it keys the hashes, and features stored under
# another reading never meet these (`StaleFeatures`). v2: sentence starts are not names. v3:
# "device"/"devices" and "update"/"updated" share a stem, and "quick question:" and "could you
# explain" are courtesy. v4: action verbs and their objects (`actions`), and the reading is stored.
# v5: what the main clause asks for (`opening`). v6: "sorry to bother you, but" and "just wondering" are courtesy.
# v7: "quick question, please", "I hope you can help", "would you mind explaining", "would you be so kind as to
# tell me" are courtesy. v8: chat words ("u", "wat") and contractions typed without an apostrophe ("dont": a
# negation) read as meant; a dash after a greeting, "kindly", a trailing "appreciate it" are courtesy; "last" the
# verb ("how long does it last") and "once" the conjunction ("once it's fixed") are no numbers; "gets" is "get"; a
# fine or a penalty asks a cost. v9: "how much ... costs" anywhere in the clause asks a price, and "what's in",
# "what's included", "what comes with" ask for content (`ragfort.cache.opening`).
READING = 9
_HASH_KEY = f"ragfort-cache-features-v{READING}".encode()

# Words that carry no meaning for the comparison (function words, question scaffolding).
_STOP = FUNCTION_WORDS | frozenset(
    [
        "again",
        "am",
        "anything",
        "because",
        "doing",
        "ever",
        "further",
        "get",
        "gets",
        "getting",
        "go",
        "going",
        "got",
        "having",
        "her",
        "him",
        "his",
        "i'd",
        "i'm",
        "i've",
        "it's",
        "know",
        "let",
        "like",
        "long",
        "many",
        "mine",
        "much",
        "need",
        "once",
        "onto",
        "other",
        "over",
        "please",
        "right",
        "still",
        "tell",
        "them",
        "there's",
        "thing",
        "things",
        "under",
        "us",
        "want",
        "way",
        "what's",
        "yours",
    ]
)
_NEGATIONS = frozenset({"not", "no", "never", "without", "cannot", "none", "nothing", "nor", "neither", "nobody"})
# Negating prefixes: "unopened" against "opened", "non-refundable" against "refundable".
_NEG_PREFIXES = ("un", "non", "dis", "in", "im", "ir", "il")

_UNITS: dict[str, str] = {}
for canon, spellings in {
    "byte:gb": "gb gig gigs gigabyte gigabytes",
    "byte:mb": "mb megabyte megabytes",
    "byte:kb": "kb kilobyte kilobytes",
    "byte:tb": "tb terabyte terabytes",
    "rate:gbps": "gbps",
    "rate:mbps": "mbps",
    "rate:kbps": "kbps",
    "time:s": "s sec secs second seconds",
    "time:min": "min mins minute minutes",
    "time:h": "h hr hrs hour hours",
    "time:day": "day days",
    "time:week": "wk wks week weeks",
    "time:month": "mo month months",
    "time:year": "yr yrs year years",
    "power:w": "w watt watts",
    "power:mw": "mw milliwatt milliwatts",
    "power:kw": "kw kilowatt kilowatts",
    "freq:ghz": "ghz",
    "freq:mhz": "mhz",
    "money:usd": "usd dollar dollars",
    "money:eur": "eur euro euros",
    "money:cents": "cent cents",
    "pct": "% percent pct",
    "len:mm": "mm",
    "len:cm": "cm",
    "len:m": "m meter meters metre metres",
    "len:km": "km",
    "mass:g": "g gram grams",
    "mass:kg": "kg",
    "mah": "mah",
}.items():
    for s in spellings.split():
        _UNITS[s] = canon
_CURRENCY = {"$": "money:usd", "€": "money:eur", "£": "money:gbp"}

_SPELLED = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100, "thousand": 1000, "dozen": 12, "half": 0.5, "double": 2, "twice": 2, "once": 1,
}  # fmt: skip
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "last": -1,
}  # fmt: skip

# Direction axes: each word puts a question at one pole of an axis. Stems match inflections
# ("enabled", "upgrading"). Particles (on/off/in/out) count only after a particle verb.
_DIRECTION_STEMS: dict[str, tuple[str, str]] = {
    "enabl": ("switch", "on"), "activat": ("switch", "on"), "disabl": ("switch", "off"),
    "deactivat": ("switch", "off"), "upgrad": ("grade", "up"), "downgrad": ("grade", "down"),
    "upload": ("load", "up"), "download": ("load", "down"), "import": ("port", "in"), "export": ("port", "out"),
    "incoming": ("port", "in"), "outgoing": ("port", "out"), "inbound": ("port", "in"),
    "outbound": ("port", "out"), "increas": ("amount", "up"), "decreas": ("amount", "down"),
    "rais": ("amount", "up"), "lower": ("amount", "down"), "reduc": ("amount", "down"),
    "subscrib": ("membership", "in"), "unsubscrib": ("membership", "out"), "install": ("install", "in"),
    "uninstall": ("install", "out"), "connect": ("link", "in"), "disconnect": ("link", "out"),
    "deposit": ("money", "in"), "withdraw": ("money", "out"), "mute": ("sound", "off"),
    "unmute": ("sound", "on"), "encrypt": ("crypt", "in"), "decrypt": ("crypt", "out"),
}  # fmt: skip
_PARTICLE_VERBS = frozenset(
    [
        "turn",
        "turned",
        "turning",
        "turns",
        "switch",
        "switched",
        "switching",
        "switches",
        "port",
        "ported",
        "porting",
        "ports",
        "opt",
        "opted",
        "opting",
        "log",
        "logged",
        "logging",
        "sign",
        "signed",
        "signing",
        "check",
        "checked",
        "checking",
        "cash",
        "cashed",
        "put",
    ]
)
_PARTICLES = {"on": ("switch", "on"), "off": ("switch", "off"), "in": ("port", "in"), "out": ("port", "out")}
# Prepositions that give a role in a move: "from X to Y" and "from Y to X" differ.
_ROLES = {
    "from": "from", "to": "to", "into": "to", "onto": "to", "towards": "to", "toward": "to", "for": "for",
    "with": "with", "via": "with", "using": "with",
}  # fmt: skip
_ROLE_SKIP = frozenset(["a", "an", "the", "my", "your", "our", "their", "his", "her", "its", "this", "that", "one"])

# Scope: mutually exclusive groups of general support vocabulary. Two questions that fall
# in different groups of one axis ask about different things even when all else matches.
_SCOPES: dict[str, dict[str, str]] = {
    "region": {
        **dict.fromkeys(["domestic", "domestically", "local", "locally", "nationwide", "national", "inland"], "home"),
        **dict.fromkeys(
            ["international", "internationally", "abroad", "overseas", "foreign", "roaming", "travel"], "abroad"
        ),
    },
    "item": {
        **dict.fromkeys(
            ["device", "devices", "phone", "phones", "tablet", "tablets", "handset", "handsets", "laptop"], "device"
        ),
        **dict.fromkeys(
            ["accessory", "accessories", "charger", "chargers", "case", "cases", "earbuds", "headphones", "cable"],
            "acc",
        ),
    },
    "party": {
        **dict.fromkeys(
            ["child", "child's", "children", "kid", "kid's", "kids", "son", "daughter", "teen", "minor"], "child"
        ),
        **dict.fromkeys(["partner", "spouse", "wife", "husband", "friend", "someone", "else's"], "other"),
        **dict.fromkeys(["business", "company", "employer", "employee"], "business"),
    },
    "extent": {
        **dict.fromkeys(["entire", "whole", "all", "every", "everything"], "all"),
        **dict.fromkeys(["one", "single", "only", "individual"], "one"),
    },
}
# The kind of answer a question asks for; a price never answers a "how long".
_ASKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cost", re.compile(
        r"\bhow much\b|\bcosts?\b|\bprice\b|\bfees?\b|\bcharged?\b|\bpay for\b|\bfines?\b|\bpenalt(?:y|ies)\b"
    )),
    ("time", re.compile(
        r"\bhow long\b|\bwhen\b|\bhow (?:many|much) (?:days|weeks|hours|months|time)\b|\bhow (?:soon|quickly)\b"
    )),
    ("steps", re.compile(r"\bhow (?:do|can|should) (?:i|we|you)\b|\bsteps?\b|\bprocess\b|\bhow to\b")),
    ("reason", re.compile(r"\bwhy\b|\bwhat's wrong\b")),
)  # fmt: skip

_TOKEN = re.compile(
    r"[0-9]+[A-Za-z][A-Za-z0-9]*|[$€£]?[0-9][0-9,]*(?:\.[0-9]+)?|[A-Za-z][A-Za-z0-9]*(?:['’][A-Za-z]+)?|%"
)
_NUMBER = re.compile(r"[$€£]?[0-9][0-9,]*(?:\.[0-9]+)?")
_SENTENCE_END = re.compile(r"[.?!]\s")  # between two tokens: the second opens a sentence
_CLAUSE_END = re.compile(r"[,.?!;:]")  # between two tokens: the second opens a clause


# Chat words, and contractions typed without their apostrophe ("dont" negates as "don't" does; "id" stays "ID").
_TYPED = {
    "u": "you", "ur": "your", "r": "are", "wat": "what", "wot": "what", "wats": "what's", "pls": "please",
    "plz": "please", "thx": "thanks", "abt": "about",
} | CONTRACTIONS  # fmt: skip
# Plain synonyms folded before comparison (general English, not this corpus's terms).
_CANON = _TYPED | {
    "kid": "child", "kids": "child", "children": "child", "kid's": "child's", "cellphone": "phone",
    "mobile": "phone", "smartphone": "phone", "cost": "price", "costs": "price", "fee": "price", "fees": "price",
    "charge": "price", "parcel": "package", "delivery": "shipping", "deliveries": "shipping",
}  # fmt: skip


def _phrase(tokens: list[str], start: int, *, limit: int = 2) -> list[str]:
    """The words of the noun phrase starting at `start`, skipping determiners."""
    j = start
    while j < len(tokens) and (tokens[j] in _ROLE_SKIP or tokens[j] in _STOP):
        j += 1
    out: list[str] = []
    while j < len(tokens) and len(out) < limit:
        word = tokens[j]
        if word in _STOP or word in _ROLES or word in _PARTICLES or _NUMBER.fullmatch(word):
            break
        out.append(word)
        j += 1
    return out


def _h(kind: str, value: str) -> str:
    return hashlib.blake2b(f"{kind}\x1f{value}".encode(), digest_size=8, key=_HASH_KEY).hexdigest()


def word_hashes(*words: str) -> frozenset[str]:
    """The content hashes `question_features` gives these words (after its synonym folding)."""
    return frozenset(_h("word", word_stem(_CANON.get(w, w))) for w in words)


def word_stem(word: str) -> str:
    """The crude stem the rules compare words by (plurals, -ing, -ed, -able and a final "e" folded)."""
    # Enough folding for set comparison: plurals, -ing/-ed, -able ("returnable" ~ "return"), then a
    # final e, so "device"/"devices" and "update"/"updated"/"updating" meet ("disable" keeps its "disabl").
    for suffix, rest in (("able", 4), ("ible", 4), ("ing", 3), ("ed", 3), ("es", 3), ("s", 3)):
        if word.endswith(suffix) and len(word) - len(suffix) >= rest:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) >= 4 else word


class StaleFeatures(ValueError):
    """Stored features come from another reading of the question (another `READING`).

    Their hashes are keyed differently and older readings lack features, so
    the near-miss rules cannot compare them with today's: such an entry is
    never a semantic hit (its exact hits are unaffected).
    """


@dataclass(frozen=True, slots=True)
class QuestionFeatures:
    """What the near-miss check compares, as hashes (see the module docstring).

    Attributes:
        numbers: hashed ``value|unit`` of every quantity, ordinal and spelled number.
        number_values: hashed values alone (``14 days`` and ``14 weeks`` share one).
        negations: how many negations the question holds (its parity decides).
        negated_stems: hashed stems of words carrying a negating prefix ("unopened" -> "open").
        directions: ``axis|pole`` of every direction word (a fixed vocabulary, kept plain).
        moved_from: hashed objects of "from X".
        moved_to: hashed objects of "to X", "into X", "onto X".
        target: hashed objects of "for X" (who or what the question is about).
        means: hashed objects of "with X", "via X", "using X".
        entities: hashed capitalised or mixed-case names (not the first word).
        scopes: ``axis|group`` of scope words (a fixed vocabulary, kept plain).
        asks: the kinds of answer asked for (cost, time, steps, reason).
        opening: what the main clause opens by asking for (`ragfort.cache.opening`; one label
            or none, kept plain).
        content: hashed stems of the content words.
        actions: ``kind|object`` for every action verb: its class (a fixed vocabulary, kept
            plain) and the hashed stem of one word of its object (empty for none).
    """

    numbers: frozenset[str]
    number_values: frozenset[str]
    negations: int
    negated_stems: frozenset[str]
    directions: frozenset[str]
    moved_from: frozenset[str]
    moved_to: frozenset[str]
    target: frozenset[str]
    means: frozenset[str]
    entities: frozenset[str]
    scopes: frozenset[str]
    asks: frozenset[str]
    opening: frozenset[str]
    content: frozenset[str]
    actions: frozenset[str]

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe mapping (sorted lists of hashes, one count, and the `READING`)."""
        out: dict[str, Any] = {"reading": READING}
        for name in self.__slots__:
            value = getattr(self, name)
            out[name] = sorted(value) if isinstance(value, frozenset) else value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuestionFeatures:
        """Inverse of `to_json`.

        Raises:
            StaleFeatures: they were stored under another `READING` (or before readings were stored).
            ValueError: a field is missing or has the wrong type.
        """
        if data.get("reading") != READING:
            raise StaleFeatures(f"question features of reading {data.get('reading')!r}, not {READING}")
        try:
            kwargs: dict[str, Any] = {}
            for name in cls.__slots__:
                value = data[name]
                if name == "negations":
                    if not isinstance(value, int):
                        raise TypeError(name)
                    kwargs[name] = value
                else:
                    kwargs[name] = frozenset(str(v) for v in value)
            return cls(**kwargs)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed question features: {exc!r}") from None


def _number_value(raw: str) -> tuple[str, str | None]:
    unit = _CURRENCY.get(raw[0])
    digits = raw[1:] if unit else raw
    value = float(digits.replace(",", ""))
    return (str(int(value)) if value.is_integer() else str(value)), unit


# Courtesy around a question is not part of what it asks ("Hi team, could you tell me when ...?"):
# a leading greeting or thanks, a trailing thanks, and the polite frames that only introduce the question.
_COURTESY = (
    re.compile(
        r"^\s*(?:(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))(?: (?:team|there|all|folks|everyone))?"
        r"|(?:many )?thanks(?: (?:in advance|so much|a lot))?|thank you(?: (?:in advance|so much))?"
        r"|please help|(?:a )?quick (?:question|one)(?: please)?|i hope you can help(?: me)?)"
        r"(?:\s*[,.!:;]+|\s+[-–—]+)\s*",  # "Hi team, ...", "Thanks in advance - ..."
        re.IGNORECASE,
    ),
    re.compile(
        r"^\s*(?:(?:could|can|would) you (?:please |kindly )?|would you mind |would you be so kind as to )"
        r"(?:(?:tell|let) me(?: know)?(?: (?:whether|if))?|telling me(?: (?:whether|if))?|explain(?:ing)?)\s+"
        r"|^\s*I was wondering(?: (?:whether|if))?,?\s+",
        re.IGNORECASE,
    ),
    # Apologies and musings in front of the question: "Sorry to bother you, but do you ...", "Just wondering, ...".
    re.compile(
        r"^\s*(?:sorry(?: to (?:bother|trouble) you| if this is a (?:silly|stupid|dumb|basic) question)"
        r"|just wondering)\s*[,.!:;]*\s*(?:but\s+)?",
        re.IGNORECASE,
    ),
    re.compile(
        r"\s*[,.!]?\s*(?:(?:many )?thanks|thank you|cheers|thx|(?:i )?appreciate it|(?:much|really) appreciated)"
        r"(?: (?:in advance|so much|a lot))?[.!]*\s*$",
        re.IGNORECASE,
    ),
)


def courtesy_stripped(text: str) -> str:
    """`text` without the courtesy around the question (greetings, thanks, polite frames)."""
    before = None
    while before != text:
        before = text
        for pattern in _COURTESY:
            stripped = pattern.sub("", text)
            if stripped.strip():  # a question that is nothing but courtesy stays as it is
                text = stripped
    return text


def question_features(text: str) -> QuestionFeatures:
    """The features of one question (redacted text in, hashes out)."""
    text = courtesy_stripped(text)
    matches = list(_TOKEN.finditer(text))
    raw_tokens = [m.group(0) for m in matches]
    tokens = [_CANON.get(t, t) for t in (m.group(0).lower().replace("’", "'") for m in matches)]
    numbers: set[str] = set()
    values: set[str] = set()
    negations = 0
    negated: set[str] = set()
    directions: set[str] = set()
    moved: dict[str, set[str]] = {"from": set(), "to": set(), "for": set(), "with": set()}
    entities: set[str] = set()
    scopes: set[str] = set()
    content: set[str] = set()

    sentence_start = True
    for i, (orig, tok) in enumerate(zip(raw_tokens, tokens, strict=True)):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if i and _SENTENCE_END.search(text, matches[i - 1].end(), matches[i].start()):
            sentence_start = True  # "I'm moving abroad. Can I keep my number?": "Can" opens a sentence, no name
        # -- numbers and units ----------------------------------------------
        glued = re.fullmatch(r"([0-9]+)([a-z]+)", tok)
        if glued and glued.group(2) in _UNITS:  # "10gb" and "5g" are quantities; "2fa" is a word
            tok, nxt = glued.group(1), glued.group(2)
        if _NUMBER.fullmatch(tok):
            value, unit = _number_value(tok)
            after = nxt.rstrip(".")
            if unit is None and after in _UNITS:
                unit = _UNITS[after]
            numbers.add(_h("num", f"{value}|{unit or ''}"))
            values.add(_h("val", value))
            sentence_start = False
            continue
        hyphened = matches[i].end() < len(text) and text[matches[i].end()] == "-"
        # "How long does it last?" and "once it's fixed": a verb and a conjunction, not an ordinal and a count.
        verb = tok == "last" and (not nxt or nxt in _STOP or nxt in _PARTICLES or nxt in _ROLES)
        conjunction = tok == "once" and nxt not in ("", "a", "an", "per", "every", "each")
        if (tok in _SPELLED or tok in _ORDINALS) and not (hyphened and nxt not in _UNITS) and not (verb or conjunction):
            value = str(_SPELLED.get(tok, _ORDINALS.get(tok)))
            kind = "ord" if tok in _ORDINALS else "card"
            unit = _UNITS.get(nxt, "")
            # "second" after a number is a unit (handled above); standing alone it is an ordinal.
            numbers.add(_h("num", f"{kind}:{value}|{unit}"))
            values.add(_h("val", f"{kind}:{value}"))
            continue
        # -- negation -------------------------------------------------------
        if tok in _NEGATIONS or tok.endswith("n't"):
            negations += 1
            continue
        for prefix in _NEG_PREFIXES:
            if tok.startswith(prefix) and len(tok) - len(prefix) >= 4:
                negated.add(_h("word", word_stem(tok[len(prefix) :])))
        # -- direction ------------------------------------------------------
        for stem, (axis, pole) in _DIRECTION_STEMS.items():
            if tok.startswith(stem):
                directions.add(f"{axis}|{pole}")
                break
        if tok in _PARTICLES:
            window = tokens[max(0, i - 4) : i]
            clause_end = nxt in ("", "?", "when", "before", "after", "while", "but", "and", "so", "for")
            if tok == "off" or any(w in _PARTICLE_VERBS for w in window) or (tok == "on" and clause_end):
                axis, pole = _PARTICLES[tok]
                directions.add(f"{axis}|{pole}")
        # "to be", "to get": an infinitive, not a destination.
        if tok in _ROLES and not (tok == "to" and nxt in _STOP and nxt not in _ROLE_SKIP):
            moved[_ROLES[tok]].update(_h("obj", word_stem(w)) for w in _phrase(tokens, i + 1))
        # -- names ------------------------------------------------------------
        is_name = any(c.isupper() for c in orig[1:]) or (orig[0].isupper() and not sentence_start)
        if is_name and tok not in ("i", "i'm", "i've", "i'd"):
            entities.add(_h("ent", tok))
        # -- scope --------------------------------------------------------------
        for axis, groups in _SCOPES.items():
            if tok in groups:
                scopes.add(f"{axis}|{groups[tok]}")
        if tok not in _STOP and tok not in _PARTICLES and tok not in _ROLES:
            content.add(_h("word", word_stem(tok)))
        sentence_start = False

    breaks = [
        bool(i and _CLAUSE_END.search(text, matches[i - 1].end(), matches[i].start())) for i in range(len(tokens))
    ]
    acts = actions(tokens, breaks, stem=word_stem, stop=_STOP, number=lambda t: bool(_NUMBER.fullmatch(t)))
    lowered = " ".join(tokens)
    asks = frozenset(name for name, pattern in _ASKS if pattern.search(lowered))
    return QuestionFeatures(
        numbers=frozenset(numbers),
        number_values=frozenset(values),
        negations=negations,
        negated_stems=frozenset(negated),
        directions=frozenset(directions),
        moved_from=frozenset(moved["from"]),
        moved_to=frozenset(moved["to"]),
        target=frozenset(moved["for"]),
        means=frozenset(moved["with"]),
        entities=frozenset(entities),
        scopes=frozenset(scopes),
        asks=asks,
        opening=frozenset({opened}) if (opened := opening_ask(text)) else frozenset(),
        content=frozenset(content),
        actions=frozenset(f"{a.kind}|{_h('obj', o)}" for a in acts for o in a.objects)
        | frozenset(f"{a.kind}|" for a in acts if not a.objects),
    )
