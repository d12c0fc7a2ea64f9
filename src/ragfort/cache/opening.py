"""What a question opens by asking for: the kind of answer its main clause wants.

"What does the annual statement show?" and "When do I get my annual
statement?" share their topic, their words and, to MiniLM and the equivalence
judge, most of their meaning; one answer does not serve both. The asking word
of the main clause tells them apart: a content question against a time
question. `opening_ask` reads that word, `compatible` says whether two
openings can share an answer, and the near-miss check refuses a hit when they
cannot (`ragfort.cache.nearmiss`).

The main clause is the last sentence holding a question mark (the whole text
when none does), and in it the last clause, scanning back, that opens with an
asking word: "If I pay a cheque in on Monday, when can I use the money?" asks
a time. A polite frame that only introduces the question ("could you tell me
how long ...", "would you mind explaining how often ...") is read through to
the question it introduces. A question that opens with no word of the list
(a generic "what", "which", a statement, a few keywords) has no opening and
is compatible with anything: the other rules and the judge decide it.

"How much" asks a price when a cost verb follows it in the clause ("how much a check-up costs for a
returning patient"), else a quantity; "what's in", "what's included" and "what comes with" ask for
content, as "what does it include" does.

Two openings are compatible when they are equal, or one asks yes or no and
the other the steps or what happens ("Can I stop a cheque in the app?" and
"How do I stop a cheque in the app?" are served by one answer), or one asks
to choose ("which roles", "what currency") and the other who or where ("Which
roles can cancel?" and "Who can cancel?"). A price and a number, a time and a
place, the steps and what happens next are not.
"""

from __future__ import annotations

import re

__all__ = ["OPENINGS", "compatible", "opening_ask"]

_AUX = (
    r"(?:can|could|is|are|am|was|were|do|does|did|will|would|should|shall|may|might|must|has|have|had|"
    r"isn't|aren't|wasn't|weren't|don't|doesn't|didn't|won't|wouldn't|can't|couldn't|shouldn't|hasn't|haven't)"
)
_SUBJECT = r"(?:i|we|you|one|they|he|she|my|our|your|someone|somebody|people|customers?)"
_BE = r"(?:'s| is| are| was| were| will be| would be)"

# (kind, the opening of a clause that asks for it), tried in this order: the first that matches decides.
_KINDS: tuple[tuple[str, str], ...] = (
    ("reason", r"why\b|how come\b"),
    ("consequence", r"what(?:'s| is| will| would)? happens?\b|what now\b|what then\b"),
    ("steps", rf"how (?:do|does|can|could|should|would|will|might|must|are|is) {_SUBJECT}\b|how to\b"
              rf"|what (?:do|should|can|must) (?:i|we) do\b|what{_BE} the (?:steps|process)\b"),
    ("time", rf"how long\b|how often\b|how far (?:ahead|in advance|back|before)\b"
             rf"|how much (?:warning|advance|notice|time)\b|when\b(?= {_AUX}\b)|what time\b"
             rf"|how (?:soon|quickly|early|late)\b|how many (?:days|weeks|months|years|hours|minutes)\b"
             rf"|(?:what|which) (?:day|date|days|dates)\b|by when\b|until when\b"
             rf"|what{_BE} the (?:deadline|time limit|cut-?off)\b|what{_BE} the .{{0,40}}\bhours$"),
    ("cost", rf"(?:is|are) there (?:a |an |any )?(?:fee|fees|charge|charges|cost|costs|price|penalty)\b"
             rf"|how much (?:is|are|was|were|does|do|did|will|would)\b|how much's\b"
             rf"|how much .{{1,60}} (?:is|are|was|were|costs?|will be|would be)$|how much .{{1,60}}\bcosts?\b"
             rf"|what{_BE} the (?:price|cost|fee|fees|charge|charges)\b|what (?:does|do|will|would) .{{1,60}}\bcost$"),
    ("quantity", rf"how many\b|how much\b|how (?:big|large|heavy|old)\b"
                 rf"|what{_BE} the (?:minimum|maximum|max|min|limit|most|least|largest|smallest)\b"
                 rf"|(?:is|are) there (?:a |any )?(?:limit|cap|maximum|minimum|max|min)\b"),
    ("place", r"where\b"),
    ("person", r"who\b|whom\b|whose\b"),
    ("content", r"what (?:does|do|did|will|would) .{1,60}\b(?:show|shows|include|includes|cover|covers|contain"
                r"|contains|mean|means|say|says|list|tell)(?: (?:me|you|us))?$"
                r"|what(?:'s| is| are) (?:in|inside|included)\b|what comes (?:in|with)\b"),
    ("choice", rf"which\b|what (?!{_AUX}\b|if\b|about\b|kind of\b|sort of\b|type of\b)[a-z-]+(?: [a-z-]+)? {_AUX}\b"),
    ("yesno", rf"{_AUX}\b|is there\b|are there\b"),
)  # fmt: skip
OPENINGS: tuple[str, ...] = tuple(kind for kind, _ in _KINDS)

_LEAD = r"^(?:(?:and|but|so|also|then|ok|okay|please|hi|hello|hey)\s+)*(?:"
_PATTERNS = tuple((kind, re.compile(_LEAD + pattern + ")")) for kind, pattern in _KINDS)
_YESNO = dict(_PATTERNS)["yesno"]  # the frame of an embedded question opens like a yes/no one
# "could you tell me how long", "would you mind explaining how often": the frame ends before the asking word.
_FRAME_END = re.compile(
    r"\b(?:tell|know|explain|explaining|advise|confirm|say|wondering|wonder|ask|check)\b(?: (?:me|us))?(?: know)?"
    r"\s+(?=(?:how|when|where|who|whom|why|what|which|whether|if)\b)"
)
_WHETHER = re.compile(r"^(?:whether|if)\b")
_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_CLAUSE = re.compile(r"\s*(?:[,;:]|\s[-–—]\s)\s*")
# Pairs of different openings that one answer still serves.
_COMPATIBLE = frozenset(
    frozenset(pair)
    for pair in (("yesno", "steps"), ("yesno", "consequence"), ("choice", "person"), ("choice", "place"))
)


def _clause_kind(clause: str) -> str | None:
    frame = _FRAME_END.search(clause)
    if frame and _YESNO.search(clause[: frame.start()]):
        clause = clause[frame.end() :]
        if _WHETHER.search(clause):
            return "yesno"
    for kind, pattern in _PATTERNS:
        if pattern.search(clause):
            return kind
    return None


def opening_ask(text: str) -> str | None:
    """The kind of answer `text`'s main clause asks for (one of `OPENINGS`), or None when it opens with none.

    `text` should already be free of courtesy (`ragfort.cache.features.courtesy_stripped`).
    """
    lowered = text.lower().replace("’", "'").strip()
    sentences = [s for s in _SENTENCE.split(lowered) if s.strip()]
    asked = [s for s in sentences if "?" in s] or sentences
    if not asked:
        return None
    clauses = [c for c in _CLAUSE.split(asked[-1].strip().rstrip("?.! ")) if c]
    for clause in reversed(clauses):
        kind = _clause_kind(clause)
        if kind is not None:
            return kind
    return None


def compatible(a: str | None, b: str | None) -> bool:
    """Whether questions opening with `a` and `b` can share one answer (None is compatible with anything)."""
    return a is None or b is None or a == b or frozenset({a, b}) in _COMPATIBLE
