"""harden() over a chain built from langchain_core: the whole Runnable protocol, and key discovery."""

from __future__ import annotations

import asyncio
from operator import itemgetter
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.language_models import FakeListChatModel
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough, RunnableSequence

import ragfort
from ragfort import AnswerChunk, ChainError, GuardedAnswer, InputError, RunContext, Status, Turn
from ragfort.context import Handler

DOCS = [
    Document(page_content="Devices can be returned within 14 days of delivery.", metadata={"source": "returns.md"}),
    Document(page_content="Accessories can be returned within 30 days.", metadata={"source": "accessories.md"}),
]


def make_chain(answers: list[str], *, docs_key: str = "context") -> Any:
    """The textbook LCEL RAG chain: retrieve, then prompt | llm | parser."""
    llm = FakeListChatModel(responses=answers)
    prompt = ChatPromptTemplate.from_messages([("system", "Context: {context}"), ("human", "{question}")])
    retriever = RunnableLambda(lambda q: DOCS)
    chain = RunnablePassthrough.assign(**{docs_key: itemgetter("question") | retriever})
    return chain | RunnablePassthrough.assign(
        answer=(lambda x: {"context": x[docs_key], "question": x["question"]}) | prompt | llm | StrOutputParser()
    )


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.chain_starts = 0
        self.llm_starts = 0
        self.parent_ids: list[Any] = []

    def on_chain_start(
        self, serialized: Any, inputs: Any, *, run_id: Any, parent_run_id: Any = None, **kw: Any
    ) -> None:
        self.chain_starts += 1
        self.parent_ids.append(parent_run_id)

    def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
        self.llm_starts += 1


def test_invoke_returns_the_answer_with_documents_and_timings() -> None:
    guarded = ragfort.harden(make_chain(["Within 14 days."]))
    result = guarded.invoke({"question": "How long do I have to return a phone?"})
    assert isinstance(result, GuardedAnswer)
    assert result.answer == "Within 14 days."
    assert result.status is Status.OK
    assert [p.doc_id for p in result.documents] == ["returns.md", "accessories.md"]
    assert {"generation", "total"} <= set(result.timings_ms)
    assert len(result.trace_id) == 32


def test_plain_string_input_works() -> None:
    result = ragfort.harden(make_chain(["Yes."])).invoke("Can I return a charger?")
    assert result.answer == "Yes."


async def test_ainvoke_works() -> None:
    result = await ragfort.harden(make_chain(["Async answer."])).ainvoke({"question": "q?"})
    assert result.answer == "Async answer."


def test_batch_keeps_order() -> None:
    guarded = ragfort.harden(RunnableLambda(lambda x: {"answer": x["question"].upper(), "context": DOCS}))
    results = guarded.batch([{"question": f"question {i}"} for i in range(5)])
    assert [r.answer for r in results] == [f"QUESTION {i}" for i in range(5)]
    assert len({r.trace_id for r in results}) == 5


async def test_abatch_keeps_order() -> None:
    guarded = ragfort.harden(RunnableLambda(lambda x: {"answer": x["question"][::-1], "context": []}))
    results = await guarded.abatch([{"question": "abc"}, {"question": "xyz"}])
    assert [r.answer for r in results] == ["cba", "zyx"]


def test_stream_yields_sentences_then_the_result() -> None:
    guarded = ragfort.harden(make_chain(["First sentence. Second sentence."]))
    parts = list(guarded.stream({"question": "q?"}))
    assert isinstance(parts[-1], GuardedAnswer)
    chunks = [p for p in parts if isinstance(p, AnswerChunk)]
    assert len(chunks) == 2
    assert "".join(c.text for c in chunks) == parts[-1].answer


async def test_astream_yields_sentences_then_the_result() -> None:
    guarded = ragfort.harden(make_chain(["One. Two. Three."]))
    parts = [p async for p in guarded.astream({"question": "q?"})]
    assert isinstance(parts[-1], GuardedAnswer)
    assert len([p for p in parts if isinstance(p, AnswerChunk)]) == 3


