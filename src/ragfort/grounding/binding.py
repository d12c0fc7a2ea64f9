"""Binding: a claim's number or name must sit with the claim's subject in the evidence.

People who answer support questions rarely invent a number or a name. They take a real
one from the same help center and attach it to the wrong thing: "the Tab battery costs
$79" where $79 is the price for the One, "it should arrive within 7 working days" where
7 working days is how long the PIN letter takes and the reminder takes 5, "it becomes an
Everyday Plus account" where the Graduate account becomes an Everyday one. The value
occurs in the evidence, so a check that looks it up anywhere passes it, and the closest
sentence often does not contradict it either.

This module binds each number (with its unit) and each product or plan name of a claim
to the claim's other content words, and the question's. Every number and name in the
evidence gets a context: the clause it stands in (split at commas and semicolons), with
the rest of its sentence counting half, and for a list item the sentence that introduces
the list; in a markdown table, a cell's context is its row's first cell and its column's
header. A claim's number is **unbound** when a different number of the same unit sits in
a context that shares clearly more of the claim's subject than any context holding the
claim's own number (or any at all when the claim's number is nowhere), including a
subject word that none of those contexts has; values that stand together in the claim
and in the evidence ("£10,000 per payment and £20,000 a day") are bound to each other. A
name is unbound the same way when a related name (one sharing a word with it, or another
row label of the same table) sits with the subject, and when the claim gives one label of
a labelled list ("- Gold: ...") what another label's line says (`_label_swaps`).

A number the answer works out or hedges ("which is 100", "about 2 months", "so you
still have 2 months left") is not taken from the evidence, so it is never unbound.
`computed_numbers` finds them; the scorer's learned tier also uses it to lift the plain
number veto from such claims (``exempt_computed``).

`overreach` is the same idea for scope: a rule the claim states of "every" case or "all"
customers, where no universal of the evidence quantifies that word.

The learned tier of `ragfort.grounding.scorer` uses these as three more vetoes
(``learned_vetoes``: ``number_binding``, ``name_binding``, ``scope``). The feature model's
signals (`ragfort.grounding.signals`) do not use them, so its trained features and the
public benchmarks do not change.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from ragfort.grounding.signals import (
    _IDENTIFIER,
    _IDENTIFIER_DIGITS,
    _NEGATIONS,
    _NUMBER,
    _NUMBER_WORDS,
    _PLACEHOLDER,
    _STOPWORDS,
    _TIME,
    _UNITS,
    _WORD_NUMBER,
    EvidenceIndex,
    _entities,
    _fmt,
    _quantities,
    _time_value,
    _to_number,
    _tokens,
    model_number,
    polarity,
    stem,
)
from ragfort.text import LIST_MARK

__all__ = [
    "EvidenceItems",
    "Unbound",
    "Worked",
    "asked_numbers",
    "clauses",
    "computed_numbers",
    "denied",
    "evidence_items",
    "negated",
    "overreach",
    "prohibited",
    "unbound",
]

# How much more of the claim's subject a rival's context must share than the claim's own value's.
MARGIN = 1.0
# The least a rival's context must share with the subject to count at all.
MIN_SHARED = 2.0
# Words of the rest of a sentence count this much beside those of the value's own clause.
_AROUND = 0.5

# Words before a number that mark it as worked out or approximate rather than quoted.
_COMPUTED_BEFORE = (
    "about", "around", "roughly", "approximately", "approx", "nearly", "almost", "which is", "that's",
    "that is", "which makes", "makes it", "comes to", "come to", "brings it to", "bring it to", "works out",
    "work out", "in total", "a total of", "total of", "altogether", "still have", "another", "plus another",
    "so", "so it's", "so that's", "equals", "=",
)  # fmt: skip
_COMPUTED_AFTER = ("left", "remaining", "more", "in total", "altogether", "to go", "later")
_RANGE_JOIN = re.compile(r"\s?(?:-|–|to)\s?[$€£]?")
_CLAUSE_BREAK = re.compile(r"[,;]\s+")

# Words that state a rule of everyone or everything. "any" is left out: correct answers use it for "whichever
# you like" ("any Cash ISA interest", "at any time"); counted, it stripped one more correct dev answer.
_UNIVERSALS = frozenset({"every", "all", "anyone", "anybody", "everyone", "everybody"})
_SCOPE_REACH = 3


@dataclass(frozen=True, slots=True)
class Unbound:
    """A number or name of a claim that the evidence binds to something else.

    Attributes:
        kind: ``"number"`` or ``"name"``.
        claim_value: the value as the claim writes it.
        evidence_value: the rival value, as the evidence writes it.
        context: the rival's context in the evidence (its clause or table cell and labels).
    """

    kind: Literal["number", "name"]
    claim_value: str
    evidence_value: str
    context: str

    @property
    def reason(self) -> str:
        """One line for explanations."""
        what = "number" if self.kind == "number" else "name"
        return (
            f"{what} '{self.claim_value}' is bound to something else in the evidence, which gives "
            f"'{self.evidence_value}' for this ('{self.context[:80]}')"
        )


@dataclass(frozen=True, slots=True)
class _Amount:
    value: float
    unit: str
    start: int
    end: int
    surface: str


@dataclass(frozen=True, slots=True)
class _Item:
    """A number or name of the evidence with its context."""

    key: str  # "value unit" for numbers, the lowered phrase for names
    surface: str
    near: frozenset[str]
    around: frozenset[str]
    context: str
    table: tuple[int, int] | None = None  # (passage, first row) for a table's row labels
    section: frozenset[str] = frozenset()  # the words of its passage's headings ("## Chat")


def _words(text: str) -> frozenset[str]:
    """Stemmed content words, without numbers or units: what a value is bound to.

    A model number stays, joined to its name's word ("Broadband 100" gives "broadband#100"): plans and
    devices named by a number differ by nothing else.
    """
    out: set[str] = set()
    toks = _tokens(_PLACEHOLDER.sub(" ", text))
    for i, tok in enumerate(toks):
        low = tok.lower()
        if i and low.isdigit() and _is_model_number(toks, i):
            out.add(f"{stem(toks[i - 1].lower())}#{low}")
            continue
        if low in _STOPWORDS or any(c.isdigit() for c in low) or low in _NUMBER_WORDS:
            continue
        s = stem(low)
        # "arrive" and "arrives" stem apart ("arrive", "arriv"); both sides lose a final e.
        s = s[:-1] if len(s) > 4 and s.endswith("e") else s
        if low in _UNITS or s in _UNITS or s in ("am", "pm"):
            continue
        out.add(s)
    return frozenset(out)


def _is_model_number(toks: Sequence[str], i: int) -> bool:
    """Token `i` is a model number after a capitalised word (`signals.model_number`; "Broadband 100")."""
    prev = toks[i - 1]
    after = toks[i + 1] if i + 1 < len(toks) else ""
    return prev[:1].isupper() and prev.isalpha() and model_number(prev, toks[i], after)


def _amounts(text: str) -> list[_Amount]:
    """Numbers with a unit: amounts, durations, times of day ("5pm"); a range's first end takes its unit."""
    text = _PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)
    out: list[_Amount] = []
    taken: list[tuple[int, int]] = []
    for m in _identifier_matches(text):
        # A phone, account or reference number is a value of its own kind (the Mortgages line is not the
        # business team's), keyed by its last ten digits: "+44 345 555 0199" and "0345 555 0199" are one line.
        digits = re.sub(r"\D", "", m.group(0))
        out.append(_Amount(float(digits[-10:]), "id", m.start(), m.end(), m.group(0).strip()))
        taken.append(m.span())
    for m in _TIME.finditer(text):
        hours = _time_value(m)
        if hours is None:
            continue
        out.append(_Amount(round(hours * 60), "clock", m.start(), m.end(), m.group(0).strip()))
        taken.append(m.span())

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    raw: list[tuple[float, str | None, int, int]] = []
    for m in _NUMBER.finditer(text):
        value = _to_number(m.group("num"))
        if value is None or not free(m.start("num"), m.end("num")):
            continue
        unit = _UNITS.get(m.group("cur").lower()) if m.group("cur") else None
        end = m.end("num")
        if unit is None and m.group("unit"):
            word = m.group("unit").lower()
            unit = _UNITS.get(word) or _UNITS.get(stem(word))
            end = m.end() if unit else end
        elif unit is None and (joined := _HYPHEN_UNIT.match(text, m.end("num"))):
            # "a 6.7-inch screen", "a 30-day window": the unit joined by a hyphen.
            unit = _UNITS.get(joined.group(1).lower()) or _UNITS.get(stem(joined.group(1).lower()))
            end = joined.end() if unit else end
        raw.append((value, unit, m.start(), end))
    for m in _WORD_NUMBER.finditer(text):
        if not free(m.start(), m.end()):
            continue
        unit_raw = m.group("unit")
        unit = _UNITS.get(stem(unit_raw.lower())) if unit_raw else None
        raw.append((float(_NUMBER_WORDS[m.group("num").lower()]), unit, m.start(), m.end() if unit else m.end("num")))
    raw.sort(key=lambda r: r[2])
    for i, (value, unit, start, end) in enumerate(raw):
        # "3-5 business days", "£25 to £300": the first end of a range has the second's unit.
        if (
            unit is None
            and i + 1 < len(raw)
            and raw[i + 1][1] is not None
            and _RANGE_JOIN.fullmatch(text[end : raw[i + 1][2]])
        ):
            unit = raw[i + 1][1]
        if unit is not None:
            out.append(_Amount(value, unit, start, end, text[start:end].strip()))
    return sorted(out, key=lambda a: a.start)


