"""The near-miss check: do two similar questions ask the same thing?

A semantic cache hit needs more than embedding similarity. `compare` applies
general rules to two questions' `QuestionFeatures` and refuses the hit when
any rule finds a difference in meaning:

- number: the quantities differ (a number only one side states counts too);
- unit: the same number with another unit (14 days vs 14 weeks);
- negation: the parity of negations differs, or a word appears negated by a
  prefix on one side only ("unopened" vs "opened");
- direction: opposite poles (on/off, enable/disable, upgrade/downgrade), or
  the objects of "from"/"to" are swapped, or replaced by phrases that each
  hold a word the other lacks;
- entity: each side names something the other does not (Voltwise One vs Max);
- scope: different groups of one scope axis (domestic vs international,
  device vs accessory), or another person's account on one side only;
- asks: the questions ask for different kinds of answer (a price vs a time);
- opening: their main clauses open by asking for kinds of answer that one
  answer cannot serve ("What does the statement show?" vs "When do I get
  it?"; `ragfort.cache.opening`);
- action: each asks for an action of a class the other does not (view vs
  change, cancel vs pay), done to the same object ("my PIN");
- substitution: apart from a word or two swapped, the questions are the same
  words, so the swapped words are the point of the question (a word that
  only frames the ask, "available", or a price word when both ask a cost,
  does not count when one side alone has it).

Rules err towards refusing: a refused paraphrase costs one generation, a
wrong hit serves a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from ragfort.cache.features import QuestionFeatures, word_hashes
from ragfort.cache.opening import compatible

__all__ = ["NearMissCheck", "compare"]

# At most this many content words swapped on each side (with the rest shared) is a substitution.
SUBSTITUTION_MAX_WORDS = 2
# Words that only frame what is asked, ignored when one side alone has them ("Is Cobalt TV available on
# Fibre 36?" / "Can I get Cobalt TV on Fibre 36?"), and a price word, when both sides ask for a cost.
_FRAME_WORDS = word_hashes("available", "possible", "able")
_PRICE_WORDS = word_hashes("price")
# Axes where naming the scope on one side only already changes the question.
_ONE_SIDED_SCOPE_AXES = frozenset({"party"})


@dataclass(frozen=True, slots=True)
class NearMissCheck:
    """The outcome of comparing two questions.

    Attributes:
        same_meaning: True when no rule found a difference.
        reasons: the rules that refused (empty when `same_meaning`).
    """

    same_meaning: bool
    reasons: tuple[str, ...] = ()


def _axes(labels: frozenset[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for label in labels:
        axis, _, pole = label.partition("|")
        out.setdefault(axis, set()).add(pole)
    return out


def _opposed(a: frozenset[str], b: frozenset[str], *, one_sided: frozenset[str] = frozenset()) -> bool:
    axes_a, axes_b = _axes(a), _axes(b)
    for axis in axes_a.keys() | axes_b.keys():
        pa, pb = axes_a.get(axis, set()), axes_b.get(axis, set())
        if pa and pb and pa != pb:
            return True
        if axis in one_sided and pa != pb:
            return True
    return False


def _acted_on(actions: frozenset[str]) -> dict[str, set[str]]:
    """Action class -> the hashed object words of its verbs (empty for a verb without an object)."""
    out: dict[str, set[str]] = {}
    for label in actions:
        kind, _, obj = label.partition("|")
        out.setdefault(kind, set()).update([obj] if obj else [])
    return out


def _other_action(a: frozenset[str], b: frozenset[str]) -> bool:
    acts_a, acts_b = _acted_on(a), _acted_on(b)
    only_a, only_b = acts_a.keys() - acts_b.keys(), acts_b.keys() - acts_a.keys()
    # A class on each side that the other lacks, done to a shared object: "view my PIN" / "change my PIN".
    return any(acts_a[x] & acts_b[y] for x in only_a for y in only_b)


def compare(a: QuestionFeatures, b: QuestionFeatures) -> NearMissCheck:
    """Whether `a` and `b` ask the same thing, by the rules in the module docstring."""
    reasons: list[str] = []
    if a.numbers != b.numbers:
        reasons.append("unit" if a.number_values == b.number_values else "number")
    if (
        a.negations % 2 != b.negations % 2
        or (a.negated_stems & (b.content - a.content))
        or (b.negated_stems & (a.content - b.content))
    ):
        reasons.append("negation")
    # A word that is a source on one side and a destination on the other, and not both on either.
    swapped = (
        ((a.moved_from & b.moved_to) | (a.moved_to & b.moved_from))
        - (a.moved_from & a.moved_to)
        - (b.moved_from & b.moved_to)
    )
    # A source, destination, target or means that each side names with a word the other lacks: "into a
    # joint account" / "into a sole account" share their head noun, and the modifier is the point.
    replaced = any(
        x and y and (x - y) and (y - x)
        for x, y in ((a.moved_from, b.moved_from), (a.moved_to, b.moved_to), (a.target, b.target), (a.means, b.means))
    )
    if _opposed(a.directions, b.directions) or swapped or replaced:
        reasons.append("direction")
    if (a.entities - b.entities) and (b.entities - a.entities):
        reasons.append("entity")
    if _opposed(a.scopes, b.scopes, one_sided=_ONE_SIDED_SCOPE_AXES):
        reasons.append("scope")
    if a.asks and b.asks and not (a.asks & b.asks):
        reasons.append("asks")
    if not compatible(next(iter(a.opening), None), next(iter(b.opening), None)):
        reasons.append("opening")
    if _other_action(a.actions, b.actions):
        reasons.append("action")
    only_a, only_b = a.content - b.content, b.content - a.content
    if not only_a or not only_b:
        frame = _FRAME_WORDS | (_PRICE_WORDS if "cost" in a.asks and "cost" in b.asks else frozenset())
        only_a, only_b = only_a - frame, only_b - frame
    shared = a.content & b.content
    small = len(only_a) <= SUBSTITUTION_MAX_WORDS and len(only_b) <= SUBSTITUTION_MAX_WORDS
    # Nearly the same words: whatever differs is what the question is about.
    if (only_a or only_b) and small and len(shared) >= max(3, 2 * max(len(only_a), len(only_b))):
        reasons.append("substitution")
    return NearMissCheck(same_meaning=not reasons, reasons=tuple(reasons))
