"""How a claim becomes a pair for the ``support`` judge: one rule, shared by training and grounding.

The second text of a pair is the claim, except where the claim only means
something next to its question: an answer that opens with yes/no/not ("No,
Care+ has to be added within 30 days"), or six words or fewer ("Within 14
days."). Those are read as ``"question\\nclaim"``, so "No." to "Can I add Care+
after two months?" is judged as the statement it makes. Training
(`ragfort.judges.mix`) and the grounding check build their pairs here, so
the model sees at run time exactly the shape it was trained on.
"""

from __future__ import annotations

import re

__all__ = ["needs_question", "support_pair"]

_YES_NO = re.compile(r"^\s*(yes|no|nope|yep|yeah|not)\b", re.IGNORECASE)


def needs_question(answer: str) -> bool:
    """Whether a claim only makes sense with its question: a yes/no first word, or six words or fewer."""
    return bool(_YES_NO.match(answer)) or len(answer.split()) <= 6


def support_pair(premise: str, claim: str, question: str = "") -> tuple[str, str]:
    """The `(premise, hypothesis)` pair the support judge reads for `claim`."""
    question = question.strip()
    return premise, f"{question}\n{claim}" if question and needs_question(claim) else claim
