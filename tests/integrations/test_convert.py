"""LangChain values in and out: exact text, Documents as passages and back, and a chain's output read by convention."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage
from pydantic import BaseModel

from ragfort.errors import ChainError, InputError
from ragfort.integrations.convert import (
    MAX_ID_CHARS,
    MAX_METADATA_CHARS,
    distinct_passages,
    extract_output,
    last_ai_message,
    message_list,
    passage_from_document,
    passage_to_document,
    plain_text,
)
from ragfort.types import Passage

TEXT = "Devices can be returned within 14 days. Refunds take 5 days."


class Accessor(str):
    """A str subclass with its own __str__, like LangChain's TextAccessor."""

    def __str__(self) -> str:
        return "something else"


def test_plain_text_gives_an_exact_str() -> None:
    value = plain_text(Accessor("hello"), "the answer")
    assert type(value) is str and value == "hello"
    assert plain_text(AIMessage(content="from a model"), "the answer") == "from a model"
    assert plain_text("café".encode(), "the answer") == "café"


def test_plain_text_names_what_was_not_text() -> None:
    with pytest.raises(ChainError, match="the answer is a int, expected text"):
        plain_text(42, "the answer")
    with pytest.raises(InputError, match="the question is bytes that are not UTF-8"):
        plain_text(b"\xff\xfe", "the question", error=InputError)


def test_ragfort_metadata_is_honoured() -> None:
    sentences = json.dumps([[0, 22], [23, 60]])  # not what the splitter would say
    doc = Document(page_content=TEXT, id="c-7", metadata={"doc_id": "returns.md", "source": "help/returns.md",
                   "title": "Returns", "start": 120, "sentences": sentences, "score": 0.8})  # fmt: skip
    p = passage_from_document(doc, 3)
    assert (p.doc_id, p.source, p.title, p.start, p.chunk_id, p.score) == (
        "returns.md", "help/returns.md", "Returns", 120, "c-7", 0.8,
    )  # fmt: skip
    assert p.sentences == ((0, 22), (23, 60))


def test_other_documents_fall_back_sensibly() -> None:
    splitter = passage_from_document(Document(page_content=TEXT, metadata={"source": "a.md", "start_index": 40}))
    assert (splitter.doc_id, splitter.start) == ("a.md", 40)
    bare = passage_from_document(Document(page_content=TEXT, metadata={"score": True, "start": -3}), 4)
    assert (bare.doc_id, bare.start, bare.score) == ("doc-4", 0, None)  # a bool is no score, a negative no offset
    assert [TEXT[s:e] for s, e in bare.sentences] == ["Devices can be returned within 14 days.", "Refunds take 5 days."]
    foreign = passage_from_document(Document(page_content=TEXT, metadata={"sentences": "[[0, 500]]"}))
    assert foreign.sentences == bare.sentences  # offsets from another text are recomputed
    assert passage_from_document("A bare string.", 2).doc_id == "doc-2"
    with pytest.raises(ChainError, match="retrieved item 1 is a dict"):
        passage_from_document({"page_content": "x"}, 1)  # type: ignore[arg-type]


def test_long_ids_and_big_metadata_are_capped() -> None:
    long_a, long_b = "x" * 300 + "a", "x" * 300 + "b"
    md = {"big": "y" * 5000, "blob": b"\x00" * 10, "rows": list(range(2000)), "ok": [1, 2]}
    a = passage_from_document(Document(page_content=TEXT, metadata={"doc_id": long_a, **md}))
    b = passage_from_document(Document(page_content=TEXT, metadata={"doc_id": long_b}))
    assert len(a.doc_id) == MAX_ID_CHARS and a.doc_id != b.doc_id  # a digest keeps cut ids apart
    assert a.metadata["big"].startswith("y" * MAX_METADATA_CHARS) and "cut by ragfort: 5000 chars" in a.metadata["big"]
    assert a.metadata["blob"] == "[10 bytes: dropped by ragfort]"
    assert a.metadata["rows"].startswith("[a list of ") and a.metadata["ok"] == [1, 2]


