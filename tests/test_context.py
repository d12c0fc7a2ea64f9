"""The run context: the budget as a deadline, stage limits, timings, and what a request records."""

from __future__ import annotations

import time

import pytest

from ragfort.budget import Budget
from ragfort.context import AfterRetrieval, Handler, RunContext
from ragfort.types import Action, Stage, Turn, Verdict


def test_without_a_total_budget_nothing_expires() -> None:
    ctx = RunContext()
    assert ctx.deadline is None and ctx.remaining_ms() is None and not ctx.expired()
    assert ctx.stage_limit_ms("generation") is None
    assert RunContext(budget=Budget(generation=500)).stage_limit_ms("generation") == 500


def test_the_deadline_counts_from_the_start_of_the_request() -> None:
    started = time.perf_counter() - 0.4  # the request began 400 ms ago
    ctx = RunContext(budget=Budget(1000, generation=800, output=100), started=started)
    assert ctx.deadline == pytest.approx(started + 1.0)
    remaining = ctx.remaining_ms()
    assert remaining is not None and 500 < remaining <= 600
    # A stage gets the smaller of its own part and what remains.
    generation = ctx.stage_limit_ms("generation")
    assert generation is not None and generation == pytest.approx(ctx.remaining_ms(), abs=5)
    assert ctx.stage_limit_ms("output") == 100
    assert not ctx.expired()
    late = RunContext(budget=Budget(100), started=time.perf_counter() - 0.2)
    assert late.expired() and (late.remaining_ms() or 0) < 0


def test_an_unknown_stage_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown budget stage"):
        RunContext(budget=Budget(1000)).stage_limit_ms("thinking")


def test_timed_blocks_add_up_even_when_they_raise() -> None:
    ctx = RunContext()
    with ctx.timed("retrieval"):
        time.sleep(0.01)
    with pytest.raises(RuntimeError), ctx.timed("retrieval"):
        time.sleep(0.01)
        raise RuntimeError
    assert ctx.timings_ms["retrieval"] >= 20


def test_the_first_stop_wins_and_degradations_are_noted_once() -> None:
    ctx = RunContext()
    ctx.stop(Action.ABSTAIN)
    ctx.stop(Action.BLOCK)
    assert ctx.stopped is Action.ABSTAIN
    for what in ("generation", "output", "generation"):
        ctx.degrade(what)
    assert ctx.degraded == ["generation", "output"]
    verdict = Verdict("pii", Stage.INPUT, Action.ALLOW)
    ctx.record(verdict)
    assert ctx.verdicts == [verdict]


def test_every_request_gets_its_own_state() -> None:
    a, b = RunContext(), RunContext()
    assert a.trace_id != b.trace_id and len(a.trace_id) == 32
    a.extras["pii"] = 1
    a.state.fallback = True
    assert b.extras == {} and b.state.fallback is False


async def test_after_retrieval_wraps_the_layer_it_holds() -> None:
    def layer(next_: Handler) -> Handler:
        async def handle(turn: Turn, ctx: RunContext) -> Turn:
            out = await next_(turn, ctx)
            return out.evolve(answer=f"{out.answer} (wrapped)")

        return handle

    async def inner(turn: Turn, ctx: RunContext) -> Turn:
        return turn.evolve(answer="inner")

    handler = AfterRetrieval(layer)(inner)
    assert (await handler(Turn(question="q"), RunContext())).answer == "inner (wrapped)"
