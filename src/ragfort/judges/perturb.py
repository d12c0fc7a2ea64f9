"""In-domain training pairs for the grounding judge, generated from help-center articles.

The support judge reads a passage and a claim from a support answer and says
whether the passage supports the claim. Public entailment sets do not read
like support answers, so this module makes pairs that do, from any folder of
help articles (Markdown, HTML or text), through ragfort's own ingest: every
premise is a chunk exactly as ``ragfort ingest`` cuts it, sometimes with a
neighbouring chunk of the same document (retrieval returns several).

Every hypothesis starts from one sentence of the premise (or two):

- supported (label 1): ``verbatim`` (the sentence, or its main clause),
  ``paraphrase`` (synonyms.py, person and voice, clause order, asides
  dropped), ``yes_no`` ("Can I ...?\\nYes, you can.", "No." to a negative
  rule), ``fragment`` ("How long ...?\\nWithin 14 days.") and ``inference``
  (two sentences merged into one claim);
- unsupported (label 0), each one edit away from a supported claim:
  ``number_swap``, ``entity_swap``, ``negation``, ``conflation``,
  ``addition``, ``partial`` and ``wrong_scope``, as evals/grounding/README.md
  defines them.

An edit is kept only when the premise cannot back its result: a new number or
name must not occur in the premise, the edited claim must not be part of it,
the words around an edit must not be either; when a rule is unsure, the
sentence yields no pair of that kind. Everything is regular expressions and
word lists, deterministic for a seed.

    pairs = generate_pairs(CORPORA["voltwise"], corpus="voltwise", seed=0)
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ragfort.index.chunking import chunk_text
from ragfort.index.loaders import discover, load_document
from ragfort.judges import synonyms as syn
from ragfort.text import FUNCTION_WORDS

__all__ = [
    "CORPORA",
    "KINDS",
    "SUPPORTED_KINDS",
    "UNSEEN_CORPORA",
    "UNSUPPORTED_KINDS",
    "Example",
    "Pair",
    "counterfactual_negations",
    "generate_examples",
    "generate_pairs",
]

_REPO = Path(__file__).resolve().parents[3]

CORPORA: dict[str, Path] = {
    "voltwise": _REPO / "examples" / "help_center",
    "northbeam": _REPO / "evals" / "corpora" / "northbeam_bank",
    "skylark": _REPO / "evals" / "corpora" / "skylark_air",
    "ledgerly": _REPO / "evals" / "corpora" / "ledgerly",
    "brightwater": _REPO / "evals" / "corpora" / "brightwater_energy",
    "parcelwise": _REPO / "evals" / "corpora" / "parcelwise",
    "kestrel": _REPO / "evals" / "corpora" / "kestrel_fitness",
    "marlowe": _REPO / "evals" / "corpora" / "marlowe_vets",
    "tallyho": _REPO / "evals" / "corpora" / "tallyho_payroll",
}

# Help centers nothing is trained or tuned on (evals/grounding_unseen/README.md): never in `CORPORA`, so no training
# mix generates from them; their cases live in evals/*_unseen/ only, which no mix reads. One map for the checker,
# the benchmarks and the tests.
UNSEEN_CORPORA: dict[str, Path] = {
    "cobalt": _REPO / "evals" / "corpora" / "cobalt_fibre",
    "fernhill": _REPO / "evals" / "corpora" / "fernhill_insurance",
    "harbourline": _REPO / "evals" / "corpora" / "harbourline_rail",
    "pinecrest": _REPO / "evals" / "corpora" / "pinecrest_home",
    "birchwood": _REPO / "evals" / "corpora" / "birchwood_dental",
    "wrenfield": _REPO / "evals" / "corpora" / "wrenfield_car_hire",
    "tidewell": _REPO / "evals" / "corpora" / "tidewell_water",
    "quillstack": _REPO / "evals" / "corpora" / "quillstack",
}

# Help centers written blind in session 30 (evals/grounding_blind/README.md), after every rule and model shipped then:
# a held-out estimate, apart from UNSEEN_CORPORA so the figures pooled over those stay comparable across sessions.
# Never in `CORPORA` either: no training mix reads them.
BLIND_CORPORA: dict[str, Path] = {
    "ostara": _REPO / "evals" / "corpora" / "ostara_hotels",
    "greengage": _REPO / "evals" / "corpora" / "greengage_grocery",
}

SUPPORTED_KINDS = ("verbatim", "paraphrase", "yes_no", "fragment", "inference")
UNSUPPORTED_KINDS = ("number_swap", "entity_swap", "negation", "conflation", "addition", "partial", "wrong_scope")
KINDS = SUPPORTED_KINDS + UNSUPPORTED_KINDS


@dataclass(frozen=True, slots=True)
class Pair:
    """One training pair for the support judge.

    Attributes:
        premise: passage text (a chunk, or two neighbouring chunks of one document).
        hypothesis: the claim; for yes/no and fragment answers ``"question\\nanswer"``.
        label: 1 when the premise supports the hypothesis, 0 when it does not.
        kind: one of `KINDS` (see evals/grounding/README.md).
        corpus: the corpus name given to `generate_pairs`.
        doc_id: the premise's document, as ingest names it.
    """

    premise: str
    hypothesis: str
    label: int
    kind: str
    corpus: str
    doc_id: str


@dataclass(frozen=True, slots=True)
class Example:
    """A `Pair` with its provenance, for tests, reports and debugging.

    Attributes:
        pair: the pair.
        source: the supported claim the hypothesis was built from (for a
            negative, the claim before the edit).
        old: the span the edit replaced ("" when nothing was replaced).
        new: the text the edit put in (a number, a name, a clause; "" for positives).
    """

    pair: Pair
    source: str
    old: str = ""
    new: str = ""


def generate_pairs(root: Path, *, corpus: str, seed: int = 0, per_sentence: int = 2) -> list[Pair]:
    """Training pairs from every help article under `root`, shuffled.

    Args:
        root: a folder of Markdown, HTML or text articles (or one file).
        corpus: the name stored on every pair.
        seed: the same seed gives the same pairs.
        per_sentence: at most this many supported and this many unsupported
            pairs start from each sentence.

    Raises:
        ragfort.errors.InputError: `root` is missing or holds no article.
    """
    return [e.pair for e in generate_examples(root, corpus=corpus, seed=seed, per_sentence=per_sentence)]


def counterfactual_negations(examples: Iterable[Example]) -> list[Pair]:
    """Two more pairs per polarity flip, on a passage where the flip is what it says.

    A flip ("Accessories cannot be financed" made "Accessories can be
    financed") is an unsupported pair, and most flips insert a negation, so a
    judge can learn "a claim that says not is wrong" instead of reading the
    passage: the shipped support judge scores the correct negative reading of
    a rule below the wrong positive one. For each flip whose source sentence
    the premise holds word for word (and whose hypothesis is one statement,
    not a question and its answer), the premise is rewritten with the flipped
    sentence in place of the source, and on that passage the flip is
    supported (kind ``counterfactual``) and the source is not (``negation``).
    Across the pairs each polarity is then right as often as it is wrong.
    """
    out: list[Pair] = []
    for ex in examples:
        pair = ex.pair
        if pair.kind != "negation" or "\n" in pair.hypothesis or not ex.source or ex.source not in pair.premise:
            continue
        flipped = pair.premise.replace(ex.source, pair.hypothesis, 1)
        out.append(Pair(flipped, pair.hypothesis, 1, "counterfactual", pair.corpus, pair.doc_id))
        out.append(Pair(flipped, ex.source, 0, "negation", pair.corpus, pair.doc_id))
    return out


def generate_examples(root: Path, *, corpus: str, seed: int = 0, per_sentence: int = 2) -> list[Example]:
    """`generate_pairs`, keeping each pair's source claim and edit (see `Example`)."""
    if per_sentence < 1:
        raise ValueError(f"per_sentence must be at least 1, got {per_sentence!r}")
    c = _load_corpus(root, corpus)
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    out: list[Example] = []
    seen: set[tuple[str, str]] = set()
    for d, doc in enumerate(c.docs):
        for k in range(len(doc.chunks)):
            premise = _premise_for(c, d, k, rng)
            for sent in doc.sents[k]:
                made = _from_sentence(c, premise, sent, rng)
                for label in (1, 0):
                    picked = _pick(made, label, counts, per_sentence, rng)
                    for ex in picked:
                        key = (ex.pair.premise, ex.pair.hypothesis)
                        if key in seen:
                            continue
                        seen.add(key)
                        counts[ex.pair.kind] += 1
                        out.append(ex)
    out = _balance(out, rng)
    rng.shuffle(out)
    return out


# ---------------------------------------------------------------- text helpers

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*")
_NORM_TOKEN = re.compile(r"[a-z0-9$%€£]+(?:['.][a-z0-9]+)*")
_NUM = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_SPACE = re.compile(r"\s+")
_WORD_NUMBERS = {
    1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
    10: "ten", 11: "eleven", 12: "twelve", 14: "fourteen", 15: "fifteen", 20: "twenty", 30: "thirty",
}  # fmt: skip
_STOP = FUNCTION_WORDS | {"not", "no", "can't", "cannot", "don't", "doesn't", "isn't", "aren't", "won't"}


def _stem(word: str) -> str:
    w = word.lower()
    for suffix in ("ing", "ies", "es", "ed", "ly", "s"):
        if len(w) - len(suffix) >= 3 and w.endswith(suffix):
            w = w[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return w


def _stems(text: str) -> frozenset[str]:
    """Stemmed content words: what two texts share when they are about the same thing."""
    return frozenset(_stem(t) for t in _TOKEN.findall(text) if t.lower() not in _STOP and len(t) > 2)


def _norm(text: str) -> str:
    """Lower-cased, stemmed words: "Credit cards" and "credit card" are the same phrase to a containment check."""
    return " ".join(_stem(t) if t.isalpha() else t for t in _NORM_TOKEN.findall(text.lower().replace("’", "'")))


def _within(haystack_norm: str, text: str) -> bool:
    """`text` occurs in the normalised `haystack_norm` as whole words."""
    n = _norm(text)
    return bool(n) and f" {n} " in f" {haystack_norm} "


def _fmt(value: float, decimals: int = 0, commas: bool = False) -> str:
    s = f"{value:,.{decimals}f}" if commas else f"{value:.{decimals}f}"
    return s


def _num_key(raw: str) -> str:
    v = float(raw.replace(",", ""))
    return str(int(v)) if v == int(v) else f"{v:g}"


def _numbers(text: str) -> frozenset[str]:
    return frozenset(_num_key(m.group(0)) for m in _NUM.finditer(text))


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


_CONTACT = re.compile(r"\S+@\S+|\+?\d[\d -]{6,}\d|\b[\w-]+\.(?:example|com|org|net)(?:/\S*)?")
_LABEL = re.compile(r"^[^:]{1,40}: ")


def _words(text: str) -> int:
    """Words of `text`, not counting email addresses, phone numbers and web addresses."""
    return sum(1 for t in _TOKEN.findall(_CONTACT.sub(" ", text)) if t[0].isalpha())


def _joinable(text: str) -> bool:
    """A sentence that reads well inside another: no "Label: ..." form, no contact line."""
    return not _LABEL.match(text) and not _CONTACT.search(text)


def _clean(sentence: str) -> str:
    s = _SPACE.sub(" ", sentence).strip()
    return re.sub(r"\s+([.,;:!])", r"\1", s)


# ---------------------------------------------------------------- the corpus


@dataclass(frozen=True, slots=True)
class _Sent:
    text: str
    doc: int
    chunk: int
    index: int
    stems: frozenset[str]


@dataclass(slots=True)
class _Doc:
    doc_id: str
    chunks: list[str]
    sents: list[list[_Sent]]


@dataclass(slots=True)
class _Corpus:
    name: str
    docs: list[_Doc]
    names: frozenset[str]
    quantities: dict[str, list[tuple[float, ...]]]
    clock_hours: list[int]
    alternatives: dict[str, tuple[str, ...]]
    entity_re: re.Pattern[str] | None
    channels: tuple[str, ...]
    regions: tuple[str, ...]
    sents: list[_Sent]
    by_stem: dict[str, list[int]]
    clauses: dict[str, _Clause | None]
    used: Counter[str]
    topics: list[frozenset[str]]


def _claim_sentence(text: str) -> bool:
    """A sentence that states something on its own: no heading, table row, list fragment or question."""
    if not text or text[-1] not in ".!" or "|" in text or "http" in text:
        return False
    if not (text[0].isupper() or text[0] in "$€£" or text[0].isdigit()):
        return False
    return 5 <= _words(text) <= 45


def _load_corpus(root: Path, name: str) -> _Corpus:
    docs: list[_Doc] = []
    raw_texts: list[str] = []
    all_sentences: list[str] = []
    for doc_id, path in discover(root):
        loaded = load_document(path, doc_id=doc_id)
        chunks = chunk_text(loaded.text, title=loaded.title)
        doc = _Doc(doc_id=doc_id, chunks=[ch.text for ch in chunks], sents=[])
        d = len(docs)
        for k, ch in enumerate(chunks):
            row: list[_Sent] = []
            for s, e in ch.sentences:
                text = _clean(ch.text[s:e])
                all_sentences.append(text)
                if _claim_sentence(text):
                    row.append(_Sent(text, d, k, len(row), _stems(text)))
            doc.sents.append(row)
        docs.append(doc)
        raw_texts.append(
            path.read_text(encoding="utf-8", errors="replace") if path.suffix.lower() in (".md", ".markdown") else ""
        )
    names = _harvest_names(all_sentences)
    full_text = "\n".join(ch for doc in docs for ch in doc.chunks)
    quantities: dict[str, set[tuple[float, ...]]] = defaultdict(set)
    hours: set[int] = set()
    for text in all_sentences:
        for q in _quantities(text):
            quantities[q.unit].add(q.values)
        for m in _CLOCK.finditer(text):
            hours.add(int(m.group("h")))
    families = _harvest_families(docs, raw_texts, all_sentences, full_text)
    alternatives: dict[str, list[str]] = defaultdict(list)
    for fam in families:
        for member in fam:
            for other in fam:
                if other != member and other not in alternatives[member]:
                    alternatives[member].append(other)
    entity_re = None
    if alternatives:
        keys = sorted(alternatives, key=lambda s: (-len(s), s))
        entity_re = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w-])")
    channels = tuple(ch for ch, pattern, _ in syn.CHANNELS if re.search(pattern, full_text))
    regions = tuple(r for r in syn.COUNTRIES if re.search(rf"(?<![\w-]){re.escape(r)}(?![\w-])", full_text))
    sents = [s for doc in docs for row in doc.sents for s in row]
    by_stem: dict[str, list[int]] = defaultdict(list)
    for i, sent in enumerate(sents):
        for st in sent.stems:
            by_stem[st].append(i)
    return _Corpus(
        name=name,
        docs=docs,
        names=names,
        quantities={u: sorted(v) for u, v in quantities.items()},
        clock_hours=sorted(hours),
        alternatives={k: tuple(v) for k, v in alternatives.items()},
        entity_re=entity_re,
        channels=channels,
        regions=regions,
        sents=sents,
        by_stem=dict(by_stem),
        clauses={},
        used=Counter(),
        topics=_topics(docs),
    )


