"""The LangChain compatibility matrix: every common RAG chain shape × every call, under the full support policy.

Each shape is built the way LangChain's docs build it (LCEL with each output
parser, a Chroma retriever, custom retrievers, structured output, a
history-aware chain, a LangGraph graph, and documents with odd ids or
metadata), wrapped with ``harden(chain, policy="support_agent")`` and called
with invoke, ainvoke, batch, stream and astream. Every call must come back
``ok`` with the scripted answer, exact citations and the retrieved passages.

The same module runs against the newest LangChain family (the main venv) and
the oldest versions pyproject.toml allows (``scripts/test_oldest.sh``).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, AnyMessage, BaseMessage, HumanMessage
from langchain_core.output_parsers import JsonOutputParser, StrOutputParser
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from pydantic import BaseModel, Field

import ragfort
from ragfort import AnswerChunk, GuardedAnswer, Status
from ragfort.integrations.langchain import MAX_ID_CHARS, MAX_METADATA_CHARS
from ragfort.trace import MemoryTraceSink

ANSWER = "Devices can be returned within 14 days of delivery."
QUESTIONS = ("How long do I have to return a phone?", "Within how many days can I return a device?")
DOCS = (
    Document(page_content=ANSWER + " Opened headphones cannot be returned.", metadata={"source": "returns.md"}),
    Document(page_content="Accessories can be returned within 30 days.", metadata={"source": "accessories.md"}),
)
MARKER = re.compile(r" ?\[\d+(?:, ?\d+)*\]")
MARKER_ID = re.compile(r"\d+(?=[\],])")
CALLS = ("invoke", "ainvoke", "batch", "stream", "astream")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own data dir: no answer cache or PII vault is shared between tests."""
    home = tmp_path / "ragfort-home"
    monkeypatch.setenv("RAGFORT_HOME", str(home))
    return home


# -- building blocks ------------------------------------------------------------
PROMPT = ChatPromptTemplate.from_messages(
    [("system", "Answer from the context only.\n\n{context}"), ("human", "{question}")]
)


def fake_llm(text: str = ANSWER) -> FakeListChatModel:
    return FakeListChatModel(responses=[text])  # it cycles: every call answers `text`


def static_retriever(docs: tuple[Document, ...] = DOCS) -> Runnable[Any, list[Document]]:
    return RunnableLambda(lambda _q: list(docs))


def lcel(retriever: Runnable[Any, Any], answer: Runnable[Any, Any], *, question_key: str = "question") -> Any:
    """The LCEL RAG shape from LangChain's docs: retrieve into ``context``, then prompt | model | parser."""
    return RunnablePassthrough.assign(context=itemgetter(question_key) | retriever) | RunnablePassthrough.assign(
        answer=answer
    )


class MiniLMEmbeddings(Embeddings):
    """LangChain `Embeddings` over ragfort's embedder (Chroma's default would download a model)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        from ragfort.embeddings import get_embedder

        return [[float(x) for x in row] for row in get_embedder().encode(texts)]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class SyncRetriever(BaseRetriever):
    """A custom retriever with only the sync method (LangChain runs it in a thread for async callers)."""

    docs: list[Document]
    calls: list[str] = Field(default_factory=list)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        self.calls.append("sync")
        return list(self.docs)


class AsyncRetriever(SyncRetriever):
    """A custom retriever with a native async method too."""

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun
    ) -> list[Document]:
        self.calls.append("async")
        return list(self.docs)


class CitedAnswer(BaseModel):
    """The structured answer: the text and the sources the model says it used."""

    answer: str = Field(description="the answer, quoting the context")
    source_ids: list[str] = Field(description="the sources used")


class ToolCallingFake(GenericFakeChatModel):
    """GenericFakeChatModel that accepts tools and streams its tool calls, so
    ``with_structured_output`` runs through LangChain's real tool-calling path
    (bind_tools + PydanticToolsParser)."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        """The tool call's arguments in pieces, as a real model streams them (partial JSON)."""
        message = self._generate(messages, stop, run_manager, **kw).generations[0].message
        assert isinstance(message, AIMessage)
        for i, call in enumerate(message.tool_calls):
            args = json.dumps(call["args"])
            for n, piece in enumerate(args[k : k + 16] for k in range(0, len(args), 16)):
                first = n == 0
                chunk = {"name": call["name"] if first else None, "args": piece, "id": call["id"] if first else None}
                yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[{**chunk, "index": i}]))