def computed_numbers(claim: str, *, work: Worked | None = None) -> list[tuple[int, int]]:
    """Spans of the numbers `claim` works out or hedges ("which is 100", "about 2 months", "2 months left").

    With `work` (the rest of the answer's and the question's numbers, `Worked`), a number the evidence does
    not hold that one operation over them gives counts too: "£32. That's £8 for each of the 4 months left".
    """
    spans: list[tuple[int, int]] = []
    low = claim.lower()
    ids = _identifier_spans(claim)
    for m in list(_NUMBER.finditer(claim)) + list(_WORD_NUMBER.finditer(claim)):
        if any(s <= m.start() and m.end() <= e for s, e in ids):
            continue  # a phone or account number's digit group is quoted, never worked out
        before = re.sub(r"\s+", " ", low[max(0, m.start() - 24) : m.start()]).rstrip(" $€£")
        after = " ".join(_tokens(low[m.end() :])[:3])
        hedged = any(re.search(r"(?:^|\W)" + re.escape(cue) + r"$", before) for cue in _COMPUTED_BEFORE)
        after_cue = any(after == cue or after.startswith(cue + " ") for cue in _COMPUTED_AFTER)
        value = (_to_number(m.group("num")) or 0.0) if m.re is _NUMBER else 0.0
        percent = m.re is _NUMBER and (m.group("unit") or "").lower() in ("%", "percent")
        worked = work is not None and m.re is _NUMBER and (work.derives(value) or (percent and work.complements(value)))
        if hedged or after_cue or worked:
            spans.append((m.start("num"), m.end("num")))
    return spans


def _identifier_matches(text: str) -> list[re.Match[str]]:
    """Where `text` writes a phone, account or reference number (seven digits or more)."""
    return [m for m in _IDENTIFIER.finditer(text) if len(re.sub(r"\D", "", m.group(0))) >= _IDENTIFIER_DIGITS]


def _identifier_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _identifier_matches(text)]


def _without_identifiers(text: str) -> str:
    for start, end in reversed(_identifier_spans(text)):
        text = text[:start] + " " + text[end:]
    return text


def asked_numbers(claim: str, question: str) -> list[tuple[int, int]]:
    """Spans of the claim's numbers that the question writes: the customer's own ("at 30,000 miles")."""
    asked = {value for value, _, _ in _quantities(_without_identifiers(question))}
    if not asked:
        return []
    ids = _identifier_spans(claim)

    def quoted(m: re.Match[str]) -> bool:  # part of a phone or account number
        return any(s <= m.start() and m.end() <= e for s, e in ids)

    digits = [(m.start("num"), m.end("num")) for m in _NUMBER.finditer(claim)
              if _to_number(m.group("num")) in asked and not quoted(m)]  # fmt: skip
    # "Twenty percent down" for the question's "a 20% down payment".
    words = [(m.start("num"), m.end("num")) for m in _WORD_NUMBER.finditer(claim)
             if float(_NUMBER_WORDS[m.group("num").lower()]) in asked]  # fmt: skip
    return sorted(digits + words)


