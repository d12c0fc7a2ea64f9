"""The injection guard: retrieved passages must not give the assistant orders.

Indirect prompt injection hides instructions in content the model reads as
context: a help-center page, a scraped web page, an uploaded document. This
guard runs at the retrieval stage, scores every passage and removes (or
flags, or blocks on) the ones that read as instructions to an AI rather than
information for a customer. At the input stage it scores the question itself
(direct injection): ``flag`` allows it with findings, ``remove`` and
``block`` refuse it.

How a passage is scored, all on the CPU in well under a millisecond:

1. **Normalise** a copy of the text while keeping a map back to the original
   offsets: decode HTML entities; NFKD with accents dropped (so the French and
   German rules need no accent variants); zero-width and other format
   characters removed; look-alike Cyrillic/Greek letters and leetspeak digits
   inside words mapped to Latin letters; spaced-out letters
   (``i g n o r e``, ``d-i-s-r-e-g-a-r-d``) joined; case folded; whitespace
   collapsed. Places changed by the de-obfuscating steps are remembered.
2. **Match** weighted rules grouped by *technique*: ``override`` (ignore or
   replace earlier instructions), ``prompt_exfiltration`` (reveal the system
   prompt), ``persona`` (role-play jailbreaks), ``link`` (send people to a
   link, look-alike or executable links, data in query strings),
   ``data_exfiltration`` (send a customer's data somewhere),
   ``data_harvest`` (dump other customers' records), ``output_control``
   (dictate or hide parts of the reply), ``addressed_to_ai`` (imperatives to
   an assistant, fake role turns and control tokens), ``credential_request``
   (ask for someone's PIN or password), ``multilingual`` (es/fr/de) and
   ``encoded`` (base64 payloads, decoded and scanned once). Each technique
   counts once, at its strongest match.
3. **Context**: a match inside hidden markup (an HTML comment, a
   ``display:none`` element, a Markdown comment or a link title) adds the
   ``hidden_markup`` signal; a match the de-obfuscation had to uncover adds
   ``obfuscation``. Legitimate help text has no reason to do either.
4. **Combine** the technique weights as independent evidence,
   ``score = 1 - prod(1 - w)``, and compare with ``threshold``. One strong
   rule (weight >= 0.8) is enough; weak cues such as "you are now" or a link
   to an unknown domain need company.

The rules are written against the shapes of attack, not the words of one
data set: ``benchmarks/injection_quality.py`` reports precision and recall
per technique on ``evals/injection/passages.jsonl`` with a split check. The
hard negatives are what a support corpus is full of: "ignore texts asking for
gift cards", "the setup prompt", "Settings > System", "visit our store",
"forward your receipt to support@...". Known limits: paraphrases that share
no cue with the rules, languages other than en/es/fr/de, payloads split
across passages, and instructions in images are not caught; an internal
agent-facing knowledge base ("tell the customer that ...") scores higher
than a customer-facing one. Findings name the technique and the offsets,
never the passage text.
"""

from __future__ import annotations

import base64
import binascii
import html
import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from ragfort.context import RunContext
from ragfort.guards.base import BaseGuard, GuardSettings
from ragfort.types import Action, Finding, Passage, Stage, Turn, Verdict

__all__ = [
    "DEFAULT_THRESHOLD",
    "InjectionGuard",
    "InjectionHit",
    "InjectionScan",
    "InjectionScanner",
    "InjectionSettings",
    "NormalisedText",
    "normalise",
]

# By design a single strong rule (>= 0.8) passes it alone and two medium cues (0.45 + 0.45 -> 0.70) together,
# while a lone weak cue (<= 0.5) does not. benchmarks/injection_quality.py checks it against the even ids of
# evals/injection/passages.jsonl (F1 is flat from 0.30 to 0.75 there) and reports the odd ids held out.
DEFAULT_THRESHOLD = 0.6
FINDING_LABEL = "prompt_injection"


# -- settings ------------------------------------------------------------------


class InjectionSettings(GuardSettings):
    """Settings of the injection guard (the ``injection`` entry of a policy).

    Attributes:
        action: ``remove`` drops flagged passages (abstaining when none is
            left), ``flag`` keeps them and reports findings, ``block``
            refuses the request.
        threshold: the score from which a passage counts as an injection.
        trusted_domains: the company's own domains (subdomains included):
            their links and addresses are not suspicious, and look-alikes of
            them (``vo1twise``, ``voltwise-refunds.example.net``) are.
        extra_patterns: your own regular expressions, matched against the
            normalised text (lower case, accents dropped, whitespace single);
            a match alone flags the passage.
        after_generation: for opaque chains the retrieval gate runs after the
            answer was written from the passages; ``abstain`` discards that
            answer when a passage is removed, ``keep`` leaves it to the
            output guards (grounding checks it against the passages left).
    """

    action: Literal["remove", "flag", "block"] = "remove"
    threshold: float = Field(default=DEFAULT_THRESHOLD, gt=0.0, le=1.0)
    trusted_domains: tuple[str, ...] = ()
    extra_patterns: tuple[str, ...] = ()
    after_generation: Literal["keep", "abstain"] = "keep"

    @field_validator("trusted_domains")
    @classmethod
    def _domains_are_hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = []
        for domain in value:
            d = domain.strip().lower().lstrip(".")
            if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d):
                raise ValueError(f"trusted_domains entries are host names like 'example.com', got {domain!r}")
            cleaned.append(d)
        return tuple(cleaned)

    @field_validator("extra_patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"extra_patterns entry {pattern!r} is not a valid regular expression: {exc}") from None
        return value


# -- results -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InjectionHit:
    """One technique found in a text: its strongest match, as offsets into the original text."""

    technique: str
    weight: float
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class InjectionScan:
    """The verdict on one text: the combined score and one hit per technique found."""

    score: float
    hits: tuple[InjectionHit, ...]

    @property
    def techniques(self) -> tuple[str, ...]:
        """The techniques found, strongest first."""
        return tuple(h.technique for h in self.hits)


# -- normalisation ---------------------------------------------------------------


@dataclass(slots=True)
class NormalisedText:
    """Text as the rules see it: per character, its offset in the original and whether de-obfuscation made it."""

    text: str
    index: list[int]
    altered: list[bool]


_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064")
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
        "ԁ": "d", "ɡ": "g", "ո": "n", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "ѵ": "v", "ɪ": "i", "ʟ": "l",
    }
)  # fmt: skip
# No "@" or "$": e-mail addresses and prices must survive normalisation.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# A word mixing letters with leetspeak digits, e.g. "1gn0re". Units such as "5gb" are mapped too ("sgb"),
# which is harmless: no rule matches them.
_LEET_WORD = re.compile(r"(?<![\w@])(?=\w*[a-z])(?=\w*[013457])[a-z013457]{4,}(?![\w@])")
# Three or more single letters with the same separator: "i g n o r e", "d-i-s-r-e-g-a-r-d", "s.y.s.t.e.m".
_SPACED = re.compile(r"(?<![^\W\d_])[^\W\d_]([ \-._*·|/])[^\W\d_](?:\1[^\W\d_])+(?![^\W\d_])")
_WS = re.compile(r"\s+")


