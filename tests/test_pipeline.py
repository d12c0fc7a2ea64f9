"""Gates apply verdicts: rewrite, block, abstain, skip on budget, fail closed on faults."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any, ClassVar

import pytest
from langchain_core.runnables import RunnableLambda

import ragfort
from ragfort import Action, BaseGuard, MemoryTraceSink, Stage, Status, Turn, Verdict
from ragfort.budget import Budget
from ragfort.context import AfterRetrieval, Handler, Layer, RunContext
from ragfort.guards.base import GuardSettings
from ragfort.pipeline import ChainSteps, GenerationFailed, Pipeline
from ragfort.policy import Policy, load_policy
from ragfort.types import GuardedAnswer, Passage


class Settings(GuardSettings):
    mode: str = "allow"
    sleep_ms: float = 0.0


class ScriptedGuard(BaseGuard):
    """A guard whose verdict the test chooses (the guards under test are the pipeline's rules)."""

    name: ClassVar[str] = "scripted"
    Settings: ClassVar[type[GuardSettings]] = Settings
    calls: ClassVar[list[str]] = []

    def __init__(self, *, stage: Stage, required: bool = False, mode: str = "allow", sleep_ms: float = 0.0) -> None:
        super().__init__(stage=stage, required=required)
        self.mode = mode
        self.sleep_ms = sleep_ms

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        ScriptedGuard.calls.append(f"{self.stage}:{self.mode}")
        time.sleep(self.sleep_ms / 1000)
        if self.mode == "fault":
            raise RuntimeError("broken")
        if self.mode == "fault_with_data":
            raise TypeError(f"expected str, got {turn.question!r} from jane.doe@example.com")
        if self.mode == "rewrite":
            return self.verdict(Action.REWRITE, turn=turn.evolve(question=turn.question.replace("secret", "<X>")))
        if self.mode == "block":
            return self.verdict(Action.BLOCK, score=1.0, reason="no")
        if self.mode == "abstain":
            return self.verdict(Action.ABSTAIN, reason="nothing relevant")
        return self.verdict(Action.ALLOW)


@pytest.fixture(autouse=True)
def registered() -> Any:
    ragfort.register_guard("scripted", ScriptedGuard)
    ScriptedGuard.calls.clear()
    yield


seen: list[str] = []


def echo_chain() -> Any:
    def run(x: dict[str, Any]) -> dict[str, Any]:
        seen.append(x["question"])
        return {"answer": f"answer to {x['question']}", "context": []}

    return RunnableLambda(run)


def policy(**stages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": "t", "guards": stages}


def test_rewrite_changes_what_the_chain_sees() -> None:
    seen.clear()
    result = ragfort.harden(echo_chain(), policy(input=[{"guard": "scripted", "mode": "rewrite"}])).invoke("my secret")
    assert seen == ["my <X>"]
    assert result.answer == "answer to my <X>"
    assert [v.action for v in result.verdicts] == [Action.REWRITE]


def test_block_stops_before_the_chain() -> None:
    seen.clear()
    result = ragfort.harden(echo_chain(), policy(input=[{"guard": "scripted", "mode": "block"}])).invoke("q?")
    assert seen == []
    assert result.status is Status.BLOCKED
    assert result.answer == ragfort.load_policy(None).messages.blocked


def test_output_abstain_replaces_the_answer() -> None:
    result = ragfort.harden(echo_chain(), policy(output=[{"guard": "scripted", "mode": "abstain"}])).invoke("q?")
    assert result.status is Status.ABSTAINED
    assert "can't find" in result.answer


def test_optional_guard_fault_is_skipped_and_recorded() -> None:
    result = ragfort.harden(echo_chain(), policy(output=[{"guard": "scripted", "mode": "fault"}])).invoke("q?")
    assert result.status is Status.OK
    assert result.verdicts[0].action is Action.SKIP and "RuntimeError" in result.verdicts[0].reason


def test_a_fault_says_what_broke_in_the_verdict_and_the_log_without_personal_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pol = policy(output=[{"guard": "scripted", "mode": "fault_with_data", "required": True}])
    with caplog.at_level(logging.DEBUG, logger="ragfort.pipeline"):
        result = ragfort.harden(echo_chain(), pol).invoke("my card is 4111 1111 1111 1111, why was it declined?")
    assert result.status is Status.BLOCKED
    verdict = result.verdicts[0]
    assert verdict.fault is not None and verdict.fault.type == "TypeError"
    assert verdict.fault.message.startswith("expected str, got '…' from <EMAIL_ADDRESS>")
    assert "TypeError: expected str" in verdict.reason and verdict.to_dict()["fault"] == str(verdict.fault)
    warning = next(r for r in caplog.records if r.levelno == logging.WARNING)
    assert "scripted faulted at output" in warning.getMessage() and "TypeError: expected str" in warning.getMessage()
    assert "blocked" in warning.getMessage()
    debug = next(r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info)
    assert debug.exc_info is not None and debug.exc_info[0] is TypeError
    everything = " ".join(r.getMessage() for r in caplog.records) + json.dumps(result.to_dict())
    assert "4111" not in everything and "jane.doe" not in everything
    # A decision is not a fault.
    refused = ragfort.harden(echo_chain(), policy(input=[{"guard": "scripted", "mode": "block"}])).invoke("q?")
    assert refused.verdicts[0].fault is None and "fault" not in refused.verdicts[0].to_dict()


def test_required_guard_fault_fails_closed() -> None:
    seen.clear()
    pol = policy(input=[{"guard": "scripted", "mode": "fault", "required": True}])
    result = ragfort.harden(echo_chain(), pol).invoke("q?")
    assert seen == []
    assert result.status is Status.BLOCKED


def test_spent_budget_skips_optional_guards_but_not_required_ones() -> None:
    pol = {
        "name": "t",
        "budget": {"total_ms": 50},
        "guards": {
            "input": [
                {"guard": "scripted", "sleep_ms": 80},
                {"guard": "scripted", "mode": "allow"},
                {"guard": "scripted", "mode": "rewrite", "required": True},
            ]
        },
    }
    result = ragfort.harden(echo_chain(), pol).invoke("q secret?")
    actions = [v.action for v in result.verdicts]
    assert actions == [Action.ALLOW, Action.SKIP, Action.REWRITE]
    assert "input:scripted" in result.budget.degraded


def test_guards_run_in_stage_order() -> None:
    pol = policy(
        input=[{"guard": "scripted", "mode": "allow"}],
        retrieval=[{"guard": "scripted", "mode": "allow"}],
        output=[{"guard": "scripted", "mode": "allow"}],
    )
    ragfort.harden(echo_chain(), pol).invoke("q?")
    assert ScriptedGuard.calls == ["input:allow", "retrieval:allow", "output:allow"]


def test_traces_keep_only_digests_of_text_no_pii_guard_checked() -> None:
    sink = MemoryTraceSink()
    ragfort.harden(echo_chain(), trace_sink=sink).invoke("my name is Alice Example")
    (record,) = sink.records
    assert "Alice" not in repr(record)
    assert set(record["question"]) == {"sha256", "chars"}
    assert record["status"] == "ok" and record["timings_ms"]["total"] > 0


# -- one layer list, the fallback layer, the declared guard hooks ----------------------------------------------
def _run(pipeline: Pipeline, question: str = "q?", **budget: Any) -> GuardedAnswer:
    ctx = RunContext(budget=Budget(**budget)) if budget else RunContext()
    return asyncio.run(pipeline.run(Turn(question=question), ctx))


def _recording(log: list[str], name: str) -> Layer:
    def layer(next_: Handler) -> Handler:
        async def handle(turn: Turn, ctx: RunContext) -> Turn:
            log.append(name)
            return await next_(turn, ctx)

        return handle

    return layer


def _steps(log: list[str], *, retrieves: bool, fails: bool = False, extract: bool = True) -> ChainSteps:
    passage = Passage(doc_id="d1", text="Refunds take five days.")

    async def retrieve(turn: Turn, ctx: RunContext) -> Turn:
        log.append("retrieve")
        return turn.evolve(documents=(passage,))

    async def generate(turn: Turn, ctx: RunContext) -> Turn:
        log.append("generate")
        if fails:
            ctx.degrade("generation")
            raise GenerationFailed
        return turn.evolve(answer="generated", documents=turn.documents or (passage,))

    async def extracted(turn: Turn, ctx: RunContext) -> Turn:
        log.append("extract")
        return turn.evolve(answer="extracted")

    return ChainSteps(
        generate=generate, retrieve=retrieve if retrieves else None, extract=extracted if extract else None
    )


class LoggingGuard(BaseGuard):
    name: ClassVar[str] = "logging"
    log: ClassVar[list[str]] = []

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        LoggingGuard.log.append(f"{self.stage} gate")
        return self.verdict(Action.ALLOW)


def _gated_policy() -> Policy:
    ragfort.register_guard("logging", LoggingGuard)
    stages = {s: [{"guard": "logging"}] for s in ("input", "retrieval", "output")}
    return load_policy({"name": "layers", "guards": stages})


@pytest.mark.parametrize(
    ("retrieves", "names", "order"),
    [
        (
            True,
            ["input gate", "layer", "retrieve", "retrieval gate", "after retrieval", "output gate", "fallback"],
            ["input gate", "before", "retrieve", "retrieval gate", "after", "generate", "output gate"],
        ),
        (
            False,
            ["input gate", "layer", "after retrieval", "output gate", "retrieval gate", "fallback"],
            ["input gate", "before", "after", "generate", "retrieval gate", "output gate"],
        ),
    ],
    ids=["chain-with-retrieve-step", "opaque-chain"],
)
def test_every_chain_runs_through_one_ordered_layer_list(retrieves: bool, names: list[str], order: list[str]) -> None:
    log: list[str] = []
    LoggingGuard.log = log
    layers = (_recording(log, "before"), AfterRetrieval(_recording(log, "after")))
    pipeline = Pipeline(_gated_policy(), _steps(log, retrieves=retrieves), layers=layers)
    assert [name for name, _ in pipeline.layers] == names
    result = _run(pipeline)
    assert result.answer == "generated"
    assert log == order


@pytest.mark.parametrize("retrieves", [True, False], ids=["chain-with-retrieve-step", "opaque-chain"])
@pytest.mark.parametrize(
    ("on_timeout", "stale", "extract", "answer", "marker", "status"),
    [
        (("stale_cache", "extractive", "abstain"), True, True, "stale", "fallback:stale_cache", Status.FALLBACK),
        (("stale_cache", "extractive", "abstain"), False, True, "extracted", "fallback:extractive", Status.FALLBACK),
        (("stale_cache", "extractive", "abstain"), False, False, "ABSTAIN", "fallback:abstain", Status.ABSTAINED),
        (("extractive", "stale_cache"), True, False, "stale", "fallback:stale_cache", Status.FALLBACK),
        (("abstain", "stale_cache"), True, True, "ABSTAIN", "fallback:abstain", Status.ABSTAINED),
    ],
)
def test_the_fallback_layer_serves_on_timeout_in_order_for_every_chain_kind(
    retrieves: bool,
    on_timeout: tuple[str, ...],
    stale: bool,
    extract: bool,
    answer: str,
    marker: str,
    status: Status,
) -> None:
    log: list[str] = []

    def offer_stale(next_: Handler) -> Handler:
        async def handle(turn: Turn, ctx: RunContext) -> Turn:
            if stale:
                ctx.state.stale = lambda t: t.evolve(answer="stale")
            return await next_(turn, ctx)

        return handle

    pol = load_policy({"name": "fb", "guards": {}, "messages": {"abstain": "ABSTAIN"}})
    pipeline = Pipeline(pol, _steps(log, retrieves=retrieves, fails=True, extract=extract), layers=(offer_stale,))
    result = _run(pipeline, total_ms=10_000, on_timeout=on_timeout)
    assert result.answer == answer
    assert result.status is status
    assert result.budget.degraded == ("generation", marker)
    assert ("extract" in log) == (answer == "extracted")


class RestoringGuard(BaseGuard):
    """A third-party guard using the declared hooks: its rewrites are redactions, `finalize` restores."""

    name: ClassVar[str] = "restoring"
    redacts: ClassVar[bool] = True

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        ctx.extras["restoring.secret"] = "4242"
        return self.verdict(Action.REWRITE, turn=turn.evolve(question=turn.question.replace("4242", "<CARD>")))

    def finalize(self, answer: str, ctx: RunContext) -> str:
        return answer.replace("<CARD>", ctx.extras["restoring.secret"])


def test_a_third_party_guard_plugs_in_through_the_declared_hooks() -> None:
    ragfort.register_guard("restoring", RestoringGuard)
    guarded = ragfort.harden(echo_chain(), {"name": "hooks", "guards": {"input": [{"guard": "restoring"}]}})
    result = guarded.invoke("card 4242?")
    assert result.answer == "answer to card 4242?"  # the chain saw "<CARD>"; finalize put it back
    assert result.status is Status.REDACTED  # its rewrite counts as a redaction, by declaration
    plain = BaseGuard(stage=Stage.INPUT)
    assert plain.finalize("text", RunContext()) == "text"
    assert plain.corpus_transform() is None
    assert plain.redacts is False


class AskingGuard(BaseGuard):
    """An output guard that refuses the first answer and asks for another through its verdict."""

    name: ClassVar[str] = "asking"

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        if turn.answer == "first":
            return self.verdict(Action.ABSTAIN, reason="unsupported", regenerate=("the first claim",))
        return self.verdict(Action.ALLOW)


@pytest.mark.parametrize("can_regenerate", [True, False])
def test_a_verdict_asks_for_one_regeneration_and_the_gate_grants_it_only_when_the_generator_can(
    can_regenerate: bool,
) -> None:
    ragfort.register_guard("asking", AskingGuard)
    seen_reasons: list[tuple[str, ...]] = []

    async def generate(turn: Turn, ctx: RunContext) -> Turn:
        seen_reasons.append(ctx.state.regenerating)
        ctx.state.can_regenerate = can_regenerate
        return turn.evolve(answer="second" if ctx.state.regenerating else "first")

    pol = load_policy({"name": "regen", "guards": {"output": [{"guard": "asking"}]}})
    result = _run(Pipeline(pol, ChainSteps(generate=generate)))
    if can_regenerate:
        assert seen_reasons == [(), ("the first claim",)]
        assert (result.answer, result.status) == ("second", Status.OK)
        assert [(v.guard, v.action) for v in result.verdicts] == [("asking", Action.REWRITE), ("asking", Action.ALLOW)]
    else:
        assert seen_reasons == [()]
        assert result.status is Status.ABSTAINED


class WaitingGuard(BaseGuard):
    """Waits, inside `check`, for a signal that only the event loop can send."""

    name: ClassVar[str] = "waiting"
    signal: ClassVar[threading.Event] = threading.Event()

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        released = WaitingGuard.signal.wait(timeout=5)
        return self.verdict(Action.ALLOW if released else Action.BLOCK, reason=f"released: {released}")


async def test_guards_of_an_async_request_leave_the_event_loop_free() -> None:
    ragfort.register_guard("waiting", WaitingGuard)
    WaitingGuard.signal = threading.Event()
    guarded = ragfort.harden(echo_chain(), {"name": "wait", "guards": {"input": [{"guard": "waiting"}]}})

    async def release_soon() -> None:
        await asyncio.sleep(0.05)  # runs only if the loop is not held by the guard
        WaitingGuard.signal.set()

    result, _ = await asyncio.gather(guarded.ainvoke("q?"), release_soon())
    assert result.status is Status.OK, result.verdicts