@dataclass(frozen=True, slots=True)
class Worked:
    """The numbers an answer can work a result out from.

    `derives(v)` is true when `v` is not an evidence number but one operation gives it: a*b, a+b, |a-b| or
    a/b over the operands, or a*b*c with a percentage factor (p/100 or 1 - p/100), at least one operand an
    evidence number, none 0, 1 or `v` itself. An operand is a number of the answer or the question that
    the evidence or the question gives, or one the answer writes that one such operation gives ("4 months
    left" of a 12-month contract after 8): never one that only the answer's other unchecked numbers give,
    so two wrong numbers cannot vouch for each other.
    """

    operands: tuple[float, ...]
    factors: tuple[float, ...]  # from percentages the evidence or the question gives
    grounded: frozenset[float]

    @classmethod
    def of(cls, answer: str, question: str, evidence: EvidenceIndex) -> Worked:
        # Phone and account numbers are no quantities: "0345 555 0210" is not 555 - 345 = 210.
        answer, question = _without_identifiers(answer), _without_identifiers(question)
        grounded = frozenset(evidence.numbers)
        asked = [value for value, _, _ in _quantities(question)]
        written = _quantities(answer)
        given = frozenset(grounded | set(asked))
        factors = sorted({f for value, unit, _ in (*written, *_quantities(question)) if unit == "percent"
                          and 0 < value < 100 and value in given for f in (value / 100, 1 - value / 100)})  # fmt: skip
        base = cls(tuple(sorted({v for v in (*asked, *(v for v, _, _ in written)) if v in given})), (), grounded)
        # One level: a number the answer writes that the given numbers work out ("4" of "4 months left").
        level = {v for v, _, _ in written if v not in given and base.derives(v)}
        return cls(tuple(sorted({*base.operands, *level})), tuple(factors), grounded)

    def complements(self, value: float) -> bool:
        """Whether the percentage `value` is 100 minus a percentage given (a 5% deposit of a 95% loan)."""
        return value not in self.grounded and any(
            _close(value, 100 * f) and _percent_given(f, self.grounded) for f in self.factors
        )

    def derives(self, value: float) -> bool:
        if value in self.grounded or value in (0, 1):
            return False
        g = self.grounded
        ops = [o for o in self.operands if o not in (0, 1) and not _close(o, value)]
        pct = [f for f in self.factors if not _close(f, value)]
        # A factor counts as an evidence number when its percentage is one ("20%" of a $30,000 limit).
        pool = [(x, x in g) for x in ops] + [(f, _percent_given(f, g)) for f in pct]
        for i, (a, a_grounded) in enumerate(pool):
            for b, b_grounded in pool[i + 1 :]:
                if (a_grounded or b_grounded) and any(
                    _close(value, x) for x in (a * b, a + b, abs(a - b), a / b, b / a)
                ):
                    return True
        for i, a in enumerate(ops):
            for b in ops[i + 1 :]:
                if (a in g or b in g) and any(_close(value, a * b * f) for f in pct):
                    return True
        return False


def _percent_given(factor: float, grounded: frozenset[float]) -> bool:
    # `factor` is p/100 or 1 - p/100 (`Worked.factors`): either way, is p an evidence number?
    return any(_close(p, v) for v in grounded for p in (factor * 100, (1 - factor) * 100))


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.005 + 1e-4 * abs(a)


_HYPHEN_UNIT = re.compile(r"-([A-Za-z]+)\b")


def _table_rows(evidence: EvidenceIndex) -> dict[int, tuple[list[str], list[str], tuple[int, int]]]:
    """For each table row sentence (header rows left out): its cells, its header's cells, and its table's id."""

    def cells(i: int) -> list[str]:
        return [c.strip() for c in evidence.sentences[i].text.strip().strip("|").split("|")]

    out: dict[int, tuple[list[str], list[str], tuple[int, int]]] = {}
    for i, first in evidence.headers().items():
        row, header = cells(i), cells(first)
        # "| | Voltwise One | Voltwise Max |": the row labels' column has no heading, and the sentence
        # trims the empty cell, so the header is short by one on the left.
        pad = [""] * max(0, len(row) - len(header))
        out[i] = (row, pad + header, (evidence.sentences[i].passage, first))
    return out


def _line_starts(evidence: EvidenceIndex, passages: Sequence[str]) -> list[str]:
    """For each sentence: what its line holds before it ("## ", "- ", "1. ", or "" when it opens the line)."""
    out: list[str] = []
    for sent in evidence.sentences:
        text = passages[sent.passage] if sent.passage < len(passages) else ""
        out.append(text[text.rfind("\n", 0, sent.start) + 1 : sent.start])
    return out


def _headings(evidence: EvidenceIndex, starts: Sequence[str]) -> dict[int, frozenset[str]]:
    """For each passage: the words of its markdown headings ("## Chat")."""
    out: dict[int, frozenset[str]] = {}
    for sent, line in zip(evidence.sentences, starts, strict=True):
        if line.strip() and not line.strip("#").strip() and line.lstrip().startswith("#"):
            out[sent.passage] = out.get(sent.passage, frozenset()) | _words(sent.text)
    return out


def _about(subject: frozenset[str], item: _Item) -> bool:
    """Whether `item`'s sentence or section holds at least `MIN_SHARED` words of `subject`."""
    return len(subject & (item.near | item.around | item.section)) >= MIN_SHARED


def _list_items(starts: Sequence[str]) -> frozenset[int]:
    """The sentences that open a list item ("- ...", "1. ...")."""
    return frozenset(i for i, line in enumerate(starts) if LIST_MARK.fullmatch(line))


def _list_leads(evidence: EvidenceIndex, starts: Sequence[str]) -> dict[int, frozenset[str]]:
    """For each list item sentence: the words of the sentence that introduces its list ("... of up to:")."""
    out: dict[int, frozenset[str]] = {}
    lead: frozenset[str] | None = None
    for i, (sent, line) in enumerate(zip(evidence.sentences, starts, strict=True)):
        if LIST_MARK.fullmatch(line) and i > 0 and evidence.sentences[i - 1].passage == sent.passage:
            if lead is not None:
                out[i] = lead
            continue
        lead = _words(sent.text) if sent.text.rstrip().endswith(":") else None
    return out


def _keys(text: str) -> frozenset[str]:
    """The amounts of `text` as words of their own ("2000 gbp"): a value is also bound to the values beside it."""
    return frozenset(f"{_fmt(a.value)} {a.unit}" for a in _amounts(text))


