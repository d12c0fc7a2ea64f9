"""Score every claim of an answer against the retrieved passages: the cascade.

Tier 0 (free): a claim quoted word for word from one passage sentence
(`ragfort.grounding.verbatim`) is supported with certainty and cited
exactly; no model runs. The default extractive generator only writes such
claims, so its answers are checked without embedding anything.

Tier 1: the lexical and consistency signals of `ragfort.grounding.signals`
plus dense similarity between the claim and each passage sentence (MiniLM;
passage vectors come from ingest when the pipeline provides them), combined
by the logistic model of `params.json` into a support probability. The
model is monotone in both similarities, so when the lexical signals alone settle
the verdict for any similarity in [0, 1], the claim is not embedded at all;
the rest are embedded in one call, through a small in-memory cache keyed by
a digest of the text (never the text itself). Passage sentences without
ingest vectors (a wrapped chain's own retriever) go through the same cache,
so a passage retrieved again is not embedded again.

Learned tier (optional, `learned`): the shipped cross-encoder of
`ragfort.judges` (task ``support``) reads each claim that was not quoted
verbatim together with the passages holding its closest sentences (by the
same similarities, so ingest vectors choose them), and its probability is
blended with tier 1's (`learned_weight`). Tier 1 then embeds every such
claim instead of taking the lexical shortcut, whose probability is only a
bound on the verdict's side of the threshold. An answer that opens with
yes/no or is a fragment is read with its question (`ragfort.judges.support`).
A claim whose number or name the evidence contradicts (`learned_vetoes`)
stays just below the threshold whatever the blend says: in the blend the
feature model's own veto is only its share.

Tier 2 and 3 (optional): claims whose probability falls inside the model's
uncertainty band go to an NLI cross-encoder and then an LLM judge, if
configured; each tier that decides replaces the probability.

Defined behaviour at the edges:

- no claims (empty answer, whitespace, only citation markers): an empty report;
- no passages: every claim is unsupported (probability 0) — nothing was
  retrieved, so nothing backs the answer;
- more than `max_claims` claims: the first `max_claims` are scored, the rest
  are reported unchecked (`supported is None`), which keeps a 10,000-word
  answer to one bounded encode call;
- non-English text: scored with the same signals; lexical and consistency
  checks work for any space-separated script, MiniLM similarity is
  English-trained and weaker there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ragfort.context import SentenceVectors
from ragfort.embeddings import Embedder, get_embedder
from ragfort.errors import ConfigError
from ragfort.grounding.binding import (
    EvidenceItems,
    Worked,
    asked_numbers,
    computed_numbers,
    denied,
    evidence_items,
    overreach,
    prohibited,
    unbound,
)
from ragfort.grounding.channels import unnamed_channel, unsaid_manner
from ragfort.grounding.claims import ClaimSpan, CleanAnswer, answer_core, split_claims, strip_markers, unframed
from ragfort.grounding.courtesy import candidate, load_head
from ragfort.grounding.judges import SupportJudge
from ragfort.grounding.model import SupportModel, load_model
from ragfort.grounding.signals import (
    _NUMBER,
    CONTRADICTIONS,
    ClaimSignals,
    EvidenceIndex,
    claim_signals,
    content_tokens,
)
from ragfort.grounding.verbatim import find_verbatim
from ragfort.grounding.yesno import contradicted_yes, flipped_yes
from ragfort.judges.support import premise_window, support_pair
from ragfort.text import plain_quotes, sentence_spans
from ragfort.types import Passage

__all__ = [
    "LEARNED_VETOES",
    "ClaimResult",
    "EvidenceRef",
    "GroundingReport",
    "GroundingScorer",
    "PairScorer",
    "SentenceVectors",
    "embedding_text",
    "evidence_sentences",
    "is_fragment",
    "passage_sentence_spans",
]


# How a veto reads in the probability note ("capped: the evidence contradicts its ..."), where its kind's name
# is not a noun of the claim.
_VETO_NOUNS = {
    "prohibited": "advice (it forbids that)",
    "denied": "statement (it denies it)",
    "channel": "channel (it names none such)",
    "manner": "manner (it never says so)",
    "answer_polarity": "yes",
    "flipped": "yes (it denies what follows)",
}
# What `learned_vetoes` can name: the signals' contradictions, and a number or name the evidence binds
# to another subject (`ragfort.grounding.binding`; the learned tier only).
LEARNED_VETOES: tuple[str, ...] = (
    *CONTRADICTIONS, "number_binding", "name_binding", "scope", "answer_polarity", "prohibited", "denied", "channel",
    "manner", "flipped",
)


class PairScorer(Protocol):
    """A learned pair judge: calibrated probabilities for `(premise, hypothesis)` pairs (`ragfort.judges`)."""

    def score(self, pairs: Sequence[tuple[str, str]]) -> Sequence[float] | npt.NDArray[np.float32]: ...


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """A passage sentence that supports a claim: offsets are into `Passage.text`."""

    passage: int
    start: int
    end: int
    similarity: float


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """The verdict on one claim.

    Attributes:
        span: the claim and its offsets in the cleaned answer.
        probability: support probability in [0, 1]; None when not checked.
        supported: probability >= threshold; None when not checked.
        tier: which tier decided: "verbatim", "lexical" (no embedding needed),
            "fast", "nli", "llm", "no-evidence" or "unchecked".
        evidence: the passage sentences to cite (best first); empty when unsupported.
        signals: human explanations, the decisive one first.
        features: the feature values fed to the model (empty when not checked).
        contradicted: what of the claim the evidence contradicts (``"number"``,
            ``"name"``, ``"polarity"``; see `ClaimSignals.contradicted`).
    """

    span: ClaimSpan
    probability: float | None
    supported: bool | None
    tier: str
    evidence: tuple[EvidenceRef, ...]
    signals: tuple[str, ...]
    features: tuple[float, ...] = ()
    contradicted: tuple[str, ...] = ()

    @property
    def decisive(self) -> str:
        """The one signal that best explains the verdict."""
        return self.signals[0] if self.signals else ""


@dataclass(frozen=True, slots=True)
class GroundingReport:
    """All claims of one answer, scored."""

    answer: CleanAnswer
    claims: tuple[ClaimResult, ...]
    threshold: float

    @property
    def checked(self) -> tuple[ClaimResult, ...]:
        """Claims that were scored."""
        return tuple(c for c in self.claims if c.supported is not None)

    @property
    def groundedness(self) -> float | None:
        """The weakest checked claim's probability; None when nothing was checked.

        The minimum, not the mean: the promise is about every sentence, and
        one invented refund period is not made acceptable by four true ones.
        """
        probs = [c.probability for c in self.claims if c.probability is not None]
        return min(probs) if probs else None

    @property
    def supported_fraction(self) -> float | None:
        """Share of all claims (checked or not) that are supported; None without claims."""
        if not self.claims:
            return None
        return sum(1 for c in self.claims if c.supported) / len(self.claims)


# A sentence end with no space after it: "...in the 19th century.First for Women is ...".
# Scraped and concatenated text is full of these; the lower-case letter, digit or
# closing mark before the period and the capitalised word after it keep
# abbreviations ("U.S.A."), decimals and identifiers ("ASP.NET") whole.
_RUN_ON = re.compile(r"(?<=[a-z0-9)\]\"'])[.!?](?=[A-Z][a-z])")


def _split_run_ons(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in spans:
        cursor = s
        for m in _RUN_ON.finditer(text, s, e):
            out.append((cursor, m.end()))
            cursor = m.end()
        out.append((cursor, e))
    return out


def passage_sentence_spans(passage: Passage) -> list[tuple[int, int]]:
    """The passage's sentence offsets: from ingest when present, else computed now."""
    if passage.sentences:
        return [(int(s), int(e)) for s, e in passage.sentences]
    spans = _split_run_ons(passage.text, sentence_spans(passage.text))
    if not spans and passage.text.strip():
        s, e = 0, len(passage.text)
        while s < e and passage.text[s].isspace():
            s += 1
        while e > s and passage.text[e - 1].isspace():
            e -= 1
        spans = [(s, e)]
    return spans


