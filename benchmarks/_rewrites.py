"""Labelled texts rewritten the way people write them, to check that a judgement does not hang on the form.

The labelled sets are written with straight apostrophes, full punctuation and sentence case. Support answers and
customers' questions are not always: agents reply by email with a greeting and a sign-off, LLMs mark emphasis in
Markdown and write steps as lists, customers type in lower case, drop the question mark, misspell a word and
wrap the question in a greeting and thanks. Each rewrite here is deterministic (the n-th text of a file always gets
the same variant) and changes the form only, so a benchmark run with ``--rewrite NAME`` against the same run without
it measures what the form alone costs. The label stays the label: none of them adds or removes a fact.
``courtesy`` wraps the answer in lines agents write around one (evals/courtesy/lines.jsonl, its courtesy lines of the
case's split). ``frames`` puts a discourse frame ("Just so you know, ", "Short answer: ") before the answer's first
statement, after its yes/no opening when it has one (`FRAMES`: the dev half for dev and train cases, the test half for
test cases).

``benchmarks/grounding_support.py --rewrite NAME`` rewrites the answers (``ANSWER_REWRITES``) or, for ``q-``
names, the questions (``QUESTION_REWRITES``); ``benchmarks/abstention.py --rewrite NAME`` rewrites the questions.
docs/grounding.md and docs/judges.md ("Session 23", "Session 24") give what each one measured.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_OPENING = re.compile(r"^(Yes|No|Not yet|Sorry)([,.!])")
_LONG_WORD = re.compile(r"[A-Za-z]{6,}")


def curly(text: str, n: int = 0) -> str:
    """Apostrophes as word processors and phones write them: "can't" -> "can’t"."""
    text = re.sub(r"(?<=\w)'(?=\w)", "\u2019", text)
    return re.sub(r"(?<=\w)'(?=\s|$|[.,;:!?])", "\u2019", text)


def letter(text: str, n: int = 0) -> str:
    """The answer as an email or ticket reply: a greeting line, the answer, a sign-off (three variants in turn)."""
    hello = ["Hi there,", "Hello,", "Hi!"][n % 3]
    bye = ["Best,\nSam", "Kind regards,\nThe Support Team", "Thanks,\nPriya"][n % 3]
    return f"{hello}\n\n{text}\n\n{bye}"


def bold(text: str, n: int = 0) -> str:
    """A yes/no opening in Markdown bold: "No, ..." -> "**No**, ..."."""
    m = _OPENING.match(text)
    return f"**{m.group(1)}**{m.group(2)}{text[m.end() :]}" if m else text


def _items(text: str, marker: Callable[[int], str]) -> str:
    parts = _SENTENCE_END.split(text.strip())
    if len(parts) <= 2:
        return text
    return parts[0] + "\n\n" + "\n".join(f"{marker(k)}{p}" for k, p in enumerate(parts[1:], 1))


def bullets(text: str, n: int = 0) -> str:
    """Every sentence after the first as a "- " list item (answers of three sentences or more)."""
    return _items(text, lambda k: "- ")


def numbered(text: str, n: int = 0) -> str:
    """Every sentence after the first as a numbered list item, "1. ", "2. ", ... (three sentences or more)."""
    return _items(text, lambda k: f"{k}. ")


def emoji(text: str, n: int = 0) -> str:
    """An emoji, or a cheerful line and one, at the end (three variants in turn)."""
    return text + [" \U0001f642", " Happy to help! \U0001f60a", " \U0001f44d"][n % 3]


def lower(text: str, n: int = 0) -> str:
    """All in lower case, as some people type in a chat."""
    return text.lower()


def no_question_mark(text: str, n: int = 0) -> str:
    """Without its final question mark, as people type into a chat box."""
    return text.rstrip().rstrip("?").rstrip()


def typo(text: str, n: int = 0) -> str:
    """One typo in the longest word of six letters or more (the last of equals): two middle letters swapped, a
    middle letter dropped or doubled, chosen by the text itself so a text always gets the same typo."""
    words = list(_LONG_WORD.finditer(text))
    if not words:
        return text
    m = max(words, key=lambda w: (len(w.group(0)), w.start()))
    w, k = m.group(0), len(m.group(0)) // 2
    kind = sum(map(ord, text)) % 3
    if kind == 0:
        w = w[: k - 1] + w[k] + w[k - 1] + w[k + 1 :]
    elif kind == 1:
        w = w[:k] + w[k + 1 :]
    else:
        w = w[:k] + w[k] + w[k:]
    return text[: m.start()] + w + text[m.end() :]


def polite(text: str, n: int = 0) -> str:
    """The question wrapped in the courtesy people type around it: a greeting, a thanks (four variants in turn)."""
    return [
        f"Hi there, {text} Thanks!",
        f"Hello, hope you're well. {text}",
        f"{text} Thanks in advance for your help.",
        f"Hey! Quick question - {text} Cheers",
    ][n % 4]


ANSWER_REWRITES: dict[str, Callable[[str, int], str]] = {
    "curly": curly,
    "letter": letter,
    "bold": bold,
    "bullets": bullets,
    "numbered": numbered,
    "emoji": emoji,
    "lower": lower,
}
QUESTION_REWRITES: dict[str, Callable[[str, int], str]] = {
    "curly": curly,
    "lower": lower,
    "no-question-mark": no_question_mark,
    "polite": polite,
    "typo": typo,
}


# The courtesy lines of evals/courtesy/lines.jsonl (written blind to the detector), by where an agent puts them.
_COURTESY_LINES = Path(__file__).resolve().parents[1] / "evals" / "courtesy" / "lines.jsonl"
_OPENER_KINDS = frozenset(["greeting", "thanks", "apology", "empathy", "acknowledgement"])
_CLOSER_KINDS = frozenset(["offer_more_help", "good_wishes", "sign_off"])


@functools.cache
def courtesy_lines(split: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(openers, closers): the courtesy lines of `split` ("dev" or "test") of evals/courtesy/lines.jsonl."""
    rows = [json.loads(line) for line in _COURTESY_LINES.read_text(encoding="utf-8").splitlines() if line.strip()]
    mine = [r for r in rows if r["courtesy"] and r["split"] == split]
    return (tuple(r["text"] for r in mine if r["kind"] in _OPENER_KINDS),
            tuple(r["text"] for r in mine if r["kind"] in _CLOSER_KINDS))  # fmt: skip