def _topics(docs: list[_Doc]) -> list[frozenset[str]]:
    """Each document's most distinctive content stems (tf-idf): what it is about."""
    tf = [Counter(st for row in doc.sents for s in row for st in s.stems) for doc in docs]
    df: Counter[str] = Counter(st for counts in tf for st in counts)
    n = len(docs)
    out: list[frozenset[str]] = []
    for counts in tf:
        scored = sorted(
            ((cnt * math.log((n + 1) / df[st]), st) for st, cnt in counts.items() if cnt >= 2),
            key=lambda x: (-x[0], x[1]),
        )
        out.append(frozenset(st for _, st in scored[:10]))
    return out


def _harvest_names(sentences: Iterable[str]) -> frozenset[str]:
    """Capitalised words that are names (written capitalised mid-sentence more often than not)."""
    upper: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for s in sentences:
        if not s.endswith((".", "!", "?", ":")) and ": " not in s:
            continue  # headings are in Title Case
        toks = re.sub(r"[\"“][^\"”]*[\"”]", " ~ ", s).split()
        for i, t in enumerate(toks):
            w = t.strip(".,;:!?()\"'")
            if not w or not w[0].isalpha():
                continue
            if w[0].isupper():
                if i > 0 and not toks[i - 1].endswith((":", ".")):
                    upper[w] += 1
            else:
                lower[w.lower()] += 1
    return frozenset(w for w, n in upper.items() if n > lower[w.lower()])


_CAP_RUN = re.compile(r"(?<![\w-])(?:[A-Z][\w'&-]*|[A-Z]{2,})(?: (?:[A-Z][\w'&-]*|[A-Z]{2,}|\d+))*(?![\w-])")
_LIST_HEAD = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+([^:\n]{2,40}?)\s?:\s", re.MULTILINE)
_BOLD = re.compile(r"\*\*([^*\n]{2,40}?)\*\*")


