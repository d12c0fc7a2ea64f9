"""Names in a question that the help center never uses: a sign that no article answers it.

"How do I link my Shopify store?", "Can I use the app on my Apple Watch?", "Is Sky Atlantic in the
Entertainment pack?", "Do purchases earn double points on Black Friday?": a question that names a
product, a brand or an event the help center never mentions often asks something it cannot answer,
and the answerability judge, which reads the rest of the question against a passage on the same
topic, is unsure rather than sure. The relevance guard can weigh that doubt more heavily when the
question names something the corpus does not (`RelevanceSettings.unknown_name_min_answerable`, off
by default: customers also name other companies, places and products in questions the help center
does answer, "we used Basecamp before, can I import from it?").

A name here is a run of capitalised words typed inside a sentence. Left out, because they name
nothing the corpus must know or cannot be told from an ordinary word:

- the first word of the question and of each sentence ("Where", "Thanks");
- words in capitals (acronyms: "VAT", "SOS"), words with a digit, "I" and its contractions;
- calendar words: months, weekdays and a few holidays ("on Christmas Day");
- a run right after a place preposition ("roaming in Italy", "a flight to Madrid", "from Porto"):
  places are where customers are and where they go, and a help center that ships "internationally"
  answers for countries it never names;
- redaction placeholders (a person's name is one by the time the question is read).

A run is unknown when one of its words (each part of a hyphenated word, a possessive's "'s" dropped)
is not a word of the corpus, or, given the pairs of words the corpus writes side by side, when two
of its words stand together where the corpus never puts them: "Voltwise Watch" over a help center
that sells "smart-watch straps" and the "Voltwise One". Measured in docs/judges.md ("Session 29").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection

from ragfort.text import CALENDAR_WORDS as _DATES
from ragfort.text import fold_accents, pair_key, plain_quotes

__all__ = ["CALENDAR_WORDS", "PLACE_PREPOSITIONS", "unknown_names"]

_HOLIDAYS = "christmas easter thanksgiving halloween hanukkah diwali ramadan eid"
_PLACE = "in to from at near around via across outside within towards toward"
# Months and weekdays as `ragfort.text` knows them, weekdays in the plural too ("on Sundays"), and a few holidays.
CALENDAR_WORDS = _DATES | frozenset(f"{d}s" for d in _DATES if d.endswith("day")) | frozenset(_HOLIDAYS.split())
PLACE_PREPOSITIONS = frozenset(_PLACE.split())

# A word (letters and digits, with inner apostrophes or hyphens) or a redaction placeholder, never part of a
# longer alphanumeric run ("4K" is not the name "K").
_TOKEN = re.compile(r"<[A-Z][A-Z0-9_]*>|(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:['-][A-Za-z0-9]+)*")
_SENTENCE_END = ".?!:;\n"
_I_FORMS = frozenset({"i", "i'm", "i'd", "i'll", "i've"})
_PARTS = re.compile(r"[A-Za-z]+")


def unknown_names(question: str, known: Collection[str], pairs: Collection[int] | None = None) -> tuple[str, ...]:
    """The names typed in `question` (runs of capitalised words, as the module says) with a word `known` lacks,
    or (with `pairs`) two words side by side that the corpus never writes together.

    Args:
        question: the question as the customer typed it, redacted.
        known: the corpus's lower-case words (`ragfort.index.store.Index.words`).
        pairs: the corpus's pairs of adjacent words (`ragfort.index.store.Index.word_pairs`), or None to
            read each word alone.

    Returns:
        Each such run once, as typed, in the order typed.
    """
    typed = plain_quotes(question)
    text = fold_accents(typed)  # read as the corpus's words are ("Gràcia" is "Gracia"); one character for one
    found: list[str] = []
    run: list[str] = []  # the current run of name words, folded
    shown: list[str] = []  # the same words as typed
    dropped = False  # the run follows a place preposition
    previous = ""  # the word before the current run, lower case
    last_end = 0

    def close() -> None:
        if run and not dropped:
            name = " ".join(shown)
            if name not in found and (any(_unknown(w, known) for w in run) or _unpaired(run, pairs)):
                found.append(name)

    first = True
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        gap = text[last_end : m.start()].rstrip(" \t")
        starts_sentence = first or (gap != "" and gap[-1] in _SENTENCE_END)
        joined = bool(run) and gap == ""  # adjacent to the run (only spaces between)
        first, last_end = False, m.end()
        if _is_name_word(word) and not starts_sentence:
            if not joined:
                close()
                run, shown, dropped = [], [], previous in PLACE_PREPOSITIONS
            run.append(word)
            shown.append(typed[m.start() : m.end()])
            previous = word.lower()
            continue
        close()
        run, shown, dropped = [], [], False
        # A capitalised first word of a sentence does not open a run, but one may follow it ("Is Sky Atlantic ...").
        previous = word.lower()
    close()
    return tuple(found)


def _is_name_word(word: str) -> bool:
    if word[0] == "<" or not word[0].isupper() or word.lower() in _I_FORMS:
        return False
    if not any(c.islower() for c in word) or any(c.isdigit() for c in word):
        return False
    return _stem(word).lower() not in CALENDAR_WORDS


def _stem(word: str) -> str:
    return word[:-2] if word.lower().endswith("'s") else word


def _unknown(word: str, known: Collection[str]) -> bool:
    return any(part.lower() not in known for part in _PARTS.findall(_stem(word)))


def _unpaired(run: list[str], pairs: Collection[int] | None) -> bool:
    """Whether two neighbouring words of the run (their last and first parts) never stand together in the corpus."""
    if pairs is None or len(run) < 2:
        return False
    parts = [_PARTS.findall(_stem(w)) for w in run]
    return any(a and b and pair_key(a[-1], b[0]) not in pairs for a, b in itertools.pairwise(parts))
