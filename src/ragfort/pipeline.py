"""The guarded pipeline: layers that wrap the next handler, composed once.

A *handler* takes a turn and the run context and returns the next turn. A
*layer* takes the next handler and returns a handler, like Starlette's
middleware. `Pipeline` composes, from the outside in::

    budget -> input gate -> [extra layers, e.g. cache] -> retrieval
           -> retrieval gate -> [post-retrieval layers, e.g. semantic cache]
           -> generation -> output gate

A layer goes to the post-retrieval position when it has the attribute
``ragfort_position = "post_retrieval"``; there it sees the retrieved
passages (and ``ctx.state[QUESTION_VECTOR_KEY]``) before generation.

For a chain that retrieves and generates in one opaque call, retrieval and
generation are that one call and the retrieval gate runs on the documents it
returned, before the output gate. Composition happens once, in the
constructor; running a request only walks the built handler chain.

Gates never raise to refuse: a guard's BLOCK or ABSTAIN stops the request via
`RunContext.stop`, later layers pass the turn through, and the result's
status says what happened. A guard that *faults* is skipped with a recorded
verdict when optional, and blocks the request when required (fail closed).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from ragfort.context import RunContext
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

__all__ = ["PARTIAL_KEY", "Handler", "Layer", "Pipeline", "run_guards", "timeout_fallback"]

log = logging.getLogger("ragfort.pipeline")

Handler = Callable[[Turn, RunContext], Awaitable[Turn]]
Layer = Callable[[Handler], Handler]

# Context state keys shared with the chain integration and guards.
FALLBACK_KEY = "ragfort.fallback"  # the answer is a fallback (status "fallback")
FINAL_TURN_KEY = "ragfort.final_turn"  # the turn before finalizers, for traces
CONFIG_KEY = "ragfort.lc_config"  # the LangChain config for child runs
SYNC_KEY = "ragfort.sync"  # running under sync invoke: direct calls are fine
QUESTION_VECTOR_KEY = "ragfort.question_vector"  # the question's embedding, when retrieval made one
SENTENCE_VECTORS_KEY = "ragfort.sentence_vectors"  # (passages) -> per-passage sentence vectors or None
STALE_KEY = "ragfort.stale"  # (turn) -> turn answered from a stale cache entry; set by the cache layer
POST_RETRIEVAL = "post_retrieval"  # a layer's `ragfort_position` for the slot after the retrieval gate
# While streaming: async (turn whose answer is the complete sentences so far) -> None, for generators.
PARTIAL_KEY = "ragfort.partial"
# Regeneration (grounding `regenerate: true`): the generator says it can write the answer again
# (an LLM, not the extractive generator); a guard asks for it with the reasons (the unsupported
# claims); the generator reads the reasons back on its second try to write a stricter prompt.
CAN_REGENERATE_KEY = "ragfort.can_regenerate"
REGENERATE_KEY = "ragfort.regenerate"
REGENERATING_KEY = "ragfort.regenerating"


def _stale(turn: Turn, ctx: RunContext, messages: Messages) -> Turn | None:
    serve = ctx.state.get(STALE_KEY)
    return serve(turn) if callable(serve) else None


def _extractive(turn: Turn, ctx: RunContext, messages: Messages) -> Turn | None:
    return None  # the caller builds the extractive answer from the passages it has


def _abstain(turn: Turn, ctx: RunContext, messages: Messages) -> Turn | None:
    ctx.stop(Action.ABSTAIN)
    return turn.evolve(answer=messages.abstain, citations=(), claims=(), groundedness=None)


# What each `budget.on_timeout` option does; returning None means "the extractive answer".
_FALLBACKS: dict[str, Callable[[Turn, RunContext, Messages], Turn | None]] = {
    "stale_cache": _stale,
    "extractive": _extractive,
    "abstain": _abstain,
}


def timeout_fallback(turn: Turn, ctx: RunContext, messages: Messages, *, extractive: bool = True) -> Turn | None:
    """After generation ran out of budget (or failed): the first fallback of ``budget.on_timeout`` that applies.

    Returns the turn to serve, or None when the caller should answer
    extractively from the retrieved passages. ``stale_cache`` applies only
    when the cache offered a stale entry; ``extractive`` applies when the
    caller has passages to answer from (`extractive`; a wrapped chain that
    retrieves inside its one call has none), ``abstain`` always. The choice is
    recorded as ``fallback:<option>`` in ``budget.degraded``.
    """
    ctx.state[FALLBACK_KEY] = True
    for option in ctx.budget.on_timeout:
        if option == "extractive" and not extractive:
            continue
        served = _FALLBACKS[option](turn, ctx, messages)
        if served is not None or option == "extractive":
            ctx.degrade(f"fallback:{option}")
            return served
    ctx.degrade("fallback:abstain")
    return _abstain(turn, ctx, messages)


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


def gate_before(stage: Stage, guards: Sequence[Guard], messages: Messages, *, timing: str) -> Layer:
    """A layer that runs `guards` on the turn before the next handler."""

    def layer(next_: Handler) -> Handler:
        if not guards:
            return next_

        async def handle(turn: Turn, ctx: RunContext) -> Turn:
            with ctx.timed(timing):
                turn = run_guards(guards, stage, turn, ctx, messages)
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
                checked = run_guards(guards, stage, produced, ctx, messages)
            if not regenerate:
                return checked
            why = ctx.state.pop(REGENERATE_KEY, None)
            if not why or REGENERATING_KEY in ctx.state or not ctx.state.get(CAN_REGENERATE_KEY) or ctx.expired():
                return checked
            first = ctx.verdicts[mark:]
            del ctx.verdicts[mark:]
            ctx.stopped = None
            asked = next((v for v in reversed(first) if v.action is not Action.ALLOW), first[-1])
            ctx.state[REGENERATING_KEY] = tuple(why)
            again = await next_(turn, ctx)
            ctx.record(
                Verdict(asked.guard, stage, Action.REWRITE, score=asked.score, turn=again,
                        reason=f"regenerated once with a stricter prompt; first answer: {asked.reason}")
            )  # fmt: skip
            if ctx.stopped is not None:
                return again
            with ctx.timed(timing):
                return run_guards(guards, stage, again, ctx, messages)

        return handle

    return layer


def output_gate(guards: Sequence[Guard], messages: Messages) -> Layer:
    """The output gate around generation, with at most one regeneration.

    When an output guard asks for a new answer (``ctx.state[REGENERATE_KEY]``,
    the grounding guard with ``regenerate: true``) and the generator can
    write one (``CAN_REGENERATE_KEY``), while time remains, generation runs
    once more with the reasons in ``ctx.state[REGENERATING_KEY]`` and the
    output guards check the new answer. The first answer's verdicts are
    replaced by one verdict saying why it was regenerated; the second
    answer's verdicts stand, and its guards' actions apply.
    """
    return gate_after(Stage.OUTPUT, guards, messages, timing="output", regenerate=True)


@dataclass(frozen=True, slots=True)
class ChainSteps:
    """The user's chain as handlers.

    `retrieve` is None for an opaque chain; then `generate` retrieves too and
    returns a turn with both documents and answer.
    """

    generate: Handler
    retrieve: Handler | None = None


class Pipeline:
    """A policy's guards composed around a chain, built once.

    Args:
        policy: the validated policy.
        steps: the chain as handlers (see `ragfort.integrations.langchain`).
        layers: extra layers placed after the input gate and before
            retrieval (the cache goes here, so it only ever sees redacted
            questions and stores answers that passed the output guards);
            those marked ``ragfort_position = "post_retrieval"`` go after
            the retrieval gate instead.
    """

    def __init__(self, policy: Policy, steps: ChainSteps, *, layers: Sequence[Layer] = ()) -> None:
        self.policy = policy
        self.steps = steps
        # One finalizer per guard name: a guard configured at several stages
        # (PII) restores once, through its latest-stage instance.
        latest = {g.name: g for g in policy.all_guards() if callable(getattr(g, "finalize", None))}
        self.finalizers = tuple(latest.values())
        msgs = policy.messages
        out = policy.guards.get(Stage.OUTPUT, ())
        ret = policy.guards.get(Stage.RETRIEVAL, ())
        post = [layer for layer in layers if getattr(layer, "ragfort_position", None) == POST_RETRIEVAL]
        pre = [layer for layer in layers if getattr(layer, "ragfort_position", None) != POST_RETRIEVAL]
        handler: Handler
        # Stages an unfinished answer must pass before any of it is shown (see check_partial).
        self._partial_stages = (Stage.OUTPUT,) if steps.retrieve is not None else (Stage.RETRIEVAL, Stage.OUTPUT)
        if steps.retrieve is not None:
            handler = output_gate(out, msgs)(steps.generate)
            for layer in reversed(post):
                handler = layer(handler)
            handler = gate_before(Stage.RETRIEVAL, ret, msgs, timing="retrieval")(handler)
            handler = _then(steps.retrieve, handler)
        else:
            # Opaque chain: the retrieval gate can only look at what came back, and
            # post-retrieval layers run before the chain (they find no passages there).
            # The output gate never regenerates here (ragfort cannot change a wrapped chain's prompt).
            handler = gate_after(Stage.RETRIEVAL, ret, msgs, timing="retrieval")(steps.generate)
            handler = output_gate(out, msgs)(handler)
            pre += post
        for layer in reversed(pre):
            handler = layer(handler)
        handler = gate_before(Stage.INPUT, policy.guards.get(Stage.INPUT, ()), msgs, timing="input")(handler)
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
            answer = guard.finalize(answer, scratch)  # type: ignore[attr-defined]
        return answer

    async def run(self, turn: Turn, ctx: RunContext) -> GuardedAnswer:
        """Run one request and assemble the result."""
        final = await self._handler(turn, ctx)
        # The turn before finalizers: redacted text only, which is what traces keep.
        ctx.state[FINAL_TURN_KEY] = final
        answer = final.answer if final.answer is not None else ""
        exchange = (HistoryMessage("human", final.question), HistoryMessage("ai", answer))
        for guard in self.finalizers:
            answer = guard.finalize(answer, ctx)  # type: ignore[attr-defined]
        ctx.timings_ms["total"] = ctx.elapsed_ms()
        return GuardedAnswer(
            answer=answer,
            status=_status(final, ctx),
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


def _then(first: Handler, second: Handler) -> Handler:
    async def handle(turn: Turn, ctx: RunContext) -> Turn:
        turn = await first(turn, ctx)
        if ctx.stopped is not None:
            return turn
        return await second(turn, ctx)

    return handle


def _status(turn: Turn, ctx: RunContext) -> Status:
    if ctx.stopped is Action.BLOCK:
        return Status.BLOCKED
    if ctx.stopped is Action.ABSTAIN:
        return Status.ABSTAINED
    if ctx.state.get(FALLBACK_KEY):
        return Status.FALLBACK
    if turn.redactions or any(v.action is Action.REWRITE and v.guard == "pii" for v in ctx.verdicts):
        return Status.REDACTED
    return Status.OK