def structured_llm() -> Runnable[Any, Any]:
    call = {"name": "CitedAnswer", "args": {"answer": ANSWER, "source_ids": ["returns.md"]}, "id": "call_1"}
    model = ToolCallingFake(messages=itertools.repeat(AIMessage(content="", tool_calls=[call])))
    return model.with_structured_output(CitedAnswer)


class GraphState(TypedDict, total=False):
    """A LangGraph RAG state: the question, the conversation and the retrieved documents."""

    question: str
    messages: Annotated[list[AnyMessage], add_messages]
    documents: list[Document]


def langgraph_rag() -> Any:
    """retrieve -> generate, the graph of LangGraph's RAG tutorial without the agent loop."""
    llm = fake_llm()

    def retrieve(state: GraphState) -> dict[str, Any]:
        return {"documents": list(DOCS)}

    def generate(state: GraphState) -> dict[str, Any]:
        context = "\n\n".join(d.page_content for d in state["documents"])
        prompt = PROMPT.invoke({"context": context, "question": state["question"]})
        return {"messages": [llm.invoke(prompt)]}

    return _retrieve_then_generate(GraphState, retrieve, generate)


def _retrieve_then_generate(state: Any, retrieve: Callable[..., Any], generate: Callable[..., Any]) -> Any:
    """The two-node RAG graph of LangGraph's tutorials: START -> retrieve -> generate -> END."""
    builder = StateGraph(state)
    builder.add_node("retrieve", retrieve)
    builder.add_node("generate", generate)
    builder.add_edge(START, "retrieve")
    builder.add_edge("retrieve", "generate")
    builder.add_edge("generate", END)
    return builder.compile()


class ChatState(TypedDict, total=False):
    """LangGraph's ``MessagesState`` plus the retrieved documents: the conversation is the input."""

    messages: Annotated[list[AnyMessage], add_messages]
    documents: list[Document]


def langgraph_chat(*, answer: bool = True, seen: list[list[AnyMessage]] | None = None) -> Any:
    """A graph that takes ``{"messages": [...]}`` and answers the last human message."""
    llm = fake_llm()

    def retrieve(state: ChatState) -> dict[str, Any]:
        if seen is not None:
            seen.append(list(state["messages"]))
        return {"documents": list(DOCS)}

    def generate(state: ChatState) -> dict[str, Any]:
        if not answer:
            return {}
        context = "\n\n".join(d.page_content for d in state["documents"])
        return {"messages": [llm.invoke([("system", context), *state["messages"]])]}

    return _retrieve_then_generate(ChatState, retrieve, generate)


CONVERSATION = [("user", "Hi, I bought a phone last week."), ("assistant", "Thanks! How can I help?")]


# -- the shapes -----------------------------------------------------------------------
@dataclass
class Case:
    chain: Any
    docs: tuple[str, ...] = ("returns.md", "accessories.md")
    harden: dict[str, Any] = field(default_factory=dict)
    make_input: Callable[[str], Any] = lambda q: {"question": q}
    check: Callable[[str], None] = lambda call: None


HISTORY = [HumanMessage(content="Hi, I bought a phone last week."), AIMessage(content="Thanks! How can I help?")]


def case_lcel_str() -> Case:
    return Case(lcel(static_retriever(), PROMPT | fake_llm() | StrOutputParser()))


def case_lcel_json() -> Case:
    reply = json.dumps({"answer": ANSWER, "sources": ["returns.md"]})
    return Case(lcel(static_retriever(), PROMPT | fake_llm(reply) | JsonOutputParser()))