def _substitute(
    norm: NormalisedText, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], *, alters: bool
) -> NormalisedText:
    """Replace each match of `pattern`, keeping the offset map.

    A replacement that only deletes characters (joining spaced-out letters) keeps each survivor's own
    offset; any other rewrite maps its characters to the start of the match.
    """
    text, parts, index, altered = norm.text, [], [], []
    pos = 0
    for m in pattern.finditer(text):
        s, e = m.span()
        parts.append(text[pos:s])
        index += norm.index[pos:s]
        altered += norm.altered[pos:s]
        new = repl(m)
        parts.append(new)
        if new == m.group(0):
            index += norm.index[s:e]
            altered += norm.altered[s:e]
        elif len(new) == e - s:  # same length: keep the per-character map
            index += norm.index[s:e]
            altered += [alters or a for a in norm.altered[s:e]]
        else:
            keep = _subsequence(new, m.group(0))
            if keep is None:  # a real rewrite (an entity decoded): every new character maps to the match start
                keep = [0] * len(new)
            index += [norm.index[s + k] for k in keep]
            altered += [alters or norm.altered[s + k] for k in keep]
        pos = e
    if pos == 0:
        return norm
    parts.append(text[pos:])
    index += norm.index[pos:]
    altered += norm.altered[pos:]
    return NormalisedText("".join(parts), index, altered)


def _subsequence(new: str, old: str) -> list[int] | None:
    """Positions in `old` of the characters of `new` when `new` only deletes from `old` (greedy), else None."""
    positions: list[int] = []
    j = 0
    for ch in new:
        while j < len(old) and old[j] != ch:
            j += 1
        if j == len(old):
            return None
        positions.append(j)
        j += 1
    return positions


def _fold_chars(base: NormalisedText) -> NormalisedText:
    """NFKD, accents dropped, format characters removed, look-alikes mapped, case folded."""
    out: list[str] = []
    index: list[int] = []
    altered: list[bool] = []
    pending_alter = False
    for ch, i, a in zip(base.text, base.index, base.altered, strict=True):
        if ch in _ZERO_WIDTH or (ord(ch) > 127 and unicodedata.category(ch) == "Cf"):
            pending_alter = True
            if altered:
                altered[-1] = True
            continue
        if ord(ch) < 128:
            folded = ch.lower()
            suspicious = False
        else:
            mapped = ch.translate(_HOMOGLYPHS)
            suspicious = mapped != ch
            decomposed = unicodedata.normalize("NFKD", mapped)
            folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
            # Full-width and other compatibility forms are how filters are dodged; accents are not.
            suspicious = suspicious or unicodedata.normalize("NFD", mapped) != decomposed
        for c in folded:
            out.append(c)
            index.append(i)
            altered.append(a or suspicious or pending_alter)
        pending_alter = False
    return NormalisedText("".join(out), index, altered)


def normalise(text: str) -> NormalisedText:
    """The text as the rules see it, with the map back to `text`'s offsets."""
    norm = NormalisedText(text, list(range(len(text))), [False] * len(text))
    if "&" in text:
        norm = _substitute(norm, _ENTITY, lambda m: html.unescape(m.group(0)), alters=False)
    norm = NormalisedText(norm.text.lower(), norm.index, norm.altered) if norm.text.isascii() else _fold_chars(norm)
    norm = _substitute(norm, _LEET_WORD, lambda m: m.group(0).translate(_LEET), alters=True)
    norm = _substitute(norm, _SPACED, lambda m: m.group(0).replace(m.group(1), ""), alters=True)
    norm = _substitute(norm, _WS, lambda m: " ", alters=False)
    return norm


# -- rules ---------------------------------------------------------------------


# Building blocks. G(n): up to n words within one clause (no sentence punctuation crossed).
def _gap(n: int) -> str:
    return rf"(?:[^\s.!?;:]+\s){{0,{n}}}"


