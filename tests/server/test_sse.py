"""The API's server-sent events carry the incremental stream: chunk, replace, then the result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.streaming.test_incremental import GROUNDED, SUPPORTED, model

import ragfort
from ragfort.server.sse import sse_events


def parse(raw: list[bytes]) -> list[tuple[str, Any]]:
    out = []
    for block in raw:
        name, data = block.decode().strip().split("\n")
        out.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return out


async def events(runnable: Any, question: str) -> list[tuple[str, Any]]:
    raw = [
        e
        async for e in sse_events(
            runnable, {"question": question}, {"configurable": {}}, buffer=4, trace_id="t",
            render=lambda r: r.to_dict(),
        )
    ]
    return parse(raw)


async def test_sentences_stream_as_chunk_events_then_the_result(help_center_index: Path) -> None:
    answer = f"{SUPPORTED} Start the return from your account page."
    guarded = ragfort.harden(ragfort.build_chain(help_center_index, llm=model(answer)), policy=GROUNDED)
    got = await events(guarded, "How long do I have to return a device?")
    names = [n for n, _ in got]
    assert names[-1] == "result" and "replace" not in names
    assert names.count("chunk") >= 1
    assert "".join(d["text"] for n, d in got if n == "chunk") == got[-1][1]["answer"]


async def test_a_changed_answer_is_sent_as_a_replace_event(help_center_index: Path) -> None:
    made_up = ["The refund is paid in seashells.", "A llama delivers the parcel.", "Drones collect boxes on Sundays."]
    answer = " ".join([SUPPORTED, *made_up])
    guarded = ragfort.harden(ragfort.build_chain(help_center_index, llm=model(answer)), policy=GROUNDED)
    got = await events(guarded, "How long do I have to return a device?")
    names = [n for n, _ in got]
    assert names[0] == "chunk" and names[-2:] == ["replace", "result"]
    assert got[-2][1]["text"] == got[-1][1]["answer"]
    assert got[-1][1]["status"] == "abstained"
