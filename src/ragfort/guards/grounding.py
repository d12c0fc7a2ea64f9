"""The grounding guard: every sentence the customer reads is backed by a cited passage, or handled.

At the output stage, each claim of the answer is scored against the
retrieved passages (`ragfort.grounding.GroundingScorer`). Supported claims
get `[n]` markers and exact citations; what happens to unsupported ones is
the policy's `action`:

========  =====================================================  =========
action    what the customer gets                                 verdict
========  =====================================================  =========
annotate  the answer, supported claims cited, the rest flagged   REWRITE
strip     the answer without its unsupported sentences           REWRITE
abstain   `abstain_message` ("I don't know" honestly)            ABSTAIN
handoff   `handoff_message` (a human takes over)                 ABSTAIN
block     `block_message`                                        BLOCK
========  =====================================================  =========

With ``regenerate: true`` and an LLM generator, an answer with unsupported
claims is first written once more, with a stricter prompt that names them;
the action then applies to the second answer.

With annotate and strip, an answer whose share of supported claims is below
`min_supported_fraction` (or that strip would empty) is replaced by the
abstention message instead: a mostly invented answer is not worth keeping.
Claims beyond `max_claims` are not checked; annotate reports them, the other
actions treat them as unsupported (fail closed).

Every verdict that changes the turn carries it, even when all claims are
supported (the citations, claims and groundedness are new). The verdict's
`score` is the groundedness: the weakest checked claim's probability.
Findings: one ``unsupported_claim`` (or ``unchecked_claim``) per claim,
with offsets into the answer the guard received and the decisive signal as
detail. Model-written citation markers are removed and replaced by verified
ones, never trusted.
"""

from __future__ import annotations

import functools
import os
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from ragfort.context import RunContext
from ragfort.grounding.citations import render_answer
from ragfort.grounding.claims import courteous
from ragfort.grounding.judges import CrossEncoderJudge, LLMJudge, SupportJudge
from ragfort.grounding.model import load_model
from ragfort.grounding.scorer import GroundingReport, GroundingScorer, PairScorer
from ragfort.guards.base import BaseGuard, GuardSettings
from ragfort.judges import PairJudge, load_judge
from ragfort.types import Action, Finding, Stage, Turn, Verdict

__all__ = ["GroundingGuard", "GroundingSettings"]