def test_a_passage_survives_the_round_trip_through_a_document() -> None:
    passage = Passage(text=TEXT, doc_id="returns.md", source="help/returns.md", title="Returns", start=10,
                      chunk_id="c1", score=0.5, sentences=((0, 22), (23, 60)), public=True)  # fmt: skip
    doc = passage_to_document(passage)
    assert doc.metadata["visibility"] == "public" and doc.id == "c1"
    back = passage_from_document(doc)
    for name in ("text", "doc_id", "source", "title", "start", "chunk_id", "score", "sentences"):
        assert getattr(back, name) == getattr(passage, name), name


def test_repeats_are_dropped_and_colliding_passages_renamed() -> None:
    a = Passage(text="Alpha.", doc_id="d", start=0)
    clash = Passage(text="Other text.", doc_id="d", start=2)
    elsewhere = Passage(text="Beta.", doc_id="d", start=100)
    out = distinct_passages([a, a, clash, elsewhere])
    assert [p.doc_id for p in out] == ["d", "d#2", "d"]


class Structured(BaseModel):
    answer: str
    confidence: float


@pytest.mark.parametrize(
    "output",
    [
        {"result": "14 days.", "source_documents": [Document(page_content=TEXT)]},
        {"output": AIMessage(content="14 days."), "docs": [Document(page_content=TEXT)]},
        {"answer": {"answer": "14 days.", "sources": []}, "context": [Document(page_content=TEXT)]},
        {"answer": Structured(answer="14 days.", confidence=0.9), "documents": [Document(page_content=TEXT)]},
    ],
    ids=["result", "message", "json-parser", "pydantic"],
)
def test_the_answer_and_documents_are_found_by_convention(output: dict[str, Any]) -> None:
    answer, passages = extract_output(output)
    assert answer == "14 days." and [p.text for p in passages] == [TEXT]


def test_explicit_keys_and_bare_answers() -> None:
    output = {"reply": "Yes.", "hits": [Document(page_content=TEXT)], "context": []}
    answer, passages = extract_output(output, answer_key="reply", documents_key="hits")
    assert answer == "Yes." and len(passages) == 1
    assert extract_output("Just text.") == ("Just text.", [])
    assert extract_output({"answer": "No docs.", "context": None}) == ("No docs.", [])


def test_a_graph_answers_with_the_ai_message_it_added() -> None:
    sent = [HumanMessage(content="Hi"), AIMessage(content="Earlier answer."), HumanMessage(content="How long?")]
    output = {"messages": [*sent, AIMessage(content="14 days.")]}
    assert extract_output(output, sent_messages=sent)[0] == "14 days."
    assert last_ai_message({"messages": sent}, sent) is None  # an earlier answer is not this question's


@pytest.mark.parametrize(
    ("output", "kwargs", "message"),
    [
        ({"text": "x", "context": []}, {}, r"no answer in the chain's output .*keys present: \['context', 'text'\]"),
        ({"answer": "x"}, {"documents_key": "hits"}, "documents_key 'hits' not in the chain's output"),
        ({"answer": "x", "context": "a passage"}, {}, "documents are a str"),
        ({"answer": 3}, {}, "the chain's 'answer' is a int"),
        (["not", "a", "dict"], {}, "the chain returned a list"),
    ],
)
def test_an_unusable_output_is_a_chain_error_saying_why(output: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ChainError, match=message):
        extract_output(output, **kwargs)


def test_message_lists_are_recognised_in_their_usual_shapes() -> None:
    messages = message_list([("user", "Hi"), {"role": "assistant", "content": "Hello"}])
    assert messages is not None and [m.type for m in messages] == ["human", "ai"]
    assert message_list("Hi") is None and message_list([]) is None and message_list([object()]) is None