def case_lcel_message() -> Case:
    return Case(lcel(static_retriever(), PROMPT | fake_llm()))


def case_chroma(tmp: Path) -> Case:
    from langchain_chroma import Chroma

    store = Chroma(collection_name="matrix", embedding_function=MiniLMEmbeddings(), persist_directory=str(tmp))
    store.add_documents(list(DOCS), ids=["c1", "c2"])
    chain = lcel(store.as_retriever(search_kwargs={"k": 2}), PROMPT | fake_llm() | StrOutputParser())
    return Case(chain)


def case_retriever(cls: type[SyncRetriever]) -> Case:
    retriever = cls(docs=list(DOCS))

    def check(call: str) -> None:
        # Under a generation budget ragfort always calls the chain's async path (it can be cancelled).
        assert retriever.calls and set(retriever.calls) == ({"async"} if cls is AsyncRetriever else {"sync"})

    return Case(lcel(retriever, PROMPT | fake_llm() | StrOutputParser()), check=check)


def case_structured() -> Case:
    return Case(lcel(static_retriever(), PROMPT | structured_llm()))


def case_history(question_key: str, history_key: str) -> Case:
    """A follow-up question with the conversation so far (the history-aware RAG shape)."""
    seen: list[Any] = []
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer from the context.\n\n{context}"),
            MessagesPlaceholder(history_key),
            ("human", f"{{{question_key}}}"),
        ]
    )

    def spy(payload: dict[str, Any]) -> dict[str, Any]:
        seen.append(payload)
        return payload

    chain = RunnableLambda(spy) | lcel(
        static_retriever(), prompt | fake_llm() | StrOutputParser(), question_key=question_key
    )

    def check(call: str) -> None:
        assert seen, "the chain was not called"
        for payload in seen:
            assert set(payload) == {question_key, history_key}  # ragfort's own keys (session_id) stay out
            assert payload[history_key] == HISTORY and all(
                type(m) is type(h) for m, h in zip(payload[history_key], HISTORY, strict=True)
            )

    return Case(
        chain,
        harden={"question_key": question_key},
        make_input=lambda q: {question_key: q, history_key: list(HISTORY), "session_id": "s1"},
        check=check,
    )


def case_langgraph() -> Case:
    return Case(langgraph_rag())


def case_langgraph_messages() -> Case:
    return Case(
        langgraph_chat(),
        harden={"question_key": "messages"},
        make_input=lambda q: {"messages": [*CONVERSATION, ("user", q)]},
    )


def case_no_ids() -> Case:
    docs = (Document(page_content=DOCS[0].page_content), Document(page_content=DOCS[1].page_content))
    return Case(lcel(static_retriever(docs), PROMPT | fake_llm() | StrOutputParser()), docs=("doc-0", "doc-1"))


def case_duplicate_ids() -> Case:
    """Chunks of one file with no offsets, and a repeated chunk (two retrievers merged, say)."""
    docs = (
        Document(page_content=DOCS[1].page_content, metadata={"source": "policy.md"}),
        Document(page_content=DOCS[0].page_content, metadata={"source": "policy.md"}),
        Document(page_content=DOCS[1].page_content, metadata={"source": "policy.md"}),
    )
    return Case(
        lcel(static_retriever(docs), PROMPT | fake_llm() | StrOutputParser()), docs=("policy.md", "policy.md#1")
    )


def case_huge_metadata() -> Case:
    docs = (
        Document(page_content=DOCS[0].page_content, metadata={"source": "returns.md", "raw_html": "x" * 1_000_000}),
        DOCS[1],
    )
    return Case(lcel(static_retriever(docs), PROMPT | fake_llm() | StrOutputParser()))


