"""Contact channels, and the manner of a step, that a claim names and the help center never mentions.

Wrong support answers often send the customer the wrong way: "we'll email you a reminder" where the help
center only texts, "you can also do it through web chat", "pay it at any branch counter". The channels are
a small closed set, like the days of the week, and a judge trained on short pairs reads them as detail. A
claim clause that states (with no negation of its own) that something happens over a channel, when neither
the passages nor the customer's question mention that channel at all, says more than the help center does.

Each channel has two readings. The claim's is strict, so a channel word used in another sense is not read as
a channel ("restart the phone", "the text of the terms", "we store your card"); the evidence's is loose, any
form of the word ("Call your bank", "our web form", "the front desk"), so a channel the passages name in
other words still counts as named. Only the `channel` veto of the learned tier reads it
(`GroundingScorer.learned_vetoes`).

The `manner` veto reads two more words of the same kind the same way: that a step happens by itself
("Shield is switched on automatically for every new account") or at once ("they show as pending straight
away"), where the help center says neither.
"""

from __future__ import annotations

import re

from ragfort.grounding.binding import clauses, negated
from ragfort.grounding.signals import EvidenceIndex

__all__ = ["CHANNELS", "MANNERS", "unnamed_channel", "unsaid_manner"]

_DET = r"(?:a |an |any |one of our |our |the |your |your local |the nearest )?"
# channel -> (how a claim names it, how the evidence or the question may name it)
CHANNELS: dict[str, tuple[str, str]] = {
    "phone": (
        r"by (?:tele)?phone|over the (?:tele)?phone|phone (?:us|you|them|him|her|me|our)|phon(?:ing|ed)|telephone"
        r"|helpline|hotline|phone line|call (?:us|you|your|them|him|her|me|our|back)|calls? from|by calling"
        r"|give us a (?:call|ring)|ring (?:us|you)",
        r"phone\w*|call\w*|ring|rings|telephone|helpline|hotline",
    ),
    "chat": (r"chat|webchat|messenger", r"\w*chat\w*|messenger"),
    "app": (r"apps?", r"apps?"),
    # "your email address" is a detail of the account, not a way to reach anyone.
    "email": (r"e-?mails?(?! address)|e-?mailed|e-?mailing", r"e-?mail\w*"),
    "post": (
        r"by post|in the post|post (?:it|them|us|you|your|the|a)|posted|by mail|in the mail|mail (?:it|them|us|you)"
        r"|letters?",
        r"post\w*|mail\w*|letters?",
    ),
    "text": (r"by text|texts|texted|texting|text (?:you|us|me|her|him|them|messages?)|sms", r"text\w*|sms"),
    "online": (r"online|websites?|web", r"online|web\w*|site|portal|account"),
    "in person": (
        rf"(?:in|at|to|into|visit) {_DET}(?:stores?|shops?|branch(?:es)?|studios?)|in-store|branch(?:es)?"
        r"|in person|in-person|front desk|ticket office|reception",
        r"stores?|shops?|branch\w*|studios?|in person|in-person|desk|office|reception|counter|clinic|practice",
    ),
}
# manner -> (how a claim says it, how the evidence or the question may say it)
MANNERS: dict[str, tuple[str, str]] = {
    "by itself": (r"automatic(?:ally)?", r"automatic\w*|auto\w*"),
    "at once": (
        r"immediately|instantly|straight away|right away",
        r"immediate\w*|instant\w*|straight away|right away|at once|same day|real time|real-time",
    ),
}


def _compiled(table: dict[str, tuple[str, str]]) -> dict[str, tuple[re.Pattern[str], re.Pattern[str]]]:
    return {
        name: (re.compile(rf"\b(?:{strict})\b", re.IGNORECASE), re.compile(rf"\b(?:{loose})\b", re.IGNORECASE))
        for name, (strict, loose) in table.items()
    }


_CHANNELS = _compiled(CHANNELS)
_MANNERS = _compiled(MANNERS)


def unnamed_channel(claim: str, evidence: EvidenceIndex, *, question: str = "") -> str | None:
    """The first channel a positive clause of `claim` names that neither the evidence nor the question names.

    Args:
        claim: the claim, its opening yes/no left out (`claims.answer_core`).
        evidence: the request's evidence index.
        question: the customer's question; a channel it names ("Can I pay by phone?") is the answer's to take up.

    Returns:
        The reason, or None.
    """
    found = _unsaid(_CHANNELS, claim, evidence, question)
    return None if found is None else f"channel '{found[1]}' ({found[0]}): the evidence names no such channel"


def unsaid_manner(claim: str, evidence: EvidenceIndex, *, question: str = "") -> str | None:
    """The first manner (`MANNERS`: by itself, at once) a positive clause of `claim` states that neither the
    evidence nor the question says in any form; the reason, or None."""
    found = _unsaid(_MANNERS, claim, evidence, question)
    return None if found is None else f"'{found[1]}' ({found[0]}): the evidence never says so"


def _unsaid(
    table: dict[str, tuple[re.Pattern[str], re.Pattern[str]]], claim: str, evidence: EvidenceIndex, question: str
) -> tuple[str, str] | None:
    """(entry, words as written) of the first entry of `table` a positive clause states and nothing else says."""
    for clause in clauses(claim):
        if negated(clause):
            continue
        for name, (strict, loose) in table.items():
            found = strict.search(clause)
            if found is not None and not (loose.search(question) or evidence.mentions(loose)):
                return name, found.group(0)
    return None
