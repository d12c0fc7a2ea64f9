"""Follow-ups: the cheap rule, the LLM rewrite, and the default chain retrieving on the resolved question."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.language_models import FakeListChatModel

import ragfort
from ragfort.conversation import (
    conversation_query,
    fuse_rankings,
    is_follow_up,
    rewrite_messages,
    standalone_query,
    with_own_chunks,
)
from ragfort.generate import llm_messages
from ragfort.types import HistoryMessage, Passage

HISTORY = (
    HistoryMessage("human", "How do I turn on international roaming?"),
    HistoryMessage("ai", "Open the app, go to Plan, and switch Roaming on."),
)


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("What about the charger?", True),
        ("And to Canada?", True),
        ("How much does it cost?", True),
        ("Can I do that in a store?", True),
        ("Why?", True),
        ("How do I reset my password?", False),
        ("What's the cut-off time for Express shipping to Canada?", False),
        ("How long do I have to return a phone I bought online?", False),
    ],
)
def test_the_rule_tells_follow_ups_from_questions_that_stand_alone(question: str, follow_up: bool) -> None:
    assert is_follow_up(question) is follow_up


def test_a_follow_up_is_searched_with_the_customers_previous_question_only() -> None:
    joined = standalone_query("How much does it cost?", HISTORY)
    assert joined == "How do I turn on international roaming? How much does it cost?"
    assert "Open the app" not in joined  # the assistant's words are not searched
    assert standalone_query("How do I reset my password?", HISTORY) == "How do I reset my password?"
    assert standalone_query("How do I reset my password?", HISTORY, rule="always").startswith("How do I turn on")
    assert standalone_query("How much does it cost?", HISTORY, rule="never") == "How much does it cost?"
    assert standalone_query("How much does it cost?", ()) == "How much does it cost?"


def test_the_conversation_query_is_the_customers_side_then_the_question() -> None:
    history = (*HISTORY, HistoryMessage("human", "I'm going to Spain."), HistoryMessage("ai", "Have a good trip!"))
    assert conversation_query("How much is it?", history) == (
        "How do I turn on international roaming? I'm going to Spain. How much is it?"
    )


def test_only_the_customers_two_latest_messages_are_joined() -> None:
    history = (
        HistoryMessage("human", "How do I claim Delay Repay?"),
        HistoryMessage("ai", "In the app, under Journeys."),
        HistoryMessage("human", "How long does that take to pay out?"),
        HistoryMessage("ai", "Within 5 working days."),
        HistoryMessage("human", "Can I bring my bike on the train?"),
        HistoryMessage("ai", "The rules depend on the type of train."),
    )
    joined = conversation_query("what about at rush hour", history)
    assert joined == "How long does that take to pay out? Can I bring my bike on the train? what about at rush hour"
    assert "Delay Repay" not in standalone_query("what about at rush hour", history)


def test_fused_rankings_keep_what_either_ranking_ranks_high() -> None:
    def ranked(*ids: str) -> list[Passage]:
        return [Passage(text=i, doc_id=i, chunk_id=i, score=0.9 - 0.1 * n) for n, i in enumerate(ids)]

    fused = fuse_rankings([ranked("a", "b", "c"), ranked("d", "a", "e")], k=3)
    assert [p.chunk_id for p in fused] == ["a", "d", "b"]  # in both lists first; then the two other leaders
    assert fused[0].score == 0.9  # a passage keeps its best retrieval score
    # One passage per document: a second chunk of "a" does not push "d" out.
    chunks = [Passage(text="a1", doc_id="a", chunk_id="a1", score=0.9), Passage(text="a2", doc_id="a", chunk_id="a2")]
    two = fuse_rankings([[*chunks, *ranked("b")], ranked("d", "b")], k=3)
    assert [p.chunk_id for p in two] == ["b", "a1", "d"]


def test_the_questions_own_chunks_that_fusion_left_out_follow_the_fused_ones() -> None:
    def chunk(doc: str, start: int) -> Passage:
        return Passage(text=f"{doc}@{start}", doc_id=doc, start=start, chunk_id=f"{doc}{start}")

    fused = [chunk("a", 0), chunk("d", 0), chunk("b", 0)]
    own = [chunk("a", 0), chunk("a", 900), chunk("c", 0), chunk("b", 0)]
    kept = with_own_chunks(fused, own)
    # The fused order first, untouched; then the question's own chunks it lacks, in the question's order.
    assert [p.chunk_id for p in kept] == ["a0", "d0", "b0", "a900", "c0"]
    assert with_own_chunks(fused, fused) == fused


def test_the_rewrite_prompt_carries_the_conversation_and_the_question() -> None:
    (system, human) = rewrite_messages("How much does it cost?", HISTORY)
    assert "placeholders" in system[1]
    assert "Customer: How do I turn on international roaming?" in human[1] and human[1].endswith("cost?")


def test_the_llm_prompt_puts_the_conversation_before_the_passages() -> None:
    passages = [Passage(text="Roaming costs $10 a day.", doc_id="r")]
    messages = llm_messages("How much does it cost?", passages, history=HISTORY)
    assert [role for role, _ in messages] == ["system", "human", "ai", "human"]
    assert messages[1][1] == HISTORY[0].content and "Roaming costs" in messages[-1][1]


def _ask(chain: Any, question: str, history: list[tuple[str, str]]) -> Any:
    policy = {"name": "conv", "cache": {"enabled": False}}
    return ragfort.harden(chain, policy=policy).invoke({"question": question, "chat_history": history})


def test_the_default_chain_retrieves_a_follow_up_in_its_conversation(help_center_index: Path) -> None:
    chain = ragfort.build_chain(help_center_index)
    history = [("human", "How do I turn on international roaming?"), ("ai", "Switch Roaming on in the app.")]
    alone = _ask(chain, "How much does it cost?", [])
    followed = _ask(chain, "How much does it cost?", history)
    assert not any(p.doc_id.startswith("plan/roaming") for p in alone.documents[:2])
    assert followed.documents[0].doc_id == "plan/roaming-turn-on.md"
    # A question that stands alone is not dragged back to the earlier topic.
    switched = _ask(chain, "How do I reset my password?", history)
    assert switched.documents[0].doc_id == "account/reset-password.md"
    # Every chunk the question ranks in its own top k is there too, after the fused k.
    own = [p.chunk_id for p in chain.retrieve("How much does it cost?")]
    ids = [p.chunk_id for p in followed.documents]
    assert set(own) <= set(ids) and len(ids) == len(set(ids)) <= 2 * chain.k
    never = _ask(ragfort.build_chain(help_center_index, follow_ups="never"), "How much does it cost?", history)
    assert [p.doc_id for p in never.documents] == [p.doc_id for p in alone.documents]


def test_with_an_llm_the_follow_up_is_rewritten_and_a_failed_rewrite_falls_back(help_center_index: Path) -> None:
    llm = FakeListChatModel(responses=["How much does international roaming cost?", "Roaming costs $10 a day [1]."])
    history = [("human", "How do I turn on international roaming?"), ("ai", "Switch Roaming on in the app.")]
    chain = ragfort.build_chain(help_center_index, llm=llm)
    result = _ask(chain, "How much does it cost?", history)
    # Retrieval searched on the rewritten question (the first scripted reply), not on the follow-up.
    rewritten = [p.chunk_id for p in chain.retrieve("How much does international roaming cost?")]
    assert [p.chunk_id for p in result.documents] == rewritten

    class Broken(FakeListChatModel):
        def _call(self, *args: Any, **kwargs: Any) -> str:
            raise RuntimeError("rewrite service down")

    broken = Broken(responses=["unused"])
    chain = ragfort.build_chain(help_center_index, llm=broken)
    fallback = _ask(chain, "How much does it cost?", history)
    assert fallback.documents[0].doc_id == "plan/roaming-turn-on.md"  # the no-LLM rule, then the budget fallback


def test_a_bad_follow_up_setting_is_refused(help_center_index: Path) -> None:
    with pytest.raises(ValueError, match="follow_ups must be"):
        ragfort.build_chain(help_center_index, follow_ups="sometimes")  # type: ignore[arg-type]


def test_a_claim_only_the_conversation_supports_is_not_supported_by_the_passages(help_center_index: Path) -> None:
    # The assistant said in turn 1 that the replacement ships on Tuesday (say, from an order system). The
    # follow-up's answer repeats it; this turn's passages (the help center) say nothing of the kind, so
    # grounding must not count it as supported: history is context for the question, not evidence.
    history = [("human", "Where is my replacement phone?"), ("ai", "Your replacement phone ships on Tuesday.")]
    invented = "Your replacement phone ships on Tuesday the 14th by courier."
    llm = FakeListChatModel(responses=["When does my replacement phone ship?", invented])
    guarded = ragfort.harden(ragfort.build_chain(help_center_index, llm=llm), policy="support_agent", cache=False)
    result = guarded.invoke({"question": "When does it ship?", "chat_history": history})
    assert invented not in result.answer
    assert result.status in ("abstained", "ok", "redacted")
    assert not any(c.supported for c in result.claims if "Tuesday" in c.text)


class _ReadsSearchText(ragfort.BaseGuard):
    """Records what the relevance guard's judge would read (`ctx.state.search_text`) at the retrieval gate."""

    name: ClassVar[str] = "reads_search_text"
    stages: ClassVar[frozenset[ragfort.Stage]] = frozenset({ragfort.Stage.RETRIEVAL})
    seen: ClassVar[list[str | None]] = []

    def check(self, turn: ragfort.Turn, ctx: Any) -> ragfort.Verdict:
        self.seen.append(ctx.state.search_text)
        return self.verdict(ragfort.Action.ALLOW)