def test_callbacks_reach_the_wrapped_chain_as_child_runs() -> None:
    rec = Recorder()
    ragfort.harden(make_chain(["Hi."])).invoke({"question": "q?"}, config={"callbacks": [rec]})
    assert rec.llm_starts == 1
    assert rec.chain_starts > 1
    assert rec.parent_ids[0] is None  # the guarded run is the root
    assert all(p is not None for p in rec.parent_ids[1:])  # the user's chain runs beneath it


def test_pipe_composition_returns_a_new_runnable_and_works() -> None:
    guarded = ragfort.harden(make_chain(["Composed."]))
    seq = guarded | RunnableLambda(lambda r: r.answer.upper())
    assert isinstance(seq, RunnableSequence)
    assert seq is not guarded
    assert seq.invoke({"question": "q?"}) == "COMPOSED."


def test_stream_through_a_sequence_ends_on_the_result() -> None:
    guarded = ragfort.harden(make_chain(["Alpha. Beta."]))
    seq = guarded | RunnableLambda(lambda r: r.status)
    assert list(seq.stream({"question": "q?"})) == [Status.OK]


def test_with_budget_returns_a_copy() -> None:
    guarded = ragfort.harden(make_chain(["x"]))
    other = guarded.with_budget(250)
    assert other is not guarded
    assert other.budget.total_ms == 250 and guarded.budget.total_ms is None


def test_with_policy_returns_a_copy_guarded_by_the_new_policy() -> None:
    guarded = ragfort.harden(make_chain(["Within 14 days.", "Within 14 days."]))
    strict = ragfort.load_policy(
        {"name": "strict", "guards": {"input": [{"guard": "question_length", "max_chars": 10}]}}
    )
    other = guarded.with_policy(strict)
    assert other is not guarded
    assert other.policy is strict and guarded.policy.name == "passthrough"
    question = {"question": "How long do I have to return a phone?"}
    assert other.invoke(question).status is Status.BLOCKED  # the new policy's guard runs
    assert other.invoke(question).answer == strict.messages.blocked
    assert guarded.invoke(question).status is Status.OK  # the original is unchanged


def test_with_layers_returns_a_copy_that_runs_the_new_layer() -> None:
    seen: list[str] = []

    def mark(next_: Handler) -> Handler:
        async def handle(turn: Turn, ctx: RunContext) -> Turn:
            seen.append(turn.question)
            result = await next_(turn, ctx)
            return result.evolve(answer=f"{result.answer} (checked)")

        return handle

    guarded = ragfort.harden(RunnableLambda(lambda x: {"answer": "Yes.", "context": DOCS}))
    other = guarded.with_layers(mark)
    assert other is not guarded
    assert other.layers == (*guarded.layers, mark) and mark not in guarded.layers
    assert other.invoke("Can I return a charger?").answer == "Yes. (checked)"
    assert seen == ["Can I return a charger?"]
    assert guarded.invoke("Can I return a charger?").answer == "Yes."  # the original runs without it
    assert seen == ["Can I return a charger?"]


@pytest.mark.parametrize("key", ["context", "docs", "documents", "source_documents"])
def test_documents_are_found_under_every_conventional_key(key: str) -> None:
    chain = RunnableLambda(lambda x: {"answer": "ok", key: DOCS})
    assert len(ragfort.harden(chain).invoke("q?").documents) == 2


def test_explicit_keys_override_convention() -> None:
    chain = RunnableLambda(lambda x: {"reply": AIMessage(content="from message"), "hits": DOCS[:1]})
    result = ragfort.harden(chain, answer_key="reply", documents_key="hits").invoke("q?")
    assert result.answer == "from message"
    assert [p.doc_id for p in result.documents] == ["returns.md"]


def test_missing_answer_names_the_keys_present() -> None:
    chain = RunnableLambda(lambda x: {"reply": "x", "context": []})
    with pytest.raises(ChainError, match=r"keys present: \['context', 'reply'\]"):
        ragfort.harden(chain).invoke("q?")