def is_fragment(claim: str) -> bool:
    """A short answer that is not a sentence ("Delhi", "23 January 1897")."""
    return len(claim.split()) <= 4 and not claim.rstrip().endswith((".", "!", "?"))


def embedding_text(claim: str, question: str) -> str:
    """What to embed for a claim: a fragment is only comparable with sentences next to its question."""
    return f"{question.strip()} {claim}" if question.strip() and is_fragment(claim) else claim


# How much a sentence's share of the claim's content words adds to its cosine when the learned tier picks
# the passage it reads. MiniLM ranks sentences with prices close whatever they price ("Renters policies
# start at $12 a month." above the hotel sentence for "Up to $6,000 for the hotel and extra meal costs.");
# the shared words break that. Chosen on the dev splits (0.25, 0.5 and 1 read the same passages there).
_OVERLAP_WEIGHT = 0.5
# With the learned tier on, a claim this short that holds a number is never settled by a verbatim quote.
BARE_VALUE_WORDS = 6


def _overlaps(claim: str, index: EvidenceIndex) -> npt.NDArray[np.float32]:
    """Per evidence sentence, the share of the claim's content words it holds (zeros for a claim with none)."""
    toks = set(content_tokens(claim))
    if not toks:
        return np.zeros(len(index.sentences), dtype=np.float32)
    return np.array([len(toks & s.tokens) / len(toks) for s in index.sentences], dtype=np.float32)


# Markdown emphasis around words ("**No**, ...", "within *5 days*"): read as spaces, one for each marker character.
# A "* " that starts a list item, or a "*" between spaces or digits ("5 * 3"), is not emphasis and stays.
_EMPHASIS = re.compile(r"(?<=[\w.!?,:;)])(?:\*\*?|__)(?![\w*])|(?<![\w*])(?:\*\*?|__)(?=[\w(\"'$€£])")


def _reading(text: str) -> str:
    """`text` as grounding reads it: plain quotes (`plain_quotes`), emphasis markers as spaces; offsets stand."""
    text = plain_quotes(text)
    return _EMPHASIS.sub(lambda m: " " * len(m.group(0)), text) if ("*" in text or "__" in text) else text


def _plain_passage(passage: Passage) -> Passage:
    """`passage` as grounding reads it (`_reading`: its offsets and sentences stand)."""
    text = _reading(passage.text)
    return passage if text == passage.text else dataclasses.replace(passage, text=text)