def courtesy(text: str, n: int, split: str) -> str:
    """The answer between an opener and a closer an agent might write (courtesy lines of the case's own split, train
    cases taking the dev lines): the n-th case always gets the same two."""
    openers, closers = courtesy_lines("test" if split == "test" else "dev")
    return f"{openers[n % len(openers)]} {text} {closers[(7 * n + 3) % len(closers)]}"


# Discourse frames agents put before a statement (written in session 27 before anything was measured): even
# positions are the dev half, odd ones the test half. The blind held-out set is evals/frames/holdout.jsonl.
FRAMES = (
    "Just so you know, ", "To confirm, ", "Good news: ", "Please note that ", "In short, ", "I can confirm that ",
    "Just to let you know, ", "Rest assured, ", "Basically, ", "The good news is that ", "As it happens, ",
    "To be clear, ", "Just a heads up, ", "Happy to say that ", "To answer your question, ", "I've checked and ",
    "From what you describe, ", "Quick answer: ", "Worth knowing: ", "Great question! ", "Actually, ", "In this case, ",
    "Short answer: ", "Please be aware that ",
)  # fmt: skip
# First words a frame lower-cases ("Just so you know, you ..."); names and products keep their capitals.
_LOWERED = frozenset(
    ["it", "it's", "its", "you", "you'll", "you're", "you've", "we", "we'll", "we're", "we've", "the", "your", "there",
     "there's", "this", "that", "they", "they're", "a", "an", "our", "if", "only", "any", "each", "every", "all",
     "most", "yes", "no", "once", "when", "after", "before", "for", "in", "on", "to", "as", "with", "without", "from",
     "just", "not", "both", "these", "those", "he", "she", "his", "her"]
)  # fmt: skip


def frames(text: str, n: int, split: str) -> str:
    """A discourse frame before the answer's first statement: one ending in ":" or "!" before the whole answer
    ("Short answer: No, ..."), any other after its yes/no opening ("No, just so you know, Care+ ...")."""
    from ragfort.grounding.claims import opening

    mine = FRAMES[1::2] if split == "test" else FRAMES[0::2]
    frame = mine[n % len(mine)]
    if frame.endswith((": ", "! ")):
        return frame + text
    said = opening(text)
    rest = text[len(said) :]
    if not rest.strip():
        return text
    if rest.split(" ")[0].lower().strip(",.") in _LOWERED:
        rest = rest[0].lower() + rest[1:]
    if said.rstrip().endswith(","):
        frame = frame[0].lower() + frame[1:]
    return said + frame + rest


def rewrite_case(case: dict[str, object], name: str, n: int) -> dict[str, object]:
    """A grounding case (question, passages, answer) with `name` applied: an answer rewrite, or a question rewrite
    for ``q-`` names. ``curly`` rewrites the answer, the question and the passages, as session 23 measured it;
    ``courtesy`` wraps the answer in courtesy lines of the case's split (`courtesy`), ``frames`` puts a discourse
    frame before its first statement (`frames`)."""
    out = dict(case)
    if name == "courtesy":
        out["answer"] = courtesy(str(case["answer"]), n, str(case.get("split", "dev")))
        return out
    if name == "frames":
        out["answer"] = frames(str(case["answer"]), n, str(case.get("split", "dev")))
        return out
    if name.startswith("q-"):
        out["question"] = QUESTION_REWRITES[name[2:]](str(case["question"]), n)
        return out
    out["answer"] = ANSWER_REWRITES[name](str(case["answer"]), n)
    if name == "curly":
        out["question"] = curly(str(case["question"]))
        passages = case["passages"]
        assert isinstance(passages, list)
        out["passages"] = [{**p, "text": curly(p["text"])} for p in passages]
    return out


CASE_REWRITES = sorted([*ANSWER_REWRITES, "courtesy", "frames"]) + [f"q-{name}" for name in sorted(QUESTION_REWRITES)]