# Words that name an AI. Not "model", "agent" or "bot" alone: phone models and support agents are everywhere.
_AI_STRONG = r"(?:ai|a\.i\.|assistant|chat ?bot|llm|(?:large )?language model|gpt|copilot|ai (?:model|agent|system))s?"
_RULES_NOUN = (
    r"(?:instructions?|rules|guidelines|guidance|directives|directions|prompts?|programming|"
    r"system (?:prompt|message|messages|instructions)|constraints|restrictions|policies|safety (?:rules|filters))"
)
_PRIOR = r"(?:previous|prior|earlier|above|preceding|former|original|initial|old|existing|foregoing|system|developer)"
_OVERRIDE_VERB = (
    r"(?:ignore|disregard|forget|override|overrule|bypass|set aside|put aside|abandon|discard|drop|"
    r"throw out|stop following|do not follow|don't follow|no longer follow)"
)
_PERSON = r"(?:users?|customers?|callers?|clients?|shoppers?|subscribers?|account holders?|visitors?|people|everyone)"
_THIRD_DATA = (
    rf"(?:(?:the|a|each|every|any|this|other) )?(?:{_PERSON}'s|{_PERSON}'|their|his|her|"
    r"(?:this|the|our) (?:conversation|chat|transcript|session)|chat (?:history|log|transcript))"
)
_SECRET = (
    r"(?:passwords?|pins?|passcodes?|card (?:numbers?|details)|cvv|cvc|security codes?|one-time (?:codes?|passwords?)|"
    r"verification codes?|2fa codes?|login details|credentials|social security numbers?|ssn)"
)
_PERSONAL = (
    r"(?:data|details|information|info|records?|accounts?|account numbers?|e-?mails?|e-?mail address(?:es)?|"
    r"phone numbers?|(?:home )?address(?:es)?|names?|balances?|order histor(?:y|ies)|orders|"
    rf"{_SECRET}|personal data|pii)"
)
_DEST = r"(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|<[a-z_]+_\d+>|\S+\.(?:com|net|org|io|example|xyz|ru)\S*)"


@dataclass(frozen=True, slots=True)
class _Rule:
    """A weighted pattern; it only runs when one of its anchor substrings occurs in the text (cheap gate)."""

    technique: str
    weight: float
    anchors: tuple[str, ...]
    pattern: re.Pattern[str]


def _rules(technique: str, *rows: tuple[float, str, str]) -> list[_Rule]:
    """Rules from ``(weight, anchors, pattern)`` rows; anchors are space-separated, and every match holds one."""
    return [_Rule(technique, w, tuple(a.split()), re.compile(p)) for w, a, p in rows]


# Anchors of the building blocks: substrings every match of the block contains.
_A_OVERRIDE = "ignor disregard forget overr bypass aside abandon discard drop throw follow"
_A_SEND = "send forward mail post upload transmit submit copy leak cc report"
_A_PERSON = "user customer caller client shopper subscriber holder visitor people everyone"
_A_SECRET = "pass pin card cvv cvc code login credential social ssn"
_A_AI = "ai a.i. assistant bot llm language model gpt copilot"

