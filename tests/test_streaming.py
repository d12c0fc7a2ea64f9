"""Streaming pieces on their own: what a stream shows, when a sentence is checked, and how the answer ends.

(End-to-end streaming through `harden` is tested in tests/streaming/.)
"""

from __future__ import annotations

import pytest

from ragfort.context import RunContext
from ragfort.streaming import SentenceFeed, StreamState, tail_chunks
from ragfort.types import AnswerChunk, Turn


class Sink:
    def __init__(self) -> None:
        self.chunks: list[AnswerChunk] = []

    async def __call__(self, chunk: AnswerChunk) -> None:
        self.chunks.append(chunk)


async def test_a_stream_shows_only_what_is_new_of_what_the_guards_passed() -> None:
    sink = Sink()
    passed = iter(["One.", "One. Two.", "One. Two.  ", "One. Two. Three."])
    state = StreamState(sink=sink, check=lambda turn: next(passed))
    for _ in range(4):
        await state.partial(Turn(question="q"))
    assert [c.text for c in sink.chunks] == ["One.", " Two.", " Three."]  # whitespace alone is not shown
    assert state.shown == "One. Two. Three." and not state.halted


@pytest.mark.parametrize("verdict", [None, "Something else."])
async def test_a_stop_or_a_rewrite_of_shown_text_halts_the_stream(verdict: str | None) -> None:
    sink = Sink()
    answers = iter(["First.", verdict, "First. Second."])
    state = StreamState(sink=sink, check=lambda turn: next(answers))
    for _ in range(3):
        await state.partial(Turn(question="q"))
    assert state.halted and [c.text for c in sink.chunks] == ["First."]  # nothing more until the final gate


async def test_the_feed_checks_the_answer_each_time_a_sentence_completes() -> None:
    checked: list[str | None] = []

    async def partial(turn: Turn) -> None:
        checked.append(turn.answer)

    ctx = RunContext()
    ctx.state.partial = partial
    feed = SentenceFeed(Turn(question="q"), ctx)
    assert feed.active
    for text in ("Returns", "Returns take 14 days.", "Returns take 14 days. Refunds", "Returns take 14 days. Refunds"):
        await feed.update(text)
    await feed.update("Returns take 14 days. Refunds follow. Then")
    assert checked == ["Returns take 14 days.", "Returns take 14 days. Refunds follow."]


async def test_the_feed_is_inactive_unless_the_request_streams() -> None:
    feed = SentenceFeed(Turn(question="q"), RunContext())
    assert not feed.active
    await feed.update("One. Two. Three.")  # a no-op, no error


def test_tail_chunks_finish_what_was_shown_or_replace_it() -> None:
    answer = "Returns take 14 days. Refunds follow. Thanks"
    assert [c.text for c in tail_chunks(answer, "")] == ["Returns take 14 days.", " Refunds follow.", " Thanks"]
    assert [c.text for c in tail_chunks(answer, "Returns take 14 days.")] == [" Refunds follow.", " Thanks"]
    assert tail_chunks(answer, answer) == []
    (replacement,) = tail_chunks("I don't know.", "Returns take 14 days.")
    assert replacement == AnswerChunk("I don't know.", replace=True)