class EvidenceItems:
    """The evidence's numbers and names with their contexts, read once per request for every claim.

    What only the plan-name rule needs (`_named_rival`: the names each context and sentence holds, and the
    names set side by side) is read the first time it is asked for, then kept.
    """

    def __init__(self, numbers: list[_Item], names: list[_Item], evidence: EvidenceIndex) -> None:
        self.numbers = numbers
        self.names = names
        self.evidence = evidence
        self._names_in: dict[str, frozenset[str]] = {}

    def names_in(self, text: str) -> frozenset[str]:
        """The names `text` holds (a context or a sentence), lower-cased."""
        if text not in self._names_in:
            self._names_in[text] = _context_names(text)
        return self._names_in[text]

    @functools.cached_property
    def known_names(self) -> frozenset[str]:
        """Every name the evidence writes."""
        return frozenset().union(*(self.names_in(s.text) for s in self.evidence.sentences))

    @functools.cached_property
    def sentence_names(self) -> list[list[str]]:
        """Each evidence sentence's names, as written (`_framed_names`)."""
        return [
            [e for e in _entities(s.text, drop_prepositions=True, numbered=True) if not e.startswith("<")]
            for s in self.evidence.sentences
        ]

    @functools.cached_property
    def prohibitions(self) -> list[_Prohibition]:
        """What the evidence's imperatives forbid (`prohibited`)."""
        return _prohibitions(self.evidence)

    @functools.cached_property
    def denials(self) -> list[_Denial]:
        """What the evidence's statements deny (`denied`)."""
        return _denials(self.evidence)

    @functools.cached_property
    def labelled_lines(self) -> list[list[_Line]]:
        """Each passage's labelled lines (`_labelled_lines`), for the passages with at least two."""
        return _labelled_lines(self.evidence)

    @functools.cached_property
    def siblings(self) -> list[frozenset[str]]:
        """The sets of names the evidence sets side by side (`_sibling_groups`)."""
        return _sibling_groups(self.evidence, self.names_in)


def evidence_items(evidence: EvidenceIndex, passages: Sequence[str]) -> EvidenceItems:
    """Every number and every name of the evidence, each with its context: once per request, for every claim."""
    numbers: list[_Item] = []
    names: list[_Item] = []
    rows = _table_rows(evidence)
    starts = _line_starts(evidence, passages)
    leads = _list_leads(evidence, starts)
    headings = _headings(evidence, starts)
    bullets = _list_items(starts)
    for i, sent in enumerate(evidence.sentences):
        section = headings.get(sent.passage, frozenset())
        if i in rows:
            cells, header, table = rows[i]
            label = cells[0]
            row_words = _words(" ".join(cells)) | _keys(" | ".join(cells))
            names.append(_Item(_phrase(label), label, row_words, frozenset(), sent.text, table))
            # A number in the row's label ("Below 99.5%", "Up to 5 users") is a value of that row too.
            label_near = row_words | _words(header[0] if header else "")
            for a in _amounts(label):
                numbers.append(_Item(f"{_fmt(a.value)} {a.unit}", a.surface, label_near, frozenset(), sent.text, table))
            for j, cell in enumerate(cells[1:], start=1):
                head = header[j] if j < len(header) else ""
                # Read apart: "Broadband 100" then "Monthly price" is a name, not "100 monthly".
                near = _words(cell) | _words(label) | _words(head) | _keys(f"{label} | {cell}")
                context = f"{label}, {head}: {cell}"
                for a in _amounts(cell):
                    key = f"{_fmt(a.value)} {a.unit}"
                    numbers.append(_Item(key, a.surface, near, row_words - near, context, section=section))
                for ent in _entities(cell, drop_prepositions=True, numbered=True):
                    if not ent.startswith("<"):
                        names.append(_Item(_phrase(ent), ent, near, row_words - near, context))
            continue
        whole = _words(sent.text) | _keys(sent.text)
        lead = leads.get(i, frozenset())
        # A list item with one value states one fact: "- EUR 49 at the door, if there is space." is not cut.
        whole_item = i in bullets and len(_amounts(sent.text)) == 1
        for piece in [sent.text] if whole_item else _pieces(sent.text):
            near = _words(piece) | _keys(piece) | lead
            around = whole - near
            for a in _amounts(piece):
                key = f"{_fmt(a.value)} {a.unit}"
                numbers.append(_Item(key, a.surface, near, around, piece.strip(), section=section))
            for ent in _entities(piece, drop_prepositions=True, numbered=True):
                if not ent.startswith("<"):
                    names.append(_Item(_phrase(ent), ent, near, around, piece.strip()))
    return EvidenceItems(numbers, names, evidence)


# A phrase in front of a clause that frames it: "For international parcels, it's 20 working days."
_FRAMING_WORDS = 4  # a short phrase; "After a trial that you didn't convert," is a clause of its own
_FRAMING = re.compile(r"\s*(?:for|on|with|in|at|from|under|over|by|after|before|during|outside|inside)\s", re.I)


def _pieces(sentence: str) -> list[str]:
    """The sentence cut at commas and semicolons, a framing phrase with no number kept with the clause after it."""
    out: list[str] = []
    carry = ""
    for piece in _CLAUSE_BREAK.split(sentence):
        if _FRAMING.match(piece) and not _NUMBER.search(piece) and len(piece.split()) <= _FRAMING_WORDS:
            carry += piece + ", "
            continue
        out.append(carry + piece)
        carry = ""
    if carry:
        out.append(carry.rstrip(", "))
    return out


def _phrase(text: str) -> str:
    return " ".join(_tokens(text)).lower()


def _singular(phrase: str) -> str:
    """A name phrase with its last word's plural or possessive ending cut ("direct debits", "stripe's")."""
    head, _, last = phrase.rpartition(" ")
    for ending in ("'s", "’s", "s'", "s"):
        if last.endswith(ending) and len(last) - len(ending) >= 3 and not last.endswith("ss"):
            last = last[: -len(ending)]
            break
    return f"{head} {last}" if head else last


def _same_name(a: str, b: str) -> bool:
    """Whether two name phrases are one name, up to a plural or possessive ending ("ParcelPoint(s)")."""
    return a == b or _singular(a) == _singular(b)


def _short_form(name: str, other: str, items: EvidenceItems) -> bool:
    """Whether `other` writes no more of `name` than a part of it and its category word.

    "Two Together" or "Railcards" beside the claim's "Two Together Railcard": the name's last word is a
    category when it ends at least two other names the evidence writes ("Senior Railcard", "16-25 Railcard"),
    and then a name of its words alone, or of that word alone, is the claim's name written short. "Everyday"
    stays a rival of "Everyday Plus" unless "Plus" ends two other names.
    """
    words, theirs = name.split(), other.split()
    if len(words) < 2:
        return False
    head = _singular(words[-1])
    rest = [w for w in theirs if _singular(w) != head]
    if rest != words[: len(rest)]:
        return False
    ends = {n for n in items.known_names if n not in (name, other) and _singular(n.split()[-1]) == head}
    return len(ends) >= 2