def _harvest_families(docs: list[_Doc], raw_texts: list[str], sentences: list[str], full_text: str) -> list[list[str]]:
    """Groups of names of one type: coordinated names, list heads, bold terms, a table's first column, word lists."""
    families: list[list[str]] = []

    def usable(term: str) -> bool:
        return (
            0 < len(term.split()) <= 4
            and not any(ch.isdigit() for ch in term)
            and not any(ch in term for ch in '><"()[]/@?')
            and term.lower() not in _STOP
            and term.split()[0].lower() not in syn.IMPERATIVES
            and term.split()[0].lower() not in ("forgot", "tap", "click", "press")
        )

    def recurring(term: str) -> bool:
        return len(re.findall(rf"(?<![\w-]){re.escape(term)}(?![\w-])", full_text, re.IGNORECASE)) >= 2

    # Headings coordinate unrelated things ("Late Payments and Service Suspension"): sentences only.
    for s in sentences:
        if s.endswith("?") or not (s.endswith((".", "!")) or ": " in s):
            continue
        s = re.sub(r"[\"“][^\"”]*[\"”]", "~", s)  # quoted titles of other articles
        runs = list(_CAP_RUN.finditer(s))
        group: list[str] = []

        def standalone(m: re.Match[str], text: str = s) -> bool:
            return not re.match(r" (?!and\b|or\b)[a-z]", text[m.end() :])

        for a, b in itertools.pairwise(runs):
            between = s[a.end() : b.start()]
            if between in (", ", " and ", " or ", ", and ", ", or ") and standalone(a) and standalone(b):
                if not group:
                    group = [a.group(0)]
                group.append(b.group(0))
            else:
                if len(group) >= 2:
                    families.append(group)
                group = []
        if len(group) >= 2:
            families.append(group)
    for doc in docs:
        for chunk in doc.chunks:
            block: list[str] = []
            last_end = -1
            for m in _LIST_HEAD.finditer(chunk):
                if last_end >= 0 and chunk[last_end : m.start()].count("\n") > 3:
                    if len(block) >= 2:
                        families.append(_alike(block))
                    block = []
                head = m.group(1).strip()
                if len(head.split()) <= 3 and recurring(head):
                    block.append(head)
                last_end = m.end()
            if len(block) >= 2:
                families.append(_alike(block))
            rows = [ln for ln in chunk.splitlines() if ln.strip().startswith("|")]
            cells = [ln.strip().strip("|").split("|")[0].strip() for ln in rows[1:] if not set(ln) <= set("|-: ")]
            cells = [c for c in cells if c and not set(c) <= set("-: ")]
            if len(cells) >= 2:
                families.append(_alike(cells))
    for raw in raw_texts:
        for section in re.split(r"^#+ .*$", raw, flags=re.MULTILINE):
            terms = [t.strip() for t in _BOLD.findall(section) if t.strip()[:1].isupper()]
            if len(terms) >= 2:
                families.append(_alike(terms))
    for words in (syn.COUNTRIES, syn.WEEKDAYS, syn.PAYMENT_METHODS):
        present = [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", full_text)]
        if len(present) >= 2:
            families.append(present)
    out: list[list[str]] = []
    for fam in families:
        # One shape per family: an acronym ("ET") listed beside a word ("Monday") is another type.
        if any(t.isupper() for t in fam) and not all(t.isupper() for t in fam):
            fam = [t for t in fam if not t.isupper()]
        clean: list[str] = []
        for term in fam:
            term = term.strip(" .,;:")
            if usable(term) and term not in clean:
                clean.append(term)
        if len(clean) >= 2:
            out.append(clean)
    return out


def _alike(heads: list[str]) -> list[str]:
    """List heads that name things of one type: single words, or phrases sharing their last word."""
    last = Counter(h.split()[-1].lower() for h in heads)
    return [h for h in heads if len(h.split()) == 1 or last[h.split()[-1].lower()] >= 2]


# ---------------------------------------------------------------- quantities

_TIME_UNITS = {"second", "minute", "hour", "day", "week", "month", "year"}
_DATA_UNITS = {"gb", "mb", "kb", "tb", "kbps", "mbps", "gbps", "mah", "ghz", "w", "kwh", "kg", "km", "lb", "cm", "mm"}
_QTY = re.compile(
    r"(?<![\w+\-.:/@$€£,])"
    r"(?P<cur>[$€£])?(?P<a>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:(?P<sep>-|–| to )(?P=cur)?(?P<b>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?))?"
    r"(?P<pct>%)?"
    r"(?![\w%]|:\d|[.,]\d|-\d)"
    r"(?P<unit>(?:[ -](?:business|calendar|working))?[ -][A-Za-z]+)?"
)
_CLOCK = re.compile(r"(?<![\w:])(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s?(?P<ap>a\.m\.|p\.m\.|am|pm)(?!\w)")
_NO_QTY_BEFORE = re.compile(
    r"(?:step|no\.|#|version|wi-fi|ios|android|usb|pin|code|level|tier|page|chapter|section)\s?$", re.I
)


@dataclass(frozen=True, slots=True)
class _Qty:
    start: int
    end: int
    text: str
    values: tuple[float, ...]
    decimals: int
    commas: bool
    unit: str
    cur: str
    sep: str
    unit_text: str


def _unit_of(raw: str) -> tuple[str, str]:
    """(canonical unit, the unit text to keep) for the words after a number, or ("", "") for none."""
    m = re.fullmatch(r"(?P<mod>[ -](?:business|calendar|working))?(?P<sep>[ -])(?P<word>[A-Za-z]+)", raw)
    if not m:
        return "", ""
    word = m.group("word")
    low = word.lower()
    single = low[:-1] if low.endswith("s") and low[:-1] in _TIME_UNITS else low
    mod = (m.group("mod") or "").strip(" -")
    if single in _TIME_UNITS:
        if mod:
            return f"{mod} {single}", raw
        return single, raw
    if mod:
        return "", ""
    if low in _DATA_UNITS:
        return low, raw
    if low == "digit" or low == "digits":
        return "digit", raw
    if low in _STOP or not word.islower() or m.group("sep") == "-" or len(low) < 3:
        return "", ""
    if low in {"per", "each", "off", "or", "and", "in", "on", "of", "to", "after", "before", "times", "time"}:
        return "", ""
    return "n:" + _stem(low), raw


def _quantities(text: str) -> list[_Qty]:
    out: list[_Qty] = []
    for m in _QTY.finditer(text):
        if _NO_QTY_BEFORE.search(text, 0, m.start()):
            continue
        a = m.group("a")
        b = m.group("b")
        cur = m.group("cur") or ""
        pct = m.group("pct") or ""
        unit, unit_text = _unit_of(m.group("unit") or "")
        end = m.end() if unit_text else (m.end("pct") if pct else (m.end("b") if b else m.end("a")))
        if cur:
            unit, unit_text, end = cur, "", m.end("b") if b else m.end("a")
        elif pct:
            unit, unit_text, end = "%", "", m.end("pct")
        value_a = float(a.replace(",", ""))
        if not unit and not cur:
            before = text[max(0, m.start() - 12) : m.start()].lower()
            bounded = before.endswith(("at least ", "up to ", "over ", "under ", "than ", "minimum of ", "maximum of "))
            if not bounded or (1900 <= value_a <= 2100):
                continue
        if value_a >= 100000 and not cur:
            continue
        values = (value_a,) if b is None else (value_a, float(b.replace(",", "")))
        decimals = max((len(x.split(".")[1]) if "." in x else 0) for x in (a, b or a))
        out.append(
            _Qty(
                start=m.start(),
                end=end,
                text=text[m.start() : end],
                values=values,
                decimals=decimals,
                commas="," in a or "," in (b or ""),
                unit=unit,
                cur=cur,
                sep=m.group("sep") or "",
                unit_text=unit_text,
            )
        )
    return out


def _render(q: _Qty, values: tuple[float, ...], unit_text: str | None = None) -> str:
    nums = [q.cur + _fmt(v, q.decimals, q.commas) for v in values]
    text = q.sep.join(nums) if len(nums) == 2 else nums[0]
    if q.unit == "%":
        text += "%"
    ut = q.unit_text if unit_text is None else unit_text
    if ut.startswith(" ") and (q.unit.split(" ")[-1] in _TIME_UNITS):
        word = ut.split(" ")[-1]
        singular = word[:-1] if word.endswith("s") else word
        one = len(values) == 1 and values[0] == 1
        ut = ut[: len(ut) - len(word)] + (singular if one else singular + "s")
    return text + ut


def _nearby(values: tuple[float, ...], unit: str, decimals: int) -> list[tuple[float, ...]]:
    if len(values) == 2:
        a, b = values
        shifts = [(a + 1, b + 1), (a + 1, b + 2), (a, b + 2), (a + 2, b + 3), (a * 2, b * 2)]
        if a >= 2:
            shifts.append((a - 1, b - 1))
        return [s for s in shifts if 0 <= s[0] < s[1]]
    (n,) = values
    if decimals:
        cands = [n + 1, n - 1, n + 2, n + 5, n * 2 - 0.0]
        return [(round(c, decimals),) for c in cands if c > 0 and round(c, decimals) != n]
    base = int(n)
    cands = [base + 1, base - 1, base + 2, base * 2, base // 2, base + 5, base + 10, round(base * 1.5)]
    if unit in _TIME_UNITS or unit.endswith(" day"):
        cands += [7, 10, 14, 21, 30, 45, 60, 90]
    if unit == "%":
        cands = [c for c in [*cands, 5, 10, 15, 20, 25, 50, 75] if c <= 100]
    if unit == "digit":
        cands = [4, 5, 6, 8]
    return [(float(c),) for c in dict.fromkeys(cands) if c > 0 and c != base]


@dataclass(frozen=True, slots=True)
class _Edit:
    text: str
    old: str
    new: str
    start: int
    end: int


def _swap_number(c: _Corpus, text: str, premise: str, rng: random.Random) -> _Edit | None:
    """`text` with one number, amount or duration changed to a value the premise does not hold."""
    pnums = _numbers(premise)
    pnorm = _norm(premise)
    pwords = set(_norm(premise).split())
    options: list[tuple[int, int, str, str]] = []
    for q in _quantities(text):
        cands: list[tuple[float, ...]] = [
            v for v in c.quantities.get(q.unit, []) if len(v) == len(q.values) and v != q.values
        ]
        rng.shuffle(cands)
        near = _nearby(q.values, q.unit, q.decimals)
        rng.shuffle(near)
        ordered = cands + near if rng.random() < 0.7 else near + cands
        for vals in ordered:
            new = _render(q, vals)
            # Compare what is written: $4.99 rendered without cents is "$5".
            keys = _numbers(new) - _numbers(q.text)
            if not keys or keys & pnums or any(_WORD_NUMBERS.get(int(float(k))) in pwords for k in keys):
                continue
            if _within(pnorm, new):
                continue
            options.append((q.start, q.end, q.text, new))
            break
        unit_single = q.unit
        swaps = syn.UNIT_SWAPS.get(unit_single, ())
        if swaps and q.unit_text and rng.random() < 0.35:
            target = rng.choice(swaps)
            new_ut = _replace_unit(q.unit_text, unit_single, target)
            if new_ut:
                new = _render(q, q.values, new_ut)
                if not _within(pnorm, new) and new != q.text:
                    options.append((q.start, q.end, q.text, new))
    for m in _CLOCK.finditer(text):
        h = int(m.group("h"))
        cands_h = [x for x in c.clock_hours if x != h] + [h + 1, h + 2, h - 1, h + 3]
        rng.shuffle(cands_h)
        for nh in cands_h:
            if not 1 <= nh <= 12 or str(nh) in pnums or nh == h:
                continue
            new = m.group(0).replace(m.group("h"), str(nh), 1)
            options.append((m.start(), m.end(), m.group(0), new))
            break
    if not options:
        return None
    start, end, old, new = rng.choice(options)
    return _Edit(text[:start] + new + text[end:], old, new, start, start + len(new))


def _replace_unit(unit_text: str, unit: str, target: str) -> str | None:
    src_words = unit.split(" ")
    tgt_words = target.split(" ")
    m = re.fullmatch(
        r"(?P<sep1>[ -])?(?:(?P<mod>business|calendar|working)(?P<sep2>[ -]))?(?P<word>[A-Za-z]+)", unit_text
    )
    if not m:
        return None
    sep = m.group("sep1") or ""
    plural = m.group("word").lower().endswith("s") and m.group("word").lower()[:-1] in _TIME_UNITS
    if len(src_words) == 2 and not m.group("mod"):
        return None
    head = tgt_words[-1] if tgt_words[-1] in _TIME_UNITS else tgt_words[-1].upper()
    if tgt_words[-1] in ("gb", "mb"):
        return sep + head
    word = head + ("s" if plural else "")
    if len(tgt_words) == 2:
        return f"{sep}{tgt_words[0]}{m.group('sep2') or ' '}{word}"
    return sep + word


# ---------------------------------------------------------------- names


def _swap_entity(c: _Corpus, text: str, premise: str, rng: random.Random) -> _Edit | None:
    """`text` with one product, plan, country, channel or other name replaced by another of its type."""
    pnorm = _norm(premise)
    options: list[tuple[int, int, str, str]] = []
    if c.entity_re is not None:
        for m in c.entity_re.finditer(text):
            src = m.group(0)
            alts = [a for a in c.alternatives.get(src, ()) if not _within(pnorm, a)]
            alts = [a for a in alts if _norm(a) not in _norm(src) and _norm(src) not in _norm(a)]
            if alts:
                new = rng.choice(alts)
                if m.start() == 0:
                    new = _upper_first(new)
                options.append((m.start(), m.end(), src, new))
    ptokens = set(pnorm.split())
    for key, pattern, _phrase in syn.CHANNELS:
        if key not in c.channels:
            continue
        for m in re.finditer(pattern, text):
            targets = [
                (k, phrase)
                for k, _p, phrase in syn.CHANNELS
                if k != key and k in c.channels and not any(w in ptokens for w in syn.CHANNEL_WORDS[k])
            ]
            if targets:
                _k, phrase = rng.choice(targets)
                options.append((m.start(), m.end(), m.group(0), phrase))
    if not options:
        return None
    start, end, old, new = rng.choice(options)
    out = text[:start] + new + text[end:]
    if _within(pnorm, out):
        return None
    return _Edit(out, old, new, start, start + len(new))


# ---------------------------------------------------------------- clauses

_LEAD = re.compile(
    r"^(?P<lead>(?:If|When|Once|Unless|After|Before|While|Until|For|As long as|As soon as|During|Within|Provided)"
    r"\b[^,;:()\"]{2,90}?),\s+(?P<main>\S.*)$"
)
_OPENER = re.compile(
    r"^(?:For example|For instance|However|Also|In addition|Otherwise|Instead|Alternatively|Note|Please note),\s+"
)
_MODALS = {"can", "cannot", "can't", "will", "won't", "must", "should", "shouldn't"}
_HEDGES = {"may", "might", "could", "would"}
_BE = {"is", "are", "isn't", "aren't", "was", "were", "wasn't", "weren't"}
_DO = {"does", "do", "doesn't", "don't", "did", "didn't"}
_HAVE = {"has", "have", "hasn't", "haven't"}
_ADVERBS = {
    "always", "also", "still", "only", "never", "usually", "automatically", "normally", "typically", "generally",
    "just", "often", "then",
}  # fmt: skip
_SUBJECT_STOP = {
    "that", "which", "who", "whom", "whose", "where", "so", "if", "when", "because", "while", "unless", "than",
    "whether", "to",
}  # fmt: skip
_NOT_SUBJECT_START = {
    "after", "before", "in", "on", "at", "for", "with", "without", "by", "to", "from", "during", "once", "if", "when",
    "unless", "while", "until", "since", "because", "although", "then", "also", "however", "so", "but", "and", "or",
    "only", "here", "see", "questions", "help", "note", "tip", "yes", "no", "please", "this", "that", "these",
    "those", "there", "what", "how", "why", "where", "which", "who", "it's", "both", "either",
}  # fmt: skip
_PRONOUNS = {"you", "we", "they", "it", "i", "he", "she"}
# Words that can follow the verb of an instruction ("Pack the item", "Sign out", "Call us").
_OBJECT_STARTS = {
    "the", "a", "an", "your", "my", "our", "it", "them", "this", "that", "these", "those", "any", "all", "up", "out",
    "in", "on", "off", "for", "to", "with", "at", "back", "down", "over", "and", "or", "one", "both", "each", "every",
    "some", "whether", "if", "which", "how", "what", "when", "where", "us", "until", "about", "by", "from", "again",
}  # fmt: skip
_DETERMINERS = {
    "the", "a", "an", "your", "my", "our", "their", "its", "this", "these", "those", "any", "each", "every", "no",
}  # fmt: skip
_QUANTIFIERS = {"most", "some", "all", "many", "few", "both", "several", "certain"}
_AUXILIARIES = _MODALS | _HEDGES | _BE | _DO | _HAVE | {"not"}
_PARTICIPLES = {"been", "got", "had", "made", "sent", "paid", "left", "put", "set", "kept", "bought", "given", "taken"}
_OBJECT_BEFORE = {
    "to", "for", "with", "from", "by", "email", "emails", "send", "sends", "give", "gives", "ask", "asks", "let",
    "lets", "tell", "tells", "charge", "charges", "text", "texts", "call", "calls", "notify", "notifies", "remind",
    "reminds", "help", "helps", "contact", "than", "about", "show", "shows", "bill", "bills", "offer", "offers",
    "pay", "pays", "refund", "refunds", "sent", "emailed", "texted", "alert", "alerts", "cost", "costs", "allow",
    "allows", "against", "toward", "towards", "on", "at", "of",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Clause:
    lead: str
    subject: str
    kind: str
    aux: str
    negative: bool
    adverb: str
    verb: str
    rest: str
    plural: bool


def _third_singular(base: str) -> str:
    if base == "have":
        return "has"
    if base == "do":
        return "does"
    if base == "go":
        return "goes"
    if base.endswith(("s", "sh", "ch", "x", "z", "o")):
        return base + "es"
    if base.endswith("y") and len(base) > 2 and base[-2] not in "aeiou":
        return base[:-1] + "ies"
    return base + "s"


def _base_form(word: str) -> str:
    w = word.lower()
    if w == "has":
        return "have"
    if w == "does":
        return "do"
    if w == "goes":
        return "go"
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


_HEAD_END = re.compile(
    r" (?:of|in|on|with|from|over|under|for|after|before|at|by|to|that|which|who|bought|enrolled|placed)\b.*$"
)


def _looks_plural(subject: str) -> bool:
    low = subject.lower()
    if low in ("you", "we", "they", "i") or low in _QUANTIFIERS:
        return True
    if " and " in low:
        return True
    words = _HEAD_END.sub("", low).split()
    head = words[-1] if words else low
    return head.endswith("s") and not head.endswith(("ss", "us", "is"))


def _parse(c: _Corpus, sentence: str) -> _Clause | None:
    if sentence in c.clauses:
        return c.clauses[sentence]
    clause = _parse_clause(sentence)
    c.clauses[sentence] = clause
    return clause


def _parse_clause(sentence: str) -> _Clause | None:
    """Subject, auxiliary or verb, and the rest of a plain declarative sentence; None when unsure."""
    text = _OPENER.sub("", sentence.rstrip(".!").strip())
    text = _upper_first(text)
    lead = ""
    m = _LEAD.match(text)
    if m:
        lead, text = m.group("lead"), m.group("main")
    toks = text.split(" ")
    if len(toks) < 3:
        return None
    first = toks[0].lower()
    if first == "there" and toks[1].lower() in ("is", "are"):
        words = toks[2:]
        negative = bool(words) and words[0].lower() in ("no", "not")
        if words and words[0].lower() == "not":
            words = words[1:]
        return _Clause(
            lead, toks[0], "there", toks[1].lower(), negative, "", "", " ".join(words), toks[1].lower() == "are"
        )
    if first == "see":
        return None
    imperative = first in syn.IMPERATIVES and (
        toks[1].lower() in _OBJECT_STARTS or toks[1][:1].isupper() or toks[1][:1].isdigit() or "@" in toks[1]
    )
    if imperative or (first == "free" and toks[1] == "up") or (first == "do" and toks[1].lower() == "not"):
        # An instruction: "Enroll the device within 30 days" is asked as "Should I enroll ...?".
        negative = first == "do"
        words = toks[2:] if negative else toks
        if not words or words[0].lower() in _AUXILIARIES or _words(" ".join(words)) < 3:
            return None
        predicate = " ".join([words[0].lower(), *words[1:]])
        return _Clause(lead, "you", "modal", "should", negative, "", words[0].lower(), predicate, True)
    if first in ("we", "you", "they") and re.fullmatch(r"[a-z]+", toks[1]) and toks[1] not in _AUXILIARIES | _ADVERBS:
        verb = toks[1]
        if verb.endswith(("ed", "ing")) or verb in _STOP:
            return None
        return _Clause(lead, toks[0], "verb", verb, False, "", verb, " ".join(toks[2:]), True)
    if first in _NOT_SUBJECT_START or "@" in toks[1]:
        return None
    adverbs: list[str] = []
    for i in range(1, min(len(toks) - 1, 10)):
        prev = toks[i - 1]
        if any(ch in prev for ch in ',;:()"“”>') or prev.lower() in _SUBJECT_STOP:
            return None
        w = toks[i]
        lw = w.lower()
        if lw in _ADVERBS:
            adverbs.append(w)
            continue
        found: tuple[str, str] | None = None
        if lw in _MODALS:
            found = ("modal", lw)
        elif lw in _HEDGES:
            return None
        elif lw in _BE:
            found = ("be", lw)
        elif lw in _DO:
            found = ("do", lw)
        elif lw in _HAVE:
            nxt = toks[i + 1].lower()
            if nxt.endswith(("ed", "en")) or nxt in _PARTICIPLES or nxt == "not" or lw.endswith("n't"):
                found = ("have", lw)
            else:
                found = ("verb", lw)
        else:
            base = _base_form(lw)
            nxt = toks[i + 1].lower()
            plausible = (
                base in syn.VERBS
                and prev.lower() not in _DETERMINERS | _QUANTIFIERS
                and nxt not in syn.VERBS
                and nxt not in _ADVERBS
                and nxt not in _AUXILIARIES
                and not nxt.endswith("ly")
            )
            if plausible and (lw != base or _looks_plural(" ".join(toks[:i]))):
                found = ("verb", lw)
        if found is None:
            if adverbs:
                return None
            continue
        subj_toks = toks[: i - len(adverbs)]
        if not subj_toks or len(subj_toks) > 8:
            return None
        subject = " ".join(subj_toks)
        low_subj = [t.lower() for t in subj_toks]
        if subject.lower() in ("this", "that", "these", "those") or low_subj[-1] in _STOP - {"you", "we", "it", "they"}:
            return None
        if any(t in _PRONOUNS | {"me", "us", "them"} for t in low_subj[1:]):
            return None
        if any(a in ("and", "or") and b in syn.IMPERATIVES for a, b in itertools.pairwise(low_subj)):
            return None
        if len(low_subj) > 1 and low_subj[1] in _DETERMINERS and low_subj[0] not in _DETERMINERS | {"all", "both"}:
            return None
        kind, aux = found
        rest_toks = toks[i + 1 :]
        negative = aux.endswith("n't") or aux == "cannot"
        adverb = " ".join(a.lower() for a in adverbs)
        if "never" in adverb.split():
            negative = True
            adverb = " ".join(a for a in adverb.split() if a != "never")
        if rest_toks and rest_toks[0].lower() in ("not", "never") and kind != "verb":
            if rest_toks[0].lower() == "never":
                adverb = (adverb + " ever").strip()
            negative = True
            rest_toks = rest_toks[1:]
            if rest_toks and rest_toks[0].lower() == "only":
                return None
        elif (
            len(rest_toks) >= 2 and rest_toks[0].lower() == "no" and rest_toks[1].lower() == "longer" and kind != "verb"
        ):
            negative = True
            adverb = (adverb + " still").strip()
            rest_toks = rest_toks[2:]
        verb = ""
        if kind == "do":
            if not rest_toks:
                return None
            verb = rest_toks[0].lower()
            rest_toks = rest_toks[1:]
        elif kind == "verb":
            verb = _base_form(aux)
        if aux in ("has", "have") and kind == "verb":
            verb = "have"
        rest = " ".join(rest_toks)
        if not rest and kind not in ("verb", "do"):
            return None
        if kind == "be":
            plural = aux in ("are", "aren't", "were", "weren't")
        elif kind == "do":
            plural = aux in ("do", "don't", "did", "didn't")
        elif kind == "have":
            plural = aux in ("have", "haven't")
        elif kind == "verb":
            plural = aux.lower() == _base_form(aux) and aux.lower() not in ("has",)
        else:
            plural = _looks_plural(subject)
        return _Clause(lead, subject, kind, aux, negative, adverb, verb, rest, plural)
    return None


_CAUSATIVES = {"let", "lets", "help", "helps", "make", "makes", "have", "has", "allow", "allows"}
_PARTICLES = {"back", "up", "out", "off", "on", "over", "down", "away", "again", "first", "now", "later", "directly"}
_CONJUNCTIONS = {
    "and", "or", "but", "if", "when", "that", "because", "so", "unless", "while", "where", "once", "until", "before",
    "after", "as", "whether", "than", "which", "who",
}  # fmt: skip


def _is_object_you(prev: str, nxt: str, at_end: bool) -> bool:
    """Whether "you" between `prev` and `nxt` is an object ("email you a link") rather than a subject ("if you pay")."""
    if prev in _CAUSATIVES:
        return True  # "lets you use"
    if re.fullmatch(r"[a-z]+", nxt) and nxt not in _STOP and nxt not in _PARTICLES:
        return False  # a verb follows: "the texts you receive", "before you leave"
    if at_end or prev.endswith(","):
        return not prev.endswith(",") and bool(prev)
    return bool(prev) and prev.isalpha() and prev not in _CONJUNCTIONS


def _to_person(text: str, table: dict[str, str], subject_you: str, object_you: str) -> str:
    """Swap grammatical person word by word ("you" -> "I"/"me", "your" -> "my", "we" -> "you", ...)."""
    toks = text.split(" ")
    out: list[str] = []
    skip_next = False
    for i, tok in enumerate(toks):
        if skip_next:
            skip_next = False
            continue
        m = re.match(r"^([\"“(]*)([A-Za-z'’]+)(.*)$", tok)
        if not m:
            out.append(tok)
            continue
        pre, core, post = m.groups()
        low = core.lower().replace("’", "'")
        rep: str | None = None
        if low == "you":
            prev_tok = toks[i - 1] if i > 0 else ""
            prev = prev_tok.lower().strip('"“(')
            nxt = toks[i + 1].lower() if i + 1 < len(toks) else ""
            if _is_object_you(prev, nxt, bool(post) or i == len(toks) - 1):
                rep = object_you
            else:
                rep = subject_you
                if subject_you == "I" and nxt in ("are", "were"):
                    out.append(pre + "I" + post)
                    out.append("am" if nxt == "are" else "was")
                    skip_next = True
                    continue
        elif low in table and (core.islower() or core[0].isupper()) and core != "US":
            rep = table[low]
        if rep is None:
            out.append(tok)
            continue
        if core[0].isupper() and rep != "I" and not rep.startswith("I'"):
            rep = _upper_first(rep)
        out.append(pre + rep + post)
    return " ".join(out)


_ASKER = {
    "your": "my", "yours": "mine", "yourself": "myself", "you're": "I'm", "you've": "I've", "you'll": "I'll",
    "you'd": "I'd", "we": "you", "our": "your", "ours": "yours", "us": "you", "we're": "you're", "we'll": "you'll",
    "we've": "you've", "ourselves": "yourselves",
}  # fmt: skip
_THIRD = {
    "your": "their", "yours": "theirs", "yourself": "themselves", "you're": "they're", "you've": "they've",
    "you'll": "they'll",
}  # fmt: skip


def _asker(text: str) -> str:
    return _to_person(text, _ASKER, "I", "me")


def _third(text: str) -> str:
    return _to_person(text, _THIRD, "they", "them")


def _lower_first(c: _Corpus, text: str) -> str:
    first = text.split(" ")[0] if text else ""
    core = first.strip('"“(')
    if not core or core in c.names or core == "I" or core.startswith("I'") or (len(core) > 1 and core[:2].isupper()):
        return text
    return text[:1].lower() + text[1:]


_CUTS = re.compile(
    r"(;|, but |, so |, and then |, which |, especially |, for example|, such as|, including|, while |, whereas |"
    r", then |, and (?=(?:you|we|it|they|the|your|this|there)\b)|: )"
)


_COORD = re.compile(r",? (?:and|or) (?P<w>[a-z']+)\b")


def _cut(rest: str) -> str:
    """`rest` up to its first clause boundary: a second clause or predicate is not part of a question."""
    rest = re.sub(r" \([^()]*\)", "", rest)
    m = _CUTS.search(rest)
    if m:
        rest = rest[: m.start()]
    for mc in _COORD.finditer(rest):
        w = mc.group("w")
        before = rest[: mc.start()].split(" ")[-1].lower() if mc.start() else ""
        after = rest[mc.end() :].split()[:4]
        # "emails and texts" joins nouns; "is activated and repeats" joins predicates.
        verb_next = w.endswith("s") and _base_form(w) in syn.VERBS and not before.endswith("s")
        clause_next = w in _DETERMINERS and any(
            a.lower() in _AUXILIARIES or (a.lower().endswith("s") and _base_form(a) in syn.VERBS) for a in after[1:]
        )
        if w in _AUXILIARIES or verb_next or clause_next or w in ("then", "we", "you", "it", "they"):
            return rest[: mc.start()]
    return rest


def _question_body(c: _Corpus, cl: _Clause, rest: str) -> str | None:
    """The inverted clause without the final "?": "can I return a device within 14 days"."""
    subj = "I" if cl.subject.lower() == "you" else _lower_first(c, _asker(cl.subject))
    is_i = subj == "I"
    adverb = cl.adverb
    # Person depends on the word before ("give you" -> "give me"), so convert with it.
    before = cl.verb if cl.kind in ("verb", "do") else cl.aux
    rest_q = _asker(f"{before} {rest}").split(" ", 1)[1] if rest else ""
    tail = f"{adverb} {rest_q}".strip() if adverb else rest_q
    if cl.kind == "there":
        aux = cl.aux
        body = tail
        if cl.negative and body.lower().startswith("no "):
            body = "any " + body[3:]
        return f"{aux} there {body}".strip()
    if cl.kind == "modal":
        base = cl.aux.replace("n't", "").replace("cannot", "can")
        if base == "wo":
            base = "will"
        if base == "must":
            if cl.negative:
                return f"can {subj} {tail}".strip()
            do = "do" if (cl.plural or is_i) else "does"
            return f"{do} {subj} have to {tail}".strip()
        return f"{base} {subj} {tail}".strip()
    if cl.kind == "be":
        aux = cl.aux.replace("n't", "")
        if is_i:
            aux = "am" if aux in ("are", "is") else "was"
        return f"{aux} {subj} {tail}".strip()
    if cl.kind == "have":
        aux = cl.aux.replace("n't", "")
        if is_i:
            aux = "have"
        return f"{aux} {subj} {tail}".strip()
    do = "do" if (cl.plural or is_i) else "does"
    if cl.kind == "do" and cl.aux.startswith("did"):
        do = "did"
    verb = cl.verb
    words = f"{adverb} {verb}".strip() if adverb else verb
    return f"{do} {subj} {words} {rest_q}".strip()


def _short_answer(cl: _Clause, yes: bool, rng: random.Random) -> str:
    if rng.random() < 0.4:
        return "Yes." if yes else "No."
    low = cl.subject.lower()
    last = low.split(" of ")[0].split()[-1] if low.split() else low
    if low == "you":
        pro = "you"
    elif low == "we":
        pro = "we"
    elif cl.kind == "there":
        pro = "there"
    elif cl.plural or last in syn.PEOPLE:
        pro = "they"
    else:
        pro = "it"
    plural = pro in ("you", "we", "they")
    if cl.kind == "there":
        aux = cl.aux
    elif cl.kind == "modal":
        aux = cl.aux.replace("n't", "").replace("cannot", "can")
        aux = "will" if aux == "wo" else aux
        if aux == "must":
            aux = "can" if cl.negative else ("do" if plural else "does")
    elif cl.kind == "be":
        aux = "are" if plural else ("was" if cl.aux.startswith("was") else "is")
        if cl.aux.startswith("were") and plural:
            aux = "were"
    elif cl.kind == "have":
        aux = "have" if plural else "has"
    else:
        aux = "do" if plural else "does"
        if cl.aux.startswith("did"):
            aux = "did"
    if yes:
        return f"Yes, {pro} {aux}."
    neg = {"can": "can't", "will": "won't", "is": "isn't", "are": "aren't", "was": "wasn't", "were": "weren't"}
    return f"No, {pro} {neg.get(aux, aux + 'n' + chr(39) + 't')}."


def _yes_no(c: _Corpus, sentence: str) -> tuple[_Clause, str] | None:
    """("Can I ...?", the clause) built from `sentence`; the right answer is "No" when the clause is negative."""
    cl = _parse(c, sentence)
    if cl is None:
        return None
    rest = _cut(cl.rest).strip().rstrip(",")
    if not rest and cl.kind not in ("verb", "do"):
        return None
    low = f" {rest.lower()} "
    if " only " in low or cl.adverb.startswith("only") or "only" in cl.adverb.split():
        return None
    if cl.negative and re.search(r"\b(?:unless|except|if|without|or)\b", low):
        return None
    body = _question_body(c, cl, rest)
    if not body:
        return None
    question = f"{_asker(cl.lead)}, {body}?" if cl.lead else _upper_first(body) + "?"
    question = re.sub(r"\s+", " ", question).replace(" ?", "?")
    return cl, question


# ---------------------------------------------------------------- fragments

_SUBORDINATE = re.compile(
    r"\b(?:if|when|unless|once|because|while|until|so that|as long as|where|which|that|who|whose)\b", re.I
)
_DURATION_PREPS = ("within", "for", "up to", "after", "every", "in under", "in", "about")


_ONLY = re.compile(r"^Only (?P<subj>(?:the |a |an |your )?[\w' -]{2,40}?) (?P<aux>can|may|must) (?P<rest>[^,;:]+)\.$")
_MENU = re.compile(
    r"(?:(?:in|from) the (?:[A-Z][\w-]+ )?app )?under (?P<path>[A-Z][\w' -]*?(?:\s*>\s*[\w'&-][\w'& -]*)+)"
)


def _fragment(c: _Corpus, sentence: str, rng: random.Random) -> tuple[str, str, _Qty | None] | None:
    """(question, fragment answer, the quantity it names, if any): "How long is the label valid?", "For 7 days."."""
    m = _ONLY.match(sentence)
    if m:
        return f"Who {m.group('aux')} {_asker(m.group('rest'))}?", f"Only {m.group('subj')}.", None
    cl = _parse(c, sentence)
    if cl is None or cl.negative or cl.kind == "there":
        return None
    if cl.lead and not re.match(r"(?:If|When|Once)\b", cl.lead):
        return None
    found = _how_much(c, cl, rng)
    if found is not None:
        return found
    if cl.lead:
        return None
    rest = _cut(cl.rest)
    head = _HEAD_END.sub("", cl.subject.lower()).split()
    if head and head[-1] in syn.PEOPLE and cl.kind in ("modal", "be", "verb") and cl.aux != "should":
        if cl.kind == "verb":
            verb = _third_singular(cl.verb) if cl.verb != "have" else "has"
            question = f"Who {cl.adverb + ' ' if cl.adverb else ''}{verb} {_asker(rest)}"
        else:
            aux = "is" if cl.aux in ("is", "are") else cl.aux
            question = f"Who {aux} {cl.adverb + ' ' if cl.adverb else ''}{_asker(rest)}"
        return re.sub(r"\s+", " ", question).strip() + "?", _upper_first(cl.subject) + ".", None
    mm = _MENU.search(rest)
    if mm and not re.search(r"\d", rest):
        body_rest = (rest[: mm.start()] + rest[mm.end() :]).strip()
        body = _question_body(c, cl, body_rest) if body_rest else None
        if body:
            question = re.sub(r"\s+([,.;:?])", r"\1", f"Where {body}?")
            return question, _upper_first(mm.group(0).strip()) + ".", None
    return None


_MODIFIERS = {"full", "first", "last", "next", "extra", "additional", "whole", "normal", "usual", "same", "other"}


def _prepositional(text: str) -> str:
    """`text` when it is a prepositional phrase a question can keep (" in over 80 destinations"), else ""."""
    if re.match(r"^ (?:in|on|at|by|from|to|for|with|under|over|during|through|via|into|per)\b", text):
        return text
    return ""


def _how_much(c: _Corpus, cl: _Clause, rng: random.Random) -> tuple[str, str, _Qty] | None:
    """A "How long / How soon / When / How much / How many" question about one quantity of the clause."""
    rest = cl.rest
    for q in _quantities(rest):
        before, after = rest[: q.start], rest[q.end :]
        prep = ""
        for p in _DURATION_PREPS:
            if before.lower().endswith(p + " "):
                prep = before[-len(p) - 1 : -1]
                before = before[: -len(p) - 1]
                break
        tail = ""
        tm = re.match(
            r"^ (?:of|after|before|from|following) [^,;()]+?(?=$|,|;| \(| and | but | so | which | because | then )",
            after,
        )
        if q.unit == q.cur and q.cur:
            tm = re.match(r"^ (?:per [a-z]+|each|a (?:month|day|year|week)|a line)\b", after)
        if tm:
            tail = tm.group(0)
            after = after[len(tail) :]
        kept_after = _prepositional(_cut(after))
        last = before.split()[-1].lower() if before.split() else ""
        if "," in before or re.search(r"\b\w+ing\b", before) or last in _DETERMINERS | _MODIFIERS:
            continue  # "wait the full 7 days": the number belongs to a noun phrase, not to a when or how long
        if re.search(r"\d", kept_after + before) or ":" in before or _SUBORDINATE.search(before) or " and " in before:
            continue
        unit_last = q.unit.split(" ")[-1]
        wh = ""
        body_rest = (before.rstrip() + kept_after).strip()
        answer_head = (prep + " " if prep else "") + q.text + tail
        special = ""
        if unit_last in _TIME_UNITS:
            if prep.lower() == "for":
                wh = "How long"
            elif prep.lower() in ("within", "in under", "in"):
                if cl.kind == "modal" and cl.aux == "can" and cl.subject.lower() == "you":
                    special = f"How long do I have to {_asker(body_rest)}"
                elif cl.kind in ("modal", "verb", "be"):
                    wh = "How soon"
            elif prep.lower() in ("up to", "about", "") and (cl.verb == "take" or before.strip() == "take"):
                wh = "How long"
            elif prep.lower() in ("after", "before") or (not prep and tail.strip().startswith(("after ", "before "))):
                wh = "When"
            elif prep.lower() == "every":
                wh = "How often"
        elif q.cur and not prep and (cl.verb == "cost" or (cl.kind == "be" and not before.strip())):
            wh = "How much"
        elif (
            q.unit.startswith("n:")
            and prep.lower() in ("", "up to")
            and cl.kind in ("modal", "verb")
            and cl.aux != "should"
        ):
            nouns_m = re.match(r"^ ((?:[a-z][a-z-]* ){0,2}[a-z][a-z-]*s)\b", q.unit_text + after)
            if nouns_m and len(q.values) == 1 and q.values[0] > 1:
                nouns = nouns_m.group(1)
                after2 = (q.unit_text + after)[nouns_m.end() :]
                body_rest = (before.rstrip() + _prepositional(_cut(after2))).strip()
                if re.search(r"\d", body_rest):
                    continue
                wh = f"How many {nouns}"
                bare = (prep + " " if prep else "") + q.text[: len(q.text) - len(q.unit_text)]
                answer_head = bare if rng.random() < 0.6 else f"{bare} {nouns}"
        if not wh and not special:
            continue
        if special:
            question = special
        else:
            body = _question_body(c, cl, body_rest)
            if body is None:
                continue
            question = f"{wh} {body}"
        if cl.lead:
            question += " " + _asker(cl.lead[:1].lower() + cl.lead[1:])
        question = re.sub(r"\s+", " ", question).strip().rstrip(",") + "?"
        answer = _upper_first(answer_head.strip()) + "."
        return question, answer, q
    return None


# ---------------------------------------------------------------- supported edits


def _main_clause(sentence: str) -> str | None:
    m = re.match(r"^(.{25,}?); [a-z]", sentence)
    if m and _words(m.group(1)) >= 5:
        return m.group(1) + "."
    m = re.match(r"^(.{25,}?), and (?:you|we|it|they|the|your|this) ", sentence)
    if m and _words(m.group(1)) >= 5 and not sentence.startswith(("If ", "When ", "Unless ")):
        return m.group(1) + "."
    return None


def _synonyms(c: _Corpus, sentence: str, rng: random.Random, max_changes: int) -> str | None:
    text = _lower_first(c, sentence)
    rules = list(syn.PARAPHRASES)
    rng.shuffle(rules)
    changed = 0
    for pattern, replacements in rules:
        m = re.search(pattern, text)
        if not m:
            continue
        rep = m.expand(rng.choice(replacements))
        if re.search(r"\d", rep) and not re.search(r"\d", m.group(0)):
            continue
        text = text[: m.start()] + rep + text[m.end() :]
        changed += 1
        if changed >= max_changes:
            break
    if not changed:
        return None
    return _upper_first(text)


def _voice(c: _Corpus, sentence: str, rng: random.Random) -> str | None:
    cl = _parse(c, sentence)
    if cl is None or cl.subject.lower() != "you" or re.search(r"\byou", cl.lead, re.I):
        return None
    if cl.aux == "should" and rng.random() < 0.5:
        return None  # instructions are many; "Customers should ..." would crowd out other rewrites
    rest = cl.rest
    adverb = f"{cl.adverb} " if cl.adverb else ""
    options: list[str] = []
    if cl.kind == "modal" and cl.aux in ("can", "cannot", "can't") and not adverb:
        options.append(("it is not possible to " if cl.negative else "it is possible to ") + rest)
    if cl.kind == "modal" and cl.aux == "must" and not cl.negative and not adverb:
        options.append("it is necessary to " + rest)
    if cl.kind == "verb" and cl.verb == "need" and rest.startswith("to ") and not cl.negative:
        options.append("it is necessary " + rest)
    who = "customers"
    if cl.kind == "modal":
        aux = cl.aux + (" not" if cl.negative and not cl.aux.endswith(("n't", "cannot")) else "")
        options.append(f"{who} {aux} {adverb}{_third(rest)}")
    elif cl.kind == "be":
        aux = cl.aux + (" not" if cl.negative and not cl.aux.endswith("n't") else "")
        options.append(f"{who} {aux} {adverb}{_third(rest)}")
    elif cl.kind == "verb" and not cl.negative:
        options.append(f"{who} {adverb}{cl.aux} {_third(rest)}")
    if not options:
        return None
    body = rng.choice(options)
    out = f"{cl.lead}, {body}." if cl.lead else _upper_first(body) + "."
    return re.sub(r"\s+", " ", out)


_SUBORDINATORS = ("if", "unless", "when", "once", "as long as", "as soon as")


def _reorder(c: _Corpus, sentence: str) -> str | None:
    text = sentence.rstrip(".")
    m = _LEAD.match(text)
    if m and re.match(r"(?:If|When|Once|Unless|As long as|As soon as|For|After|Before)\b", m.group("lead")):
        main = m.group("main")
        if ", " in main or _parse_clause(main + ".") is None:
            return None
        lead = m.group("lead")
        lead = lead[:1].lower() + lead[1:]
        return f"{_upper_first(main)} {lead}."
    for sub in _SUBORDINATORS:
        parts = text.split(f" {sub} ")
        if len(parts) != 2:
            continue
        main, cond = parts
        if "," in cond or ";" in cond or "," in main or _words(main) < 4 or _parse_clause(main + ".") is None:
            continue
        return f"{_upper_first(sub)} {cond}, {_lower_first(c, main)}."
    return None


def _drop_aside(sentence: str, rng: random.Random) -> str | None:
    pats = list(syn.FREE_DROPS)
    rng.shuffle(pats)
    for p in pats:
        m = re.search(p, sentence)
        if m:
            out = (sentence[: m.start()] + sentence[m.end() :]).strip()
            out = re.sub(r"\s+([.,;])", r"\1", out)
            if _words(out) >= 5 and out != sentence:
                return out
    return None


def _paraphrase(c: _Corpus, sentence: str, rng: random.Random) -> str | None:
    ops: list[Callable[[str], str | None]] = [
        lambda s: _synonyms(c, s, rng, rng.choice((1, 2, 2, 3))),
        lambda s: _voice(c, s, rng),
        lambda s: _reorder(c, s),
        lambda s: _drop_aside(s, rng),
    ]
    rng.shuffle(ops)
    text = sentence
    changed = 0
    for op in ops:
        new = op(text)
        if new and new != text:
            text = new
            changed += 1
            if changed >= 2 or rng.random() < 0.4:
                break
    if not changed or _norm(text) == _norm(sentence):
        return None
    return text


def _join(c: _Corpus, first: str, second: str, rng: random.Random) -> str:
    a = first.rstrip(".!")
    b = _lower_first(c, second)
    glue = rng.choice((", and ", ", and ", "; ", " and "))
    return f"{a}{glue}{b}"


# ---------------------------------------------------------------- unsupported edits


def _novel(premise_norm: str, hypothesis: str, edit: _Edit | None = None) -> bool:
    """The premise holds neither the claim nor the words around its edit."""
    if _within(premise_norm, hypothesis.replace("\n", " ")):
        return False
    if edit is None:
        return True
    left = hypothesis[: edit.start].split(" ")[-3:]
    right = hypothesis[edit.end :].split(" ")[:3]
    window = " ".join([*left, edit.new, *right])
    return not _within(premise_norm, window)


def _flip(c: _Corpus, text: str, rng: random.Random) -> _Edit | None:
    """`text` with its polarity reversed by one rule of synonyms.FLIPS (or do-support for a plain verb)."""
    if re.search(r"\bor not\b|\bnot only\b|\bwhether\b", text):
        return None
    options: list[tuple[int, int, str, str]] = []
    low = _lower_first(c, text)
    for pattern, replacement in syn.FLIPS:
        for m in re.finditer(pattern, low):
            rep = m.expand(replacement)
            if "{an}" in rep:
                after = low[m.end() :].split()
                words: list[str] = []
                for w in after[:3]:
                    core = w.strip(".,;:")
                    if not re.fullmatch(r"[a-z-]+", core) or core in _STOP:
                        break
                    words.append(core)
                    if core != w:
                        break
                if not words:
                    continue
                head = words[-1]
                # "no fees" -> "fees"; "no fee" -> "a fee"; "no extra cost" -> "an extra cost".
                plural = head.endswith("s") and not head.endswith("ss")
                rep = "" if plural else ("an" if words[0][0] in "aeiou" else "a")
            options.append((m.start(), m.end(), m.group(0), rep))
            break
    cl = _parse(c, text)
    if cl is not None and cl.kind in ("verb", "do") and not cl.lead and not cl.adverb:
        if cl.kind == "verb" and not cl.negative and cl.verb != "have":
            do = "do not" if cl.plural else "does not"
            new = f"{cl.subject} {do} {cl.verb} {cl.rest}".strip() + "."
            return _whole_edit(text, new, f"{do} {cl.verb}")
        if cl.kind == "do" and cl.negative:
            verb = cl.verb if cl.plural else _third_singular(cl.verb)
            new = f"{cl.subject} {verb} {cl.rest}".strip() + "."
            return _whole_edit(text, new, verb)
    if not options:
        return None
    start, end, old, rep = rng.choice(options)
    out = low[:start] + rep + low[end:]
    out = re.sub(r"\s{2,}", " ", out)
    out = _upper_first(out)
    if out.rstrip(".") == text.rstrip("."):
        return None
    new_start = start
    return _Edit(out, old, rep, new_start, new_start + len(rep))


def _whole_edit(text: str, new: str, marker: str) -> _Edit | None:
    i = new.find(marker)
    if i < 0 or new == text:
        return None
    return _Edit(new, "", marker, i, i + len(marker))


def _scope(c: _Corpus, sentence: str, rng: random.Random) -> _Edit | None:
    """`sentence` said of more than it covers: a condition dropped, "some" made "all", a restriction removed."""
    text = sentence.rstrip(".")
    options: list[_Edit] = []
    m = _LEAD.match(text)
    if m and re.match(
        r"(?:If|When|Once|Unless|For|As long as|Provided|After|Before|While|Until|During)\b", m.group("lead")
    ):
        main = m.group("main")
        cl = _parse_clause(main + ".")
        if cl is not None and not re.match(r"(?:for example|for instance|such as|including|e\.g\.)", main, re.I):
            new = _upper_first(main) + "."
            options.append(_Edit(new, m.group("lead"), "", 0, 0))
    m2 = re.match(
        r"^(?P<main>.{20,}?),? (?:only )?"
        r"(?:if|unless|when|as long as|provided(?: that)?|except (?:when|if|for|where)|except) (?P<cond>[^;]+)$",
        text,
    )
    if m2 and _parse_clause(m2.group("main") + ".") is not None and not m:
        new = m2.group("main").rstrip(",") + "."
        options.append(_Edit(new, text[len(m2.group("main")) :], "", len(new) - 1, len(new) - 1))
    if "up to" not in text and "at most" not in text and "no more than" not in text:
        for pattern, rep in syn.QUANTIFIERS_TO_ALL:
            mq = re.search(pattern, text)
            if mq:
                new = text[: mq.start()] + rep + text[mq.end() :] + "."
                options.append(_Edit(new, mq.group(0), rep, mq.start(), mq.start() + len(rep)))
                break
    ms = _SUBJECT_MODIFIER.match(text)
    if ms:
        new = text[: ms.start("mod") - 1] + text[ms.end("mod") :] + "."
        options.append(_Edit(new, ms.group("mod"), "", ms.start("mod"), ms.start("mod")))
    mo = re.match(r"^Only (?:the |a |an )?[\w' -]+? can ", text)
    if mo:
        new = "Anyone can " + text[mo.end() :] + "."
        options.append(_Edit(new, mo.group(0), "Anyone can", 0, len("Anyone can")))
    mp = re.search(
        r"\bonly (for|to|in|on|with|from) ((?:[\w-]+ ){0,4}?([a-z]+s))\b(?=[,.;]|$| because| when| if)", text
    )
    if mp:
        rep = f"{mp.group(1)} all {mp.group(3)}"
        new = text[: mp.start()] + rep + text[mp.end() :] + "."
        options.append(_Edit(new, mp.group(0), rep, mp.start(), mp.start() + len(rep)))
    ma = re.search(r"\bonly applies\b(?: (?:when|if|to) [^,;]+)?", text)
    if ma:
        rep = "applies in every case"
        new = text[: ma.start()] + rep + text[ma.end() :] + "."
        options.append(_Edit(new, ma.group(0), rep, ma.start(), ma.start() + len(rep)))
    # Only in the subject: "Unopened devices: no fee" said of all devices overstates it, while
    # "you need an active line" -> "you need a line" would still follow from the premise.
    for mr in re.finditer(r"^(?:(?:The|A|An|Your|Any|All) )?(?P<adj>[A-Za-z]+) (?=[a-z][a-z-]+\b)", text):
        if mr.group("adj").lower() in syn.RESTRICTIVE_ADJECTIVES:
            a, b = mr.start("adj"), mr.end()
            new = text[:a] + text[b:]
            if a == 0:
                new = _upper_first(new)
            new += "."
            options.append(_Edit(new, text[a:b], "", a, a))
            break
    if c.regions:
        regions = "|".join(re.escape(r) for r in c.regions)
        mg = re.search(
            rf"\bfor ((?:[a-z]+ )?(?:{_GROUPS})) (?:in|from|based in) (?:the )?(?:{regions})\b",
            text,
        )
        if mg:
            rep = f"for all {mg.group(1).split()[-1]}"
            new = text[: mg.start()] + rep + text[mg.end() :] + "."
            options.append(_Edit(new, mg.group(0), rep, mg.start(), mg.start() + len(rep)))
        mh = re.search(rf",? \(?(?:in|within|for) (?:the )?(?:{regions})\)?(?=[.;)]|$|, [a-z])", text)
        if mh and not mg:
            new = text[: mh.start()] + text[mh.end() :]
            if new.count("(") == new.count(")"):
                new += "."
                options.append(_Edit(new, mh.group(0), "", mh.start(), mh.start()))
    options = [o for o in options if _words(o.text) >= 4 and _norm(o.text) != _norm(sentence)]
    if not options:
        return None
    return rng.choice(options)


_GROUPS = "customers|members|accounts|orders|users|travellers|passengers|travelers|businesses"
_SUBJECT_MODIFIER = re.compile(
    r"^(?:(?:The|All|Any) )?(?:[A-Z]?[a-z-]+ )?[A-Za-z-]+s "
    r"(?P<mod>(?:with|without|in|on|from|under|over|outside|inside|bought|purchased|enrolled|returned|placed|paid|made|"
    r"older|newer|sent|shipped|ordered)\b[^.;,]*?)"
    r" (?=(?:are|can|cannot|must|will|do|don't|have|need|qualify|get|is|need|follow|receive)\b)"
)


def _common(c: _Corpus) -> int:
    """Sentences a stem may occur in and still say what a sentence is about (not "account", "app")."""
    return max(3, len(c.sents) // 12)


def _related(c: _Corpus, stems: frozenset[str], exclude_doc: int, rng: random.Random, *, top: int = 8) -> list[_Sent]:
    """Sentences of other documents that share the most content words with `stems`."""
    score: Counter[int] = Counter()
    for st in sorted(stems):
        ids = c.by_stem.get(st, [])
        if len(ids) > _common(c):
            continue
        for i in ids:
            if c.sents[i].doc != exclude_doc:
                score[i] += 1
    ranked = sorted(score.items(), key=lambda kv: (-kv[1] / (len(c.sents[kv[0]].stems) + 4) ** 0.5, kv[0]))
    head = [c.sents[i] for i, n in ranked[:top] if n >= 1]
    rng.shuffle(head)
    return head


def _fresh(premise: str, text: str, *, need: int = 2, share: float = 0.4) -> bool:
    """`text` says something the premise does not: enough content words or a number it lacks."""
    pst = _stems(premise)
    st = _stems(text)
    missing = st - pst
    if _numbers(text) - _numbers(premise):
        return True
    return len(missing) >= need and len(missing) >= share * max(1, len(st))


_TOPIC = re.compile(r"\b(?P<det>a|an|the|your|any|each|every) (?P<noun>[a-z][a-z-]{3,})\b")


def _transplant(c: _Corpus, sent: _Sent, other: _Sent, premise: str) -> _Edit | None:
    """`other` (from another article) with its topic noun replaced by this sentence's.

    "You can return an accessory within 30 days" said of a device: a rule of one article applied to another's subject.
    """
    pstems = _stems(premise)

    def head(m: re.Match[str], text: str) -> bool:
        # A noun, not a modifier: what follows is punctuation, a function word or the end.
        after = text[m.end() :]
        if not after.startswith(" "):
            return True
        word = after.split(" ", 2)[1].lower()
        return word in _STOP or not word[:1].isalpha()

    own = [m for m in _TOPIC.finditer(sent.text) if _stem(m.group("noun")) in c.topics[sent.doc] and head(m, sent.text)]
    theirs = [
        m
        for m in _TOPIC.finditer(other.text)
        if _stem(m.group("noun")) in c.topics[other.doc]
        and _stem(m.group("noun")) not in pstems
        and head(m, other.text)
    ]
    for mt in theirs:
        for mo in own:
            if mo.group("noun") == mt.group("noun") or mo.group("noun").endswith("s") != mt.group("noun").endswith("s"):
                continue
            det = mt.group("det")
            if det in ("a", "an"):
                det = "an" if mo.group("noun")[0] in "aeiou" else "a"
            new_np = f"{det} {mo.group('noun')}"
            text = other.text[: mt.start()] + new_np + other.text[mt.end() :]
            if mt.start() == 0:
                text = _upper_first(text)
            if _fresh(premise, text, need=2, share=0.3) and _novel(_norm(premise), text):
                return _Edit(text, mt.group(0), new_np, mt.start(), mt.start() + len(new_np))
    return None


def _conflate(c: _Corpus, sent: _Sent, premise: str, rng: random.Random) -> _Edit | None:
    """A rule of another article on the same topic, said of this sentence's subject or topic (or as it stands)."""
    pnorm = _norm(premise)
    own = _parse(c, sent.text)
    fallback: _Edit | None = None
    for other in _related(c, sent.stems, sent.doc, rng):
        moved = _transplant(c, sent, other, premise)
        if moved is not None:
            return moved
        t = _parse(c, other.text)
        if (
            own is not None
            and t is not None
            and own.subject.lower() not in _PRONOUNS
            and t.subject.lower() not in _PRONOUNS
            and _norm(own.subject) != _norm(t.subject)
            and t.kind in ("be", "modal", "verb", "have")
            and not t.lead
            and not {"ever", "still"} & set(t.adverb.split())
            and own.lead == ""
        ):
            verb = t.aux
            if t.kind == "be":
                verb = ("are" if own.plural else "is") if t.aux in ("is", "are") else verb
                verb = ("aren't" if own.plural else "isn't") if t.aux in ("isn't", "aren't") else verb
            elif t.kind == "have":
                verb = "have" if own.plural else "has"
            elif t.kind == "verb":
                verb = t.verb if own.plural else _third_singular(t.verb)
            neg = " not" if (t.negative and t.kind != "verb" and not verb.endswith(("n't", "cannot"))) else ""
            adverb = f" {t.adverb}" if t.adverb else ""
            if t.kind == "verb" and t.negative:
                continue
            rest = _cut(t.rest).rstrip(" ,")
            new = f"{own.subject}{adverb} {verb}{neg} {rest}".strip() + "."
            new = re.sub(r"\s+", " ", new)
            if rest and _novel(pnorm, new) and _fresh(premise, rest) and not _within(pnorm, rest):
                return _Edit(new, t.subject, rest, len(own.subject), len(new) - 1)
        shared = sum(1 for st in other.stems & sent.stems if len(c.by_stem.get(st, ())) <= _common(c))
        if (
            fallback is None
            and shared >= 2
            and _fresh(premise, other.text, need=2, share=0.4)
            and _novel(pnorm, other.text)
        ):
            fallback = _Edit(other.text, "", other.text, 0, len(other.text))
    return fallback


def _addition(c: _Corpus, sent: _Sent, premise: str, rng: random.Random) -> _Edit | None:
    """The sentence with a plausible clause from elsewhere in the corpus appended."""
    pnorm = _norm(premise)
    if ";" in sent.text or _words(sent.text) > 28 or not _joinable(sent.text):
        return None
    pool = _related(c, _stems(premise), -1, rng, top=30)
    pool.sort(key=lambda o: c.used[o.text])
    for other in pool:
        if other.doc == sent.doc and other.chunk == sent.chunk:
            continue
        if _within(pnorm, other.text) or not _joinable(other.text) or _words(other.text) > 16:
            continue
        t = _parse(c, other.text)
        if t is None or t.lead or t.subject.lower() in ("it", "they", "this", "i") or t.aux == "should":
            continue  # an instruction ("put the device in pairing mode") does not read as an added fact
        if not _fresh(premise, other.text, need=2, share=0.5):
            continue
        c.used[other.text] += 1
        clause = _lower_first(c, other.text.rstrip(".!"))
        glue = rng.choice((", and ", ", and ", " and "))
        base = sent.text.rstrip(".!")
        new = f"{base}{glue}{clause}."
        return _Edit(new, "", clause, len(base) + len(glue), len(new) - 1)
    return None


# ---------------------------------------------------------------- per sentence


def _premise_for(c: _Corpus, d: int, k: int, rng: random.Random) -> tuple[str, list[_Sent]]:
    doc = c.docs[d]
    chunks = [k]
    if len(doc.chunks) > 1 and rng.random() < 0.3:
        n = k + 1 if (k + 1 < len(doc.chunks) and (k == 0 or rng.random() < 0.5)) else k - 1
        chunks = sorted([k, n])
    text = "\n\n".join(doc.chunks[i] for i in chunks)
    sents = [s for i in chunks for s in doc.sents[i]]
    return text, sents


def _from_sentence(
    c: _Corpus, premise_sents: tuple[str, list[_Sent]], sent: _Sent, rng: random.Random
) -> dict[str, Example]:
    """At most one candidate pair of each kind starting from `sent`."""
    premise, in_premise = premise_sents
    pnorm = _norm(premise)
    doc_id = c.docs[sent.doc].doc_id
    s = sent.text
    out: dict[str, Example] = {}

    def add(kind: str, label: int, hyp: str, source: str, old: str = "", new: str = "") -> None:
        hyp = re.sub(r"[ \t]+", " ", hyp).strip()
        if label == 0 and (hyp == source or not _novel(pnorm, hyp)):
            return
        out[kind] = Example(Pair(premise, hyp, label, kind, c.name, doc_id), source, old, new)

    main = _main_clause(s)
    add("verbatim", 1, main if (main and rng.random() < 0.4) else s, s)
    para = _paraphrase(c, s, rng)
    if para:
        add("paraphrase", 1, para, s)
    yn = _yes_no(c, s)
    if yn:
        cl, question = yn
        add("yes_no", 1, f"{question}\n{_short_answer(cl, not cl.negative, rng)}", s)
    frag = _fragment(c, s, rng)
    if frag:
        question, answer, _q = frag
        add("fragment", 1, f"{question}\n{answer}", s)
    others = [
        o
        for o in in_premise
        if not (o.chunk == sent.chunk and o.index == sent.index) and _joinable(o.text) and _joinable(s)
    ]
    if others:
        near = [o for o in others if abs(o.index - sent.index) == 1 and o.chunk == sent.chunk] or others
        other = rng.choice(near)
        pair = (sent, other) if (other.chunk, other.index) > (sent.chunk, sent.index) else (other, sent)
        if _words(pair[0].text) + _words(pair[1].text) <= 50:
            add("inference", 1, _join(c, pair[0].text, pair[1].text, rng), s)

    # Negatives start from the sentence, sometimes from its paraphrase, so
    # wording alone never gives the label away.
    base = para if (para and rng.random() < 0.3) else s
    numeric: list[tuple[str, str, str, str]] = []
    e = _swap_number(c, base, premise, rng)
    if e and _novel(pnorm, e.text, e):
        numeric.append((e.text, base, e.old, e.new))
    if yn and not yn[0].negative:
        e2 = _swap_number(c, s, premise, rng)
        yn2 = _yes_no(c, e2.text) if e2 else None
        if e2 and yn2 and not yn2[0].negative and _same_but(yn[1], yn2[1], e2.old, e2.new):
            numeric.append((f"{yn2[1]}\n{_short_answer(yn2[0], True, rng)}", f"{yn[1]}\nYes.", e2.old, e2.new))
    if frag:
        question, answer, _q = frag
        fe = _swap_number(c, answer, premise, rng)
        if fe and fe.old in answer:
            numeric.append((f"{question}\n{fe.text}", f"{question}\n{answer}", fe.old, fe.new))
    if numeric:
        hyp, src, old, new = rng.choice(numeric)
        add("number_swap", 0, hyp, src, old, new)

    names: list[tuple[str, str, str, str]] = []
    ent = _swap_entity(c, base, premise, rng)
    if ent and _novel(pnorm, ent.text, ent):
        names.append((ent.text, base, ent.old, ent.new))
    if yn and not yn[0].negative:
        ent2 = _swap_entity(c, s, premise, rng)
        yn3 = _yes_no(c, ent2.text) if ent2 else None
        if ent2 and yn3 and not yn3[0].negative and _same_but(yn[1], yn3[1], ent2.old, ent2.new):
            names.append((f"{yn3[1]}\n{_short_answer(yn3[0], True, rng)}", f"{yn[1]}\nYes.", ent2.old, ent2.new))
    if names:
        hyp, src, old, new = rng.choice(names)
        add("entity_swap", 0, hyp, src, old, new)

    flips: list[tuple[str, str, str, str]] = []
    fl = _flip(c, base, rng)
    if fl and _novel(pnorm, fl.text, fl):
        flips.append((fl.text, base, fl.old, fl.new))
    if yn:
        cl, question = yn
        wrong = _short_answer(cl, cl.negative, rng)
        flips.append((f"{question}\n{wrong}", f"{question}\n{_short_answer(cl, not cl.negative, rng)}", "", wrong))
    if flips:
        hyp, src, old, new = rng.choice(flips)
        add("negation", 0, hyp, src, old, new)

    conf = _conflate(c, sent, premise, rng)
    if conf:
        add("conflation", 0, conf.text, s, conf.old, conf.new)
    addn = _addition(c, sent, premise, rng)
    if addn:
        add("addition", 0, addn.text, s, "", addn.new)
    if others:
        other = rng.choice(others)
        bad = rng.choice((_swap_number, _swap_entity, _flip_any))(c, other.text, premise, rng)
        if bad and _novel(pnorm, bad.text, bad) and _words(s) + _words(bad.text) <= 50:
            first, second = (s, bad.text) if rng.random() < 0.5 else (bad.text, s)
            add("partial", 0, _join(c, first, second, rng), f"{s} {other.text}", bad.old, bad.new)
    sc = _scope(c, base, rng) or (_scope(c, s, rng) if base != s else None)
    if sc and _novel(pnorm, sc.text):
        scoped = _yes_no(c, sc.text) if rng.random() < 0.4 else None
        if scoped and not scoped[0].negative and yn and not yn[0].negative and _norm(scoped[1]) != _norm(yn[1]):
            add(
                "wrong_scope",
                0,
                f"{scoped[1]}\n{_short_answer(scoped[0], True, rng)}",
                f"{yn[1]}\nYes.",
                sc.old,
                sc.new,
            )
        else:
            add("wrong_scope", 0, sc.text, base, sc.old, sc.new)
    return out


def _same_but(question: str, edited: str, old: str, new: str) -> bool:
    """`edited` is `question` with `old` replaced by `new`: the edit did not change how the question was built."""
    return old.lower() in question.lower() and question.lower().replace(old.lower(), new.lower(), 1) == edited.lower()


def _flip_any(c: _Corpus, text: str, premise: str, rng: random.Random) -> _Edit | None:
    return _flip(c, text, rng)


def _pick(made: dict[str, Example], label: int, counts: Counter[str], n: int, rng: random.Random) -> list[Example]:
    """Up to `n` candidates of `label`, the kinds made least so far first (ties broken at random)."""
    cands = [e for e in made.values() if e.pair.label == label]
    rng.shuffle(cands)
    cands.sort(key=lambda e: counts[e.pair.kind])
    return cands[:n]


def _balance(examples: Sequence[Example], rng: random.Random) -> list[Example]:
    """Drop pairs of the larger label, from its most frequent kinds, until the labels are even."""
    pos = [e for e in examples if e.pair.label == 1]
    neg = [e for e in examples if e.pair.label == 0]
    big, small = (pos, neg) if len(pos) > len(neg) else (neg, pos)
    excess = len(big) - len(small)
    if excess <= 0:
        return list(examples)
    by_kind: dict[str, list[Example]] = defaultdict(list)
    for e in big:
        by_kind[e.pair.kind].append(e)
    for lst in by_kind.values():
        rng.shuffle(lst)
    while excess > 0:
        kind = max(sorted(by_kind), key=lambda k: len(by_kind[k]))
        by_kind[kind].pop()
        excess -= 1
    kept = [e for lst in by_kind.values() for e in lst]
    return kept + small
