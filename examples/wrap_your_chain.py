"""Wrap a RAG chain you built yourself with ragfort.

    python examples/wrap_your_chain.py

The chain below is the usual LCEL shape: a retriever fills ``context``, a
prompt + chat model + parser fills ``answer``. Swap the fake model for any
LangChain chat model (for example ``ChatOpenAI(base_url="http://localhost:11434/v1",
model="llama3.1", api_key="ollama")`` for Ollama, or a vLLM server's URL) and
the retriever for yours; ragfort needs nothing else.
"""

from __future__ import annotations

import os
from operator import itemgetter

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from langchain_core.documents import Document
from langchain_core.language_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

import ragfort

DOCS = [
    Document(
        page_content="Devices can be returned within 14 days of delivery. Opened headphones cannot be returned.",
        metadata={"source": "returns/devices.md"},
    ),
    Document(page_content="Accessories can be returned within 30 days.", metadata={"source": "returns/accessories.md"}),
]


def retriever(question: str) -> list[Document]:
    return DOCS  # your vector store's retriever goes here


llm = FakeListChatModel(responses=["Devices can be returned within 14 days of delivery."])
prompt = ChatPromptTemplate.from_messages(
    [("system", "Answer from the context only.\n\n{context}"), ("human", "{question}")]
)
chain = RunnablePassthrough.assign(context=itemgetter("question") | RunnableLambda(retriever)) | (
    RunnablePassthrough.assign(answer=prompt | llm | StrOutputParser())
)

guarded = ragfort.harden(chain, policy="support_agent", budget_ms=2000)

if __name__ == "__main__":
    result = guarded.invoke({"question": "How long do I have to return my phone?"})
    print(result.answer)
    print("status:", result.status, "| groundedness:", result.groundedness)
    for c in result.citations:
        print(f"  [{c.id}] {c.doc_id}: {c.quote!r}")