def _as_written(span: ClaimSpan, clean: CleanAnswer, read: str) -> ClaimSpan:
    """`span`, found in `read` (the answer as grounding reads it), with its text as the answer writes it.

    Emphasis markers at its edges ("**No**, ...") join it, so stripping the claim's sentence strips them too.
    """
    written = clean.text
    if read == written:
        return span

    def back(i: int) -> int:
        while i > 0 and written[i - 1] in "*_":
            i -= 1
        return i

    def ahead(i: int) -> int:
        while i < len(written) and written[i] in "*_":
            i += 1
        return i

    start, end = back(span.start), ahead(span.end)
    sentence_start, sentence_end = min(back(span.sentence_start), start), max(ahead(span.sentence_end), end)
    return dataclasses.replace(span, text=written[start:end], start=start, end=end, sentence_start=sentence_start,
                               sentence_end=sentence_end)  # fmt: skip


def evidence_sentences(
    passages: Sequence[Passage],
) -> tuple[list[tuple[int, int, int, str]], list[list[tuple[int, int]]]]:
    """`(passage_index, start, end, text)` of every passage sentence, and the spans per passage."""
    per_passage = [passage_sentence_spans(p) for p in passages]
    sentences = [(pi, s, e, p.text[s:e]) for pi, (p, spans) in enumerate(zip(passages, per_passage, strict=True))
                 for s, e in spans]  # fmt: skip
    return sentences, per_passage


# Feature values of a claim quoted verbatim: everything found, nothing contradicted.
_FULL_SUPPORT = frozenset(
    {"similarity", "local_similarity", "coverage", "novel_coverage", "local_coverage", "bigram_coverage",
     "number_coverage"}
)  # fmt: skip
# Features that need the claim's embedding; the lexical tier bounds the model over them.
_DENSE = ("similarity", "local_similarity")


def _validate_vectors(vecs: object, n: int, dim: int) -> npt.NDArray[np.float32] | None:
    if vecs is None:
        return None
    arr = np.asarray(vecs, dtype=np.float32)
    if arr.ndim != 2 or arr.shape != (n, dim):
        # Vectors that do not line up with the sentences are useless; recompute.
        return None
    return arr