SHAPES: dict[str, Callable[[Path], Case]] = {
    "lcel_str": lambda tmp: case_lcel_str(),
    "lcel_json": lambda tmp: case_lcel_json(),
    "lcel_aimessage": lambda tmp: case_lcel_message(),
    "chroma_retriever": case_chroma,
    "custom_retriever_sync": lambda tmp: case_retriever(SyncRetriever),
    "custom_retriever_async": lambda tmp: case_retriever(AsyncRetriever),
    "structured_output": lambda tmp: case_structured(),
    "history_chat_history": lambda tmp: case_history("input", "chat_history"),
    "history_messages": lambda tmp: case_history("question", "messages"),
    "langgraph": lambda tmp: case_langgraph(),
    "langgraph_messages_only": lambda tmp: case_langgraph_messages(),
    "docs_without_ids": lambda tmp: case_no_ids(),
    "docs_duplicate_ids": lambda tmp: case_duplicate_ids(),
    "docs_huge_metadata": lambda tmp: case_huge_metadata(),
}


# -- assertions -------------------------------------------------------------------------
def assert_answered(result: GuardedAnswer, case: Case) -> None:
    assert isinstance(result, GuardedAnswer)
    assert result.status is Status.OK, (result.answer, [v.to_dict() for v in result.verdicts])
    # The support policy marks each cited sentence with its citation ids: "... delivery [1]."
    assert MARKER.sub("", result.answer) == ANSWER
    assert {int(i) for i in MARKER_ID.findall(result.answer)} <= {c.id for c in result.citations}
    assert tuple(p.doc_id for p in result.documents) == case.docs
    assert result.citations, "an answer taken word for word from a passage must be cited"
    for c in result.citations:
        cited = [p for p in result.documents if p.doc_id == c.doc_id and p.start <= c.start and c.end <= p.end]
        assert len(cited) == 1, f"citation {c} matches {len(cited)} passages"
        passage = cited[0]
        assert c.quote == passage.text[c.start - passage.start : c.end - passage.start]
    assert ANSWER.startswith(result.citations[0].quote)


def assert_streamed(parts: list[Any], case: Case) -> None:
    assert len(parts) >= 2 and isinstance(parts[-1], GuardedAnswer)
    chunks = parts[:-1]
    assert chunks and all(isinstance(p, AnswerChunk) for p in chunks)
    assert not any(c.replace for c in chunks)
    assert "".join(c.text for c in chunks) == parts[-1].answer
    assert_answered(parts[-1], case)


async def run_call(guarded: Any, call: str, case: Case) -> None:
    first = case.make_input(QUESTIONS[0])
    if call == "invoke":
        assert_answered(guarded.invoke(first), case)
    elif call == "ainvoke":
        assert_answered(await guarded.ainvoke(first), case)
    elif call == "batch":
        results = guarded.batch([first, case.make_input(QUESTIONS[1])])
        assert len(results) == 2
        for result in results:
            assert_answered(result, case)
    elif call == "stream":
        assert_streamed(list(guarded.stream(first)), case)
    elif call == "astream":
        assert_streamed([p async for p in guarded.astream(first)], case)
    else:  # pragma: no cover
        raise AssertionError(call)


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("shape", list(SHAPES))
async def test_shape_answers_with_citations(shape: str, call: str, tmp_path: Path) -> None:
    case = SHAPES[shape](tmp_path / "chroma")
    guarded = ragfort.harden(case.chain, policy="support_agent", **case.harden)
    await run_call(guarded, call, case)
    case.check(call)


# -- shape-specific contracts ---------------------------------------------------------
def test_a_follow_up_reaches_the_chain_with_its_history_and_a_redacted_question() -> None:
    case = case_history("input", "chat_history")
    seen: list[Any] = []
    chain = RunnableLambda(lambda p: seen.append(p) or p) | case.chain
    guarded = ragfort.harden(chain, policy="support_agent", question_key="input")
    history = [HumanMessage(content="My order is late."), AIMessage(content="Sorry to hear that.")]
    result = guarded.invoke(
        {"input": "My email is jane.doe@example.com; how long do I have to return a phone?", "chat_history": history}
    )
    assert result.status is Status.REDACTED  # the email in the question
    assert seen[0]["chat_history"] == history
    assert "jane.doe@example.com" not in seen[0]["input"]  # the question went through the input guard first