class GroundingSettings(GuardSettings):
    """Settings of the grounding guard (the ``grounding`` entry of a policy).

    Attributes:
        threshold: support probability a claim needs; None uses the trained
            threshold in params.json.
        action: what to do with unsupported claims (see the module docstring).
        abstain_message: the answer when the guard abstains.
        handoff_message: the answer when the guard hands off to a human.
        block_message: the answer when the guard blocks.
        min_supported_fraction: with annotate/strip, abstain below this share of supported claims.
        cite: add `[n]` markers and citations to supported claims.
        max_claims: score at most this many claims per answer.
        split_clauses: split compound sentences into separately checked clauses.
        nli_model_path: a local sentence-transformers CrossEncoder (NLI) folder
            for uncertain claims; None disables that tier.
        uncertainty_band: `[low, high]` probabilities sent to the NLI/LLM tiers;
            None uses the band in params.json.
        params_path: an alternative params.json.
        regenerate: when claims fail and the generator is an LLM, ask it once
            more, with a stricter prompt naming the unsupported claims, and
            check the new answer (whose failures then get `action`). Needs the
            default chain (`build_chain` with an LLM): ragfort cannot change
            the prompt inside a wrapped chain, and the extractive generator
            would write the same answer again.
        learned_judge: read every claim not quoted verbatim with the shipped
            support cross-encoder (`ragfort.judges`, task ``support``) and blend
            its probability with the feature model's; a missing or damaged
            model file is a configuration error, never a silent fallback.
        learned_model_path: a model folder to use instead of the shipped one
            (one trained with ``python -m ragfort.judges.train --out DIR``).
        learned_weight: the learned probability's share of that blend.
        learned_passages: passages the judge reads per claim (those holding
            the claim's closest sentences); the claim takes the best.
        learned_vetoes: contradictions that keep a claim unsupported whatever
            the blend says (an email or web address the passages do not hold
            always does, listed or not): ``number`` (a different amount in the same unit,
            another month, a phone or account number that differs from the
            evidence's), ``name`` (a product or name swapped for a related
            one), ``polarity`` (a flipped negation or antonym), ``number_binding``
            and ``name_binding`` (a number or name the evidence gives for another
            subject: "the Tab battery costs $79" where $79 is the One's price and
            the Tab's is $99; `ragfort.grounding.binding`), ``scope`` (a rule
            the claim widens to "every"/"all" where the evidence has no such
            universal), ``prohibited`` (the claim tells the customer to do what
            the evidence says not to: "press the reset pinhole" beside "Don't
            press the reset pinhole"), ``denied`` (the claim states what the
            evidence denies in the same words: "you can load Advance tickets"
            beside "You can't load Advance tickets"), ``channel`` (the claim sends the
            customer through a contact channel, such as email, an app or a branch,
            that neither the passages nor the question mention;
            `ragfort.grounding.channels`), ``manner`` (the claim says a step
            happens automatically or straight away where nothing else says
            so), ``answer_polarity`` (an answer that opens
            with "Yes" to a yes/no question whose closest evidence says no;
            `ragfort.grounding.yesno`), ``flipped`` (an answer that opens with
            "Yes" and then states, with no negation, what an evidence clause
            denies in the same words).
        exempt_computed: the ``number`` veto spares a number the answer works out
            or hedges ("which is 100", "about 2 months", "2 months left").
        courtesy_head: leave out of the claims the sentences the learned courtesy head reads as only
            courtesy ("Sorry you've had such a rough week."; `ragfort.grounding.courtesy`), beside those the word
            lists of `ragfort.grounding.claims.courteous` know.
    """

    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    action: Literal["annotate", "strip", "abstain", "handoff", "block"] = "annotate"
    abstain_message: str = "I don't know: the available documents do not answer this reliably."
    handoff_message: str = "I can't answer that reliably from our documentation, so I'm passing you to a colleague."
    block_message: str = "This answer could not be verified against our documentation and was withheld."
    min_supported_fraction: float = Field(default=0.5, ge=0.0, le=1.0)
    cite: bool = True
    max_claims: int = Field(default=64, ge=1, le=1000)
    split_clauses: bool = True
    nli_model_path: str | None = None
    uncertainty_band: tuple[float, float] | None = None
    params_path: str | None = None
    regenerate: bool = False
    learned_judge: bool = False
    learned_model_path: str | None = None
    learned_weight: float = Field(default=0.5, ge=0.0, le=1.0)
    learned_passages: int = Field(default=1, ge=1, le=5)
    learned_vetoes: tuple[
        Literal[
            "number", "name", "polarity", "number_binding", "name_binding", "scope", "prohibited", "denied",
            "channel", "manner", "answer_polarity", "flipped",
        ],
        ...,
    ] = (
        "number",
        "name",
    )
    exempt_computed: bool = False
    courtesy_head: bool = True

    @model_validator(mode="after")
    def _band_in_range(self) -> GroundingSettings:
        if self.uncertainty_band is not None:
            low, high = self.uncertainty_band
            if not 0.0 <= low <= high <= 1.0:
                raise ValueError(f"uncertainty_band must be [low, high] within [0, 1], got {self.uncertainty_band!r}")
        return self