RULES: tuple[_Rule, ...] = tuple(
    _rules(
        "override",
        (0.9, _A_OVERRIDE, rf"\b{_OVERRIDE_VERB}\s{_gap(4)}{_PRIOR}\s{_gap(2)}{_RULES_NOUN}"),
        (
            0.9,
            _A_OVERRIDE,
            rf"\b{_OVERRIDE_VERB}\s(?:all\s|any\s|every\s)?(?:of\s)?(?:your|the|these|those|"
            rf"my)\s{_gap(2)}{_RULES_NOUN}",
        ),
        (0.9, _A_OVERRIDE, rf"\b{_OVERRIDE_VERB}\s(?:all|any|every)\s{_RULES_NOUN}"),
        (0.5, _A_OVERRIDE, rf"\b{_OVERRIDE_VERB}\s{_gap(3)}{_RULES_NOUN}"),
        (
            0.85,
            "forget",
            r"\bforget (?:everything|all|anything|what) (?:\S+ ){0,3}(?:told|said|learned|instructed|above|before)",
        ),
        (
            0.8,
            "ignored disregarded forgotten overridden dropped",
            rf"\b{_RULES_NOUN} (?:\S+ ){{0,5}}(?:must|should|are to|is to|can) (?:now )?be "
            r"(?:ignored|disregarded|forgotten|overridden|dropped)",
        ),
        (
            0.75,
            "longer void cancel outdated obsolete revoked superseded invalid",
            rf"\b{_PRIOR} {_gap(1)}{_RULES_NOUN} (?:\S+ ){{0,2}}(?:no longer appl(?:y|ies)|(?:is|are) "
            r"(?:void|cancell?ed|outdated|obsolete|revoked|superseded|invalid))",
        ),
        (
            0.75,
            "system",
            r"\b(?:the |your )?system (?:prompt|message)s? (?:\S+ ){0,3}(?:is|are) (?:outdated|obsolete|void|wrong|"
            r"fake|revoked)",
        ),
        (
            0.65,
            "your",
            r"\byour (?:new|real|true|actual|only) (?:task|instructions?|role|goal|objective|job|purpose|mission) "
            r"(?:is|are|will be)\b",
        ),
        (0.45, "new", r"(?:^|[\s>\[(])new (?:instructions?|task|directive|rules?)\s?:"),
        (
            0.6,
            "follow",
            r"\bfollow (?:only|just) (?:the )?(?:instructions|rules|directions) (?:in|from|of) (?:this|the following|"
            r"these)",
        ),
        (
            0.55,
            "comply agree",
            r"\b(?:comply|agree) with (?:every|all|any) (?:user )?(?:requests?|demands?|instructions)",
        ),
        (
            0.55,
            "disabled lifted removed turned deactivated",
            r"\b(?:disabled|lifted|removed|turned off|deactivated) (?:all )?(?:your )?"
            r"(?:restrictions|filters|safety|guardrails|content polic(?:y|ies))",
        ),
        (0.4, "from now", r"\bfrom now on\b"),
        (0.35, "safety content", r"\b(?:safety|content) (?:guidelines|filters?|polic(?:y|ies)|rules)\b"),
    )
    + _rules(
        "prompt_exfiltration",
        (
            0.9,
            "instruction prompt configuration key notes message context",
            r"\b(?:reveal|print|show|display|output|repeat|share|leak|dump|disclose|give|write out|append|include|"
            r"recite|type out|expose|provide|paste|return|tell (?:me|us|the user|the customer))\s(?:[^\s.!?;]+\s){0,6}?"
            r"(?:(?:your|the|its|hidden|secret|internal|initial|original) )+(?:full |complete |entire |exact )?"
            r"(?:system (?:prompt|message|instructions)|hidden (?:instructions|prompt)|initial (?:instructions|prompt)|"
            r"(?:internal|developer|system) (?:notes|instructions|message)|instructions|prompt|pre-?prompt|"
            r"configuration|"
            r"api keys?|secret keys?|context window)",
        ),
        (
            0.8,
            "above before",
            r"\b(?:repeat|print|output|recite) (?:all |everything |the (?:words|text|lines|content) )?(?:above|"
            r"before this)",
        ),
        (0.6, "you are", r"\bstarting with ['\"]?you are\b"),
        (
            0.55,
            "system hidden prompt api",
            r"\b(?:system prompt|system instructions|hidden instructions|pre-?prompt|api keys?)\b",
        ),
        (0.35, "verbatim", r"\bverbatim\b"),
    )
    + _rules(
        "persona",
        (0.9, "anything now", r"\bdo anything now\b"),
        (0.6, "dan", r"\b(?:you are|you're|act as|become|answer as|respond as|reply as) (?:now )?dan\b"),
        (
            0.85,
            "you are",
            rf"\byou are (?:now |no longer )?(?:an? |the )?(?:\S+ ){{0,3}}(?:{_AI_STRONG}|persona|character)? ?"
            r"(?:without|with no|free (?:of|from)|not bound by|unrestricted|unfiltered|uncensored|jailbroken|"
            r"unchained)",
        ),
        (0.8, "character role persona", r"\b(?:stay|remain|keep) in (?:character|role|persona)\b"),
        (
            0.65,
            "pretend imagine act as act like",
            r"\b(?:pretend|imagine|act as if|act like) (?:that )?(?:you are|you're|to be)\b",
        ),
        (0.6, "play", r"\b(?:role-?play|roleplay)\b|\blet'?s play a game\b"),
        (
            0.6,
            "jailbr unrestricted unfiltered uncensored unchained evil god",
            r"\b(?:jailbreak|jailbroken|unrestricted|unfiltered|uncensored|unchained|evil|god) ?-?"
            r"(?:mode|assistant|ai|bot|model|persona|version)\b",
        ),
        (0.45, "developer", r"\bdeveloper[- ]mode (?:assistant|ai|bot|model|persona|enabled|activated)"),
        (
            0.7,
            "never",
            r"\b(?:has|have|with) no (?:rules|restrictions|limits|filters|content polic(?:y|ies))\b.{0,40}"
            r"\bnever (?:refuses?|declines?)",
        ),
        (0.6, "never", r"\bnever (?:refuses?|declines?|says? no)\b"),
        (0.5, "without", r"\bwithout (?:any )?(?:content polic(?:y|ies)|filters|guardrails|ethical|moral)"),
        (0.25, "you are", r"\byou are (?:now|no longer)\b"),
        (0.35, "anything", r"\b(?:discuss|say|do) anything\b"),
    )
    + _rules(
        "data_exfiltration",
        (
            0.8,
            _A_SEND,
            rf"\b(?:send|forward|e-?mail|mail|post|upload|transmit|submit|copy|leak|cc|bcc|report)\s{_gap(3)}"
            rf"{_THIRD_DATA}\s{_gap(8)}to\s{_DEST}",
        ),
        (
            0.75,
            _A_SEND,
            rf"\b(?:send|forward|e-?mail|post|upload|transmit|submit|copy|cc|bcc)\s(?:a copy of\s)?{_THIRD_DATA}\s"
            rf"{_gap(6)}{_PERSONAL}",
        ),
        (
            0.75,
            _A_SEND,
            r"\b(?:send|forward|e-?mail|post|upload|transmit|copy)\s(?:a copy of\s)?(?:this|the) "
            r"(?:conversation|chat|transcript|session)",
        ),
        (
            0.7,
            "include append add put insert",
            rf"\b(?:include|append|add|put|insert)\s{_gap(2)}{_THIRD_DATA}\s{_gap(4)}{_PERSONAL}\s{_gap(6)}"
            r"(?:in|into|to|at) (?:a |the |your |every |each )?(?:message|reply|response|answer|summary|email|link|"
            r"url)",
        ),
        (0.7, "addressed sent", rf"\b(?:message|email|request|reply|note)s? (?:addressed|sent) to {_DEST}"),
        (0.55, "include append", rf"\b(?:include|append)\s{_gap(2)}{_THIRD_DATA}\s{_gap(4)}{_PERSONAL}"),
    )
    + _rules(
        "data_harvest",
        (
            0.8,
            "access context memory database retrieval records training",
            rf"\b(?:list|output|print|show|dump|export|display|reveal|give|return|share|include|provide|read out)\s"
            rf"{_gap(2)}(?:all|every|each|any)\s{_gap(2)}(?:(?:other\s)?{_PERSON}(?:'s|')?\s)?{_gap(1)}{_PERSONAL}\s"
            rf"{_gap(4)}(?:you (?:have|can) (?:access|see)|(?:in|from) (?:your|the) "
            r"(?:context|memory|database|retrieval|records|training))",
        ),
        (
            0.75,
            "other",
            rf"\b(?:list|output|print|show|dump|export|display|reveal|give|share|provide)\s{_gap(2)}"
            rf"(?:the )?other {_PERSON}(?:'s|')? {_gap(1)}{_PERSONAL}",
        ),
        (0.7, "other", rf"\bother {_PERSON}(?:'s|') {_gap(1)}{_PERSONAL}"),
        (0.7, "every all each", rf"\b(?:every|all|each) {_PERSON}(?:'s|') {_gap(1)}{_PERSONAL}"),
        (
            0.6,
            "account records passwords pins credit mail phone",
            rf"\b(?:list|output|print|show|dump|export|display|reveal|give|share)\s{_gap(1)}(?:all|every)\s{_gap(2)}"
            r"(?:account numbers|customer records|user records|passwords|pins|credit card|e-?mail addresses|"
            r"phone numbers)",
        ),
        (
            0.6,
            "your the",
            r"\b(?:every|all|each) (?:document|passage|record|file)s? (?:in|from) (?:your|the) "
            r"(?:retrieval|context|search|results|knowledge)",
        ),
        (0.3, "records notes csv", r"\b(?:customer records|private notes|internal notes|as a csv)\b"),
    )
    + _rules(
        "output_control",
        (
            0.7,
            "only solely exclusively just",
            r"\b(?:respond|reply|answer)\s(?:to\s\S+\s(?:\S+\s)?)?(?:only|solely|exclusively|just) (?:with|in|using)\b",
        ),
        (0.7, "only", r"\bonly (?:respond|reply|answer) (?:with|in|using)\b"),
        (
            0.7,
            " with",
            r"\b(?:answer|respond to|reply to) (?:every|each|all|any) (?:\S+ ){0,3}"
            r"(?:questions?|requests?|messages?|quer(?:y|ies)) with\b",
        ),
        (
            0.75,
            "your",
            r"\byour (?:entire|whole|only|complete|full) (?:reply|response|answer|output) (?:must|should|will|"
            r"shall) be\b",
        ),
        (
            0.65,
            "whatever matter",
            r"\b(?:whatever|no matter what) (?:the )?(?:user|customer|they|anyone) (?:asks?|says?|types?|wants?)",
        ),
        (
            0.6,
            "any every all",
            r"\b(?:to|for) (?:any|every|all) (?:\S+ )?(?:questions?|requests?|messages?|quer(?:y|ies)) "
            r"(?:about|regarding|on|related)",
        ),
        (0.45, "nothing", r"\b(?:and nothing else|do not add anything|don't add anything)\b"),
        (
            0.5,
            "mention reveal disclose tell",
            r"\b(?:do not|don't|never) (?:mention|reveal|disclose|tell) (?:this|that|it|these|any of this)"
            r"(?: step| instruction)?s? (?:to|in)\b",
        ),
        (
            0.55,
            "quietly secretly silently covertly without",
            r"\b(?:quietly|secretly|silently|covertly|without (?:telling|informing|alerting) (?:the )?(?:user|"
            r"customer|them))\b",
        ),
        (0.4, "your", r"\b(?:at the end of|at the start of|before|in) your (?:answer|reply|response|output|summary)\b"),
        (0.4, "answer reply respond", r"\b(?:before|when) (?:you )?(?:answer|reply|respond)(?:ing)?\b"),
    )
    + _rules(
        "addressed_to_ai",
        # Talking about the reader's context window or retrieval results: only an AI has those.
        (
            0.5,
            "access context results training",
            r"\b(?:you have access to|in your context(?: window)?|from your context|in your (?:retrieval|"
            r"search) results|"
            r"your training data)\b",
        ),
        (
            0.75,
            _A_AI,
            rf"\b(?:note|message|instructions?|attention|reminder|p\.?s\.?|memo) (?:to|for) (?:the |any |"
            rf"all )?{_AI_STRONG}\b",
        ),
        (0.7, "if you are", rf"\bif you are an? (?:\S+ )?{_AI_STRONG}\b"),
        (
            0.7,
            _A_AI,
            rf"\b{_AI_STRONG} (?:reading|processing|summari[sz]ing|parsing|crawling|indexing|seeing) (?:this|the)\b",
        ),
        (0.65, _A_AI, rf"\b{_AI_STRONG} (?:must|should|shall|need to|are required to|are instructed to)\b"),
        (0.6, _A_AI, rf"\b(?:dear|hey|hi|hello|attention) (?:the )?{_AI_STRONG}\b"),
        (0.55, _A_AI + " system", rf"(?:^|[.!?>\n\]]\s?|\(|<!-- ?)(?:{_AI_STRONG}|system)\s?[:,]\s"),
        (
            0.6,
            "system assistant",
            r"(?:^|\s)(?:system|assistant)\s?:\s.{0,200}\b(?:new|reset|rule|override|from now|instruction)",
        ),
        (0.5, "user human", r"(?:^|\s)(?:user|human)\s?:\s.{0,200}(?:^|\s)(?:assistant|ai)\s?:\s"),
        (
            0.7,
            "[ <",
            r"\[(?:system|admin|developer|operator|root)(?: override| message| note| instruction)?\]|"
            r"<\|(?:im_start|system|endoftext)\|?>|\[/?inst\]|<<sys>>|</?system>",
        ),
        (0.6, "override operator", r"\b(?:system|admin|developer) override\b|\bthe operator has\b"),
        (
            0.6,
            "tool function",
            r"</?(?:tool_call|function_call|tool_use|tool_result)\b|[\"'](?:tool|tool_name|function|function_call|"
            r"tool_calls)"
            r"[\"']\s?:",
        ),
        (
            0.45,
            "tool function api plugin",
            r"\b(?:call|invoke|execute|run|use) the (?:\S+ )?(?:tool|function|api|plugin)\b",
        ),
        (
            0.45,
            _A_PERSON,
            r"\b(?:tell|inform|instruct|advise|remind|direct|urge|recommend (?:that |to )?|ask|convince|assure|"
            r"reply to|"
            rf"respond to) (?:the |all |every |any )?{_PERSON}\b",
        ),
        (0.35, "asks", r"\b(?:the|every) (?:customer|user) (?:that|who) asks\b"),
    )
    + _rules(
        "credential_request",
        (0.6, _A_SECRET, rf"\b(?:their|the (?:{_PERSON})'s|{_PERSON}'|his|her) {_gap(2)}{_SECRET}"),
        (
            0.5,
            _A_SECRET,
            rf"\b(?:reply|respond|answer|text|message|email|send) (?:us |back )?(?:with )?(?:your|"
            rf"their) {_gap(2)}{_SECRET}",
        ),
        (
            0.55,
            _A_SECRET,
            rf"\b(?:ask|prompt|request) (?:them|the {_PERSON}|{_PERSON}) "
            rf"(?:for|to (?:enter|provide|share|send|confirm|type)) {_gap(2)}{_SECRET}",
        ),
        (0.5, "enter", rf"\benter {_gap(2)}{_SECRET} (?:\S+ ){{0,4}}(?:at|on|into) (?:https?://|\S+\.\S)"),
    )
    + _rules(
        "multilingual",
        # Spanish
        (
            0.9,
            "instrucciones reglas indicaciones directrices",
            r"\b(?:ignora|ignore|ignorar|olvida|olvide|omite|descarta|haz caso omiso de) (?:\S+ ){0,3}"
            r"(?:instrucciones|reglas|indicaciones|directrices) (?:anteriores|previas|del sistema)",
        ),
        (
            0.85,
            "sistema",
            r"\b(?:revela|muestra|imprime|ensena|dime) (?:\S+ ){0,3}(?:prompt|mensaje|instrucciones) del sistema",
        ),
        (
            0.75,
            "cliente usuario",
            r"\b(?:envia|manda|reenvia) (?:\S+ ){0,4}(?:correo|datos|informacion|numero|contrasena)\S* (?:\S+ ){0,3}"
            r"del (?:cliente|usuario)",
        ),
        (0.6, "ahora", r"\b(?:a partir de ahora|desde ahora) (?:eres|seras|responde|di)\b"),
        (0.7, "responde", r"\bresponde (?:solo|solamente|unicamente) con\b"),
        # French
        (
            0.9,
            "instructions consignes directives regles",
            r"\b(?:ignore[zr]?|oublie[zr]?|ne tenez pas compte des?) (?:\S+ ){0,3}(?:instructions|consignes|"
            r"directives|regles) "
            r"(?:precedentes|anterieures|ci-dessus|du systeme)",
        ),
        (
            0.85,
            "systeme",
            r"\b(?:affiche[zr]?|revele[zr]?|montre[zr]?|imprime[zr]?|donne[zr]?) (?:\S+ ){0,3}"
            r"(?:invite|prompt|message|instructions?|consignes?) (?:\S+ )?(?:du )?systeme",
        ),
        (
            0.75,
            "envoie",
            r"\benvoie[zr]? (?:\S+ ){0,4}(?:donnees|coordonnees|e-?mail|courriel|adresse)\S* (?:\S+ ){0,3}"
            r"(?:du|des) (?:client|utilisateur)",
        ),
        (0.55, "maintenant desormais", r"\b(?:tu es|vous etes) (?:maintenant|desormais)\b"),
        (0.7, "repond", r"\b(?:reponds|repondez) (?:uniquement|seulement) (?:par|avec)\b"),
        # German
        (
            0.9,
            "anweisungen instruktionen regeln vorgaben befehle",
            r"\b(?:ignoriere|ignorieren sie|vergiss|vergessen sie|missachte|missachten sie|ubergehe) (?:\S+ ){0,3}"
            r"(?:vorherigen|bisherigen|vorigen|obigen|fruheren|alten) (?:anweisungen|instruktionen|regeln|vorgaben|"
            r"befehle)",
        ),
        (
            0.85,
            "system",
            r"\b(?:zeige|zeig|gib|verrate|drucke|nenne)\b (?:\S+ ){0,4}"
            r"(?:systemprompt|system-prompt|systemanweisung|systemnachricht)",
        ),
        (
            0.75,
            "kunden",
            r"\b(?:gib|zeige|liste|nenne|sende)\b (?:\S+ ){0,4}(?:kontonummern|daten|e-mail-adressen|passworter|pins) "
            r"(?:\S+ ){0,2}(?:aller|anderer) kunden",
        ),
        (0.55, "du bist", r"\bdu bist (?:jetzt|ab sofort|nun)\b"),
        (0.7, "antworte", r"\bantworte (?:nur|ausschliesslich|lediglich) mit\b"),
    )
)


