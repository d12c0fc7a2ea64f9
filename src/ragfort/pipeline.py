"""The guarded pipeline: one ordered list of layers around the chain's steps, composed once.

A *handler* takes a turn and the run context and returns the next turn. A
*layer* takes the next handler and returns a handler, like Starlette's
middleware (both types live in `ragfort.context`). Every chain is adapted to
the same `ChainSteps` (retrieve, generate, and optionally an extractive
answer from the passages), and `Pipeline` lays the policy's gates and the
caller's layers around them in one ordered list, from the outside in::

    input gate -> [layers: exact cache, yours] -> retrieve -> retrieval gate
        -> [AfterRetrieval layers: semantic cache] -> output gate -> fallback -> generate

then composes the list once, in the constructor; running a request only
walks the built handler chain. ``Pipeline.layers`` names the list. The
finalizers (the PII guard's restoration) run on the result, after the
handler chain; the latency budget is not a layer but the context's deadline,
which every stage reads.

A chain that retrieves and generates in one opaque call has no retrieve step:
its passages exist only once it ran, so its retrieval gate checks what came
back, inside the output gate (``... -> output gate -> retrieval gate ->
fallback -> generate``), and layers that need passages (`AfterRetrieval`)
sit with the others, before the chain, where they find none.

Gates run their guards in a worker thread when the request is async (the
guards' CPU work, NER and learned judges, would otherwise hold the event
loop); under a sync ``invoke`` they run in place.

Gates never raise to refuse: a guard's BLOCK or ABSTAIN stops the request via
`RunContext.stop`, later layers pass the turn through, and the result's
status says what happened. A guard that *faults* is skipped with a recorded
verdict when optional, and blocks the request when required (fail closed).

Generation that runs out of budget or fails raises `GenerationFailed`; the
`fallback` layer answers it with the policy's ``budget.on_timeout`` options,
in order, for every chain kind.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ragfort.context import AfterRetrieval, Handler, Layer, RunContext
from ragfort.faults import describe_fault
from ragfort.guards.base import Guard
from ragfort.policy import Messages, Policy
from ragfort.types import (
    Action,
    BudgetReport,
    GuardedAnswer,
    HistoryMessage,
    Stage,
    Status,
    Turn,
    Verdict,
)

if TYPE_CHECKING:
    from ragfort.text import CorpusVocabulary

__all__ = [
    "AfterRetrieval",
    "ChainSteps",
    "GenerationFailed",
    "Handler",
    "Layer",
    "Pipeline",
    "StepsProvider",
    "fallback",
    "run_guards",
]

log = logging.getLogger("ragfort.pipeline")


class GenerationFailed(Exception):
    """A generate step's signal that it has no answer: it ran out of budget, or its generator failed.

    The step records what happened (``ctx.degrade("generation")``) before
    raising; the `fallback` layer around it serves ``budget.on_timeout``.
    Never reaches the caller.
    """


@dataclass(frozen=True, slots=True)
class ChainSteps:
    """A chain as pipeline handlers.

    Attributes:
        generate: writes the answer (raises `GenerationFailed` when it cannot
            in time). For an opaque chain it retrieves too and returns a turn
            with both documents and answer.
        retrieve: finds the passages before generation; None for an opaque
            chain, whose passages appear only once it ran.
        extract: answers from the retrieved passages alone, for the
            ``extractive`` fallback; None when the chain cannot.
        vocabulary: reads the corpus's wording (`ragfort.pii.vocabulary`),
            for a chain that retrieves from ragfort's index; None otherwise.
            Offered to the guards in ``ctx.state.vocabulary`` before the
            input gate.
    """

    generate: Handler
    retrieve: Handler | None = None
    extract: Handler | None = None
    vocabulary: Callable[[], CorpusVocabulary | None] | None = None


@runtime_checkable
class StepsProvider(Protocol):
    """A chain that exposes its own steps (the embedded `RagChain`); any other chain is called whole."""

    def ragfort_steps(self, policy: Policy) -> ChainSteps:
        """Retrieval, generation and the extractive answer as handlers, under `policy`."""
        ...


def fallback(messages: Messages, extract: Handler | None) -> Layer:
    """The layer around generation that serves ``budget.on_timeout`` when the step raises `GenerationFailed`.

    The options, in order: ``stale_cache`` applies when the cache offered a
    stale entry (``ctx.state.stale``); ``extractive`` when the chain can
    answer from its passages (`extract`; a chain that retrieves inside its
    one call cannot); ``abstain`` always. The choice is recorded as
    ``fallback:<option>`` in ``budget.degraded`` and the result's status is
    ``fallback`` (or ``abstained``). A fallback answer is never regenerated.
    """

    def layer(next_: Handler) -> Handler:
        async def handle(turn: Turn, ctx: RunContext) -> Turn:
            try:
                return await next_(turn, ctx)
            except GenerationFailed:
                pass
            ctx.state.fallback = True
            ctx.state.can_regenerate = False
            for option in ctx.budget.on_timeout:
                if option == "stale_cache" and ctx.state.stale is not None:
                    ctx.degrade("fallback:stale_cache")
                    return ctx.state.stale(turn)
                if option == "extractive" and extract is not None:
                    ctx.degrade("fallback:extractive")
                    return await extract(turn, ctx)
                if option == "abstain":
                    break
            ctx.degrade("fallback:abstain")
            ctx.stop(Action.ABSTAIN)
            return turn.evolve(answer=messages.abstain, citations=(), claims=(), groundedness=None)

        return handle

    return layer


def _fault_verdict(guard: Guard, stage: Stage, exc: Exception, ctx: RunContext) -> Verdict:
    """The verdict for a guard that raised: blocks when required (fail closed), else skipped; logged either way."""
    fault = describe_fault(exc)
    outcome = "the request is blocked (required guard)" if guard.required else "the guard is skipped"
    log.warning("guard %s faulted at %s (trace %s): %s; %s", guard.name, stage, ctx.trace_id, fault, outcome)
    # The traceback names our code and the library's, never the request's text; still only at debug level.
    log.debug("guard %s fault traceback (trace %s)", guard.name, ctx.trace_id, exc_info=exc)
    if guard.required:
        return Verdict(guard.name, stage, Action.BLOCK, reason=f"required guard faulted: {fault}", fault=fault)
    return Verdict(guard.name, stage, Action.SKIP, reason=f"guard faulted, skipped: {fault}", fault=fault)


def run_guards(guards: Sequence[Guard], stage: Stage, turn: Turn, ctx: RunContext, messages: Messages) -> Turn:
    """Run one stage's guards in order and apply their verdicts to the turn.

    Optional guards are skipped (with a SKIP verdict) once the stage's share
    of the budget is spent; required ones always run.
    """
    limit = ctx.stage_limit_ms(str(stage))
    stage_deadline = None if limit is None else time.perf_counter() + limit / 1000.0
    for guard in guards:
        if not guard.required and stage_deadline is not None and time.perf_counter() >= stage_deadline:
            verdict = Verdict(guard.name, stage, Action.SKIP, reason="latency budget spent")
            ctx.degrade(f"{stage}:{guard.name}")
        else:
            try:
                verdict = guard.check(turn, ctx)
            except Exception as exc:  # a fault, not a refusal
                verdict = _fault_verdict(guard, stage, exc, ctx)
        ctx.record(verdict)
        if verdict.turn is not None:
            turn = verdict.turn
        if verdict.action is Action.BLOCK:
            ctx.stop(Action.BLOCK)
            return turn.evolve(answer=messages.blocked, citations=(), claims=(), groundedness=None)
        if verdict.action is Action.ABSTAIN:
            ctx.stop(Action.ABSTAIN)
            if verdict.turn is None or not verdict.turn.answer:
                turn = turn.evolve(answer=messages.abstain, citations=(), claims=())
            return turn
    return turn


async def _off_loop(guards: Sequence[Guard], stage: Stage, turn: Turn, ctx: RunContext, messages: Messages) -> Turn:
    """`run_guards` in a worker thread, so that guards' CPU work (NER, judges: tens of ms) never stalls the loop.

    Under a sync ``invoke`` (``ctx.state.sync``) the loop is ragfort's own and
    serves this request alone: the guards run right there, with no thread hop.
    """
    if ctx.state.sync:
        return run_guards(guards, stage, turn, ctx, messages)
    return await asyncio.to_thread(run_guards, guards, stage, turn, ctx, messages)


def gate_before(stage: Stage, guards: Sequence[Guard], messages: Messages, *, timing: str) -> Layer:
    """A layer that runs `guards` on the turn before the next handler."""

    def layer(next_: Handler) -> Handler:
        if not guards:
            return next_

        async def handle(turn: Turn, ctx: RunContext) -> Turn:
            with ctx.timed(timing):
                turn = await _off_loop(guards, stage, turn, ctx, messages)
            if ctx.stopped is not None:
                return turn
            return await next_(turn, ctx)

        return handle

    return layer


def gate_after(
    stage: Stage, guards: Sequence[Guard], messages: Messages, *, timing: str, regenerate: bool = False
) -> Layer:
    """A layer that runs `guards` on what the next handler returned.

    With `regenerate` (the output gate, see `output_gate`), a guard may ask
    for one new answer: the next handler runs once more and the guards check
    what it returns.
    """

    def layer(next_: Handler) -> Handler:
        if not guards:
            return next_

        async def handle(turn: Turn, ctx: RunContext) -> Turn:
            produced = await next_(turn, ctx)
            if ctx.stopped is not None:
                return produced
            mark = len(ctx.verdicts)
            with ctx.timed(timing):
                checked = await _off_loop(guards, stage, produced, ctx, messages)
            if not regenerate:
                return checked
            first = ctx.verdicts[mark:]
            why = next((v.regenerate for v in first if v.regenerate), ())
            if not why or ctx.state.regenerating or not ctx.state.can_regenerate or ctx.expired():
                return checked
            del ctx.verdicts[mark:]
            ctx.stopped = None
            asked = next((v for v in reversed(first) if v.action is not Action.ALLOW), first[-1])
            ctx.state.regenerating = why
            again = await next_(turn, ctx)
            ctx.record(
                Verdict(asked.guard, stage, Action.REWRITE, score=asked.score, turn=again,
                        reason=f"regenerated once with a stricter prompt; first answer: {asked.reason}")
            )  # fmt: skip
            if ctx.stopped is not None:
                return again
            with ctx.timed(timing):
                return await _off_loop(guards, stage, again, ctx, messages)

        return handle

    return layer


def output_gate(guards: Sequence[Guard], messages: Messages) -> Layer:
    """The output gate around generation, with at most one regeneration.

    When an output guard's verdict asks for a new answer (`Verdict.regenerate`,
    the grounding guard with ``regenerate: true``) and the generator can
    write one (``ctx.state.can_regenerate``), while time remains, generation
    runs once more with the reasons in ``ctx.state.regenerating`` and the
    output guards check the new answer. The first answer's verdicts are
    replaced by one verdict saying why it was regenerated; the second
    answer's verdicts stand, and its guards' actions apply.
    """
    return gate_after(Stage.OUTPUT, guards, messages, timing="output", regenerate=True)


class Pipeline:
    """A policy's guards composed around a chain's steps, built once.

    Args:
        policy: the validated policy.
        steps: the chain as handlers (see `ragfort.integrations.langchain`).
        layers: the caller's layers, placed after the input gate and before
            retrieval (the exact cache goes here, so it only ever sees
            redacted questions and stores answers that passed the output
            guards); an `AfterRetrieval` layer goes after the retrieval gate
            instead (the semantic cache).

    Attributes:
        layers: the ordered layer list, outermost first, as ``(name, layer)``
            pairs; the chain's generate step sits inside the last one.
        finalizers: the guards whose `finalize` runs on the answer text, one per guard name.
    """

    def __init__(self, policy: Policy, steps: ChainSteps, *, layers: Sequence[Layer] = ()) -> None:
        self.policy = policy
        self.steps = steps
        # One finalizer per guard name: a guard configured at several stages
        # (PII) restores once, through its latest-stage instance.
        self.finalizers: tuple[Guard, ...] = tuple({g.name: g for g in policy.all_guards()}.values())
        self._redacting = policy.redacting_guards
        self.layers = _layer_list(policy, steps, layers)
        # Stages an unfinished answer must pass before any of it is shown (see check_partial).
        self._partial_stages = (Stage.OUTPUT,) if steps.retrieve is not None else (Stage.RETRIEVAL, Stage.OUTPUT)
        handler = steps.generate
        for _, layer in reversed(self.layers):
            handler = layer(handler)
        self._handler = handler

    def check_partial(self, turn: Turn, ctx: RunContext) -> str | None:
        """The output guards on an unfinished answer (the sentences generated so far).

        Runs in a scratch copy of `ctx`: the request's verdicts, timings and
        stop flag are untouched (the complete answer goes through the output
        gate as usual), while the session's PII mapping is shared, so
        placeholders match the final answer's. Returns the text a reader may
        see now (redacted, unsupported sentences stripped, citation markers
        in place, finalizers applied), or None when a guard would stop the
        answer (block, abstain): then nothing more may be shown until the
        complete answer is checked. For an opaque chain the retrieval guards
        run first (they have not run yet: the chain retrieved inside).
        """
        # Earlier verdicts stay visible (guards may look at them, e.g. PII at retrieval); additions are dropped.
        scratch = dataclasses.replace(
            ctx, timings_ms={}, verdicts=list(ctx.verdicts), redactions=[], degraded=[], stopped=None
        )
        checked = turn
        for stage in self._partial_stages:
            checked = run_guards(self.policy.guards.get(stage, ()), stage, checked, scratch, self.policy.messages)
            if scratch.stopped is not None:
                return None
        if checked.answer is None:
            return None
        answer = checked.answer
        for guard in self.finalizers:
            answer = guard.finalize(answer, scratch)
        return answer

    async def run(self, turn: Turn, ctx: RunContext) -> GuardedAnswer:
        """Run one request and assemble the result."""
        if self.steps.vocabulary is not None and ctx.state.vocabulary is None:
            ctx.state.vocabulary = self.steps.vocabulary
        final = await self._handler(turn, ctx)
        # The turn before finalizers: redacted text only, which is what traces keep.
        ctx.state.final_turn = final
        answer = final.answer if final.answer is not None else ""
        exchange = (HistoryMessage("human", final.question), HistoryMessage("ai", answer))
        for guard in self.finalizers:
            answer = guard.finalize(answer, ctx)
        ctx.timings_ms["total"] = ctx.elapsed_ms()
        return GuardedAnswer(
            answer=answer,
            status=self._status(final, ctx),
            citations=final.citations,
            claims=final.claims,
            groundedness=final.groundedness,
            redactions=final.redactions,
            verdicts=tuple(ctx.verdicts),
            cache=ctx.cache,
            timings_ms=dict(ctx.timings_ms),
            budget=BudgetReport(total_ms=ctx.budget.total_ms, degraded=tuple(ctx.degraded)),
            trace_id=ctx.trace_id,
            documents=final.documents,
            variant=ctx.variant,
            exchange=exchange,
        )


    def _status(self, turn: Turn, ctx: RunContext) -> Status:
        if ctx.stopped is Action.BLOCK:
            return Status.BLOCKED
        if ctx.stopped is Action.ABSTAIN:
            return Status.ABSTAINED
        if ctx.state.fallback:
            return Status.FALLBACK
        if turn.redactions or any(v.action is Action.REWRITE and v.guard in self._redacting for v in ctx.verdicts):
            return Status.REDACTED
        return Status.OK


def _layer_list(policy: Policy, steps: ChainSteps, layers: Sequence[Layer]) -> tuple[tuple[str, Layer], ...]:
    """The pipeline's layers, outermost first, for `steps` (see the module docstring for the order)."""
    msgs = policy.messages
    output = policy.guards.get(Stage.OUTPUT, ())
    retrieval = policy.guards.get(Stage.RETRIEVAL, ())
    before = [("layer", layer) for layer in layers if not isinstance(layer, AfterRetrieval)]
    after = [("after retrieval", layer) for layer in layers if isinstance(layer, AfterRetrieval)]
    inputs = policy.guards.get(Stage.INPUT, ())
    outer: list[tuple[str, Layer]] = [("input gate", gate_before(Stage.INPUT, inputs, msgs, timing="input"))]
    fallback_layer: tuple[str, Layer] = ("fallback", fallback(msgs, steps.extract))
    if steps.retrieve is not None:
        retrieve = steps.retrieve
        return (
            *outer,
            *before,
            ("retrieve", lambda next_: _then(retrieve, next_)),
            ("retrieval gate", gate_before(Stage.RETRIEVAL, retrieval, msgs, timing="retrieval")),
            *after,
            ("output gate", output_gate(output, msgs)),
            fallback_layer,
        )
    # Opaque chain: its passages exist once it ran, so the retrieval gate checks what came back (inside the
    # output gate), and layers that need passages run before the chain with the others (they find none).
    # The output gate never regenerates here: the chain's generator cannot be asked again (can_regenerate stays off).
    return (
        *outer,
        *before,
        *after,
        ("output gate", output_gate(output, msgs)),
        ("retrieval gate", gate_after(Stage.RETRIEVAL, retrieval, msgs, timing="retrieval")),
        fallback_layer,
    )


def _then(first: Handler, second: Handler) -> Handler:
    async def handle(turn: Turn, ctx: RunContext) -> Turn:
        turn = await first(turn, ctx)
        if ctx.stopped is not None:
            return turn
        return await second(turn, ctx)

    return handle
