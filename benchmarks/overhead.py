"""The wrapper's own overhead: harden(chain) with the empty policy against the raw chain.

    python benchmarks/overhead.py [--n 2000]

The chain is an instant LCEL chain (retriever lambda + FakeListChatModel +
parser), so the difference is what ragfort adds per request: input parsing,
the run context, the (empty) gates, result assembly and the event loop hop.
Both are measured in the same run, interleaved, to cancel machine noise.
"""

from __future__ import annotations

import argparse
import sys
import time
from operator import itemgetter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import peak_rss_mb, summary, table
from langchain_core.documents import Document
from langchain_core.language_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

import ragfort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    docs = [Document(page_content="Devices can be returned within 14 days.", metadata={"source": "r.md"})]
    llm = FakeListChatModel(responses=["Devices can be returned within 14 days."])
    prompt = ChatPromptTemplate.from_messages([("system", "{context}"), ("human", "{question}")])
    chain = RunnablePassthrough.assign(context=itemgetter("question") | RunnableLambda(lambda q: docs))
    chain = chain | RunnablePassthrough.assign(answer=prompt | llm | StrOutputParser())
    guarded = ragfort.harden(chain, policy="passthrough")
    payload = {"question": "How long do I have to return a phone?"}
    for _ in range(100):  # warm up both
        chain.invoke(payload)
        guarded.invoke(payload)
    raw, wrapped = [], []
    for _ in range(args.n):
        t0 = time.perf_counter()
        chain.invoke(payload)
        t1 = time.perf_counter()
        guarded.invoke(payload)
        t2 = time.perf_counter()
        raw.append((t1 - t0) * 1000)
        wrapped.append((t2 - t1) * 1000)
    r50, r95, r99 = summary(raw)
    w50, w95, w99 = summary(wrapped)
    print(f"overhead of harden(chain, policy='passthrough'), n={args.n} interleaved requests\n")
    print(
        table(
            ["", "p50 ms", "p95 ms", "p99 ms"],
            [["raw chain", r50, r95, r99], ["hardened", w50, w95, w99], ["overhead", w50 - r50, w95 - r95, w99 - r99]],
        )
    )
    print(f"\nratio hardened/raw (p50): {w50 / r50:.2f}x; overhead per request (p50): {(w50 - r50) * 1000:.0f} us")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
