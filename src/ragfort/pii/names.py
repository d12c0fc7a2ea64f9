"""A person-name recognizer that adds evidence the small spaCy model lacks.

spaCy's small English model finds about two names in three: it misses names
from outside its training data ("Tomomi Nishiyama"), single given names
("remove my kid Lukas") and anything typed in lower case. This recognizer
reports `PERSON` spans from four kinds of evidence, each general rather than
tied to one phrasing:

* **cue phrases** that introduce a name: "my name is", "I'm", "this is",
  "Dear", "Name:", sign-offs ("Thanks, Ana"), and honorifics ("Mr.", "Dr.");
  the honorific itself is left out of the span;
* **a given-name lexicon**: a capitalised token that is a known given name
  and not an ordinary English word, extended over the surname, initials and
  name particles that follow ("Ana J. van Dijk");
* **the text's own e-mail addresses**: capitalised tokens whose letters make
  up an address's local part (``ana.vandijk@…`` next to "Ana van Dijk");
* **possessives and lists** are handled by the extension rules, not by
  templates: "Ana's account" is "Ana".

The lexicon is the US census given-name list shipped by the ``names`` package
(MIT, about 5,500 names, no network) joined to ``given_names_world.txt`` (2,499
given names of many cultures, written for ragfort, screened against the
ordinary words of the five languages served). Without the package only the
second list is used.

Cues also come in French, German, Spanish and Italian ("je m'appelle", "au
nom de", "ich heiße", "me llamo", "intestato a") and name relatives ("my
daughter Amara"). After a self-introduction ("hi its tom", "c'est margaux")
or a relative a lower-case word is a name only when the lexicon knows it,
and a known name alone at the end of a message is a signature.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from ragfort.pii.gazetteer import FOREIGN_NAME_CUE, INTRO_CUE, NAMED_ADJECTIVE, RELATIVE_CUE
from ragfort.pii.lexicon import COMMON_WORDS, given_names, stop_words

__all__ = ["COMMON_WORDS", "PersonNameRecognizer", "given_names"]

# Words that introduce a name. After a person's "name is" (and "named") a lower-case word is a name too.
_CUE = re.compile(
    r"(?:\b(?:(?:my|his|her|their|your|our|maiden|first|last|full|given|nick|sur)[ \t]?name(?:[ \t]is|'s)|"
    r"named|called|i am|i'm|im|this is|it's|call me|"
    r"dear|hi|hello|hey|thanks|thank you|regards|cheers|sincerely|best|love|yours|"
    r"signed|from|by|with|to|for|and|says|said|ask|asked|contact|cc|"
    rf"{INTRO_CUE}|{RELATIVE_CUE}|{FOREIGN_NAME_CUE})\b[ \t]*[,:!]?[ \t]+"
    r"|\bname[ \t]*:[ \t]*)",
    re.IGNORECASE,
)
_RELATIVE = re.compile(RELATIVE_CUE, re.IGNORECASE)
_FOREIGN = re.compile(FOREIGN_NAME_CUE, re.IGNORECASE)
# Self-introductions that also open other sentences ("it's broken", "je suis désolé", "sono stanco"):
# what follows is a name only when the given-name lexicon knows the word.
_INTRO = re.compile(INTRO_CUE, re.IGNORECASE)
# Cues strong enough that what follows is a name even without the lexicon.
_STRONG_CUES = frozenset(
    [
        "name is",
        "named",
        "i am",
        "i'm",
        "im",
        "this is",
        "call me",
        "dear",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank you",
        "regards",
        "cheers",
        "sincerely",
        "signed",
        "name:",
    ]
)
# Cues after which even a lower-case word is a name ("my name is rubija").
_LOWERCASE_CUES = frozenset(["name is", "name's", "named", "name:"])
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Dame|Madam|Mme|Mlle|Herr|Frau|Sra?|Sig\.ra|Sig)\.?[ \t]+")
_TOKEN = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W\d_])?\.?")
_EMAIL_LOCAL = re.compile(r"([\w.+-]{3,64})@[\w-]+\.[\w.-]+")
# Name particles: kept inside a name only between two name tokens.
_PARTICLES = frozenset(
    ["van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "le", "la", "ten", "ter", "bin"]
)
# Words that end a name: what follows them is an organisation, place or street.
_NOT_NAME = frozenset(
    w
    for line in (
        "ltd inc llc plc gmbh co corp corporation company group holdings bank foundation orchestra band",
        "university college school hospital street st avenue ave road rd lane ln drive dr boulevard blvd way",
        "court place square apt suite unit box",
    )
    for w in line.split()
)


@dataclass(frozen=True, slots=True)
class _Tok:
    start: int
    end: int  # excludes a trailing period
    text: str
    dotted: bool  # followed by "." (an initial or an abbreviation)


def _tokens(text: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        dotted = word.endswith(".")
        word = word.rstrip(".")
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if word:
            out.append(_Tok(m.start(), m.start() + len(word), word, dotted))
    return out


def _capitalised(word: str) -> bool:
    # "ASKER" (an upper-case city line) is not a name token; "J" (an initial) and "McKay" are.
    return word[0].isupper() and (len(word) == 1 or not word.isupper())


def _word_name(word: str) -> bool:
    """A capitalised word that could be part of a name (not an ordinary or structural word)."""
    low = word.lower()
    return len(word) >= 2 and _capitalised(word) and low not in COMMON_WORDS and low not in _NOT_NAME


def _same_line(text: str, a: _Tok, b: _Tok) -> bool:
    gap = text[a.end : b.start]
    return gap in (" ", ". ") or (a.dotted and gap == ". ")


def _sentence_start(text: str, pos: int) -> bool:
    before = text[max(0, pos - 3) : pos].rstrip(" \t\"'“(")
    return not before or before[-1] in ".!?:\n>"


def _is_initial(tok: _Tok) -> bool:
    return len(tok.text) == 1 and tok.text.isupper()


class PersonNameRecognizer(LocalRecognizer):
    """Finds `PERSON` spans from cue phrases, a given-name lexicon and e-mail local parts.

    Args:
        lexicon_score: score of a lexicon name with a surname or initial after it.
        single_score: score of a lone lexicon given name.
        cue_score: score of a name introduced by a strong cue or an honorific.
        email_score: score of a name confirmed by an e-mail local part.
        shape_score: score of a run shaped like a full name (middle initial, non-ASCII spelling).
    """

    MAX_TOKENS: ClassVar[int] = 4

    def __init__(
        self,
        *,
        lexicon_score: float = 0.7,
        single_score: float = 0.55,
        cue_score: float = 0.75,
        email_score: float = 0.8,
        shape_score: float = 0.6,
    ) -> None:
        self._lexicon_score = lexicon_score
        self._single_score = single_score
        self._cue_score = cue_score
        self._email_score = email_score
        self._shape_score = shape_score
        super().__init__(supported_entities=["PERSON"], name="PersonNameRecognizer", supported_language="en")

    def load(self) -> None:
        """Load the lexicon now rather than on the first request."""
        given_names()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Report name spans in `text`."""
        tokens = _tokens(text)
        if not tokens:
            return []
        lexicon = given_names()
        lowercase_text = not any(c.isupper() for c in text)
        by_start = {t.start: i for i, t in enumerate(tokens)}
        spans: dict[tuple[int, int], float] = {}

        def add(first: int, last: int, score: float) -> None:
            key = (tokens[first].start, tokens[last].end)
            spans[key] = max(score, spans.get(key, 0.0))

        for i, tok in enumerate(tokens):
            word = tok.text.lower()
            if word not in lexicon:
                continue
            if not (_capitalised(tok.text) or lowercase_text):
                continue
            last = self._extend(tokens, i, text, lowercase=lowercase_text)
            if last > i:
                add(i, last, self._lexicon_score)
            elif not tok.dotted:
                add(i, i, self._single_score)

        for first, last in self._name_shapes(tokens, text):
            add(first, last, self._shape_score)

        for m in _CUE.finditer(text):
            at = by_start.get(m.end())
            if at is None:
                continue
            i = at
            cue = " ".join(m.group().lower().rstrip(" \t,:!").split())
            if cue == "named" and NAMED_ADJECTIVE.search(text[max(0, m.start() - 30) : m.end()]):
                continue  # "a named driver": an adjective, no name after it
            if cue.endswith(("name is", "name's")):
                cue = "name is"
            elif cue.startswith("name") and m.group().rstrip().endswith(":"):
                cue = "name:"
            tok = tokens[i]
            if tok.text.lower() in COMMON_WORDS or tok.text.lower() in _NOT_NAME or tok.text.lower() in stop_words():
                continue
            known = tok.text.lower() in lexicon
            relative = _RELATIVE.fullmatch(cue) is not None
            naming = cue in _LOWERCASE_CUES or _FOREIGN.fullmatch(cue) is not None
            strong = cue in _STRONG_CUES or relative or naming
            # After a naming cue any word is a name ("my name is rubija", "je m'appelle margaux"); after a
            # greeting, a self-introduction or a relative ("hi its tom", "my son rory") a lower-case
            # word is one when the lexicon knows it.
            lower_ok = naming or (known and (strong or _INTRO.fullmatch(cue) is not None))
            if not (_capitalised(tok.text) or (lower_ok and tok.text.islower())):
                continue
            # A weak cue ("to", "and") or a self-introduction only helps a token the lexicon knows.
            if not strong and not known:
                continue
            last = self._extend(tokens, i, text, lowercase=naming and tok.text.islower())
            add(i, last, self._cue_score)

        # A signature: a known given name alone at the end, after a sentence end or a comma ("... refund. jordan").
        end_tok = tokens[-1]
        if (
            end_tok.text.lower() in lexicon
            and not text[end_tok.end :].strip(" \t\r\n.!?")
            and text[: end_tok.start].rstrip(" \t")[-1:] in (".", "!", "?", ",", "\n", "-")
        ):
            add(len(tokens) - 1, len(tokens) - 1, self._cue_score)

        for m in _HONORIFIC.finditer(text):
            at = by_start.get(m.end())
            if at is None or not _capitalised(tokens[at].text) or tokens[at].text.lower() in COMMON_WORDS:
                continue
            i = at
            add(i, self._extend(tokens, i, text, lowercase=False), self._cue_score)

        for first, last in self._email_names(text, tokens):
            add(first, last, self._email_score)

        self._propagate(tokens, spans)
        return [self._result(s, e, score) for (s, e), score in sorted(spans.items())]

    # -- internals ----------------------------------------------------------
    @staticmethod
    def _name_shapes(tokens: list[_Tok], text: str) -> Iterator[tuple[int, int]]:
        """Token runs shaped like a full name whatever the language.

        * given name, middle initial, surname: "Ravil G Yefimov", "Ana J. Lind";
        * two or three capitalised words, not at a sentence start, at least one
          spelled with letters outside ASCII ("Miklós Hajdu"): in English text
          that is a foreign proper name, and places were already taken by the
          address rules or are left to the location types.
        """
        n = len(tokens)
        for i in range(n - 2):
            a, b, c = tokens[i], tokens[i + 1], tokens[i + 2]
            if (
                _is_initial(b)
                and _word_name(a.text)
                and _word_name(c.text)
                and _same_line(text, a, b)
                and _same_line(text, b, c)
            ):
                yield i, i + 2
        for i in range(n - 1):
            a, b = tokens[i], tokens[i + 1]
            if not (_word_name(a.text) and _word_name(b.text) and _same_line(text, a, b)):
                continue
            if not (a.text + b.text).isascii() and not _sentence_start(text, a.start):
                last = (
                    i + 2
                    if i + 2 < n and _word_name(tokens[i + 2].text) and _same_line(text, b, tokens[i + 2])
                    else i + 1
                )
                yield i, last

    @staticmethod
    def _propagate(tokens: list[_Tok], spans: dict[tuple[int, int], float]) -> None:
        """Mark other mentions of a found full name's parts ("Magnus Poulsen" ... "Magnus")."""
        starts = [t.start for t in tokens]
        parts: dict[str, float] = {}
        for (start, end), score in spans.items():
            lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
            inside = [t for t in tokens[lo:hi] if len(t.text) >= 3]
            if len(inside) >= 2:
                for t in inside:
                    if _capitalised(t.text):
                        parts[t.text] = max(parts.get(t.text, 0.0), score)
        if not parts:
            return
        covered = sorted(spans)
        span_starts = [s for s, _ in covered]
        for t in tokens:
            part_score = parts.get(t.text)
            if part_score is None:
                continue
            k = bisect.bisect_right(span_starts, t.start)
            if k > 0 and covered[k - 1][1] > t.start:
                continue  # already inside a span (spans here are short, one look back is enough)
            spans[(t.start, t.end)] = part_score

    def _extend(self, tokens: list[_Tok], i: int, text: str, *, lowercase: bool) -> int:
        """The index of the last token of the name that starts at token `i`."""
        last = i
        j = i + 1
        while j < len(tokens) and j - i < self.MAX_TOKENS:
            prev, tok = tokens[j - 1], tokens[j]
            if prev.dotted and not _is_initial(prev):
                # "Thornbury. Please": a full stop after a word ends the sentence.
                break
            gap = text[prev.end : tok.start].replace(".", "", 1) if prev.dotted else text[prev.end : tok.start]
            # Names are written on one line with single spaces between their parts.
            if gap not in (" ", "") or text[prev.end : prev.end + 2] in ("'s", "’s"):
                break
            word = tok.text.lower()
            if word in _NOT_NAME or (word in COMMON_WORDS and word not in _PARTICLES):
                break
            if word in _PARTICLES:
                j += 1
                continue
            if _is_initial(tok) or _capitalised(tok.text) or (lowercase and tok.text.islower()):
                last = j
                j += 1
                continue
            break
        return last

    @staticmethod
    def _email_names(text: str, tokens: list[_Tok]) -> Iterator[tuple[int, int]]:
        locals_ = ["".join(c for c in m.group(1).lower() if c.isalpha()) for m in _EMAIL_LOCAL.finditer(text)]
        locals_ = [loc for loc in locals_ if len(loc) >= 5]
        if not locals_:
            return
        i = 0
        while i < len(tokens):
            # A run of capitalised tokens and initials on one line.
            j = i
            while (
                j + 1 < len(tokens)
                and text[tokens[j].end : tokens[j + 1].start].strip(".") in (" ", "")
                and (_capitalised(tokens[j + 1].text))
            ):
                j += 1
            if _capitalised(tokens[i].text):
                letters = {k: "".join(c for c in tokens[k].text.lower() if c.isalpha()) for k in range(i, j + 1)}
                words = [w for w in letters.values() if len(w) >= 3]
                for loc in locals_:
                    hits = [w for w in words if w in loc]
                    if len(hits) >= 2 or (hits and len(hits[0]) >= 4 and loc.startswith(hits[0]) and len(words) == 1):
                        # Trim the run to its first and last matching token.
                        idx = [k for k, w in letters.items() if w in hits]
                        yield idx[0], idx[-1]
                        break
            i = j + 1

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            entity_type="PERSON",
            start=start,
            end=end,
            score=score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: "PersonNameRecognizer",
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