class GroundingScorer:
    """Scores an answer's claims against passages.

    Args:
        model: the support model (default: the shipped params.json).
        embedder: sentence embedder (default: the shared MiniLM, loaded on first use).
        threshold: overrides the model's decision threshold.
        band: overrides the model's uncertainty band `(low, high)` for the cascade.
        max_claims: score at most this many claims; the rest are unchecked.
        split_clauses: split compound sentences into clauses.
        nli: optional second-tier judge (see `CrossEncoderJudge`).
        llm: optional third-tier judge (see `LLMJudge`).
        verbatim: support claims quoted word for word without running any model.
        lexical_shortcut: skip embedding claims whose verdict the lexical
            signals settle for any similarity (not with `learned`: the blend
            takes the feature model's probability, which needs the similarity).
        claim_cache_size: claim and passage-sentence vectors kept in memory
            (keyed by a digest of the embedded text, 1.5 KB each); 0 disables the cache.
        learned: the learned support judge (anything with ``score(pairs)``
            returning probabilities, e.g. `ragfort.judges.load_judge("support")`);
            None leaves tier 1 alone.
        learned_weight: the learned probability's share of the blend, in [0, 1].
        learned_passages: passages read per claim (those holding its closest
            sentences); the claim takes the best of them.
        learned_vetoes: contradictions that stay decisive after the blend: a
            claim whose ``"number"``, ``"name"`` or ``"polarity"`` the evidence
            contradicts (`ClaimResult.contradicted`) is capped just below the
            threshold whatever the judge says. In the blend the feature
            model's own veto is only its share of the probability, so a judge
            that misses a phone number wrong in its last digits would pass it.
            ``"number_binding"``, ``"name_binding"``, ``"scope"``,
            ``"prohibited"``, ``"denied"``, ``"channel"``, ``"manner"``, ``"answer_polarity"`` and ``"flipped"``
            add the checks of `ragfort.grounding.binding` and `ragfort.grounding.yesno`.
        exempt_computed: the ``number`` veto spares numbers the answer works out or hedges.
        courtesy_head: also leave out the sentences the learned courtesy head reads as only courtesy
            (`ragfort.grounding.courtesy`; with the MiniLM embedder it was trained on).
    """

    def __init__(
        self,
        *,
        model: SupportModel | None = None,
        embedder: Embedder | None = None,
        threshold: float | None = None,
        band: tuple[float, float] | None = None,
        max_claims: int = 64,
        split_clauses: bool = True,
        nli: SupportJudge | None = None,
        llm: SupportJudge | None = None,
        verbatim: bool = True,
        lexical_shortcut: bool = True,
        claim_cache_size: int = 4096,
        learned: PairScorer | None = None,
        learned_weight: float = 0.5,
        learned_passages: int = 1,
        learned_vetoes: Sequence[str] = ("number", "name"),
        exempt_computed: bool = False,
        courtesy_head: bool = True,
    ) -> None:
        self.model = model or load_model()
        self.threshold = self.model.threshold if threshold is None else float(threshold)
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigError(f"threshold must be in [0, 1], got {threshold!r}")
        if self.model.vetoes and self.model.veto_cap >= self.threshold:
            # A lowered threshold must not let a contradicted number or name through.
            self.model = dataclasses.replace(self.model, veto_cap=max(0.0, self.threshold - 0.05))
        self.band = self.model.band if band is None else (float(band[0]), float(band[1]))
        if not 0.0 <= self.band[0] <= self.band[1] <= 1.0:
            raise ConfigError(f"band must be (low, high) within [0, 1], got {band!r}")
        if max_claims < 1:
            raise ConfigError(f"max_claims must be >= 1, got {max_claims!r}")
        if claim_cache_size < 0:
            raise ConfigError(f"claim_cache_size must be >= 0, got {claim_cache_size!r}")
        self.max_claims = max_claims
        self.split_clauses = split_clauses
        self.nli = nli
        self.llm = llm
        self.verbatim = verbatim
        # The shortcut is exact only if the model can be bounded over similarity.
        self.lexical_shortcut = lexical_shortcut and "similarity" in self.model.features
        self.claim_cache_size = claim_cache_size
        if not 0.0 <= learned_weight <= 1.0:
            raise ConfigError(f"learned_weight must be in [0, 1], got {learned_weight!r}")
        if learned_passages < 1:
            raise ConfigError(f"learned_passages must be >= 1, got {learned_passages!r}")
        self.learned = learned
        self.learned_weight = float(learned_weight)
        self.learned_passages = learned_passages
        unknown = sorted(set(learned_vetoes) - set(LEARNED_VETOES))
        if unknown:
            raise ConfigError(f"learned_vetoes must be among {LEARNED_VETOES!r}, got {unknown!r}")
        self.learned_vetoes = tuple(learned_vetoes)
        self.exempt_computed = exempt_computed
        # Read (and its checksum checked) here, so a damaged head fails at start-up, not on some later answer.
        self.courtesy_head = load_head() if courtesy_head else None
        # Vetoed claims land just below the threshold, like the feature model's own veto.
        self.veto_cap = min(self.model.veto_cap, max(0.0, self.threshold - 0.05))
        self._vector_cache: OrderedDict[bytes, npt.NDArray[np.float32]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        """The embedder, loaded on first use."""
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    # -- the main entry point -------------------------------------------------
    def score(
        self,
        answer: str,
        passages: Sequence[Passage],
        *,
        question: str = "",
        sentence_vectors: SentenceVectors | None = None,
    ) -> GroundingReport:
        """Score every claim of `answer` against `passages`.

        Args:
            answer: the generated answer (model-written citation markers are ignored).
            passages: the retrieved passages.
            question: the question; gives a fragment answer ("Delhi") the
                context it needs, and lets coverage skip the words the answer
                merely echoes from it.
            sentence_vectors: the pipeline's ingest-time passage sentence vectors
                (``ctx.state.sentence_vectors``), when available.
        """
        clean = strip_markers(answer)
        # Every text is read with plain quotes ("can’t" is "can't") and without Markdown emphasis (`_reading`);
        # claims keep the text as written.
        read = _reading(clean.text)
        spans = self._without_courtesy(split_claims(read, split_clauses=self.split_clauses))
        if not spans:
            return GroundingReport(clean, (), self.threshold)
        question = plain_quotes(question)
        passages = [_plain_passage(p) for p in passages]
        checked, rest = spans[: self.max_claims], spans[self.max_claims :]
        unchecked = tuple(
            ClaimResult(_as_written(s, clean, read), None, None, "unchecked", (),
                        (f"not checked: answer has over {self.max_claims} claims",))
            for s in rest
        )  # fmt: skip
        if not passages:
            none = tuple(
                ClaimResult(_as_written(s, clean, read), 0.0, False, "no-evidence", (),
                            ("no passages were retrieved to support this",))
                for s in checked
            )  # fmt: skip
            return GroundingReport(clean, none + unchecked, self.threshold)

        sentences, per_passage = evidence_sentences(passages)
        evidence = EvidenceIndex.build(sentences)
        question_tokens = frozenset(content_tokens(question))
        # An opening yes/no ("No, ...") answers the question; the passages are checked for what follows it.
        written = checked
        checked = [dataclasses.replace(span, text=answer_core(span.text)) for span in written]
        results: list[ClaimResult | None] = [None] * len(checked)
        pending: list[int] = []
        texts = [p.text for p in passages]
        polarities = [s.polarity for s in evidence.sentences]
        for i, span in enumerate(checked):
            decided = None
            if self.verbatim and not is_fragment(span.text) and not self._bare_value(span.text):
                hit = find_verbatim(span.text, texts, sentences, sentence_polarities=polarities)
                if hit is not None:
                    decided = self._verbatim_result(span, hit.sentence, evidence, sources=passages)
            # With a learned judge every such claim is embedded anyway (to choose its passage), and the blend
            # needs the feature model's own probability, not the lexical tier's bound nearest the threshold.
            if decided is None and self.lexical_shortcut and self.learned is None:
                decided = self._lexical_result(span, evidence, question_tokens)
            if decided is None:
                pending.append(i)
            else:
                results[i] = decided
        if pending:
            claim_texts = [embedding_text(checked[i].text, question) for i in pending]
            sims = self._similarities(claim_texts, passages, per_passage, sentence_vectors)
            scored = self.score_prepared(
                [checked[i] for i in pending], sentences, sims, question=question, evidence=evidence
            )
            for i, result in zip(pending, scored, strict=True):
                results[i] = result
        done = [r for r in results if r is not None]
        if self.learned is not None:
            # The judge reads each claim as written (its yes/no opening too), less the discourse frames around it.
            read_as = [dataclasses.replace(span, text=unframed(span.text)) for span in written]
            done = self._learned_tier(done, read_as, checked, passages, sentences, per_passage, question,
                                      sentence_vectors, evidence)  # fmt: skip
        final = tuple(
            dataclasses.replace(r, span=_as_written(span, clean, read)) for r, span in zip(done, written, strict=True)
        )
        return GroundingReport(clean, final + unchecked, self.threshold)

    def _without_courtesy(self, spans: list[ClaimSpan]) -> list[ClaimSpan]:
        """`spans` less the sentences the courtesy head reads as only courtesy (`ragfort.grounding.courtesy`).

        The word lists of `split_claims` have already left out the courtesy they know; the head is asked only
        about what `courtesy.candidate` lets through, and only with the embedder it was trained on.
        """
        head = self.courtesy_head
        if head is None:
            return spans
        asked = [i for i, span in enumerate(spans) if candidate(span.text)]
        if not asked or getattr(self.embedder, "model_id", None) != head.embedder_model:
            return spans
        polite = head.courteous(self._vectors([spans[i].text for i in asked]))
        dropped = {i for i, p in zip(asked, polite, strict=True) if p}
        return [span for i, span in enumerate(spans) if i not in dropped]

    def _bare_value(self, claim: str) -> bool:
        """A short claim that gives a value ("Within 10 working days."), with the learned tier on.

        Quoted verbatim, it still says nothing of whose value it is: a table's card row and its cheque row
        both read "Within N working days". Such claims skip the verbatim tier, so binding can check them.
        """
        return self.learned is not None and len(claim.split()) <= BARE_VALUE_WORDS and bool(_NUMBER.search(claim))

    # -- the learned tier -----------------------------------------------------------
    def _premise(
        self,
        passages: Sequence[Passage],
        per_passage: Sequence[Sequence[tuple[int, int]]],
        pi: int,
        sentence: tuple[int, int, int, str],
        claim: str,
        question: str,
    ) -> str:
        """What the learned judge reads for `claim`: passage `pi`, or the window of it that holds `sentence`.

        A judge that says how much of a premise it reads (`PairJudge.kept_chars`) gets a later window of a
        passage whose evidence sentence would fall past its cut (`premise_window`); any other judge the passage.
        """
        text = passages[pi].text
        kept_chars = getattr(self.learned, "kept_chars", None)
        if kept_chars is None:
            return text

        def kept(premise: str) -> int:
            return int(kept_chars([support_pair(premise, claim, question)])[0])

        return premise_window(text, [s for s, _ in per_passage[pi]], (sentence[1], sentence[2]), kept)

    def _learned_tier(
        self,
        results: list[ClaimResult],
        written: Sequence[ClaimSpan],
        cores: Sequence[ClaimSpan],
        passages: Sequence[Passage],
        sentences: Sequence[tuple[int, int, int, str]],
        per_passage: Sequence[Sequence[tuple[int, int]]],
        question: str,
        sentence_vectors: SentenceVectors | None,
        index: EvidenceIndex,
    ) -> list[ClaimResult]:
        """Blend the learned judge's probability into every claim not settled verbatim."""
        assert self.learned is not None
        todo = [i for i, r in enumerate(results) if r.tier != "verbatim" and r.supported is not None]
        if not todo or not sentences:
            return results
        sims = self._similarities(
            [embedding_text(cores[i].text, question) for i in todo], passages, per_passage, sentence_vectors
        )
        pairs: list[tuple[str, str]] = []
        reads: list[list[tuple[int, int]]] = []  # per claim: (passage, best sentence in it)
        for row in range(len(todo)):
            chosen: list[tuple[int, int]] = []
            rank = sims[row] + _OVERLAP_WEIGHT * _overlaps(cores[todo[row]].text, index)
            for k in np.argsort(-rank):
                pi = sentences[int(k)][0]
                if all(pi != c[0] for c in chosen):
                    chosen.append((pi, int(k)))
                if len(chosen) == self.learned_passages:
                    break
            reads.append(chosen)
            # The written claim, opening yes/no included: with its question, it is what the judge was trained on.
            claim = written[todo[row]].text
            pairs += [support_pair(self._premise(passages, per_passage, pi, sentences[k], claim, question), claim,
                                   question) for pi, k in chosen]  # fmt: skip
        probs = [float(p) for p in self.learned.score(pairs)]
        binds = any(k in self.learned_vetoes for k in ("number_binding", "name_binding", "prohibited", "denied"))
        # The evidence's numbers and names with their contexts: read once for every claim of the answer.
        items = evidence_items(index, [p.text for p in passages]) if binds else None
        # What the answer can work a number out from: its own numbers and the question's.
        work = Worked.of(" ".join(w.text for w in written), question, index) if self.exempt_computed else None
        out = list(results)
        cursor = 0
        w = self.learned_weight
        for row, i in enumerate(todo):
            got = probs[cursor : cursor + len(reads[row])]
            cursor += len(reads[row])
            best = int(np.argmax(got))
            learned = got[best]
            pi, k = reads[row][best]
            before = results[i]
            prob = w * learned + (1.0 - w) * (before.probability or 0.0)
            # Only the answer's first claim can open with the answer to the question ("Yes, ...").
            first = written[i].text if i == 0 else None
            vetoed = self._vetoes(before, cores[i].text, index, question, items, first=first, work=work)
            if vetoed:
                prob = min(prob, self.veto_cap)
            supported = prob >= self.threshold
            if supported and not before.evidence:
                _, start, end, _ = sentences[k]
                evidence: tuple[EvidenceRef, ...] = (EvidenceRef(pi, start, end, float(sims[row, k])),)
            else:
                evidence = before.evidence if supported else ()
            quote = sentences[k][3]
            note = f"learned judge {learned:.2f} reading passage {pi + 1} ('{quote[:80]}')"
            kinds = list(dict.fromkeys(_VETO_NOUNS.get(k, k) for k in (v.split(":")[0] for v in vetoed)))
            capped = f", capped: the evidence contradicts its {' and '.join(kinds)}" if vetoed else ""
            verdict = f"support probability {prob:.2f} (learned tier{capped}, threshold {self.threshold:.2f})"
            rest = [x for x in before.signals if not x.startswith("support probability")]
            rest = [*(v.split(": ", 1)[1] for v in vetoed if ": " in v), *rest]
            # A veto's reason leads; the judge's reading follows.
            signals = (*rest, note, verdict) if vetoed else (note, *rest, verdict)
            out[i] = dataclasses.replace(
                before, probability=prob, supported=supported, tier="learned", evidence=evidence, signals=signals
            )
        return out

    def _vetoes(
        self,
        before: ClaimResult,
        claim: str,
        evidence: EvidenceIndex,
        question: str,
        items: EvidenceItems | None,
        *,
        first: str | None = None,
        work: Worked | None = None,
    ) -> list[str]:
        """What of the claim the evidence contradicts, among `learned_vetoes`.

        The signals' contradictions by name (``"number"``); a binding veto as
        ``"number (bound to another subject): <reason>"``, so that its reason can be shown. `first` is
        the answer's first claim as written (its opening "Yes," included), for ``answer_polarity``.
        """
        # A contact the evidence does not hold is never the judge's to overrule: a wrong address misdirects.
        vetoed = [kind for kind in before.contradicted if kind in self.learned_vetoes or kind == "contact"]
        if "number" in vetoed and self.exempt_computed and (
            spans := sorted({*computed_numbers(claim, work=work), *asked_numbers(claim, question)})
        ):
            # "so you still have about 2 months": a number the answer works out is not one it quotes; nor is
            # one the customer gave ("at 30,000 miles your car is past that").
            masked = claim
            for start, end in reversed(spans):
                masked = masked[:start] + masked[end:]
            again = claim_signals(masked, evidence, question_tokens=frozenset(content_tokens(question)))
            if "number" not in again.contradicted:
                vetoed.remove("number")
        binding = [k for k in ("number_binding", "name_binding") if k in self.learned_vetoes]
        if binding and items is not None:
            seen: set[str] = set()
            for miss in unbound(claim, evidence, question=question, items=items, work=work):
                kind = f"{miss.kind}_binding"
                if kind in binding and kind not in seen:
                    seen.add(kind)
                    vetoed.append(f"{miss.kind} (bound to another subject): {miss.reason}")
        if "scope" in self.learned_vetoes and (wide := overreach(claim, evidence)):
            vetoed.append(f"scope: {wide}")
        if "prohibited" in self.learned_vetoes and (banned := prohibited(claim, evidence, items=items)):
            vetoed.append(f"prohibited: {banned}")
        if "denied" in self.learned_vetoes and (against := denied(claim, evidence, items=items)):
            vetoed.append(f"denied: {against}")
        if "channel" in self.learned_vetoes and (way := unnamed_channel(claim, evidence, question=question)):
            vetoed.append(f"channel: {way}")
        if "manner" in self.learned_vetoes and (how := unsaid_manner(claim, evidence, question=question)):
            vetoed.append(f"manner: {how}")
        wants_answer = first is not None and "answer_polarity" in self.learned_vetoes
        if wants_answer and first and (against := contradicted_yes(first, question, evidence)):
            vetoed.append(f"answer_polarity: {against}")
        if first and "flipped" in self.learned_vetoes and (flip := flipped_yes(first, evidence)):
            vetoed.append(f"flipped: {flip}")
        return vetoed

    # -- the free tiers ------------------------------------------------------------
    def _verbatim_result(
        self, span: ClaimSpan, index: int, evidence: EvidenceIndex, *, sources: Sequence[Passage]
    ) -> ClaimResult:
        sent = evidence.sentences[index]
        where = sources[sent.passage].source or sources[sent.passage].doc_id
        ref = EvidenceRef(sent.passage, sent.start, sent.end, 1.0)
        values = tuple(1.0 if f in _FULL_SUPPORT else 0.0 for f in self.model.features)
        note = f"quoted verbatim from {where}"
        return ClaimResult(span, 1.0, True, "verbatim", (ref,), (note, "support probability 1.00 (verbatim tier)"),
                           values)  # fmt: skip

    def _lexical_result(
        self, span: ClaimSpan, evidence: EvidenceIndex, question_tokens: frozenset[str]
    ) -> ClaimResult | None:
        """Decide without embedding when no similarity in [0, 1] could change the verdict."""
        signals = claim_signals(span.text, evidence, question_tokens=question_tokens)
        if signals.polarity_mismatch:
            # The embedding's closest sentence may still agree with the claim.
            return None
        values = self._values(0.0, signals)
        dense = tuple(f for f in _DENSE if f in self.model.features)
        low, high = self.model.bounds(values, *dense)
        judged = self.nli is not None or self.llm is not None
        # With judges configured, a claim that could land in their band must go the full way.
        floor, ceiling = (self.band[1], self.band[0]) if judged else (self.threshold, self.threshold)
        if low >= max(floor, self.threshold):
            supported, prob = True, low
        elif high < min(ceiling, self.threshold):
            supported, prob = False, high
        else:
            return None
        # Shown with the dense features at their least favourable value for the verdict.
        ks = {self.model.features.index(f) for f in dense}
        shown = tuple(v if j not in ks else (0.0 if supported else 1.0) for j, v in enumerate(values))
        refs: tuple[EvidenceRef, ...] = ()
        if supported and signals.best_local:
            refs = tuple(
                EvidenceRef(evidence.sentences[i].passage, evidence.sentences[i].start, evidence.sentences[i].end,
                            0.0) for i in signals.best_local
            )  # fmt: skip
        bound = "at least" if supported else "at most"
        note = f"support probability {bound} {prob:.2f} whatever the similarity (lexical tier, threshold " \
            f"{self.threshold:.2f})"  # fmt: skip
        head = [] if supported else ([] if signals.explanations and not signals.explanations[0].startswith(
            "word coverage") else ["low support: too few of its words are in the evidence"])  # fmt: skip
        return ClaimResult(span, prob, supported, "lexical", refs, (*head, *signals.explanations, note), shown,
                           signals.contradicted)  # fmt: skip

    # -- pieces, public so training and benchmarks use the very same code -----
    def _cached_vectors(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.float32], list[int]]:
        """Vectors of `texts` from the cache (zero rows where missing) and the indices still to embed."""
        out = np.zeros((len(texts), self.embedder.dimension), dtype=np.float32)
        if not self.claim_cache_size:
            return out, list(range(len(texts)))
        missing: list[int] = []
        with self._cache_lock:
            for i, t in enumerate(texts):
                key = hashlib.blake2b(t.encode("utf-8"), digest_size=16).digest()
                vec = self._vector_cache.get(key)
                if vec is None:
                    missing.append(i)
                else:
                    self._vector_cache.move_to_end(key)
                    out[i] = vec
        return out, missing

    def _remember(self, texts: Sequence[str], vecs: npt.NDArray[np.float32]) -> None:
        if not self.claim_cache_size:
            return
        with self._cache_lock:
            for t, v in zip(texts, vecs, strict=True):
                key = hashlib.blake2b(t.encode("utf-8"), digest_size=16).digest()
                # A copy: a row view would keep its whole encode batch alive while cached.
                self._vector_cache[key] = v.copy()
                self._vector_cache.move_to_end(key)
            while len(self._vector_cache) > self.claim_cache_size:
                self._vector_cache.popitem(last=False)

    def _vectors(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Vectors of `texts`: the cached ones from the cache, the rest in one encode call (then cached)."""
        vecs, missing = self._cached_vectors(texts)
        if missing:
            todo = [texts[i] for i in missing]
            encoded = self.embedder.encode(todo)
            vecs[missing] = encoded
            self._remember(todo, encoded)
        return vecs

    def _similarities(
        self,
        claims: Sequence[str],
        passages: Sequence[Passage],
        per_passage_spans: Sequence[Sequence[tuple[int, int]]],
        provider: SentenceVectors | None,
    ) -> npt.NDArray[np.float32]:
        """Cosine of every claim with every passage sentence, in one encode call at most."""
        dim = self.embedder.dimension
        provided: list[npt.NDArray[np.float32] | None] = [None] * len(passages)
        if provider is not None:
            got = provider(passages)
            for pi, (p, spans) in enumerate(zip(passages, per_passage_spans, strict=True)):
                # Ingest vectors align with `passage.sentences`; only trust them then.
                if pi < len(got) and p.sentences:
                    provided[pi] = _validate_vectors(got[pi], len(spans), dim)
        texts = list(claims)
        for pi, (p, spans) in enumerate(zip(passages, per_passage_spans, strict=True)):
            if provided[pi] is None:
                texts.extend(p.text[s:e] for s, e in spans)
        vecs = self._vectors(texts)
        claim_vecs = vecs[: len(claims)]
        cursor = len(claims)
        blocks: list[npt.NDArray[np.float32]] = []
        for pi, spans in enumerate(per_passage_spans):
            block = provided[pi]
            if block is None:
                block = vecs[cursor : cursor + len(spans)]
                cursor += len(spans)
            blocks.append(block)
        sent_vecs = np.concatenate(blocks, axis=0) if blocks else np.zeros((0, dim), dtype=np.float32)
        sims: npt.NDArray[np.float32] = claim_vecs @ sent_vecs.T
        return sims

    def _values(self, similarity: float, signals: ClaimSignals, local_similarity: float = 0.0) -> tuple[float, ...]:
        named = {
            "similarity": similarity,
            "local_similarity": local_similarity,
            "coverage": signals.coverage,
            "novel_coverage": signals.novel_coverage,
            "local_coverage": signals.local_coverage,
            "bigram_coverage": signals.bigram_coverage,
            "number_mismatch": signals.number_mismatch,
            "number_coverage": signals.number_coverage,
            "entity_mismatch": signals.entity_mismatch,
            "polarity_mismatch": signals.polarity_mismatch,
            "contradiction": signals.contradiction,
            "first_person": signals.first_person,
        }
        return tuple(named[f] for f in self.model.features)

    def features(
        self,
        claim: str,
        evidence: EvidenceIndex,
        similarities: npt.NDArray[np.float32],
        *,
        question_tokens: frozenset[str] = frozenset(),
    ) -> tuple[tuple[float, ...], ClaimSignals, int]:
        """Feature values (in the model's feature order), the signals, and the index of the most similar sentence.

        Two similarities: to the closest sentence overall, and to the sentence
        (or pair) that shares the most words with the claim. A claim assembled
        from the evidence's words in a new arrangement scores well on words
        and on the first, but its best word match reads differently.
        """
        best = int(np.argmax(similarities)) if similarities.size else -1
        similarity = float(similarities[best]) if best >= 0 else 0.0
        signals = claim_signals(
            claim, evidence, dense_best=best if best >= 0 else None, question_tokens=question_tokens
        )
        local = max((float(similarities[i]) for i in signals.best_local), default=0.0) if similarities.size else 0.0
        return self._values(similarity, signals, local), signals, best

    def score_prepared(
        self,
        claims: Sequence[ClaimSpan],
        sentences: Sequence[tuple[int, int, int, str]],
        sims: npt.NDArray[np.float32],
        *,
        question: str = "",
        evidence: EvidenceIndex | None = None,
    ) -> list[ClaimResult]:
        """Score claims whose similarities to the evidence sentences are already computed.

        Args:
            claims: the claims.
            sentences: `(passage_index, start, end, text)` of every evidence sentence.
            sims: `(len(claims), len(sentences))` cosine similarities.
            question: the question (for `novel_coverage`).
            evidence: the index of `sentences`, when already built.
        """
        evidence = evidence or EvidenceIndex.build(sentences)
        if not len(sentences):
            sims = np.zeros((len(claims), 0), dtype=np.float32)
        question_tokens = frozenset(content_tokens(question))
        rows: list[tuple[ClaimSpan, tuple[float, ...], ClaimSignals, int, float]] = []
        for i, span in enumerate(claims):
            values, signals, best = self.features(span.text, evidence, sims[i], question_tokens=question_tokens)
            rows.append((span, values, signals, best, self.model.probability(values)))

        probs = [r[4] for r in rows]
        tiers = ["fast"] * len(rows)
        for judge in (self.nli, self.llm):
            if judge is None:
                continue
            pending = [i for i, p in enumerate(probs) if self.band[0] <= p < self.band[1]]
            if not pending:
                break
            pairs = [(self._evidence_text(rows[i], evidence), rows[i][0].text) for i in pending]
            for i, verdict in zip(pending, judge.judge(pairs), strict=True):
                if verdict is not None:
                    probs[i] = min(1.0, max(0.0, float(verdict)))
                    tiers[i] = judge.name

        results: list[ClaimResult] = []
        for row, ((span, values, signals, best, _), prob, tier) in enumerate(zip(rows, probs, tiers, strict=True)):
            supported = prob >= self.threshold
            similarity = float(sims[row, best]) if best >= 0 else 0.0
            refs = self._citable(span.text, signals, best, evidence, sims, row) if supported else ()
            explanations = list(signals.explanations)
            sim_note = f"similarity {similarity:.2f}"
            if supported:
                # Lead with what backs the claim; mismatches stay listed as caveats.
                head = [sim_note]
            else:
                head = []
                if not explanations or explanations[0].startswith("word coverage"):
                    head = [f"low support: {sim_note}"]
            verdict_note = f"support probability {prob:.2f} ({tier} tier, threshold {self.threshold:.2f})"
            results.append(
                ClaimResult(
                    span=span,
                    probability=prob,
                    supported=supported,
                    tier=tier,
                    evidence=refs,
                    signals=(*head, *explanations, *([] if supported else [sim_note]), verdict_note),
                    features=values,
                    contradicted=signals.contradicted,
                )
            )
        return results

    @staticmethod
    def _evidence_text(row: tuple[ClaimSpan, tuple[float, ...], ClaimSignals, int, float], ev: EvidenceIndex) -> str:
        idx = list(dict.fromkeys([*row[2].best_local, *([row[3]] if row[3] >= 0 else [])]))
        return " ".join(ev.sentences[i].text for i in idx)

    @staticmethod
    def _citable(
        claim: str,
        signals: ClaimSignals,
        dense_best: int,
        evidence: EvidenceIndex,
        sims: npt.NDArray[np.float32],
        row: int,
    ) -> tuple[EvidenceRef, ...]:
        """The sentences to cite: the semantically closest one if it covers the claim as well as
        the best lexical match, else the lexical match (one sentence or two neighbours)."""
        chosen: tuple[int, ...] = signals.best_local
        if dense_best >= 0:
            toks = content_tokens(claim)
            tokset = evidence.sentences[dense_best].tokens
            dense_cov = sum(1 for t in toks if t in tokset) / len(toks) if toks else 1.0
            if dense_cov >= signals.local_coverage - 1e-9 or not chosen:
                chosen = (dense_best,)
        refs = []
        for i in chosen:
            sent = evidence.sentences[i]
            refs.append(EvidenceRef(sent.passage, sent.start, sent.end, float(sims[row, i])))
        return tuple(refs)
