"""``harden(chain, retriever=r)``: a wrapped LCEL chain gets a real retrieve step.

The chains here are LangChain's LCEL RAG shape over a real Chroma store
(``langchain-chroma``, MiniLM embeddings) holding the example help center, one
document per section; the LLM is a `FakeListChatModel` behind a call counter.
The retriever given to `harden` is the chain's own. Nothing of ragfort is
mocked: the policy's PII and relevance guards, the cache (semantic lookup with
the shipped equivalence judge) and the pipeline all run for real.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableLambda
from tests.integrations.test_compat_matrix import (
    PROMPT,
    MiniLMEmbeddings,
    fake_llm,
    isolated_home,  # noqa: F401  (autouse: a data dir per test)
    lcel,
)

import ragfort
from ragfort import CacheStatus, GuardedAnswer, Status
from ragfort.integrations.langchain import HardenedRunnable
from ragfort.policy import load_policy
from ragfort.text import search_text
from ragfort.types import Action

pytest.importorskip("langchain_chroma")

REPO = Path(__file__).resolve().parents[2]
HELP_CENTER = REPO / "examples" / "help_center"
PAIRS = REPO / "evals" / "cache_pairs.jsonl"
ANSWER = "Refunds to a card take 5 to 10 business days after we receive the return."
POLICY: dict[str, Any] = {
    "name": "retriever_test",
    "cache": {"backend": "memory"},  # semantic lookup on, with the shipped equivalence judge
    "guards": {
        "input": [{"guard": "pii", "entities": ["EMAIL_ADDRESS", "PHONE_NUMBER"]}],
        "retrieval": [{"guard": "relevance"}],
    },
}
PARAPHRASE = ("How long do refunds take?", "When will my refund arrive?")  # as in benchmarks/cache.py
OFF_TOPIC = "What is a good recipe for banana bread?"


def _sections() -> list[Document]:
    """The help center's Markdown articles, one Document per ``##`` section."""
    docs = []
    for path in sorted(HELP_CENTER.rglob("*.md")):
        source = path.relative_to(HELP_CENTER).as_posix()
        for i, part in enumerate(re.split(r"\n(?=## )", path.read_text(encoding="utf-8"))):
            if part.strip():
                docs.append(Document(page_content=part.strip(), metadata={"source": source}, id=f"{source}#{i}"))
    return docs


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from langchain_chroma import Chroma

    chroma = Chroma(
        collection_name="help_center",
        embedding_function=MiniLMEmbeddings(),
        persist_directory=str(tmp_path_factory.mktemp("chroma")),
    )
    docs = _sections()
    chroma.add_documents(docs, ids=[str(d.id) for d in docs])
    return chroma


@dataclass
class Rig:
    """An LCEL chain over the store, its retriever, and what each of them was called with."""

    chain: Runnable[Any, Any]
    retriever: Runnable[str, list[Document]]
    llm_calls: list[Any]
    queries: list[str]


@pytest.fixture
def rig(store: Any) -> Rig:
    llm_calls: list[Any] = []
    queries: list[str] = []
    base = store.as_retriever(search_kwargs={"k": 4})

    def spy(query: str) -> str:
        queries.append(query)
        return query

    def count(prompt: Any) -> Any:
        llm_calls.append(prompt)
        return prompt

    chain = lcel(base, PROMPT | RunnableLambda(count) | fake_llm(ANSWER) | StrOutputParser())
    return Rig(chain, RunnableLambda(spy) | base, llm_calls, queries)


def _near_misses() -> list[tuple[str, str, str]]:
    """The first near-miss pair of each kind in evals/cache_pairs.jsonl."""
    first: dict[str, tuple[str, str, str]] = {}
    for line in PAIRS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else None
        if row is not None and row["label"] == "near_miss":
            first.setdefault(row["kind"], (row["kind"], row["a"], row["b"]))
    return list(first.values())


NEAR_MISSES = _near_misses()


async def _call(guarded: HardenedRunnable, question: str, how: str) -> GuardedAnswer:
    return await guarded.ainvoke(question) if how == "ainvoke" else guarded.invoke(question)