_HIDDEN = re.compile(
    r"<!--.*?(?:-->|$)"
    r"|<(\w+)\b[^>]*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0|\bhidden\b|"
    r"aria-hidden)[^>]*>.*?(?:</\1>|$)"
    r"|^\s*\[[^\]\n]*\]:\s*(?:#|<>)\s*[\"'(].*$"
    r"|\]\([^)\s]+\s+(?:\"[^\"\n]+\"|'[^'\n]+')\)",
    re.IGNORECASE | re.DOTALL | re.MULTILINE,
)
_URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"'`)\]]+", re.IGNORECASE)
_BARE_URL = re.compile(r"(?<![@\w.-])(?:[a-z0-9-]+\.)+[a-z]{2,12}/[^\s<>\"'`)\]]*", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@((?:[\w-]+\.)+[a-z]{2,})\b", re.IGNORECASE)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(https?://[^\s)]+)", re.IGNORECASE)
_GO_TO_LINK = re.compile(
    r"\b(?:visit|go to|click|open|log ?in (?:at|on)|sign ?in (?:at|on)|download\b.{0,40}?\bfrom|navigate to|head to|"
    r"redirect \S+ to|follow (?:this|the) link|enter .{0,40}? (?:at|on))\s*$"
)
_EXECUTABLE = re.compile(r"\.(?:apk|exe|msi|dmg|pkg|bat|cmd|scr|ps1|sh|jar|vbs)(?:$|[?#])", re.IGNORECASE)
_SHORTENERS = frozenset({"bit", "bitly", "tinyurl", "goo", "ow", "cutt", "shorturl", "rebrand", "buff", "tiny", "is"})
# A query string that carries a template ("{conversation}") or a long blob, or a parameter named for data.
_QUERY_DATA = re.compile(
    r"[?&][^=\s]*=(?:[^&\s]*(?:\{|%7b|\[|\$|<)|[^&\s]{40,})"
    r"|[?&](?:q|d|data|msg|c|conv|chat|prompt|secret|token|key|email|user|u|pin|pw|pass)=",
    re.IGNORECASE,
)
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])")
_ENCODING_WORD = re.compile(r"\b(?:decode|base64|rot13|rot-13|hex-?encoded|deobfuscate)\b")

