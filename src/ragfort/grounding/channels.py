"""Contact channels a claim names that the help center never mentions.

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
"""

from __future__ import annotations

import re

from ragfort.grounding.binding import _CLAUSE_BREAK, _negated
from ragfort.grounding.signals import EvidenceIndex

__all__ = ["CHANNELS", "unnamed_channel"]

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
    "email": (r"e-?mails?|e-?mailed|e-?mailing", r"e-?mail\w*"),
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
_CLAIMED = {name: re.compile(rf"\b(?:{strict})\b", re.IGNORECASE) for name, (strict, _) in CHANNELS.items()}
_NAMED = {name: re.compile(rf"\b(?:{loose})\b", re.IGNORECASE) for name, (_, loose) in CHANNELS.items()}


def unnamed_channel(claim: str, evidence: EvidenceIndex, *, question: str = "") -> str | None:
    """The first channel a positive clause of `claim` names that neither the evidence nor the question names.

    Args:
        claim: the claim, its opening yes/no left out (`claims.answer_core`).
        evidence: the request's evidence index.
        question: the customer's question; a channel it names ("Can I pay by phone?") is the answer's to take up.

    Returns:
        The reason, or None.
    """
    named: dict[str, bool] = {}
    for clause in _CLAUSE_BREAK.split(claim):
        if _negated(clause):
            continue
        for name, claimed in _CLAIMED.items():
            found = claimed.search(clause)
            if found is None:
                continue
            if name not in named:
                loose = _NAMED[name]
                named[name] = bool(loose.search(question)) or any(loose.search(s.text) for s in evidence.sentences)
            if not named[name]:
                return f"channel '{found.group(0)}' ({name}): the evidence names no such channel"
    return None