def test_a_structured_answer_without_an_answer_field_is_a_clear_error() -> None:
    class Reply(BaseModel):
        text: str

    chain = RunnableLambda(lambda x: {"answer": Reply(text="x"), "context": list(DOCS)})
    with pytest.raises(ragfort.ChainError, match=r"Reply.*'answer', 'result', 'output'"):
        ragfort.harden(chain).invoke("q?")


def test_a_graph_state_answers_with_its_last_ai_message_not_the_question() -> None:
    messages = [HumanMessage(content="q?"), AIMessage(content="first"), AIMessage(content="last")]
    state = {"messages": messages, "documents": []}
    result = ragfort.harden(RunnableLambda(lambda x: state)).invoke("q?")
    assert result.answer == "last"
    human_only = {"messages": [HumanMessage(content="q?")], "documents": []}
    with pytest.raises(ragfort.ChainError, match="no answer"):
        ragfort.harden(RunnableLambda(lambda x: human_only)).invoke("q?")


def test_huge_metadata_and_ids_stay_out_of_results_traces_and_the_cache(isolated_home: Path) -> None:
    huge_source = "s" * 1_000_000
    docs = (
        Document(
            page_content=DOCS[0].page_content,
            metadata={
                "source": huge_source,
                "raw_html": "x" * 1_000_000,
                "blob": b"\0" * 1_000_000,
                "rows": list(range(200_000)),
            },
        ),
    )
    sink = MemoryTraceSink()
    guarded = ragfort.harden(
        lcel(static_retriever(docs), PROMPT | fake_llm() | StrOutputParser()), policy="support_agent", trace_sink=sink
    )
    result = guarded.invoke({"question": QUESTIONS[0]})
    assert result.status is Status.OK and result.citations
    assert len(json.dumps(result.to_dict())) < 20_000
    assert len(json.dumps(sink.records[0], default=str)) < 20_000
    (passage,) = result.documents
    assert len(passage.doc_id) <= MAX_ID_CHARS and len(passage.source) <= MAX_ID_CHARS
    assert all(len(json.dumps(v)) <= MAX_METADATA_CHARS + 100 for v in passage.metadata.values())
    stored = sum(f.stat().st_size for f in isolated_home.rglob("*") if f.is_file())
    assert stored < 500_000, f"the data dir holds {stored} bytes after one answer"
    assert guarded.invoke({"question": QUESTIONS[0]}).cache.value != "miss"  # the capped entry is served


def test_long_ids_stay_distinct_after_capping() -> None:
    from ragfort.integrations.langchain import passage_from_document

    a = passage_from_document(Document(page_content="a", metadata={"source": "p" * 1000 + "a"}))
    b = passage_from_document(Document(page_content="b", metadata={"source": "p" * 1000 + "b"}))
    assert a.doc_id != b.doc_id and len(a.doc_id) == MAX_ID_CHARS


def test_text_splitter_offsets_are_honoured() -> None:
    """``add_start_index=True`` chunks of one file cite offsets in that file and need no renaming."""
    from ragfort.integrations.langchain import extract_output

    text = DOCS[1].page_content + " " + DOCS[0].page_content
    second = len(DOCS[1].page_content) + 1
    docs = [
        Document(page_content=DOCS[1].page_content, metadata={"source": "faq.md", "start_index": 0}),
        Document(page_content=DOCS[0].page_content, metadata={"source": "faq.md", "start_index": second}),
    ]
    _, passages = extract_output({"answer": "x", "context": docs})
    assert [(p.doc_id, p.start) for p in passages] == [("faq.md", 0), ("faq.md", second)]
    assert all(text[p.start : p.end] == p.text for p in passages)


