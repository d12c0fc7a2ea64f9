"""The given-name lexicon and the ordinary words it must never hold.

Two sources: the US census given-name lists shipped by the ``names`` package
(MIT, about 5,500 names, no network) and ``given_names_world.txt`` (2,499
given names of many cultures, written for ragfort, screened against the
ordinary words of the five languages served). Ordinary English words that are
also names ("will", "grace", "june") and spaCy's stop words are taken out.
`ragfort.pii.names` finds names with it; `ragfort.pii.gazetteer` asks it
whether a lone word could be a name.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

__all__ = ["COMMON_SURNAMES", "COMMON_WORDS", "any_given_names", "common_surnames", "given_names", "stop_words"]

# Ordinary English words (and place or calendar words) that are also given
# names in census lists. Capitalised at a sentence start they are far more
# often the word than the name, so the lexicon never fires on them alone.
COMMON_WORDS: frozenset[str] = frozenset(
    w
    for line in (
        "a an and are as at be but by can did do does for from had has have he her his how i if in is it its",
        "may me my no not of on or our she so than that the their them then there these they this to too was",
        "we were what when where which who why will with would you your yes all any also just only very much",
        "more most some such will may june april august march january october summer autumn winter spring",
        "dawn eve noon day sunday monday tuesday wednesday thursday friday saturday christmas easter mark",
        "bill art chase hunter page sky river star amber ruby iris lily jade pearl crystal ivy holly heather",
        "daisy violet hazel olive ginger candy honey angel baby king prince princess queen royal love joy",
        "faith hope grace charity patience mercy honor justice liberty destiny harmony melody rose rosa lane",
        "dale glen cliff brook forest wood woods field fields hill hills park parks street court way gay guy",
        "sonny rich rusty sandy stormy misty dusty lucky happy merry frank earnest sunny carry don dot will",
        "major general sergeant captain deputy judge price penny buck cash bud chip chuck clay cole colt cody",
        "drew miles norm pierce rod reed sage skip sterling stone ward young long short little white black",
        "brown green gray grey christian german france china india asia africa georgia virginia carolina",
        "dakota florida nevada ms mr mrs dr sir madam miss i'm i’m im i'd i'll i've",
        "son sons daughter sister brother wife husband partner mum mom mother dad father nan nana gran granny",
        "uncle aunt auntie cousin niece nephew carer friend colleague neighbour neighbor boss kid kids child baby",
        "oma opa omi opi mamie mamy papy papi mami nonna nonno abuela abuelo abuelita abuelito tia tio tía tío zia zio",
        "tante onkel oncle mutti vati",
    )
    for w in line.split()
)
# Given names of many cultures the census lists lack, written for ragfort (one per line).
_WORLD_NAMES = Path(__file__).with_name("given_names_world.txt")


@functools.cache
def stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@functools.cache
def given_names() -> frozenset[str]:
    """The given-name lexicon in lower case: the census lists (when the ``names`` package is there) and ours."""
    return any_given_names() - COMMON_WORDS


# The census surnames at most this common stand for a person alone as often as for a place ("Hamilton", "Wells").
COMMON_SURNAMES = 5000


def _census_words(file: str) -> list[str]:
    """The first column of one of the ``names`` package's census files, in lower case and in its order (most
    common first); [] without the package or the file."""
    spec = importlib.util.find_spec("names")
    if spec is None or not spec.submodule_search_locations:
        return []
    path = Path(next(iter(spec.submodule_search_locations))) / file
    if not path.is_file():
        return []
    lines = path.read_text(encoding="ascii", errors="ignore").splitlines()
    return [line.split(maxsplit=1)[0].lower() for line in lines if line.strip()]


@functools.cache
def common_surnames() -> frozenset[str]:
    """The `COMMON_SURNAMES` most common US census surnames in lower case (empty without the ``names`` package)."""
    return frozenset(_census_words("dist.all.last")[:COMMON_SURNAMES])


@functools.cache
def any_given_names() -> frozenset[str]:
    """Every given name of both lists, ordinary words included ("mark", "summer", "bill"), stop words left out.

    For the question "could this word be someone's name?" asked before letting a word through
    (`ragfort.pii.vocabulary`), where `given_names`, which leaves the ordinary words out, would say no too often.
    """
    found = {w for file in ("dist.female.first", "dist.male.first") for w in _census_words(file) if len(w) >= 3}
    if _WORLD_NAMES.is_file():
        for line in _WORLD_NAMES.read_text(encoding="utf-8").splitlines():
            word = line.strip()
            if len(word) >= 3 and not word.startswith("#"):
                found.add(word.lower())
    return frozenset(found - stop_words())