# "with no admin fee", "without a card": up to three words a claim says are absent.
_ABSENT = re.compile(r"\b(?:no|without)\s+((?:[\w'-]+\s+){0,2}[\w'-]+)", re.IGNORECASE)


def _said_absent(claim: str) -> frozenset[str]:
    """The words of what `claim` says there is none of: "€6 a day ... with no admin fee" is not about the admin fee,
    so the evidence's admin fee of €3.50 is no rival subject for its €6."""
    return frozenset().union(*(_words(m.group(1)) for m in _ABSENT.finditer(claim)))


def _share(subject: frozenset[str], item: _Item, leave_out: frozenset[str]) -> float:
    s = subject - leave_out
    return len(s & item.near) + _AROUND * len(s & (item.around - item.near))


def unbound(
    claim: str,
    evidence: EvidenceIndex,
    *,
    question: str = "",
    passages: Sequence[str] = (),
    items: EvidenceItems | None = None,
    work: Worked | None = None,
) -> list[Unbound]:
    """The numbers and names of `claim` that the evidence binds to another subject.

    Args:
        claim: the claim (its yes/no opening already removed).
        evidence: the request's evidence index.
        question: the question; its words are part of the claim's subject ("How long does
            a PIN reminder take?" answered with "Within 7 working days.").
        passages: the passages' texts, in the order `evidence` indexes them: a list item's
            context includes the sentence that introduces its list.
        items: `evidence_items(evidence, passages)` when the caller checks several claims
            against one evidence index (computed here otherwise).
        work: the answer's and question's numbers (`Worked`): a number worked out from them is not
            bound to anything.
    """
    items = items if items is not None else evidence_items(evidence, passages)
    numbers, names = items.numbers, items.names
    subject = (_words(claim) - _said_absent(claim)) | _words(question) | _keys(claim)
    out: list[Unbound] = []
    # A number the answer works out, or one the customer gave ("at 30,000 miles"), is bound to nothing.
    computed = computed_numbers(claim, work=work) + asked_numbers(claim, question)
    subject_text = f" {_phrase(claim)} {_phrase(question)} "
    amounts = _amounts(claim)
    claim_keys = {f"{_fmt(a.value)} {a.unit}" for a in amounts}
    for a in amounts:
        if any(s < a.end and a.start < e for s, e in computed):
            continue
        key = f"{_fmt(a.value)} {a.unit}"
        held = [it for it in numbers if it.key == key]
        if any(it.near & (claim_keys - {key}) and _about(subject - claim_keys, it) for it in held):
            # "£10,000 per payment, with a £20,000 daily limit": the values stand together in the evidence too,
            # said of the claim's subject ("9am to 5pm" under "## Chat" is no pair for the phone line's hours).
            continue
        seen: frozenset[str] = frozenset().union(*(it.near | it.around for it in held))
        own = max((_share(subject, it, frozenset({key})) for it in held), default=None)
        floor = MIN_SHARED if own is None else max(own + MARGIN, MIN_SHARED)
        best: tuple[_Item, float] | None = None
        for it in numbers:
            if not it.key.endswith(f" {a.unit}") or it.key in claim_keys:
                continue
            # The rival must hold something of the subject that no context of the claim's value has at all:
            # "higher-rate taxpayers £500" beside "basic-rate taxpayers can earn £1,000 ... tax-free" is not
            # bound to "earn ... tax-free" any less than the £1,000 is.
            if not (subject & (it.near | it.around)) - seen:
                continue
            got = _share(subject, it, frozenset({key}))
            if got >= floor and (best is None or got > best[1]):
                best = (it, got)
        if best is None and (named := _named_rival(key, a.unit, subject_text, items)) is not None:
            best = (named, 0.0)
        if best is not None:
            out.append(Unbound("number", a.surface, best[0].surface, best[0].context))
    claim_low = f" {_phrase(claim)} "
    claim_names = [e for e in _entities(claim, drop_prepositions=True, numbered=True) if not e.startswith("<")]
    for ent in claim_names:
        key = _phrase(ent)
        mine = _words(ent)
        # "Everyday" is a rival of "Everyday Plus" even though the claim's name contains it.
        others = claim_low.replace(f" {key} ", " ")
        own_items = [it for it in names if _same_name(it.key, key) or f" {key} " in f" {it.key} "]
        if not own_items:
            if (renumbered := _renumbered(key, claim_low, names, items.evidence)) is not None:
                out.append(Unbound("name", ent, renumbered.surface, renumbered.context))
            continue
        tables = {it.table for it in own_items if it.table is not None}
        own = max(_share(subject, it, mine) for it in own_items)
        best_rival: tuple[_Item, float] | None = None
        for it in names:
            if _same_name(it.key, key) or f" {it.key} " in others or f" {key} " in f" {it.key} ":
                continue
            if _short_form(key, it.key, items):
                continue
            theirs = _words(it.surface)
            related = bool(mine & theirs) or (it.table is not None and it.table in tables)
            if not related:
                continue
            got = _share(subject, it, mine | theirs)
            if best_rival is None or got > best_rival[1]:
                best_rival = (it, got)
        if best_rival is not None and best_rival[1] >= max(own + MARGIN, MIN_SHARED):
            out.append(Unbound("name", ent, best_rival[0].surface, best_rival[0].context))
    already = {u.claim_value for u in out}
    out += [u for u in _list_swaps(claim, evidence) if u.claim_value not in already]
    already |= {u.claim_value for u in out}
    out += [u for u in _framed_names(claim, claim_names, items) if u.claim_value not in already]
    already |= {u.claim_value for u in out}
    out += [u for u in _label_swaps(claim, items) if u.claim_value not in already]
    return out


# A list item or a line that a name labels: "Standard: you can add it for $4 a month per car."
_LABEL = re.compile(r"\s*(?:[-*+]\s*)?([A-Z][^:\n]{0,40}?):\s")


# How many words on one side of a name make its frame ("It's free with ___").
NAME_FRAME = 3