class GroundingGuard(BaseGuard):
    """Checks each claim of the answer against the passages; cites, flags, strips or abstains.

    Args:
        stage: must be `Stage.OUTPUT`.
        required: a fault in a required guard fails the request closed.
        llm: an optional LangChain chat model used as the last tier for
            uncertain claims (not a policy setting: it is an object).
        nli: an optional ready-made NLI judge (overrides `nli_model_path`).
        learned: an optional ready-made learned support judge, anything with
            ``score(pairs)`` (overrides `learned_judge` and `learned_model_path`;
            `learned_weight` and `learned_passages` still apply).
        embedder: an optional embedder (default: the shared MiniLM).
        **settings: `GroundingSettings` fields.
    """

    name: ClassVar[str] = "grounding"
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.OUTPUT})
    Settings: ClassVar[type[GuardSettings]] = GroundingSettings

    def __init__(
        self,
        *,
        stage: Stage = Stage.OUTPUT,
        required: bool = False,
        llm: Any = None,
        nli: SupportJudge | None = None,
        learned: PairScorer | None = None,
        embedder: Any = None,
        **settings: Any,
    ) -> None:
        super().__init__(stage=stage, required=required)
        self.settings = GroundingSettings(**settings)
        s = self.settings
        if nli is None and s.nli_model_path:
            nli = CrossEncoderJudge(s.nli_model_path)
        self.scorer = GroundingScorer(
            model=load_model(s.params_path),
            embedder=embedder,
            threshold=s.threshold,
            band=s.uncertainty_band,
            max_claims=s.max_claims,
            split_clauses=s.split_clauses,
            nli=nli,
            llm=LLMJudge(llm) if llm is not None else None,
            learned=learned if learned is not None else _learned_judge(s),
            learned_weight=s.learned_weight,
            learned_passages=s.learned_passages,
            learned_vetoes=s.learned_vetoes,
            exempt_computed=s.exempt_computed,
            courtesy_head=s.courtesy_head,
        )

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        """Score the answer's claims and apply the policy's action."""
        if turn.answer is None:
            return self.verdict(Action.ALLOW, reason="no answer to check")
        s = self.settings
        passages = turn.documents
        report = self.scorer.score(
            turn.answer, passages, question=turn.question, sentence_vectors=ctx.state.sentence_vectors
        )
        removed_markers = report.answer.markers
        marker_note = f"; removed {removed_markers} unverified citation marker(s)" if removed_markers else ""
        if not report.claims:
            reason = "no checkable claims in the answer" + marker_note
            if report.answer.text != turn.answer:
                return self.verdict(Action.REWRITE, reason=reason, turn=turn.evolve(answer=report.answer.text.strip()))
            return self.verdict(Action.ALLOW, reason=reason)

        findings = _findings(report)
        failing = [c for c in report.claims if not c.supported]
        groundedness = report.groundedness
        score = None if groundedness is None else min(1.0, max(0.0, groundedness))
        fraction = report.supported_fraction or 0.0
        summary = (
            f"{sum(1 for c in report.claims if c.supported)}/{len(report.claims)} claims supported, "
            f"groundedness {'n/a' if groundedness is None else f'{groundedness:.2f}'}{marker_note}"
        )

        # With `regenerate`, the verdict asks for one new answer; the pipeline's output gate decides whether
        # the generator can write one (an LLM, first try, time left), else this verdict's action stands.
        asks = tuple(c.span.text for c in failing) if failing and s.regenerate else ()
        action = s.action
        if failing and action in ("annotate", "strip") and fraction < s.min_supported_fraction:
            action = "abstain"
            summary += f"; below min_supported_fraction {s.min_supported_fraction:.2f}"
        if action == "annotate":
            # Unchecked claims stay in the answer but are reported, never cited.
            rendered = render_answer(report, passages, cite=s.cite, strip=False)
        else:
            rendered = render_answer(report, passages, cite=s.cite, strip=True)
            # "Happy to help!" alone answers nothing: an answer stripped down to its courtesy is no answer
            # (whatever told it apart as courtesy: the word lists, or the learned head, which left it out of
            # the claims, so every claim the answer had failed).
            emptied = all(c.supported is False for c in report.claims)
            if failing and action == "strip" and (not rendered.text.strip() or courteous(rendered.text) or emptied):
                action = "abstain"
                summary += "; nothing left after stripping"

        evolved = turn.evolve(
            answer=rendered.text,
            citations=rendered.citations,
            claims=rendered.claims,
            groundedness=groundedness,
        )
        if not failing or action in ("annotate", "strip"):
            if action == "strip" and rendered.removed:
                summary += f"; stripped {rendered.removed} sentence(s)"
            return self.verdict(
                Action.REWRITE, score=score, reason=summary, findings=findings, turn=evolved, regenerate=asks
            )
        replaced = turn.evolve(answer=None, citations=(), claims=rendered.claims, groundedness=groundedness)
        if action == "block":
            return self.verdict(
                Action.BLOCK, score=score, reason=summary, findings=findings,
                turn=replaced.evolve(answer=s.block_message), regenerate=asks,
            )  # fmt: skip
        message = s.handoff_message if action == "handoff" else s.abstain_message
        return self.verdict(
            Action.ABSTAIN, score=score, reason=f"{action}: {summary}", findings=findings,
            turn=replaced.evolve(answer=message), regenerate=asks,
        )  # fmt: skip


def _learned_judge(s: GroundingSettings) -> PairJudge | None:
    if not s.learned_judge:
        return None
    return _judge_at(os.path.realpath(s.learned_model_path)) if s.learned_model_path else load_judge("support")


@functools.lru_cache(maxsize=8)
def _judge_at(path: str) -> PairJudge:
    # One loaded (and checksum-verified) model per folder per process, as `load_judge` does for shipped ones.
    return PairJudge(path)


def _findings(report: GroundingReport) -> tuple[Finding, ...]:
    out: list[Finding] = []
    for c in report.claims:
        if c.supported:
            continue
        start, end = report.answer.to_original(c.span.start, c.span.end)
        label = "unchecked_claim" if c.supported is None else "unsupported_claim"
        out.append(Finding(label=label, start=start, end=end, score=1.0 - (c.probability or 0.0), detail=c.decisive))
    return tuple(out)
