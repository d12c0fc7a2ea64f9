"""Incremental streaming: the answer reaches the reader sentence by sentence, each only after it was checked.

`HardenedRunnable.astream` (and `stream`, and the API's server-sent events)
works like this:

1. The request runs as usual; while it runs, a *sink* collects chunks.
2. A generator that can stream (the default chain's chat model, or a
   wrapped chain whose ``astream`` yields its answer piece by piece) feeds
   the growing answer to a `SentenceFeed`. Each time a sentence is complete,
   the answer so far goes through the output guards in a scratch context
   (`Pipeline.check_partial`; for a chain that retrieves and generates in one
   call, through the retrieval guards too, since they have not run yet).
3. What the guards let through (redacted, unsupported sentences stripped,
   citation markers in place) is compared with what was already shown; the
   new part becomes an `AnswerChunk`. When the guards would stop the answer
   (block, abstain), or rewrote text already shown, nothing more is shown
   until the complete answer has passed the output gate.
4. The complete answer is then checked once more, as for ``invoke`` (that
   verdict is the one recorded). If it extends what was shown, the rest is
   streamed; if it differs (the whole-answer check abstained, a latency
   fallback answered instead), a chunk with ``replace=True`` carries the
   final text. The stream always ends with the `GuardedAnswer`.

So no text is ever shown that the output guards did not pass, and the last
sentence (only known to be complete at the end) waits for the final gate.
Buffering is bounded by the answer: at most one sentence of generated text
waits for its check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

from ragfort.context import RunContext
from ragfort.text import sentence_spans
from ragfort.types import AnswerChunk, Turn

__all__ = ["SentenceFeed", "StreamState", "tail_chunks"]

Sink = Callable[[AnswerChunk], Awaitable[None]]
Checker = Callable[[Turn], str | None]

# Set by `HardenedRunnable.astream` around the request it starts; read (and cleared) once by the run.
STREAM_SINK: ContextVar[Sink | None] = ContextVar("ragfort_stream_sink", default=None)


@dataclass(slots=True)
class StreamState:
    """What one streaming request has shown so far.

    Attributes:
        sink: where chunks go.
        check: the guards on an unfinished answer (`Pipeline.check_partial`, bound to the request).
        shown: the text shown so far (the chunks joined).
        halted: True once a guard stopped the unfinished answer or rewrote shown text.
    """

    sink: Sink
    check: Checker
    shown: str = ""
    halted: bool = False

    async def partial(self, turn: Turn) -> None:
        """Check the complete sentences generated so far and show what is new."""
        if self.halted:
            return
        passed = self.check(turn)
        if passed is None or not passed.startswith(self.shown):
            self.halted = True
            return
        new = passed[len(self.shown) :]
        if new.strip():
            self.shown = passed
            await self.sink(AnswerChunk(new))


class SentenceFeed:
    """Handed the growing answer by a generator; checks it each time a sentence completes.

    Inactive (every call a no-op) unless the request streams.

    Args:
        turn: the turn being answered (question and passages).
        ctx: the request's context.
    """

    def __init__(self, turn: Turn, ctx: RunContext) -> None:
        self.turn = turn
        self._partial: Callable[[Turn], Awaitable[None]] | None = ctx.state.partial
        self._complete = 0

    @property
    def active(self) -> bool:
        """True when the request streams (the generator should stream too)."""
        return self._partial is not None

    async def update(self, text: str, turn: Turn | None = None) -> None:
        """`text` is the whole answer so far; `turn` replaces the turn (a chain that also retrieved)."""
        if self._partial is None:
            return
        spans = sentence_spans(text)
        complete = len(spans) - 1  # the last sentence may still grow
        if complete <= self._complete:
            return
        self._complete = complete
        base = turn if turn is not None else self.turn
        await self._partial(base.evolve(answer=text[: spans[complete - 1][1]]))


def tail_chunks(answer: str, shown: str) -> list[AnswerChunk]:
    """What to stream once the complete answer is known, given what was already shown.

    Nothing shown: the answer sentence by sentence. The answer extends what
    was shown: the rest, sentence by sentence. Otherwise one chunk that
    replaces everything shown.
    """
    if shown and not answer.startswith(shown):
        return [AnswerChunk(answer, replace=True)]
    out: list[AnswerChunk] = []
    rest_from = len(shown)
    prev = rest_from
    for _, end in sentence_spans(answer):
        if end <= rest_from:
            continue
        out.append(AnswerChunk(answer[prev:end]))
        prev = end
    if prev < len(answer):
        out.append(AnswerChunk(answer[prev:]))
    return out