def test_a_follow_up_in_another_conversation_is_not_answered_from_the_cache() -> None:
    llm = FakeListChatModel(responses=[ANSWER, "Accessories can be returned within 30 days."])
    prompt = ChatPromptTemplate.from_messages(
        [("system", "{context}"), MessagesPlaceholder("chat_history"), ("human", "{input}")]
    )
    chain = lcel(static_retriever(), prompt | llm | StrOutputParser(), question_key="input")
    guarded = ragfort.harden(chain, policy="support_agent", question_key="input")
    question = "And how long do I have to return that?"
    phone = guarded.invoke({"input": question, "chat_history": [HumanMessage(content="I bought a phone.")]})
    charger = guarded.invoke({"input": question, "chat_history": [HumanMessage(content="I bought a charger.")]})
    assert phone.cache.value == "miss"
    assert charger.cache.value == "miss"
    # The same follow-up in the same conversation is the same question.
    again = guarded.invoke({"input": question, "chat_history": [HumanMessage(content="I bought a phone.")]})
    assert again.cache.value == "exact_hit" and again.answer == phone.answer


@pytest.mark.parametrize(
    "history",
    [
        [HumanMessage(content="I'm Jane Doe, jane.doe@example.com."), AIMessage(content="Hello! How can I help?")],
        [("human", "I'm Jane Doe, jane.doe@example.com."), ("ai", "Hello! How can I help?")],
        [
            {"role": "user", "content": "I'm Jane Doe, jane.doe@example.com."},
            {"role": "assistant", "content": "Hello!"},
        ],
    ],
    ids=["messages", "tuples", "dicts"],
)
def test_the_chat_history_reaches_the_chain_redacted_and_in_its_own_shape(history: list[Any]) -> None:
    seen: list[dict[str, Any]] = []

    def record(x: dict[str, Any]) -> dict[str, Any]:
        seen.append(x)
        return {"answer": ANSWER, "context": DOCS}

    guarded = ragfort.harden(RunnableLambda(record), policy="support_agent", question_key="input")
    result = guarded.invoke(
        {"input": "Jane Doe here again: how long do I have to return a phone?", "chat_history": history}
    )
    (given,) = seen
    sent = given["chat_history"]
    assert len(sent) == len(history)
    assert [type(a) for a in sent] == [type(b) for b in history]  # same shape, item for item
    text = json.dumps([m.content if isinstance(m, BaseMessage) else m for m in sent])
    assert "Jane" not in text and "jane.doe" not in text and "<EMAIL_ADDRESS_1>" in text
    # The name keeps the placeholder it got in the first message.
    assert "<PERSON_1>" in text and given["input"].startswith("<PERSON_1>")
    assert "Jane" not in json.dumps(result.to_dict())


def test_a_conversation_as_the_question_reaches_the_graph_with_the_question_redacted() -> None:
    seen: list[list[AnyMessage]] = []
    guarded = ragfort.harden(langgraph_chat(seen=seen), policy="support_agent", question_key="messages")
    asked = "My email is jane.doe@example.com; how long do I have to return a phone?"
    result = guarded.invoke({"messages": [*CONVERSATION, ("user", asked)]})
    assert result.status is Status.REDACTED and MARKER.sub("", result.answer) == ANSWER
    (messages,) = seen
    assert [m.type for m in messages] == ["human", "ai", "human"]
    assert [m.content for m in messages[:2]] == [text for _, text in CONVERSATION]
    assert "jane.doe@example.com" not in messages[2].content and "return a phone" in messages[2].content


def test_a_graph_that_adds_no_answer_is_not_answered_from_the_conversation() -> None:
    guarded = ragfort.harden(langgraph_chat(answer=False), question_key="messages")
    with pytest.raises(ragfort.ChainError, match="no answer"):
        guarded.invoke({"messages": [*CONVERSATION, ("user", QUESTIONS[0])]})


def test_a_conversation_without_a_human_message_is_an_input_error() -> None:
    with pytest.raises(ragfort.InputError, match="no human message"):
        ragfort.harden(langgraph_chat(), question_key="messages").invoke({"messages": [("assistant", "Hello!")]})