# -- 1. paraphrases ---------------------------------------------------------------
@pytest.mark.slow
async def test_a_paraphrase_is_a_semantic_hit_with_the_retriever(rig: Rig) -> None:
    stored, para = PARAPHRASE
    guarded = ragfort.harden(rig.chain, POLICY, retriever=rig.retriever)
    first = guarded.invoke(stored)
    assert first.status is Status.OK and first.cache is CacheStatus.MISS
    assert first.answer == ANSWER and len(rig.llm_calls) == 1
    assert first.documents and all(p.chunk_id for p in first.documents)  # the anchors: Chroma's ids
    for how in ("invoke", "ainvoke"):
        hit = await _call(guarded, para, how)
        assert hit.cache is CacheStatus.SEMANTIC_HIT, (how, hit.verdicts)
        assert hit.answer == ANSWER and hit.status is Status.OK
    assert len(rig.llm_calls) == 1  # both served from the cache


@pytest.mark.slow
def test_without_the_retriever_a_wrapped_chain_gets_exact_hits_only(rig: Rig) -> None:
    stored, para = PARAPHRASE
    guarded = ragfort.harden(rig.chain, POLICY)
    assert guarded.invoke(stored).cache is CacheStatus.MISS
    assert guarded.invoke(para).cache is CacheStatus.MISS
    assert guarded.invoke(stored).cache is CacheStatus.EXACT_HIT
    assert len(rig.llm_calls) == 2


# -- 2. near-misses ---------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(("kind", "stored", "asked"), NEAR_MISSES, ids=[kind for kind, _, _ in NEAR_MISSES])
def test_a_near_miss_is_not_served_from_the_cache(rig: Rig, kind: str, stored: str, asked: str) -> None:
    guarded = ragfort.harden(rig.chain, POLICY, retriever=rig.retriever)
    guarded.invoke(stored)
    result = guarded.invoke(asked)
    assert result.cache is CacheStatus.MISS, kind


# -- 3. the retrieval gate before the chain -----------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("how", ["invoke", "ainvoke"])
async def test_an_off_topic_question_abstains_before_the_chain_is_called(rig: Rig, how: str) -> None:
    guarded = ragfort.harden(rig.chain, POLICY, retriever=rig.retriever)
    result = await _call(guarded, OFF_TOPIC, how)
    assert result.status is Status.ABSTAINED
    assert any(v.guard == "relevance" and v.action is Action.ABSTAIN for v in result.verdicts)
    assert rig.llm_calls == []  # no LLM call
    assert "retrieval" in result.timings_ms
    # Without the retriever the chain runs first; its passages are judged after it answered.
    late = ragfort.harden(rig.chain, POLICY).invoke(OFF_TOPIC)
    assert late.status is Status.ABSTAINED and len(rig.llm_calls) == 1


# -- 4. the retriever sees the redacted question --------------------------------------
@pytest.mark.slow
def test_the_retriever_gets_the_redacted_question_without_placeholders(rig: Rig) -> None:
    guarded = ragfort.harden(rig.chain, POLICY, retriever=rig.retriever)
    result = guarded.invoke("My email is jane.doe@example.com. How long does a refund to my card take?")
    assert result.status is Status.REDACTED and len(rig.llm_calls) == 1
    assert len(rig.queries) == 1
    query = rig.queries[0]
    assert "jane" not in query and "@" not in query and "<" not in query
    assert query == search_text(rig.llm_calls[0].to_messages()[-1].content)  # what the chain got, less its placeholder


# -- 5. copies ----------------------------------------------------------------------
@pytest.mark.slow
def test_copies_keep_the_retriever(rig: Rig) -> None:
    guarded = ragfort.harden(rig.chain, POLICY, retriever=rig.retriever)
    assert guarded.embed_question and guarded.pipeline.steps.retrieve is not None
    copies = (guarded.with_policy(load_policy(POLICY)), guarded.with_budget(20_000), guarded.with_layers())
    for copy in copies:
        assert copy.retriever is rig.retriever and copy.embed_question
        assert copy.pipeline.steps.retrieve is not None and copy.pipeline.steps.extract is None
        assert copy.invoke(OFF_TOPIC).status is Status.ABSTAINED
    assert rig.llm_calls == []
    assert ragfort.harden(rig.chain, POLICY, retriever=rig.retriever, cache=False).embed_question is False
    assert ragfort.harden(rig.chain, POLICY).pipeline.steps.retrieve is None