def _name_frames(text: str, name: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The words before and after each place `text` writes `name`, lower-cased, `NAME_FRAME` on each side."""
    out = []
    for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
        before = tuple(t.lower() for t in _tokens(text[: m.start()])[-NAME_FRAME:])
        after = tuple(t.lower() for t in _tokens(text[m.end() :])[:NAME_FRAME])
        out.append((before, after))
    return out


def _framed_names(claim: str, claim_names: Sequence[str], items: EvidenceItems) -> list[Unbound]:
    """Claim names written in the very words the evidence gives a related name ("It's free with ___").

    "It's free with Fibre 500" beside "The box costs a one-off £49 on Fibre 150 and Fibre 500. It's free
    with Full Fibre 900.": the claim took the sentence about Full Fibre 900 and put in another plan. The
    name-level twin of the number check's framed swap (`signals._framed_swap`).
    """
    out: list[Unbound] = []
    claim_low = f" {_phrase(claim)} "
    for ent in claim_names:
        key, mine = _phrase(ent), _words(ent)
        frames = [f for f in _name_frames(claim, ent) if f[0] or f[1]]
        if not frames or not mine:
            continue
        sentences = items.evidence.sentences
        # The evidence frames the claim's own name the same way somewhere: nothing swapped.
        own = {f for sent in sentences for f in _name_frames(sent.text, ent)}
        found = None
        for sent, names in zip(sentences, items.sentence_names, strict=True):
            if f" {key} " in f" {_phrase(sent.text)} ":
                continue
            for other in names:
                if not (_words(other) & mine) or f" {_phrase(other)} " in claim_low:
                    continue
                for before, after in _name_frames(sent.text, other):
                    for c_before, c_after in frames:
                        same = [w for w, o in ((c_before, before), (c_after, after)) if len(w) == NAME_FRAME and w == o]
                        if any(any(t not in _STOPWORDS for t in w) for w in same) and not any(
                            f[i] and (c_before, c_after)[i] == f[i] for f in own for i in (0, 1)
                        ):
                            found = Unbound("name", ent, other, sent.text)
                if found:
                    break
            if found:
                break
        if found:
            out.append(found)
    return out


def _renumbered(key: str, claim_low: str, names: Sequence[_Item], evidence: EvidenceIndex) -> _Item | None:
    """A name of the evidence that is the claim's numbered name with another number, where the claim's is nowhere.

    "free for 12 months on Fibre 500" where the evidence only writes "Full Fibre 900": a plan named by a
    number differs from its siblings by nothing else, and the number check leaves a bare number alone.
    """
    words = key.split()
    digits = {w for w in words if w.isdigit()}
    label = set(words) - digits
    if not digits or not label or f" {key} " in evidence.lowered:
        return None
    for it in names:
        theirs = it.key.split()
        numbers = {w for w in theirs if w.isdigit()}
        if numbers and numbers != digits and label <= set(theirs) and f" {it.key} " not in claim_low:
            return it
    return None


def _context_names(text: str) -> frozenset[str]:
    # A table row's cells are read apart: "Voltwise One | Voltwise Max" names two models, not one.
    names = [e for cell in text.split("|") for e in _entities(cell, drop_prepositions=True, numbered=True)]
    return frozenset(_phrase(e) for e in names if not e.startswith("<"))


def _sibling_groups(
    evidence: EvidenceIndex, names_in: Callable[[str], frozenset[str]] = _context_names
) -> list[frozenset[str]]:
    """Sets of names the evidence sets side by side: one sentence's, one table's row labels, one passage's labels."""
    groups = [names for sent in evidence.sentences if len(names := names_in(sent.text)) > 1]
    tables: dict[tuple[int, int], set[str]] = {}
    for cells, _, table in _table_rows(evidence).values():
        tables.setdefault(table, set()).add(_phrase(cells[0]))
    labels: dict[int, set[str]] = {}
    for sent in evidence.sentences:
        if m := _LABEL.match(sent.text):
            labels.setdefault(sent.passage, set()).update(names_in(m.group(1)))
    groups += [frozenset(g) for g in (*tables.values(), *labels.values()) if len(g) > 1]
    return groups


# What joins the names of one label: "Gold and Platinum", "Core & Plus", "Silver, Blue".
_LABEL_JOIN = re.compile(r"\s*(?:,|/|&|\band\b|\bor\b)\s*", re.IGNORECASE)
# How many of the claim's words another labelled line must share with it, and by how many more than the
# line of the label the claim names: a clear margin, since lines of one list share much of their wording.
LABEL_SHARED = 3
LABEL_MARGIN = 2


@dataclass(frozen=True, slots=True)
class _Line:
    """A labelled line of a passage ("- Gold: 1 extra bag."): its label's names, as written, and its text's words."""

    names: tuple[str, ...]
    words: frozenset[str]
    text: str
    negations: int  # `polarity` of the line


def _labelled_lines(evidence: EvidenceIndex) -> list[list[_Line]]:
    """Each passage's labelled lines, for the passages with at least two."""
    by_passage: dict[int, list[_Line]] = {}
    for sent in evidence.sentences:
        m = _LABEL.match(sent.text)
        if m is None:
            continue
        names = tuple(part.strip() for part in _LABEL_JOIN.split(m.group(1)) if part.strip())
        body = sent.text[m.end() :]
        line = _Line(names, _words(body) | _keys(body), sent.text.strip(), polarity(sent.text))
        by_passage.setdefault(sent.passage, []).append(line)
    return [lines for lines in by_passage.values() if len(lines) > 1]


def _writes(text: str, name: str) -> bool:
    """Whether `text` writes `name` as a label writes it (case kept: "Plus", not "plus any fee")."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?:s|'s|’s)?(?![\w-])", text) is not None


def _spoken_of(label: str, words: frozenset[str]) -> bool:
    """Whether `words` hold every word of `label`, or a word it begins with ("inspected" for "Inspection")."""
    mine = _words(label)
    return bool(mine) and all(any(w == m or (len(w) >= 4 and m.startswith(w)) for w in words) for m in mine)


def _label_swaps(claim: str, items: EvidenceItems) -> list[Unbound]:
    """Label names the claim gives a labelled line's property that another label of the same list holds.

    "Silver members get every seat free on any fare" beside "- Silver: Standard seats free on any fare." and
    "- Gold and Platinum: every seat free on any fare, including Extra Legroom.": the property is on Gold's and
    Platinum's line, and the claim names neither of them. Read for each clause of the claim that writes the
    name, on that clause and on the whole claim ("towel service is included on Plus, so just grab one at the
    front desk": the clause is Elite's line, the rest is Plus's), each only where it negates as often as the
    other line does ("Classic doesn't include Extra Legroom" says that what Flex has is not Classic's). A line
    whose label the claim speaks of in other words ("once we've inspected it" for "- Inspection: ...") is no
    rival: such lines are the steps of one process, not parallel labels.
    """
    out: list[Unbound] = []
    whole = _words(claim) | _keys(claim)
    pieces = [(piece, _words(piece) | _keys(piece), polarity(piece)) for piece in _pieces(claim)]
    for lines in items.labelled_lines:
        # Lines whose label the claim writes or speaks of are its subject too, never a rival.
        open_lines = [ln for ln in lines if not any(_writes(claim, n) or _spoken_of(n, whole) for n in ln.names)]
        for piece, words, negations in pieces:
            for name in sorted({n for line in lines for n in line.names if _writes(piece, n)}):
                if name in {u.claim_value for u in out}:
                    continue
                own = [line for line in lines if name in line.names]
                mine = _words(name)
                for parity, shared in ((negations, words - mine), (polarity(claim), whole - mine)):
                    floor = max(LABEL_SHARED, max(len(shared & line.words) for line in own) + LABEL_MARGIN)
                    rivals = [
                        (len(shared & line.words), line)
                        for line in open_lines
                        if line not in own and parity == line.negations
                    ]
                    got, best = max(rivals, key=lambda r: r[0], default=(0, None))
                    if best is not None and got >= floor:
                        out.append(Unbound("name", name, " and ".join(best.names), best.text))
                        break
    return out


def _named_rival(key: str, unit: str, subject_text: str, items: EvidenceItems) -> _Item | None:
    """Another value of `unit` whose context names the plan the subject names, where the value's own never does.

    "up to 50 miles on Plus, up to 15 miles with the Standard add-on": to "does standard include towing?",
    50 miles is Plus's. Names are matched without case, since customers type "standard".
    """
    held = [it for it in items.numbers if it.key == key]
    if not held:
        return None
    own = frozenset().union(*(items.names_in(it.context) for it in held))
    asked = {name for name in items.known_names if f" {name} " in subject_text}
    if not asked or own & asked:
        return None
    for name in sorted(asked):
        if not any(name in g and g & own for g in items.siblings):
            continue
        for it in items.numbers:
            if it.key != key and it.key.endswith(f" {unit}") and name in items.names_in(it.context):
                return it
    return None


# What joins the members of a list of names: a comma (and an "and"/"or" after it), "and", "or", "&", "/".
_LIST_GAP = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|&\s*|/\s*)", re.IGNORECASE)


def _name_lists(text: str) -> list[list[str]]:
    """The lists of two or more names `text` writes ("Florida, Louisiana or Alaska"), each in order."""
    names: list[str] = []
    for ent in _entities(text, drop_prepositions=True, numbered=True):
        if not ent.startswith("<"):
            names += [part for part in re.split(r"\s+(?:and|&)\s+", ent) if part]
    lists: list[list[str]] = []
    run: list[str] = []
    cursor, end = 0, 0
    for name in names:
        at = text.find(name, cursor)
        if at < 0:
            continue
        if run and _LIST_GAP.fullmatch(text[end:at]):
            run.append(name)
        else:
            if len(run) > 1:
                lists.append(run)
            run = [name]
        cursor = end = at + len(name)
    if len(run) > 1:
        lists.append(run)
    return lists


def _list_swaps(claim: str, evidence: EvidenceIndex) -> list[Unbound]:
    """Names of the claim's lists that stand where the evidence's same list has another member.

    "It isn't available in Florida, Louisiana or Hawaii" beside "It isn't available in Florida,
    Louisiana or Alaska": Hawaii is written nowhere, the rest of its list is, and so is a list of
    them with Alaska.
    """

    def written(name: str) -> bool:
        return f" {_phrase(name)} " in evidence.lowered

    out: list[Unbound] = []
    evidence_lists = [(sent.text, lst) for sent in evidence.sentences for lst in _name_lists(sent.text)]
    for lst in _name_lists(claim):
        missing = [n for n in lst if not written(n)]
        if len(missing) != 1 or len(lst) < 2:
            continue
        others = {_phrase(n) for n in lst if n != missing[0]}
        for text, theirs in evidence_lists:
            keys = {_phrase(n) for n in theirs}
            rivals = [n for n in theirs if _phrase(n) not in others]
            if others <= keys and rivals:
                out.append(Unbound("name", missing[0], rivals[0], text))
                break
    return out


def _universal_pairs(text: str) -> list[tuple[str, str]]:
    """`(universal word, the content word it quantifies)` for each un-negated "every X", "all X", "anyone X"."""
    toks = [t.lower() for t in _tokens(text)]
    out: list[tuple[str, str]] = []
    for i, tok in enumerate(toks):
        if tok not in _UNIVERSALS or (i > 0 and toks[i - 1] == "at"):
            continue
        # "not all branches", "isn't open to everyone": a negated universal narrows, it does not widen.
        if any(t in _NEGATIONS or t.endswith("n't") for t in toks[max(0, i - _SCOPE_REACH) : i]):
            continue
        nxt = [stem(t) for t in toks[i + 1 : i + 1 + _SCOPE_REACH] if t not in _STOPWORDS and t not in _UNIVERSALS]
        if nxt:
            out.append((tok, nxt[0]))
    return out


def overreach(claim: str, evidence: EvidenceIndex) -> str | None:
    """A rule the claim states of everyone or everything that the evidence never states so widely.

    "Original shipping charges are refunded on every return" where the evidence refunds them only
    for defective items; "the Student account is open to anyone studying full time" where it is for
    undergraduates. The claim quantifies a word ("every return") that no universal of the evidence
    quantifies; returns the reason, or None.
    """
    widened = {word for s in evidence.sentences for _, word in _universal_pairs(s.text)}
    for universal, word in _universal_pairs(claim):
        if word not in widened:
            return f"'{universal} {word}...' states more widely than the evidence, which never says {universal} {word}"
    return None


# "Don't press the reset pinhole", "Do not cancel your old service first", "Never share your code":
# the prohibition and what it reaches (up to punctuation, at most `_PROHIBITION_REACH` words).
# Only an imperative: the words open the sentence or a clause after ":" or ";" ("Points from gift cards do not
# earn points" states a rule, it forbids nothing).
_PROHIBITION = re.compile(r"(?:^|[:;]\s*)(?:don't|don’t|do not|never)\s+([^.,;:!?()]+)", re.IGNORECASE)
_PROHIBITION_REACH = 5


@dataclass(frozen=True, slots=True)
class _Prohibition:
    """One imperative of the evidence: what it reaches, its verb as written, and its words."""

    reaches: frozenset[str]  # the content words of its next `_PROHIBITION_REACH` words (at least two)
    verb: str  # the forbidden verb, lower-cased: the first word after "don't / do not / never"
    said: str


def _prohibitions(evidence: EvidenceIndex) -> list[_Prohibition]:
    """What the evidence's imperatives forbid."""
    banned: list[_Prohibition] = []
    for sent in evidence.sentences:
        for m in _PROHIBITION.finditer(sent.text):
            toks = _tokens(m.group(1))
            words = _words(" ".join(toks[:_PROHIBITION_REACH]))
            if len(words) >= 2:
                banned.append(_Prohibition(words, toks[0].lower(), m.group(0).strip()))
    return banned


def prohibited(claim: str, evidence: EvidenceIndex, *, items: EvidenceItems | None = None) -> str | None:
    """An action the claim tells the customer to take that the evidence tells them not to.

    "Press and hold the reset pinhole for 30 seconds" beside "Don't press the reset pinhole: a factory
    reset deletes your settings". The evidence's "don't / do not / never" reaches its next five words; a
    clause of the claim with no negation of its own that holds every content word of them (at least two)
    does what the evidence forbids. `items` (`evidence_items`) holds the evidence's prohibitions read once per
    request; without it they are read here. Returns the reason, or None.
    """
    banned = items.prohibitions if items is not None else _prohibitions(evidence)
    if not banned:
        return None
    for clause in _CLAUSE_BREAK.split(claim):
        if negated(clause):
            continue
        toks = [t.lower() for t in _tokens(clause)]
        words = _words(clause)
        for ban in banned:
            # Told to do it, the claim writes the verb as the imperative does: "pay", not "paying" ("because
            # paying the penalty fare counts as accepting it" explains the rule, it breaks nothing).
            if ban.verb in toks and ban.reaches <= words:
                return f"the evidence says '{ban.said[:60]}', which the claim tells the customer to do"
    return None


# A statement that something is not so: a negated auxiliary, a few words that do not change what is denied, then
# the denied verb and what it reaches ("You can't load Advance tickets", "A replacement doesn't start a new warranty").
_DENIAL = re.compile(
    r"\b(?:can't|can’t|cannot|can not|won't|won’t|will not|doesn't|doesn’t|does not|don't|don’t|do not|didn't"
    r"|didn’t|isn't|isn’t|is not|aren't|aren’t|are not)\s+(?:(?:be|always|usually|currently|yet|also|able to)\s+)*"
    r"([a-z][^.,;:!?()]*)",
    re.IGNORECASE,
)
_DENIAL_REACH = 4


@dataclass(frozen=True, slots=True)
class _Denial:
    """One denied statement of the evidence: what it reaches, what stands before it, and the sentence."""

    reaches: frozenset[str]  # content stems of the denied verb and its next words (at least two)
    lead: str  # the denied verb as written
    subject: frozenset[str]  # content stems of the sentence before the negation
    subject_names: frozenset[str]  # names written before the negation, lower-cased
    names: frozenset[str]  # every name of the sentence, lower-cased
    said: str


def _names(text: str) -> frozenset[str]:
    return frozenset(n.lower() for n in _entities(text, drop_prepositions=True))


def clauses(text: str) -> list[str]:
    """`text` cut at commas and semicolons: the pieces the binding and channel checks read one at a time."""
    return _CLAUSE_BREAK.split(text)


def negated(clause: str) -> bool:
    """Whether `clause` says no, not, never or a "-n't" word."""
    return any(t in _NEGATIONS or t.endswith("n't") or t.endswith("n’t") for t in (x.lower() for x in _tokens(clause)))


def _denials(evidence: EvidenceIndex) -> list[_Denial]:
    """What the evidence's sentences deny, less what another of its clauses states outright."""
    found: list[_Denial] = []
    for sent in evidence.sentences:
        for m in _DENIAL.finditer(sent.text):
            toks = _tokens(m.group(1))
            words = _words(" ".join(toks[:_DENIAL_REACH]))
            if len(words) < 2:
                continue
            before = sent.text[: m.start()]
            found.append(
                _Denial(words, toks[0].lower(), _words(before), _names(before), _names(sent.text), sent.text.strip())
            )
    if not found:
        return found
    # "You can't pay online, but you can pay by phone at ...": what one clause denies, another may state.
    clauses = [clause for sent in evidence.sentences for clause in _CLAUSE_BREAK.split(sent.text)]

    def stated(d: _Denial) -> bool:
        for clause in clauses:
            if d.lead not in clause.lower():  # a cheap test first: most clauses lack the verb
                continue
            toks = [t.lower() for t in _tokens(clause)]
            if d.lead in toks and not negated(clause) and d.reaches <= _words(clause):
                return True
        return False

    return [d for d in found if not stated(d)]


def denied(claim: str, evidence: EvidenceIndex, *, items: EvidenceItems | None = None) -> str | None:
    """A statement of the claim that the evidence denies in the same words.

    "Yes, you can load Advance tickets onto your Key card" beside "You can't load Advance tickets, First
    Class tickets or railcards onto a Key card"; "A replacement starts a new warranty" beside "A replacement
    item doesn't start a new warranty". The evidence's negated auxiliary reaches its verb and next words
    (`_DENIAL_REACH`, at least two content words); a clause of the claim with no negation of its own and no
    "only" that holds every content word of them states what the evidence denies, when it also shares a word
    with what stands before the negation (the subject, where there is one) and does not name something else
    where the evidence names its subject ("every parcel to the EU needs a customs declaration" beside
    "Parcels from Great Britain to Northern Ireland don't need a customs declaration"). What another clause of
    the evidence states outright is not denied. `items` (`evidence_items`) holds the evidence's denials read
    once per request. Returns the reason, or None.
    """
    denials = items.denials if items is not None else _denials(evidence)
    if not denials:
        return None
    for clause in _CLAUSE_BREAK.split(claim):
        toks = [t.lower() for t in _tokens(clause)]
        if "only" in toks or negated(clause):
            continue
        words = _words(clause)
        names: frozenset[str] | None = None  # read only for a denial that names its subject
        for d in denials:
            if not d.reaches <= words or (d.subject and not d.subject & words):
                continue
            if d.subject_names:
                names = _names(clause) if names is None else names
                if not d.subject_names & names and names - d.names:
                    continue
            return f"the evidence says '{d.said[:60]}', which the claim states"
    return None
