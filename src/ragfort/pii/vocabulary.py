"""Names the help center itself writes: a customer who types them is asking about the business, not naming anyone.

spaCy's small model tags product, plan, brand and place names in support questions as people, more often when
the question is typed in lower case: "does cover max cover windscreens", "how many days are left on my flexi
season", "Skylark Miles", "my flight gets into Kerry Airport". Redacting them changes the question that retrieval,
the relevance guard and the cache read ("cover <PERSON_1>"), for text with nothing personal in it. Over the
labelled sets' 10,451 questions, 298 PERSON spans were found this way before session 31
(`benchmarks/pii_questions.py`, docs/pii-detection.md).

When ragfort retrieves from its own index, the corpus's words, the pairs of words it writes side by side and the
words it capitalises inside a sentence (`Index.words`, `Index.word_pairs`, `Index.proper_words`, read once per
index version) tell such a span apart. `corpus_term` is True for a `PERSON` span of the customer's message that

* no name cue introduces ("my name is", "I'm", "Hi", "Thanks", "Mr", "my daughter": `named_before`), and
* of several words: the corpus writes each two neighbouring words of it side by side ("Skylark Miles", "Cover
  Max"), or every word of it is a corpus word and none is a given name ("tiny scratches", "Delay Repay"), or
* of one word that could be no one's given name (`any_given_names`, ordinary words such as "mark" and "summer"
  included): typed capitalised, the corpus writes it capitalised inside a sentence, as a name of its own
  ("Brightwater", "Railcard": `ragfort.text.proper_words`); typed in lower case, or capitalised as the first word
  of a sentence ("Bag came off the belt"), the corpus uses the word ("kit", "meter");
* of one word that could be a given name ("max", "kerry", "mark"): the corpus writes it beside the content word
  the customer typed next to it ("cover max", "kerry airport").

Two narrower readings come before those: after "I'm" or "I am" alone, one capitalised word that is no given name
and that the corpus capitalises is a status it names ("I'm Gold - can I use the lounge?"), and after a greeting
("Dear", "Hi", "Hello", "Hey") the help center greeted ("Dear Brightwater,", "Hi Skylark team"); any other
cue keeps the span redacted; and a given name the corpus capitalises, right after "in", "into", "near", "outside"
or "around" and not followed by "'s", is a place ("my flight gets into kerry", "buses in kent").

A customer's own name is kept: a full name holds a given name, or a word the corpus never writes, or a pair it
never writes side by side; a lone given name must stand beside a content word the way the corpus puts it, which a
name in a message rarely does ("Max here", "the night porter, Mark, was rude" stay redacted); a capitalised word
that is no given name must be a name the corpus itself uses ("Your agent Gift at the desk" stays redacted over a
help center that sells gift cards). A surname the corpus uses as a name of its own ("Pearse Street"), typed alone
with no cue before it, is one case this lets through; it names no one alone. The other: a word that is no given
name, that the corpus uses in lower case, opening a sentence as someone's name ("Gift was very helpful"): read as
the corpus's word, as it nearly always is there ("Gift cards can't be swapped for cash"). Only the question stage
uses it (`ragfort.guards.pii`): passages and answers have their own rules.

`published_contact` is the same idea for structured values: a phone number or e-mail address that a public
document of the index prints ("call 0345 712 3400", "billing@quillstack.com") is the help center's own, in the
customer's message and in the assistant's earlier answers that quote it, as the output guard already keeps such a
value when a public passage holds it. Only public documents count: a private one's numbers may be a customer's.
"""

from __future__ import annotations

import itertools
import re

from ragfort.pii.gazetteer import named_before
from ragfort.pii.lexicon import any_given_names, stop_words
from ragfort.text import CorpusVocabulary, contact_key, fold_accents, pair_key, plain_quotes

__all__ = ["corpus_term", "published_contact"]