@pytest.mark.parametrize(
    ("follow_ups", "llm", "read"),
    [
        # The no-LLM rule searches the question and the joined conversation: the judge reads the question.
        ("auto", False, "How much does it cost?"),
        ("always", False, "How do I turn on international roaming? How much does it cost?"),
        ("never", False, "How much does it cost?"),
        # With an LLM, the standalone rewrite is searched and read.
        ("auto", True, "How much does international roaming cost?"),
    ],
)
def test_the_relevance_judge_reads_the_follow_up_alone_under_the_no_llm_rule(
    help_center_index: Path, follow_ups: str, llm: bool, read: str
) -> None:
    ragfort.register_guard("reads_search_text", _ReadsSearchText)
    _ReadsSearchText.seen.clear()
    model = FakeListChatModel(responses=["How much does international roaming cost?", "It costs $10 a day."])
    chain = ragfort.build_chain(help_center_index, llm=model if llm else None, follow_ups=follow_ups)  # type: ignore[arg-type]
    policy = {"name": "conv", "cache": {"enabled": False}, "guards": {"retrieval": [{"guard": "reads_search_text"}]}}
    history = [("human", "How do I turn on international roaming?"), ("ai", "Switch Roaming on in the app.")]
    ragfort.harden(chain, policy=policy).invoke({"question": "How much does it cost?", "chat_history": history})
    assert _ReadsSearchText.seen == [read]


