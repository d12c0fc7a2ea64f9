"""Typos between two questions, and the reading two questions share when nothing but form differs.

The near-miss rules read each question alone, so a misspelt word is a word
the other question lacks: "app locked after wrong pascode" / "The app locked
after I entered the wrong passcode." is refused as a substitution, and "how
long do you take to answr a complaint" as another destination. With the
equivalence judge on, the cache holds the stored question (sealed) and reads
both texts at lookup, so the two can be compared word by word:

- `mend` finds the pairs of words, one on each side and missing from the
  other, that are one typo apart (a letter dropped, added or replaced, or two
  neighbouring letters swapped), at least five letters long, not two forms of
  one word, and where at least one side is not a word the judge's vocabulary
  knows (a typo makes a word unknown; "debit" / "debt" and "store" / "stone"
  are both words and stay apart). A word of three or four letters is mended
  only when it is a known word with a letter left out ("bils" / "bills",
  "fle" / "file"; not "esim" / "sim"). It writes both questions with one
  spelling for each pair; the rules then read the mended texts.
- `reading` is a question without courtesy, case, punctuation or spacing.
  Two questions with one reading ask the same thing word for word; the
  judge (which scores some such pairs low: "Hi team, can I change my PIN in
  the app? Thanks a lot" without its courtesy against "Can I change my PIN in
  the app?" reads 0.59) is not asked.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from ragfort.cache.features import courtesy_stripped, word_stem

__all__ = ["mend", "reading", "readings"]

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_MIN_LETTERS = 5  # shorter words ("sim" / "esim", "bil" / "bill") are too easily another word


def _fold(text: str) -> str:
    return text.replace("’", "'")


def _one_typo(a: str, b: str) -> bool:
    """One letter dropped, added or replaced, or two neighbouring letters swapped."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    return _dropped(a, b)


def _dropped(a: str, b: str) -> bool:
    """The shorter word is the longer with one letter left out."""
    short, long = sorted((a, b), key=len)
    if len(long) - len(short) != 1:
        return False
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _short_typo(a: str, b: str, vocabulary: Collection[str]) -> bool:
    """A word of 3-4 letters with a letter left out of a known word ("bils" / "bills", "fle" / "file").

    Only that way round: an unknown longer word next to a known shorter one ("esim" / "sim") is more often
    another thing than a typo, and so is a short word with a letter replaced.
    """
    short, long = sorted((a, b), key=len)
    return len(short) >= 3 and short not in vocabulary and long in vocabulary and _dropped(short, long)


def _spelling(a: str, b: str, vocabulary: Collection[str]) -> str:
    """The spelling both questions get: the known word, else the longer (typos mostly drop letters), else the first."""
    known = [w for w in (a, b) if w in vocabulary]
    if len(known) == 1:
        return known[0]
    return max(sorted((a, b)), key=len)


def mend(stored: str, asked: str, vocabulary: Collection[str]) -> tuple[str, str] | None:
    """Both questions with one spelling for each pair of words one typo apart, or None when there is none.

    Args:
        stored: the stored question.
        asked: the question asked.
        vocabulary: lower-case words known to be spelt right (the judge's vocabulary).
    """
    words = [{w.lower() for w in _WORD.findall(_fold(text))} for text in (stored, asked)]
    only = [words[0] - words[1], words[1] - words[0]]
    near: dict[str, list[str]] = {}
    for a in only[0]:
        for b in only[1]:
            long_enough = min(len(a), len(b)) >= _MIN_LETTERS
            if (
                (a not in vocabulary or b not in vocabulary)
                and word_stem(a) != word_stem(b)
                and (_one_typo(a, b) if long_enough else _short_typo(a, b, vocabulary))
            ):
                near.setdefault(a, []).append(b)
                near.setdefault(b, []).append(a)
    spelling: dict[str, str] = {}
    for a, partners in near.items():
        # Only a pair that is each word's one partner: "pionts" next to both "points" and "pints" is left alone.
        if len(partners) == 1 and len(near[partners[0]]) == 1:
            spelling[a] = _spelling(a, partners[0], vocabulary)
    if not spelling:
        return None

    def respell(text: str) -> str:
        return _WORD.sub(lambda m: spelling.get(m.group(0).lower(), m.group(0)), _fold(text))

    return respell(stored), respell(asked)


def reading(text: str) -> str:
    """The question without courtesy, case, punctuation or spacing (the words it asks, in order)."""
    return " ".join(w.lower() for w in _WORD.findall(_fold(courtesy_stripped(text))))


# A phrase or clause in front of the question, cut off by a comma, that opens with a preposition or a
# subordinating word: "On Fibre 150, what's the upload speed?", "If I decline the quote, is the fee refunded?".
_FRONTED = re.compile(
    r"^\s*((?:if|when|whenever|after|before|once|while|during|until|since|unless|on|in|for|with|without|at"
    r"|from|into|by|as|under|over|to)\b[^,?]*?)\s*,\s*(.+)$",
    re.IGNORECASE | re.DOTALL,
)


def readings(text: str) -> frozenset[str]:
    """`reading(text)`, and with a fronted phrase or clause, the reading with it moved to the end.

    Moving such a phrase does not change what is asked ("On Fibre 150, what's the average upload
    speed?" is "What's the average upload speed on Fibre 150?"), and the words keep their order
    inside each part, so "a cat in a dog carrier" never reads as "a dog in a cat carrier".
    """
    stripped = courtesy_stripped(text)
    out = {reading(stripped)}
    if fronted := _FRONTED.match(stripped):
        out.add(reading(f"{fronted.group(2)} {fronted.group(1)}"))
    return frozenset(out)