_HIDDEN_WEIGHT = 0.45
_OBFUSCATION_WEIGHT = 0.4
_CUSTOM_WEIGHT = 1.0


class InjectionScanner:
    """Scores texts for injected instructions; the guard's engine, usable alone.

    Args:
        trusted_domains: the company's own domains (see `InjectionSettings`).
        extra_patterns: extra regular expressions on the normalised text.
    """

    def __init__(self, *, trusted_domains: Iterable[str] = (), extra_patterns: Iterable[str] = ()) -> None:
        self.trusted_domains = tuple(d.lower().lstrip(".") for d in trusted_domains)
        self._brands = tuple({d.split(".")[0] for d in self.trusted_domains if len(d.split(".")[0]) >= 4})
        self._extra = tuple(re.compile(p) for p in extra_patterns)

    def scan(self, text: str) -> InjectionScan:
        """Score `text`; hits carry offsets into `text`."""
        best: dict[str, InjectionHit] = {}
        self._scan_into(text, best, depth=0)
        return _combine(best)

    # -- internals --------------------------------------------------------------
    def _scan_into(self, text: str, best: dict[str, InjectionHit], *, depth: int) -> None:
        norm = normalise(text)
        hidden = [m.span() for m in _HIDDEN.finditer(text)] if ("<" in text or "]" in text) else []
        matched: list[tuple[int, int, int, int]] = []  # normalised and original spans of rule matches

        def add(technique: str, weight: float, ns: int, ne: int) -> None:
            start, end = norm.index[ns], norm.index[max(ns, ne - 1)] + 1
            matched.append((ns, ne, start, end))
            _keep(best, InjectionHit(technique, weight, start, end))

        t = norm.text
        for rule in RULES:
            if not any(a in t for a in rule.anchors):
                continue
            m = rule.pattern.search(t)
            if m is not None:  # the first match is enough: a technique counts once, at its strongest rule
                add(rule.technique, rule.weight, *m.span())
        for pattern in self._extra:
            m = pattern.search(norm.text)
            if m is not None:
                add("custom", _CUSTOM_WEIGHT, *m.span())
        for technique, weight, start, end in self._link_signals(text, norm):
            _keep(best, InjectionHit(technique, weight, start, end))
            matched.append((-1, -1, start, end))
        if depth == 0:
            self._scan_encoded(text, norm, best)
        for ns, ne, start, end in matched:
            if any(hs < end and start < he for hs, he in hidden):
                _keep(best, InjectionHit("hidden_markup", _HIDDEN_WEIGHT, start, end))
            if ns >= 0 and any(norm.altered[ns:ne]):
                _keep(best, InjectionHit("obfuscation", _OBFUSCATION_WEIGHT, start, end))

    def _link_signals(self, text: str, norm: NormalisedText) -> list[tuple[str, float, int, int]]:
        if "." not in text:
            return []
        out: list[tuple[str, float, int, int]] = []
        image_urls = {m.group(1) for m in _MD_IMAGE.finditer(text)}
        urls = [m for m in _URL.finditer(text)]
        urls += [m for m in _BARE_URL.finditer(text) if not any(u.start() <= m.start() < u.end() for u in urls)]
        for m in urls:
            url = m.group(0).rstrip(".,;:!?")
            host = re.sub(r"^(?:https?://)?(?:[^@/]*@)?", "", url, flags=re.IGNORECASE).split("/")[0].split(":")[0]
            host = host.split("?")[0].lower()
            if self._trusted(host):
                continue
            s, e = m.start(), m.start() + len(url)
            out.append(("link", 0.15, s, e))
            if self._lookalike(host):
                out.append(("link", 0.7, s, e))
            if _EXECUTABLE.search(url.split("#")[0]):
                out.append(("link", 0.55, s, e))
            if host.split(".")[0] in _SHORTENERS:
                out.append(("link", 0.35, s, e))
            if _public_ip(host):
                out.append(("link", 0.4, s, e))
            if _QUERY_DATA.search(url):
                out.append(("link", 0.65 if url in image_urls else 0.5, s, e))
            before = _norm_slice_before(norm, s)
            if _GO_TO_LINK.search(before):
                out.append(("link", 0.4, s, e))
        for m in _EMAIL.finditer(text):
            host = m.group(1).lower()
            if not self._trusted(host) and self._lookalike(host):
                out.append(("link", 0.6, m.start(), m.end()))
        return out

    def _trusted(self, host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in self.trusted_domains)

    def _lookalike(self, host: str) -> bool:
        if not self._brands:
            return False
        parts = [p for label in host.split(".") for p in label.split("-") if p]
        folded = [p.translate(_LEET) for p in parts]
        return any(_within_one_edit(p, brand) for p in (*parts, *folded) for brand in self._brands)

    def _scan_encoded(self, text: str, norm: NormalisedText, best: dict[str, InjectionHit]) -> None:
        for m in _BASE64.finditer(text):
            token = m.group(0)
            try:
                decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                continue
            if sum(ch.isprintable() for ch in decoded) < 0.95 * len(decoded) or " " not in decoded:
                continue
            inner: dict[str, InjectionHit] = {}
            self._scan_into(decoded, inner, depth=1)
            scan = _combine(inner)
            if scan.score > 0:
                _keep(best, InjectionHit("encoded", max(0.5, scan.score), m.start(), m.end()))
        if "decode" in norm.text or "base64" in norm.text or "rot" in norm.text:
            m2 = _ENCODING_WORD.search(norm.text)
            if m2 is not None and _BASE64.search(text):
                s, e = m2.span()
                _keep(best, InjectionHit("encoded", 0.45, norm.index[s], norm.index[e - 1] + 1))


