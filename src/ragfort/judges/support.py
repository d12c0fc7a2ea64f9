"""How a claim becomes a pair for the ``support`` judge: one rule, shared by training and grounding.

The second text of a pair is the claim, except where the claim only means
something next to its question: an answer that opens with yes/no/not ("No,
Care+ has to be added within 30 days"), or six words or fewer ("Within 14
days."). Those are read as ``"question\\nclaim"``, so "No." to "Can I add Care+
after two months?" is judged as the statement it makes. Training
(`ragfort.judges.mix`) and the grounding check build their pairs here, so
the model sees at run time exactly the shape it was trained on.

A passage longer than the judge reads is cut at its end, and the sentence
grounding chose as a claim's evidence can lie past the cut: `premise_window`
then starts the premise later (the passage's heading kept), so the judge
reads the sentence it is asked about.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

__all__ = ["needs_question", "premise_window", "support_pair"]

_YES_NO = re.compile(r"^\s*(yes|no|nope|yep|yeah|not)\b", re.IGNORECASE)


def needs_question(answer: str) -> bool:
    """Whether a claim only makes sense with its question: a yes/no first word, or six words or fewer."""
    return bool(_YES_NO.match(answer)) or len(answer.split()) <= 6


def support_pair(premise: str, claim: str, question: str = "") -> tuple[str, str]:
    """The `(premise, hypothesis)` pair the support judge reads for `claim`."""
    question = question.strip()
    return premise, f"{question}\n{claim}" if question and needs_question(claim) else claim


def premise_window(
    text: str, starts: Sequence[int], sentence: tuple[int, int], kept: Callable[[str], int]
) -> str:
    """`text`, or a later window of it, whose part the judge reads holds `sentence`.

    Args:
        text: the passage.
        starts: where its sentences start (any order).
        sentence: the ``(start, end)`` of the evidence sentence in `text`.
        kept: how many characters of a premise the judge reads (`PairJudge.kept_chars` for this claim).

    The window is the passage's heading (a first line opening with ``#``), the
    header rows of the Markdown table it opens inside, if any, and the passage
    from the earliest sentence start at which `sentence` fits (by bisection
    over the starts), so as much of what comes before it as fits is kept. A sentence that fits as the passage
    stands, or that does not fit even as the window's first, leaves `text`
    unchanged (the judge then reads what it always read).
    """
    start, end = sentence
    if kept(text) >= end:
        return text
    first_line = text.split("\n", 1)[0]
    heading = first_line + "\n\n" if first_line.lstrip().startswith("#") else ""

    def window(begin: int) -> str | None:
        """The window from `begin`, or None when the sentence still falls past the cut."""
        out = heading + _table_header(text, begin) + text[begin:]
        return out if kept(out) >= len(out) - (len(text) - end) else None

    # A later start only shortens what comes before the sentence, so the starts that fit are the latest ones:
    # the earliest of them is found by bisection (a few tokenisations, not one per sentence).
    begins = sorted(s for s in set(starts) if len(heading) <= s <= start)
    best: str | None = None
    low, high = 0, len(begins) - 1
    while low <= high:
        mid = (low + high) // 2
        fitted = window(begins[mid])
        if fitted is None:
            low = mid + 1
        else:
            best, high = fitted, mid - 1
    return text if best is None else best


def _table_header(text: str, at: int) -> str:
    """The header row and separator of the Markdown table whose body row starts at `at`, or ""."""
    line_start = text.rfind("\n", 0, at) + 1
    if not text[line_start:].lstrip().startswith("|"):
        return ""
    lines = text[:line_start].split("\n")[:-1]  # the lines before this row, nearest last
    rows: list[str] = []
    for line in reversed(lines):
        if not line.lstrip().startswith("|"):
            break
        rows.append(line)
    rows.reverse()
    # A header is a row followed by a |---| separator; keep the two when the window starts below them.
    if len(rows) >= 2 and set(rows[1].replace("|", "").strip()) <= set("-: "):
        return rows[0] + "\n" + rows[1] + "\n"
    return ""
