"""An answer that opens with "yes" where the passages say no.

Support answers to yes/no questions often carry their whole verdict in the first word: "Yes,
updates wipe the device, so back up first." to "Do software updates erase my data?" when the
help center says "Updates do not erase your data". The rest of the sentence is built from the
passage's own words, and a cross-encoder the size of MiniLM reads it as supported; the feature
model's polarity signal is too noisy across whole answers to be a veto on its own (see
docs/grounding.md, "Vetoes after the blend").

`contradicted_yes` checks the one pattern that is cheap to read and rarely wrong: the question
asks yes or no, the answer opens by saying yes, and the evidence sentences closest to the
question (those sharing the most of its content words) all negate a word of the question that
the answer does not deny itself. Only the affirmative direction is checked: a "No" is usually
backed by a positive rule the question falls outside ("Care+ must be added within 30 days" to
"Can I add it after two months?"), which no negation marks.

The learned tier of `ragfort.grounding.scorer` uses it as the ``answer_polarity`` veto
(``learned_vetoes``); the feature model does not, so its trained features do not change.

`flipped_yes` reads the same flip from the answer's side, with no need for a question that ends in
"?" (people type "can i book a filling through the app"): the answer opens with a yes, the rest of
its first claim states something with no negation of its own, and a clause of the evidence denies
it in the claim's own words ("Yes, task edits show up in the audit log" beside "Task edits and
comments aren't in the audit log"). It is the ``flipped`` veto.
"""

from __future__ import annotations

import re

from ragfort.grounding.binding import _words, negated
from ragfort.grounding.claims import opening
from ragfort.grounding.signals import _NEGATIONS, EvidenceIndex, _tokens, content_tokens, denied_words, polarity

__all__ = ["contradicted_yes", "flipped_yes", "yes_no_question"]

# Words that open a question answered by yes or no ("Can I ...?", "Is there ...?").
_AUXILIARIES = frozenset(
    ["do", "does", "did", "can", "could", "will", "would", "is", "are", "was", "were", "should", "shall", "may",
     "might", "has", "have", "had", "am", "must"]
)  # fmt: skip
_QUESTION_END = re.compile(r"[^.?!]*\?")
# An opening that answers no, or hedges towards it: "No,", "Unfortunately,", "I'm afraid not.", "Sorry,", "It won't be".
_NEGATIVE_OPENING = re.compile(
    r"\s*(?:no\b|nope\b|unfortunately|sadly|(?:i'?m |i am )?(?:afraid(?! so)|sorry)|probably not|not\b)", re.IGNORECASE
)
# The question words an evidence sentence must share with it to be read as its answer.
_MIN_SHARED = 2
# `flipped_yes`: the evidence clause and the claim share this many content words, and one of them lies within
# `_FLIP_REACH` words after the clause's negation. A clause is cut at , ; : "but" and table cell borders.
_FLIP_SHARED = 3
_FLIP_REACH = 4
_FLIP_CLAUSE = re.compile(r"[,;:]\s+|\s+but\s+|\s*\|\s*", re.IGNORECASE)
# A negation under a condition describes a case, not a denial ("If your home does not yet have a smart meter").
_CONDITIONS = frozenset({"if", "unless"})


def yes_no_question(question: str) -> str | None:
    """The question's last sentence that asks yes or no without a negation of its own, if any.

    "You offered me a replacement. Can I say no?" -> "Can I say no?". A negative question
    ("Can't I ...?", "Is there no ...?") is left out: which way its "yes" goes is not plain.
    """
    asked = [m.group(0).strip() for m in _QUESTION_END.finditer(question)]
    if not asked:
        return None
    last = asked[-1]
    words = [w.lower() for w in _tokens(last)]
    if not words or words[0] not in _AUXILIARIES or polarity(last):
        return None
    return last


def _affirms(claim: str) -> bool:
    """Whether `claim` opens with a yes ("Yes,", "Sure.", "It will be,", "That should work.")."""
    got = opening(claim)
    return bool(got) and not _NEGATIVE_OPENING.match(got) and not polarity(got)


def contradicted_yes(claim: str, question: str, evidence: EvidenceIndex) -> str | None:
    """Why the claim's opening "yes" goes against the evidence, or None.

    Args:
        claim: the answer's first claim as written, its opening included.
        question: the question it answers.
        evidence: the request's evidence index.
    """
    asked = yes_no_question(question)
    if asked is None or not _affirms(claim):
        return None
    words = frozenset(content_tokens(asked))
    shared = [(len(words & s.tokens), s) for s in evidence.sentences]
    most = max((n for n, _ in shared), default=0)
    if most < _MIN_SHARED:
        return None
    denied = denied_words(claim)
    closest = [s for n, s in shared if n == most]
    negated = [(s.negated & words) - denied for s in closest]
    if not all(negated):
        return None
    word = sorted(negated[0])[0]
    return f"the answer says yes, but the evidence closest to the question negates '{word}' ('{closest[0].text[:80]}')"


def _denied_reach(clause: str) -> frozenset[str]:
    """The content words within `_FLIP_REACH` words after each negation of `clause`."""
    toks = [t.lower() for t in _tokens(clause)]
    out: set[str] = set()
    for i, tok in enumerate(toks):
        if tok in _NEGATIONS or tok.endswith(("n't", "n’t")):
            out |= _words(" ".join(toks[i + 1 : i + 1 + _FLIP_REACH]))
    return frozenset(out)


def flipped_yes(claim: str, evidence: EvidenceIndex) -> str | None:
    """Why the claim's opening "yes" states what an evidence clause denies, or None.

    The claim (the answer's first, as written) opens with a yes (`_affirms`) and the rest of it has no
    negation and no "only" ("Freezing only stops card payments" restates "A frozen card can't be used for
    card payments"; the `denied` check of `ragfort.grounding.binding` skips such claims too); an evidence
    clause with a negation, under no "if" or "unless", shares `_FLIP_SHARED` or more of the rest's content
    words, one of them within `_FLIP_REACH` words after the negation; and no evidence clause without a
    negation holds every shared word (what one clause denies, another may state: "You can't pay online,
    but you can pay by phone").
    """
    if not _affirms(claim):
        return None
    said = opening(claim) or ""
    at = claim.find(said) if said else -1
    rest = claim[at + len(said) :] if at >= 0 else claim
    if negated(rest) or "only" in {t.lower() for t in _tokens(rest)}:
        return None
    words = _words(rest)
    if len(words) < _FLIP_SHARED:
        return None
    # Each evidence clause read once: its text, content words and whether it negates.
    pieces = [
        (piece, _words(piece), negated(piece))
        for sent in evidence.sentences
        for piece in _FLIP_CLAUSE.split(sent.text)
        if piece.strip()
    ]
    stated = [held for _, held, denies in pieces if not denies]
    for piece, held, denies in pieces:
        shared = words & held
        if len(shared) < _FLIP_SHARED or not denies:
            continue
        if _CONDITIONS & {t.lower() for t in _tokens(piece)} or not shared & _denied_reach(piece):
            continue
        if any(shared <= other for other in stated):
            continue
        return f"the answer says yes, but the evidence says '{piece.strip()[:80]}'"
    return None