class _KeepsReading(ragfort.BaseGuard):
    """Records what retrieval left for the extractive generator (`reading_context`, `question_vector`)."""

    name: ClassVar[str] = "keeps_reading"
    stages: ClassVar[frozenset[ragfort.Stage]] = frozenset({ragfort.Stage.RETRIEVAL})
    seen: ClassVar[list[tuple[str | None, Any]]] = []

    def check(self, turn: ragfort.Turn, ctx: Any) -> ragfort.Verdict:
        self.seen.append((ctx.state.reading_context, ctx.state.question_vector))
        return self.verdict(ragfort.Action.ALLOW)


@pytest.mark.parametrize(
    ("question", "history", "context_weight", "weighed"),
    [
        # Asked after a conversation and not a follow-up by the rule: the conversation is weighed in.
        ("Can I still get my money back?", True, 0.5, True),
        # A follow-up is read joined to the conversation already; no history, nothing to weigh; weight 0 turns it off.
        ("How much does it cost?", True, 0.5, False),
        ("Can I still get my money back?", False, 0.5, False),
        ("Can I still get my money back?", True, 0.0, False),
    ],
)
def test_a_question_after_a_conversation_is_read_with_the_conversation_weighed_in(
    help_center_index: Path, question: str, history: bool, context_weight: float, weighed: bool
) -> None:
    import dataclasses

    import numpy as np

    from ragfort.generate import blend_vectors

    ragfort.register_guard("keeps_reading", _KeepsReading)
    _KeepsReading.seen.clear()
    chain = ragfort.build_chain(help_center_index)
    chain.extractive = dataclasses.replace(chain.extractive, context_weight=context_weight)
    policy = {"name": "conv", "cache": {"enabled": False}, "guards": {"retrieval": [{"guard": "keeps_reading"}]}}
    earlier = [("human", "I returned my phone last week."), ("ai", "Refunds go back to your original payment method.")]
    result = ragfort.harden(chain, policy=policy).invoke(
        {"question": question, "chat_history": earlier if history else []}
    )
    [(context, vector)] = _KeepsReading.seen
    own = chain.index.embed_query(chain.query(question))
    if weighed:
        assert context == chain.query(f"I returned my phone last week. {question}")
        expected = blend_vectors(own, chain.index.embed_query(context), context_weight)
        assert np.allclose(vector, expected, atol=1e-6)
        assert float(vector @ own) < 0.999  # not the question alone
        assert str(result.status) == "ok" and result.answer  # the generator answered from the weighed reading
    else:
        assert context is None
        if not history:
            assert np.allclose(vector, own, atol=1e-6)