_LETTERS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# The neighbouring word is read within the clause: punctuation between it and the span ends the look.
_BEFORE = re.compile(r"([^\W\d_]+(?:'[^\W\d_]+)?)[ \t]+$")
_AFTER = re.compile(r"^[ \t]+([^\W\d_]+(?:'[^\W\d_]+)?)")
# Prepositions of place that no person's name follows ("into kerry", "in kent"; not "to", "at" or "from": "talk to
# Kerry", "a message from Kerry").
_PLACE_BEFORE = frozenset(["in", "into", "near", "outside", "around"])
_I_AM = re.compile(r"\b(?:i\s+am|i['’]m)\s+$", re.IGNORECASE)
# A greeting that opens the message or a sentence ("Dear Brightwater,", "Thanks. Hi Skylark team"), not "I said hi Max".
_GREETING = re.compile(r"(?:^|[.!?,;:\n])\s*(?:dear|hi|hello|hey)\s+$", re.IGNORECASE)


def corpus_term(text: str, start: int, end: int, vocabulary: CorpusVocabulary) -> bool:
    """Whether the `PERSON` span ``text[start:end]`` of a customer's message is a name the corpus writes, not a
    person (see the module docstring)."""
    words, pairs, proper = vocabulary.words, vocabulary.pairs, vocabulary.proper
    typed = _LETTERS.findall(fold_accents(plain_quotes(text[start:end])))  # as the corpus's words are read
    tokens = [w.lower() for w in typed]
    if not tokens:
        return False
    if named_before(text, start):
        # "I'm Gold - can I use the lounge?": after "I'm" alone, a status the help center names (no given name,
        # capitalised inside its sentences) is not the customer's name; "Dear Brightwater," "Hi Skylark team":
        # after a greeting alone, the help center greeted.
        return (
            len(tokens) == 1
            and (
                _I_AM.search(text[max(0, start - 12) : start]) is not None or _GREETING.search(text[:start]) is not None
            )
            and typed[0][0].isupper()
            and tokens[0] not in any_given_names()
            and tokens[0] in proper
        )
    if len(tokens) > 1 and all(pair_key(a, b) in pairs for a, b in itertools.pairwise(tokens)):
        return True  # "Skylark Miles", "Cover Max": the corpus writes the whole span
    if not all(t in words for t in tokens):
        return False
    if len(tokens) == 1 and typed[0][0].isupper() and tokens[0] not in any_given_names():
        if tokens[0] in proper:
            return True  # "Brightwater"
        if not _opens_sentence(text, start):
            return False  # not "Your agent Gift at the desk" over a help center that sells gift cards
        # "Bag came off the belt", "Lamps ship as parcels": the capital of a sentence's first word says nothing;
        # the word is read as if typed in lower case.
    # Each word that could be a given name stands beside a content word the corpus writes next to it.
    before = _BEFORE.search(fold_accents(plain_quotes(text[max(0, start - 40) : start])))
    after = _AFTER.search(fold_accents(plain_quotes(text[end : end + 40])))
    if (
        len(tokens) == 1
        and before is not None
        and before.group(1).lower() in _PLACE_BEFORE
        and tokens[0] in proper
        and not re.match(r"['’]s\b", text[end : end + 3])
    ):
        return True  # "my flight gets into kerry", "buses in kent": a place the help center names
    row = [before.group(1).lower() if before else None, *tokens, after.group(1).lower() if after else None]
    names, function = any_given_names(), stop_words()
    for i, token in enumerate(row[1:-1], start=1):
        if token not in names:
            continue
        left, right = row[i - 1], row[i + 1]
        if not (
            (left is not None and left not in function and pair_key(left, token) in pairs)
            or (right is not None and right not in function and pair_key(token, right) in pairs)
        ):
            return False
    return True


def published_contact(entity: str, value: str, vocabulary: CorpusVocabulary) -> bool:
    """Whether `value`, detected as `entity`, is a phone number or e-mail address that a public document of the
    corpus prints (`ragfort.text.printed_contacts`): the help center's own, not a customer's."""
    key = contact_key(entity, value)
    return key is not None and key in vocabulary.contacts


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the span at `start` is the first word of its sentence (after quotes, brackets or list markup)."""
    before = text[:start].rstrip(" \t\"'\u201c\u2018(*_-")
    return not before or before[-1] in ".!?:\n"
