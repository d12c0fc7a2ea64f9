"""What a rule is, how rule sets are written, and the phrases several rule sets share.

A rule is a weighted regular expression over the normalised text (lower
case, accents dropped, whitespace single) that names the technique it
detects. Each rule carries anchors: substrings every one of its matches
contains. The scanner runs the regex only when an anchor occurs in the text,
which keeps a passage's cost low; a test checks that no match lacks one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["AI_STRONG", "A_AI", "A_PERSON", "A_SECRET", "PERSON", "PERSONAL", "SECRET", "Rule", "gap", "rule_set"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A weighted pattern; it only runs when one of its anchor substrings occurs in the text (cheap gate)."""

    technique: str
    weight: float
    anchors: tuple[str, ...]
    pattern: re.Pattern[str]


def rule_set(technique: str, *rows: tuple[float, str, str]) -> tuple[Rule, ...]:
    """Rules from ``(weight, anchors, pattern)`` rows; anchors are space-separated, and every match holds one."""
    return tuple(Rule(technique, w, tuple(a.split()), re.compile(p)) for w, a, p in rows)


def gap(n: int) -> str:
    """Up to `n` words within one clause (no sentence punctuation crossed), each followed by a space."""
    return rf"(?:[^\s.!?;:]+\s){{0,{n}}}"


# Words that name an AI. Not "model", "agent" or "bot" alone: phone models and support agents are everywhere.
AI_STRONG = r"(?:ai|a\.i\.|assistant|chat ?bot|llm|(?:large )?language model|gpt|copilot|ai (?:model|agent|system))s?"
PERSON = r"(?:users?|customers?|callers?|clients?|shoppers?|subscribers?|account holders?|visitors?|people|everyone)"
SECRET = (
    r"(?:passwords?|pins?|passcodes?|card (?:numbers?|details)|cvv|cvc|security codes?|one-time (?:codes?|passwords?)|"
    r"verification codes?|2fa codes?|login details|credentials|social security numbers?|ssn)"
)
PERSONAL = (
    r"(?:data|details|information|info|records?|accounts?|account numbers?|e-?mails?|e-?mail address(?:es)?|"
    r"phone numbers?|(?:home )?address(?:es)?|names?|balances?|order histor(?:y|ies)|orders|"
    rf"{SECRET}|personal data|pii)"
)

# Anchors of the building blocks above: substrings every match of the block contains.
A_AI = "ai a.i. assistant bot llm language model gpt copilot"
A_PERSON = "user customer caller client shopper subscriber holder visitor people everyone"
A_SECRET = "pass pin card cvv cvc code login credential social ssn"
