"""What a question asks to *do*: its action verbs, by class, with their objects.

"How do I view my PIN?" and "How do I change my PIN?" share every word but the
verb, and the verb is the question: looking at something and changing it have
different answers. Synonyms are common within one kind of action (change,
update, edit; cancel, close, stop), so verbs are sorted into a few classes of
general help-center actions, and two questions differ only when their verbs
fall in different classes:

- inspect: view, see, check, find, look up, track...
- modify: change, update, edit, reset...
- end: cancel, close, remove, delete, stop...
- create: open, add, order, apply for, set up, request...
- move: pay, send, transfer, move, deposit, withdraw...
- return: return, exchange, send back...
- hold / release: block, freeze, lock, suspend / unblock, unlock, restore...

Light verbs (get, do, make, have, take, use, keep) belong to no class: "get a
refund" says little about the action. A word of the lexicon counts as a verb
only where English puts a verb: after a subject or "to" ("can I change",
"how to order"), or before its object ("change my PIN", "view the bill");
"my order" and "a software update" are nouns. The object is the first one or
two content words after the verb (determiners, numbers and one particle or
preposition such as "up", "for", "into" skipped), up to the clause's end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

__all__ = ["Action", "actions"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Each class lists base forms and the inflections the crude stem does not fold (doubled
# consonants, irregular pasts); a word is looked up by its stem.
_CLASSES: dict[str, str] = {
    "inspect": "view see saw seen check find found look show shown read track locate review display",
    "modify": "change update edit reset resetting modify modified amend adjust rename alter",
    "end": "cancel cancelled cancelling canceled canceling close remove delete stop stopped stopping end terminate",
    "create": "open start add order apply applied create register request book join enrol enroll enrolled",
    "move": "pay paid send sent transfer transferred transferring move wire repay repaid deposit withdraw withdrew",
    "return": "return exchange",
    "hold": "block freeze froze frozen lock suspend pause",
    "release": "unblock unlock unfreeze unfroze unfrozen reactivate restore",
}
# Verbs that name an action only with their particle ("set up autopay", "sign up for").
_PARTICLE_ONLY: dict[tuple[str, str], str] = {
    ("set", "up"): "create",
    ("sign", "up"): "create",
    ("top", "up"): "move",
    ("send", "back"): "return",
    ("sent", "back"): "return",
    ("ship", "back"): "return",
    ("mail", "back"): "return",
    ("post", "back"): "return",
}
# Words right after a verb that lead to its object: particles and the prepositions of
# prepositional verbs ("apply for a loan", "look at my bill", "pay into a Saver").
_LEADS = frozenset(["up", "out", "in", "off", "back", "down", "at", "for", "into"])
# An object starts with one of these: a verb is followed by them, a noun rarely is.
_OBJECT_STARTS = _words("a an the my your our their his her its this that these those it them me some any every all")
_DETERMINERS = _words("a an the my your our their his her its this that these those some any every each all another")
# A verb after these is the clause's verb ("can I change", "how to order", "you cancel").
_SUBJECTS = _words("i we you they he she to i'll we'll you'll i'd we'd i've we've")
# Words that end an object: prepositions and clause words ("change my PIN *at* a cash machine").
_ENDS = _LEADS | _words("to from on via using without after before while until if when per")


@dataclass(frozen=True, slots=True)
class Action:
    """One action verb of a question.

    Attributes:
        kind: the action class ("inspect", "modify", "end", ...).
        objects: stems of the content words of its object (empty when it has none, e.g. "stop it").
    """

    kind: str
    objects: tuple[str, ...]


@cache  # one lexicon per stem function: built once, not per question
def _lexicon(stem: Callable[[str], str]) -> dict[str, str]:
    return {stem(word): kind for kind, words in _CLASSES.items() for word in words.split()}


def actions(
    tokens: Sequence[str],
    breaks: Sequence[bool],
    *,
    stem: Callable[[str], str],
    stop: frozenset[str],
    number: Callable[[str], bool],
) -> list[Action]:
    """The action verbs of one question.

    Args:
        tokens: the question's words, lower-cased (synonyms already folded).
        breaks: ``breaks[i]`` is True when punctuation ends a clause before ``tokens[i]``.
        stem: the stem that folds inflections (the features' own).
        stop: words that carry no meaning (they end an object).
        number: whether a token is a number (skipped before an object).
    """
    lexicon = _lexicon(stem)
    out: list[Action] = []
    n = len(tokens)
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < n and not breaks[i + 1] else ""
        kind = _PARTICLE_ONLY.get((tok, nxt)) or lexicon.get(stem(tok))
        if kind is None:
            continue
        if kind == "move" and "back" in tokens[i + 1 : i + 5] and tok in ("send", "sent"):
            kind = "return"  # "send it back", "send my phone back"
        j = i + 1
        if j < n and not breaks[j] and tokens[j] in _LEADS:
            j += 1
        starts_object = j < n and not breaks[j] and tokens[j] in _OBJECT_STARTS
        after_subject = i > 0 and not breaks[i] and tokens[i - 1] in _SUBJECTS
        if not (starts_object or after_subject):
            continue  # "my order", "a software update", "account pin change": nouns
        while j < n and not breaks[j] and (tokens[j] in _DETERMINERS or number(tokens[j])):
            j += 1
        objects: list[str] = []
        while j < n and len(objects) < 2 and not breaks[j]:
            word = tokens[j]
            if word in stop or word in _ENDS or word in _SUBJECTS or number(word):
                break
            objects.append(stem(word))
            j += 1
        out.append(Action(kind, tuple(objects)))
    return out