def _norm_slice_before(norm: NormalisedText, original_offset: int, width: int = 60) -> str:
    """The normalised text just before the character at `original_offset` of the original."""
    # index is non-decreasing, so a bisection finds the first normalised char at or after the offset
    lo, hi = 0, len(norm.index)
    while lo < hi:
        mid = (lo + hi) // 2
        if norm.index[mid] < original_offset:
            lo = mid + 1
        else:
            hi = mid
    return norm.text[max(0, lo - width) : lo]


def _public_ip(host: str) -> bool:
    """A link to a bare public IP address; private ones are routers and hubs on the customer's own network."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not (address.is_private or address.is_loopback or address.is_link_local)


def _within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 4:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _keep(best: dict[str, InjectionHit], hit: InjectionHit) -> None:
    old = best.get(hit.technique)
    if old is None or hit.weight > old.weight:
        best[hit.technique] = hit


def _combine(best: dict[str, InjectionHit]) -> InjectionScan:
    miss = 1.0
    for hit in best.values():
        miss *= 1.0 - hit.weight
    hits = tuple(sorted(best.values(), key=lambda h: (-h.weight, h.start)))
    return InjectionScan(score=round(1.0 - miss, 6), hits=hits)


# -- the guard -----------------------------------------------------------------


class InjectionGuard(BaseGuard):
    """Removes, flags or blocks on retrieved passages that carry instructions for the assistant.

    Args:
        stage: `Stage.RETRIEVAL` (indirect injection in passages) or
            `Stage.INPUT` (direct injection in the question).
        required: a fault in a required guard fails the request closed.
        **settings: `InjectionSettings` fields.
    """

    name: ClassVar[str] = "injection"
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.RETRIEVAL, Stage.INPUT})
    Settings: ClassVar[type[GuardSettings]] = InjectionSettings

    def __init__(self, *, stage: Stage = Stage.RETRIEVAL, required: bool = False, **settings: Any) -> None:
        super().__init__(stage=stage, required=required)
        self.settings = InjectionSettings(**settings)
        self.scanner = InjectionScanner(
            trusted_domains=self.settings.trusted_domains, extra_patterns=self.settings.extra_patterns
        )

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        """Score the passages (or, at input, the question) and act on those over the threshold."""
        if self.stage is Stage.INPUT:
            return self._check_question(turn)
        return self._check_passages(turn)

    def _check_question(self, turn: Turn) -> Verdict:
        scan = self.scanner.scan(turn.question)
        if scan.score < self.settings.threshold:
            return self.verdict(Action.ALLOW, score=scan.score)
        findings = _findings(scan, where="question")
        reason = f"question reads as instructions to the assistant ({', '.join(scan.techniques)})"
        action = Action.ALLOW if self.settings.action == "flag" else Action.BLOCK
        return self.verdict(action, score=scan.score, reason=reason, findings=findings)

    def _check_passages(self, turn: Turn) -> Verdict:
        if not turn.documents:
            return self.verdict(Action.ALLOW, score=0.0, reason="no passages to check")
        s = self.settings
        scans = [self.scanner.scan(p.text) for p in turn.documents]
        flagged = [i for i, scan in enumerate(scans) if scan.score >= s.threshold]
        top = max(scan.score for scan in scans)
        if not flagged:
            return self.verdict(Action.ALLOW, score=top, reason=f"{len(scans)} passages checked, none flagged")
        findings = tuple(f for i in flagged for f in _findings(scans[i], where=_where(i, turn.documents[i])))
        techniques = sorted({t for i in flagged for t in scans[i].techniques})
        summary = (
            f"{len(flagged)} of {len(scans)} passages read as instructions to the assistant ({', '.join(techniques)})"
        )
        if s.action == "flag":
            return self.verdict(Action.ALLOW, score=top, reason=f"flagged {summary}", findings=findings)
        if s.action == "block":
            return self.verdict(Action.BLOCK, score=top, reason=f"blocked: {summary}", findings=findings)
        drop = set(flagged)
        kept = tuple(p for i, p in enumerate(turn.documents) if i not in drop)
        answered = turn.answer is not None
        if not kept or (answered and s.after_generation == "abstain"):
            # No answer travels on: an answer already written from these passages may carry the injection.
            new = turn.evolve(documents=kept, answer=None, citations=(), claims=(), groundedness=None)
            why = "no passage left" if not kept else "the answer was written from a removed passage"
            return self.verdict(
                Action.ABSTAIN, score=top, reason=f"removed {summary}; {why}", findings=findings, turn=new
            )
        return self.verdict(
            Action.REWRITE, score=top, reason=f"removed {summary}", findings=findings, turn=turn.evolve(documents=kept)
        )


def _where(i: int, passage: Passage) -> str:
    return f"passage {i} ({passage.doc_id})" if passage.doc_id else f"passage {i}"


def _findings(scan: InjectionScan, *, where: str) -> tuple[Finding, ...]:
    return tuple(
        Finding(label=FINDING_LABEL, start=h.start, end=h.end, score=h.weight, detail=f"{where}: {h.technique}")
        for h in scan.hits
    )
