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
from collections.abc import Collection, Mapping

from ragfort.cache.english import English, is_english
from ragfort.cache.features import courtesy_stripped, word_stem
from ragfort.text import CONTRACTIONS, fold_accents, plain_quotes
from ragfort.text import words as text_words

__all__ = ["Speller", "mend", "reading", "readings", "respelt"]

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_MIN_LETTERS = 5  # shorter words ("sim" / "esim", "bil" / "bill") are too easily another word


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
    words = [text_words(text) for text in (stored, asked)]
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
        return _WORD.sub(lambda m: spelling.get(m.group(0).lower(), m.group(0)), plain_quotes(text))

    return respell(stored), respell(asked)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Speller:
    """The words of a vocabulary a typo away from a given word, found without reading the whole vocabulary.

    Every word and each of its one-letter deletions is indexed (SymSpell's idea): a word one letter
    dropped, added, replaced or with two neighbours swapped shares an entry with its partner.
    """

    def __init__(self, vocabulary: Collection[str]) -> None:
        self.vocabulary = frozenset(vocabulary)
        # A key most often leads to one word: kept as the word itself, a tuple only where several share it
        # (a 22,500-word vocabulary takes 12 MB so, where a list per key took 35 MB while being built).
        self._by_key: dict[str, str | tuple[str, ...]] = {}
        for word in sorted(self.vocabulary):
            if len(word) >= 3:
                for key in {word} | _deletions(word):
                    had = self._by_key.get(key)
                    self._by_key[key] = word if had is None else (had, word) if isinstance(had, str) else (*had, word)

    def near(self, typed: str) -> set[str]:
        """The vocabulary's words one typo from `typed` (as `mend` pairs them), `typed` itself left out."""
        found: set[str] = set()
        for key in {typed} | _deletions(typed):
            words = self._by_key.get(key, ())
            found.update((words,) if isinstance(words, str) else words)
        found.discard(typed)
        return {w for w in found if _typo_pair(typed, w, self.vocabulary)}


def _typo_pair(typed: str, word: str, vocabulary: Collection[str]) -> bool:
    """Whether `typed` is `word` with one typo, as `mend` pairs words (and not two forms of one word)."""
    if word_stem(word) == word_stem(typed):
        return False
    if min(len(word), len(typed)) >= _MIN_LETTERS:
        return _one_typo(typed, word)
    return _short_typo(typed, word, vocabulary)


# The vocabulary fallback's shortest word: a shorter one has too many neighbours a typo away.
_FALLBACK_LETTERS = 6
# Endings that make another word of a known one ("responder" is "respond" + "er"): a word so made is no typo.
_ENDINGS = ("s", "es", "ed", "er", "ers", "ing", "ly")
# A redaction placeholder ("<US_SSN>", "<PERSON_1>"), or a word: respelling never looks inside the first.
_PLACEHOLDER_OR_WORD = re.compile(r"<[A-Z][A-Z0-9_]*>|[A-Za-z]+(?:'[A-Za-z]+)?")


def _doubled(typed: str, word: str) -> bool:
    """`word` is `typed` with one of its letters doubled ("recuring" / "recurring")."""
    return len(word) == len(typed) + 1 and any(
        word == typed[:i] + typed[i - 1] + typed[i:] for i in range(1, len(typed) + 1)
    )


def _derived(word: str, known: Collection[str]) -> bool:
    return any(word.endswith(e) and len(word) - len(e) >= 3 and word[: -len(e)] in known for e in _ENDINGS)


def respelt(
    text: str,
    known: Collection[str],
    speller: Speller,
    fallback: Speller | None = None,
    english: English | None = None,
    *,
    compounds: Mapping[str, str] | None = None,
) -> str:
    """`text` with each word that `known` lacks written as the one word a typo away that was meant.

    A question typed with a typo ("can i call customer servce on a sunday") against a corpus that writes
    "service": the corpus's spelling is the one meant. The same pairs as `mend` (one typo apart, at least
    five letters, or three or four with a letter left out of a known word; not two forms of one word), but
    only the unknown word is respelt, and only when exactly one word of `speller` is a typo away from it;
    with none there, exactly one of `fallback`, for a word of six letters or more that is not a known word
    with a common ending ("responder"). A contraction typed without its apostrophe ("hasnt") is read with
    it. A word in capitals (an acronym: "SSN"), a word with an apostrophe (a possessive or a contraction:
    "tap's" is not "tapes") and a redaction placeholder are never respelt. Case is kept ("Servce" ->
    "Service").

    Args:
        text: the text to respell (a question).
        known: lower-case words known to be spelt right (the corpus's words and the embedder's vocabulary):
            never respelt.
        speller: the words a misspelt word may be meant as (the corpus's).
        fallback: where to look when `speller` has no word a typo away (a general vocabulary's).
        english: English base words (`ragfort.cache.english.english_words`): a word that is one of them, a
            regular inflection of one, or a verb after "re" or "pre" is spelt right and never respelt ("prepay"
            is not "repay", "plumber" not "lumber"), unless the corpus writes it with a letter doubled
            ("recuring" / "recurring").
        compounds: words the corpus writes hyphenated, keyed by their letters closed up ({"checkin":
            "check-in"}): an unknown word typed closed up is read as the corpus writes it, before any typo match
            ("checkin" is "check-in", not "checking" a typo away).
    """
    spelling: dict[str, str] = {}
    plain = plain_quotes(text)
    folded = fold_accents(plain)  # read as the corpus's words are ("Gràcia" is "gracia"); one character for one
    for m in _PLACEHOLDER_OR_WORD.finditer(folded):
        word = m.group(0)
        typed = word.lower()
        if word[0] == "<" or (word.isupper() and len(word) > 1) or "'" in word or typed in known or len(typed) < 3:
            continue
        if typed in CONTRACTIONS:  # "hasnt" is "hasn't", not "haunt" a typo away
            spelling[typed] = CONTRACTIONS[typed]
            continue
        if compounds and typed in compounds:
            spelling[typed] = compounds[typed]
            continue
        partners = speller.near(typed)
        if english is not None and is_english(typed, english) and not any(_doubled(typed, p) for p in partners):
            # An English word, unless the corpus writes it with a letter doubled: "recuring" reads as "recur" +
            # "ing", but a corpus that writes "recurring" shows how this verb is spelt.
            continue
        if not partners and fallback is not None and len(typed) >= _FALLBACK_LETTERS and not _derived(typed, known):
            partners = fallback.near(typed)
        if len(partners) == 1:
            spelling[typed] = next(iter(partners))
    if not spelling:
        return text

    out: list[str] = []
    last = 0
    for m in _PLACEHOLDER_OR_WORD.finditer(folded):
        word = m.group(0)
        meant = spelling.get(word.lower())
        if meant is None or word[0] == "<" or (word.isupper() and len(word) > 1):
            continue
        out += [plain[last : m.start()], meant.capitalize() if word[0].isupper() else meant]
        last = m.end()
    return "".join([*out, plain[last:]])


def reading(text: str) -> str:
    """The question without courtesy, case, punctuation or spacing (the words it asks, in order)."""
    return " ".join(w.lower() for w in _WORD.findall(plain_quotes(courtesy_stripped(text))))


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
