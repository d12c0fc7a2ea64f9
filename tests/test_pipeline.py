"""Gates apply verdicts: rewrite, block, abstain, skip on budget, fail closed on faults."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, ClassVar

import pytest
from langchain_core.runnables import RunnableLambda

import ragfort
from ragfort import Action, BaseGuard, MemoryTraceSink, Stage, Status, Turn, Verdict
from ragfort.context import RunContext
from ragfort.guards.base import GuardSettings


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
