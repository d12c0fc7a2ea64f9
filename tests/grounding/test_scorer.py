"""The scorer with the real MiniLM embedder: hallucinations flagged, paraphrases not, edge cases defined."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pytest

from ragfort.embeddings import Embedder
from ragfort.grounding import GroundingScorer, LLMJudge
from ragfort.grounding.judges import CrossEncoderJudge
from ragfort.grounding.scorer import passage_sentence_spans
from ragfort.types import Passage


@pytest.fixture(scope="module")
def scorer(embedder: Embedder) -> GroundingScorer:
    return GroundingScorer(embedder=embedder)


HALLUCINATIONS = [
    ("Devices can be returned within 30 days of delivery.", "number 30"),
    ("The Voltwise Max charger delivers 65 W over USB-C ports.", "Voltwise Max"),
    ("The Voltwise Pro charger is compatible with the Voltwise Mini dock.", "negation"),
    ("Standard shipping is free for orders under $50.", "under"),
    ("Express shipping costs $25 and arrives in 2 business days.", "number 25"),
    ("Your account manager is <PERSON_2>.", "<PERSON_2>"),
    ("The device must be opened and in its original packaging.", "contradicts"),
    ("I love my Voltwise Pro charger, it delivers 65 W over USB-C ports.", "first person"),
]
PARAPHRASES = [
    "You can return a device within 14 days after delivery.",
    "Refunds go back to the original payment method within 5 business days.",
    "Express shipping costs $12 and arrives in 2 business days.",
    "The Voltwise Pro charger delivers 65 W through USB-C ports.",
    "Your account manager is <PERSON_1>.",
    "Orders over $50 get free standard shipping.",
]


@pytest.mark.parametrize(("claim", "reason"), HALLUCINATIONS)
def test_hallucinations_are_flagged_with_the_decisive_signal(
    scorer: GroundingScorer, passages: tuple[Passage, ...], claim: str, reason: str
) -> None:
    report = scorer.score(claim, passages)
    (result,) = report.claims
    assert result.supported is False, result.signals
    assert any(reason in s for s in result.signals), result.signals


@pytest.mark.parametrize("claim", PARAPHRASES)
def test_faithful_paraphrases_are_supported(scorer: GroundingScorer, passages: tuple[Passage, ...], claim: str) -> None:
    (result,) = scorer.score(claim, passages).claims
    assert result.supported is True, result.signals
    assert result.evidence, "a supported claim must point at its evidence"


class CountingEmbedder:
    """A real embedder that records the size of every batch it is asked to encode."""

    def __init__(self, inner: Embedder, calls: list[int]) -> None:
        self.inner, self.calls, self.dimension = inner, calls, inner.dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return self.inner.encode(texts)


def test_one_encode_call_embeds_claims_and_missing_passage_sentences(
    embedder: Embedder, passages: tuple[Passage, ...]
) -> None:
    calls: list[int] = []

    # Both shortcuts off, so both claims need the model.
    scorer = GroundingScorer(embedder=CountingEmbedder(embedder, calls), verbatim=False, lexical_shortcut=False)  # type: ignore[arg-type]
    scorer.score("Devices can be returned within 14 days. Express shipping costs $12.", passages)
    assert len(calls) == 1
    n_sentences = sum(len(passage_sentence_spans(p)) for p in passages)
    assert calls[0] == 2 + n_sentences
    # The same passages again (a wrapped chain's retriever has no ingest vectors):
    # their sentences come from the cache, only the new claim is embedded.
    report = scorer.score("Orders over $50 get free standard shipping.", passages)
    assert calls == [2 + n_sentences, 1]
    assert report.claims[0].supported is True
    # With the cache off, everything is embedded every time.
    counting = CountingEmbedder(embedder, calls)
    uncached = GroundingScorer(embedder=counting, verbatim=False, lexical_shortcut=False, claim_cache_size=0)  # type: ignore[arg-type]
    uncached.score("Orders over $50 get free standard shipping.", passages)
    assert calls[-1] == 1 + n_sentences


def test_ingest_vectors_are_used_when_the_pipeline_provides_them(
    embedder: Embedder, passages: tuple[Passage, ...]
) -> None:
    with_sentences = tuple(
        Passage(
            text=p.text, doc_id=p.doc_id, source=p.source, start=p.start, sentences=tuple(passage_sentence_spans(p))
        )
        for p in passages
    )

    def provider(ps: Sequence[Passage]) -> list[np.ndarray | None]:
        return [embedder.encode([p.text[s:e] for s, e in p.sentences]) for p in ps]

    calls: list[int] = []

    scorer = GroundingScorer(embedder=CountingEmbedder(embedder, calls), verbatim=False, lexical_shortcut=False)  # type: ignore[arg-type]
    claim = "You can return a device within 14 days after delivery."
    report = scorer.score(claim, with_sentences, sentence_vectors=provider)
    assert calls == [1]  # only the claim was embedded
    assert report.claims[0].supported is True
    # The same claim again comes from the claim cache: nothing is embedded.
    scorer.score(claim, with_sentences, sentence_vectors=provider)
    assert calls == [1]


def test_no_claims_gives_an_empty_report(scorer: GroundingScorer, passages: tuple[Passage, ...]) -> None:
    for answer in ("", "   ", "[1] [2]"):
        report = scorer.score(answer, passages)
        assert report.claims == ()
        assert report.groundedness is None


def test_no_passages_means_every_claim_is_unsupported(scorer: GroundingScorer) -> None:
    report = scorer.score("Devices can be returned within 14 days.", ())
    assert [c.supported for c in report.claims] == [False]
    assert report.groundedness == 0.0
    assert "no passages" in report.claims[0].decisive


def test_a_ten_thousand_word_answer_is_capped_not_blown_up(passages: tuple[Passage, ...], embedder: Embedder) -> None:
    scorer = GroundingScorer(embedder=embedder, max_claims=16)
    answer = " ".join(["Devices can be returned within 14 days of delivery."] * 1250)  # 10,000 words
    report = scorer.score(answer, passages)
    assert len(report.claims) == 1250
    checked = [c for c in report.claims if c.supported is not None]
    assert len(checked) == 16
    assert all(c.tier == "unchecked" for c in report.claims[16:])
    assert report.supported_fraction == pytest.approx(16 / 1250)


def test_non_english_text_is_scored_with_defined_results(scorer: GroundingScorer) -> None:
    german = (
        Passage(
            text="Geräte können innerhalb von 14 Tagen nach Lieferung zurückgegeben werden. "
            "Die Erstattung erfolgt innerhalb von 5 Werktagen.",
            doc_id="rueckgabe.md",
        ),
    )
    faithful = scorer.score("Geräte können innerhalb von 14 Tagen nach Lieferung zurückgegeben werden.", german)
    wrong = scorer.score("Geräte können innerhalb von 30 Tagen nach Lieferung zurückgegeben werden.", german)
    assert faithful.claims[0].supported is True
    assert wrong.claims[0].supported is False
    assert any("30" in s for s in wrong.claims[0].signals)


# -- the cascade, with test doubles standing in for the *external* models -------------------------
class FakeCrossEncoder:
    """Stands in for a sentence-transformers CrossEncoder: fixed NLI logits, records its inputs."""

    class config:  # noqa: N801 - mirrors the transformers attribute name
        id2label: ClassVar[dict[int, str]] = {0: "contradiction", 1: "entailment", 2: "neutral"}

    def __init__(self, entail: bool) -> None:
        self.entail = entail
        self.seen: list[list[str]] = []

    def predict(self, pairs: list[list[str]]) -> list[list[float]]:
        self.seen.extend(pairs)
        row = [0.0, 5.0, 0.0] if self.entail else [5.0, 0.0, 0.0]
        return [row for _ in pairs]


class FakeChatModel:
    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[str] = []

    def invoke(self, prompt: str) -> object:
        self.prompts.append(prompt)

        class Message:
            content = self.reply

        return Message()


def test_only_uncertain_claims_go_to_the_nli_tier_and_its_verdict_decides(
    embedder: Embedder, passages: tuple[Passage, ...]
) -> None:
    fake = FakeCrossEncoder(entail=True)
    # A band covering everything sends every claim; an empty band sends none.
    everything = GroundingScorer(embedder=embedder, band=(0.0, 1.0), nli=CrossEncoderJudge(fake))
    report = everything.score("Devices can be returned within 30 days.", passages)
    assert report.claims[0].tier == "nli"
    assert report.claims[0].supported is True  # the stronger tier overrules the cheap one
    assert fake.seen and fake.seen[0][1] == "Devices can be returned within 30 days."

    fake_none = FakeCrossEncoder(entail=False)
    nothing = GroundingScorer(embedder=embedder, band=(0.0, 0.0), nli=CrossEncoderJudge(fake_none))
    assert nothing.score("Devices can be returned within 30 days.", passages).claims[0].tier == "fast"
    assert fake_none.seen == []


def test_the_llm_tier_runs_after_nli_and_unparseable_replies_leave_the_claim_as_it_was(
    embedder: Embedder, passages: tuple[Passage, ...]
) -> None:
    llm = FakeChatModel("UNSUPPORTED")
    claim = "You can return a device within 14 days after delivery."
    scorer = GroundingScorer(embedder=embedder, band=(0.0, 1.0), llm=LLMJudge(llm))
    result = scorer.score(claim, passages).claims[0]
    assert result.tier == "llm" and result.supported is False
    assert claim in llm.prompts[0]

    shrug = GroundingScorer(embedder=embedder, band=(0.0, 1.0), llm=LLMJudge(FakeChatModel("hmm, hard to say")))
    assert shrug.score(claim, passages).claims[0].tier == "fast"


# -- the free tiers: verbatim quotes and lexically decided claims ---------------------------------
class RefusingEmbedder:
    """An embedder that must not be called."""

    dimension = 384

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError(f"the model ran for {list(texts)!r}")


def test_a_verbatim_answer_is_supported_and_cited_exactly_without_running_the_model(
    passages: tuple[Passage, ...],
) -> None:
    from ragfort.grounding import render_answer

    answer = "The device must be unopened and in its original packaging. Express shipping costs $12 and arrives in 2"
    scorer = GroundingScorer(embedder=RefusingEmbedder(), lexical_shortcut=False)  # type: ignore[arg-type]
    report = scorer.score(answer, passages)
    assert [c.tier for c in report.claims] == ["verbatim", "verbatim"]
    assert all(c.supported and c.probability == 1.0 for c in report.claims)
    rendered = render_answer(report, passages)
    assert len(rendered.citations) == 2
    for claim, citation in zip(report.claims, rendered.citations, strict=True):
        # The citation is the document sentence, at document offsets, holding the claim word for word.
        passage = next(p for p in passages if p.doc_id == citation.doc_id)
        assert passage.text[citation.start - passage.start : citation.end - passage.start] == citation.quote
        assert claim.span.text.rstrip(".") in citation.quote
    refunds = passages[0]
    assert refunds.start > 0
    assert rendered.citations[0].start == refunds.start + refunds.text.index("The device must")


def test_verbatim_never_passes_a_flipped_polarity_or_a_bare_fragment() -> None:
    from ragfort.grounding.verbatim import find_verbatim

    text = "Gift cards cannot be refunded or exchanged for cash."
    sentences = [(0, 0, len(text), text)]
    assert find_verbatim("be refunded or exchanged for cash.", [text], sentences) is None
    assert find_verbatim("Gift cards cannot be refunded", [text], sentences) is not None
    assert find_verbatim("exchanged for cash", [text], sentences) is None  # too short to be certain
    assert find_verbatim("cards cannot be refund", [text], sentences) is None  # not at a word boundary


@pytest.mark.parametrize("claim", [c for c, _ in HALLUCINATIONS] + PARAPHRASES)
def test_lexical_shortcut_gives_the_full_scorers_verdict(
    embedder: Embedder, passages: tuple[Passage, ...], claim: str
) -> None:
    fast = GroundingScorer(embedder=embedder, verbatim=False).score(claim, passages).claims[0]
    full = GroundingScorer(embedder=embedder, verbatim=False, lexical_shortcut=False).score(claim, passages).claims[0]
    assert fast.supported == full.supported
    if fast.tier == "lexical":
        assert any("whatever the similarity" in s for s in fast.signals)


def test_a_lowered_threshold_still_rejects_a_swapped_product_name(
    embedder: Embedder, passages: tuple[Passage, ...]
) -> None:
    lenient = GroundingScorer(embedder=embedder, threshold=0.05)
    result = lenient.score("The Voltwise Max charger delivers 65 W over USB-C ports.", passages).claims[0]
    assert result.supported is False


def test_sentences_run_together_without_a_space_are_split() -> None:
    text = "The magazine was published in the 19th century.First for Women is published in the USA. It costs 5.5 USD."
    spans = passage_sentence_spans(Passage(text=text, doc_id="p"))
    assert [text[s:e] for s, e in spans] == [
        "The magazine was published in the 19th century.",
        "First for Women is published in the USA.",
        "It costs 5.5 USD.",
    ]
    # Abbreviations and dotted names stay whole.
    for whole in ("He moved to the U.S.And stayed there.", "Built on ASP.NET.Core today."):
        assert len(passage_sentence_spans(Passage(text=whole, doc_id="p"))) == 1


def test_model_bounds_cover_every_value_of_the_dense_features() -> None:
    from itertools import product

    from ragfort.grounding import FEATURES, load_model

    model = load_model()
    rng = np.random.default_rng(0)
    dense = ("similarity", "local_similarity")
    for _ in range(20):
        values = list(rng.random(len(FEATURES)).round(2))
        low, high = model.bounds(values, *dense)
        for a, b in product(np.linspace(0, 1, 5), repeat=2):
            v = list(values)
            v[FEATURES.index(dense[0])], v[FEATURES.index(dense[1])] = a, b
            assert low - 1e-12 <= model.probability(v) <= high + 1e-12


CURLY_CASES = [
    # (answer, passage): negations, contractions and quoted names, as typographic text writes them
    ("Refunds aren’t available after 30 days.", "Refunds are available for 30 days. After that, we can’t refund you."),
    ("You can’t change a “Saver” ticket online.", "You can’t change a “Saver” ticket online; call us instead."),
    ("It’s free to cancel within 24 hours.", "It’s free to cancel within 48 hours of booking."),
    ("We don’t charge a moving fee.", "Once your minimum term ends, we don’t charge a fee to move home."),
]


@pytest.mark.parametrize(("answer", "passage"), CURLY_CASES)
def test_typographic_apostrophes_and_quotes_score_as_plain_ones_and_claims_keep_their_text(
    scorer: GroundingScorer, answer: str, passage: str
) -> None:
    def plain(text: str) -> str:
        return text.replace("’", "'").replace("“", '"').replace("”", '"')

    curly = scorer.score(answer, [Passage(text=passage, doc_id="d")], question="Can I get a refund?")
    straight = scorer.score(plain(answer), [Passage(text=plain(passage), doc_id="d")], question="Can I get a refund?")
    assert [c.supported for c in curly.claims] == [c.supported for c in straight.claims]
    assert [c.probability for c in curly.claims] == pytest.approx([c.probability for c in straight.claims], abs=1e-6)
    assert [c.span.text for c in curly.claims] == [answer]  # as written, for stripping and explaining
    assert [c.evidence for c in curly.claims] == [c.evidence for c in straight.claims]  # offsets into the passage


@pytest.mark.parametrize(
    ("marked", "plain"),
    [("**No**, you can't get a refund on a gift card.", "No, you can't get a refund on a gift card."),
     ("Refunds take *5 business days*.", "Refunds take 5 business days."),
     ("__Yes__ - refunds go back to your card.", "Yes - refunds go back to your card.")],
)  # fmt: skip
def test_markdown_emphasis_is_read_as_if_absent_and_kept_in_the_claim(
    scorer: GroundingScorer, marked: str, plain: str
) -> None:
    passage = [Passage(text="Refunds go back to your card in 5 business days. You can't get a refund on a gift card.",
                       doc_id="refunds.md")]  # fmt: skip
    got = scorer.score(marked, passage, question="Can I get a refund on a gift card?")
    want = scorer.score(plain, passage, question="Can I get a refund on a gift card?")
    assert [c.supported for c in got.claims] == [c.supported for c in want.claims] == [True]
    assert got.claims[0].probability == pytest.approx(want.claims[0].probability, abs=0.02)
    assert got.claims[0].span.text == marked  # as written: the delivered answer keeps its emphasis


def test_list_bullets_and_arithmetic_are_not_emphasis() -> None:
    from ragfort.grounding.scorer import _reading

    for text in ("* one\n* two", "5 * 3 = 15", "a*b", "- **Yes**: it works"):
        assert len(_reading(text)) == len(text)
    assert _reading("* one\n* two") == "* one\n* two"
    assert _reading("5 * 3 = 15") == "5 * 3 = 15"
    assert _reading("- **Yes**: it works") == "-   Yes  : it works"