def test_bad_documents_are_a_clear_error() -> None:
    chain = RunnableLambda(lambda x: {"answer": "x", "context": 42})
    with pytest.raises(ChainError, match="expected a list of Documents"):
        ragfort.harden(chain).invoke("q?")


@pytest.mark.parametrize("bad", ["", "   ", {"q": "x"}, 42, {"question": None}])
def test_bad_input_is_an_input_error(bad: Any) -> None:
    with pytest.raises(InputError):
        ragfort.harden(make_chain(["x"])).invoke(bad)


def test_chain_failure_is_a_chain_error_with_the_cause() -> None:
    def boom(_: Any) -> Any:
        raise RuntimeError("vector store down")

    with pytest.raises(ChainError, match="vector store down"):
        ragfort.harden(RunnableLambda(boom)).invoke("q?")


def test_sync_invoke_from_inside_a_running_loop_does_not_deadlock() -> None:
    guarded = ragfort.harden(make_chain(["Inside a loop."]))

    async def main() -> str:
        return guarded.invoke("q?").answer

    assert asyncio.run(main()) == "Inside a loop."


def test_generation_budget_falls_back_instead_of_waiting() -> None:
    async def slow(x: Any) -> Any:
        await asyncio.sleep(5)
        return {"answer": "late", "context": []}

    guarded = ragfort.harden(RunnableLambda(lambda x: x, afunc=slow), budget_ms=200)
    result = guarded.invoke("q?")
    # on_timeout [stale_cache, extractive, abstain]: nothing stale, no passages to extract from, so abstain
    # (status "abstained", as for the default chain; it used to abstain with status "fallback" and no marker).
    assert result.status is Status.ABSTAINED
    assert result.budget.degraded == ("generation", "fallback:abstain")
    assert result.timings_ms["total"] < 1000


class _Str(str):
    """A `str` subclass, like langchain-core 1.8's `TextAccessor`."""


def test_str_subclasses_bytes_and_messages_reach_guards_as_exact_str() -> None:
    from ragfort.integrations.langchain import plain_text

    assert type(plain_text(_Str("Within 14 days."), "answer")) is str
    assert plain_text(b"caf\xc3\xa9", "answer") == "café"
    assert type(plain_text(AIMessage(content=[{"type": "text", "text": "Hi."}]), "answer")) is str
    with pytest.raises(ChainError, match="not UTF-8"):
        plain_text(b"\xff\xfe", "answer")
    with pytest.raises(ChainError, match="expected text"):
        plain_text(3, "answer")


def test_a_str_subclass_answer_passes_the_full_support_policy() -> None:
    """StrOutputParser in langchain-core 1.8 returns a str subclass; spaCy rejects anything but str."""
    chain = RunnableLambda(
        lambda x: {"answer": _Str("Devices can be returned within 14 days of delivery."), "context": DOCS}
    )
    result = ragfort.harden(chain, policy="support_agent").invoke({"question": _Str("How long for returns?")})
    assert result.status is Status.OK, result.verdicts
    assert type(result.answer) is str
    assert result.citations and result.citations[0].quote == DOCS[0].page_content


async def test_a_streamed_chain_cut_off_by_the_budget_stops_its_branches() -> None:
    """langchain-core streams RunnablePassthrough.assign branches in tasks it never cancels; the edge does."""
    seen: dict[str, bool] = {}

    async def slow(x: Any) -> str:
        try:
            await asyncio.sleep(3)
        except asyncio.CancelledError:
            seen["cancelled"] = True
            raise
        seen["finished"] = True
        return "late"

    chain = RunnablePassthrough.assign(context=lambda x: DOCS) | RunnablePassthrough.assign(
        answer=RunnableLambda(lambda x: x, afunc=slow)
    )
    parts = [p async for p in ragfort.harden(chain, budget_ms=300).astream({"question": "q?"})]
    assert "fallback:abstain" in parts[-1].budget.degraded
    await asyncio.sleep(0.2)
    assert seen == {"cancelled": True}
