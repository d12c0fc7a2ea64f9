"""A real chat model over HTTP: langchain-openai's ``ChatOpenAI`` against an OpenAI-compatible server on loopback.

The server is a raw asyncio HTTP/1.1 server (in a thread) serving
``POST /v1/chat/completions``, non-streaming (JSON) and streaming (SSE
``data:`` chunks, then ``[DONE]``, chunked transfer encoding), in one of these
modes: ``normal``, ``slow`` (sleeps before answering, watching the socket),
``error500``, ``error429``, ``truncated`` (a stream cut mid-way; a JSON reply
cut with ``finish_reason: length``). A raw server, not an ASGI app, because
it must see the client hang up while the handler is still sleeping: that is
how the latency-budget test proves the HTTP request was cancelled, not just
abandoned.

Both chain kinds run through it: `ragfort.build_chain(index, llm=llm)` over
a small ingested index, and an LCEL chain wrapped by `ragfort.harden`.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

import ragfort
from ragfort import AnswerChunk, ChainError, GuardedAnswer, Status

langchain_openai = pytest.importorskip("langchain_openai")

ANSWER = "Devices can be returned within 14 days of delivery."
QUESTION = "How long do I have to return a phone?"
CORPUS = {
    "returns.md": ANSWER + " Opened headphones cannot be returned. Refunds reach your card within 5 business days.",
    "shipping.md": "Standard shipping takes 3 to 5 business days. Express shipping arrives the next business day.",
}
DOCS = [Document(page_content=text, metadata={"source": name}) for name, text in CORPUS.items()]


# -- the server ----------------------------------------------------------------------------------
@dataclass
class Seen:
    """One request as the server saw it."""

    body: dict[str, Any]
    started: float = field(default_factory=time.monotonic)
    disconnected: float | None = None  # the client closed the connection while the handler was waiting
    slept: bool = False  # the handler finished its sleep (the client was still there)


class FakeOpenAI:
    """``POST /v1/chat/completions`` on 127.0.0.1, behaving as `mode` says."""

    def __init__(self) -> None:
        self.mode = "normal"
        self.delay_s = 5.0
        self.seen: list[Seen] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-openai", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop)
        self._server = started.result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @staticmethod
    def reply(prompt: str) -> str:
        """ragfort's generator numbers passages ("[1] (source)"): answer with passage 1's first sentence, cited."""
        found = re.search(r"\[1\] \([^)\n]*\)\n(.+?[.!?])(?=\s|$)", prompt, re.S)
        return f"{found.group(1)[:-1]} [1]{found.group(1)[-1]}" if found else ANSWER

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            headers = dict(
                (k.strip().lower(), v.strip())
                for k, _, v in (line.partition(":") for line in head.split("\r\n")[1:] if line)
            )
            body = json.loads(await reader.readexactly(int(headers.get("content-length", "0"))))
            seen = Seen(body)
            self.seen.append(seen)
            content = self.reply(str(body["messages"][-1]["content"]))
            mode = self.mode
            if mode == "slow" and not await self._sleep_unless_gone(reader, seen):
                return
            if mode in ("error500", "error429"):
                status = 500 if mode == "error500" else 429
                error = {"error": {"message": "boom" if status == 500 else "slow down", "type": "server_error"}}
                await self._send(writer, status, json.dumps(error).encode(), extra="retry-after: 0\r\n")
                return
            model = str(body.get("model", "fake"))
            if body.get("stream"):
                await self._stream(writer, content, model, cut=mode == "truncated")
                return
            finish = "stop"
            if mode == "truncated":
                content, finish = content[: len(content) // 2], "length"
            message = {"role": "assistant", "content": content}
            completion = {
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "finish_reason": finish, "message": message}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }  # fmt: skip
            await self._send(writer, 200, json.dumps(completion).encode())
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _sleep_unless_gone(self, reader: asyncio.StreamReader, seen: Seen) -> bool:
        """Sleep `delay_s`, or stop as soon as the client closes the connection; True if the client waited."""
        sleep = asyncio.ensure_future(asyncio.sleep(self.delay_s))
        gone = asyncio.ensure_future(reader.read(1))  # b"" at EOF: the client hung up
        done, _ = await asyncio.wait({sleep, gone}, return_when=asyncio.FIRST_COMPLETED)
        if gone in done:
            seen.disconnected = time.monotonic()
            sleep.cancel()
            return False
        gone.cancel()
        seen.slept = True
        return True

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, status: int, body: bytes, *, extra: str = "") -> None:
        reason = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
            f"connection: close\r\n{extra}\r\n".encode()
            + body
        )
        await writer.drain()

    @staticmethod
    async def _stream(writer: asyncio.StreamWriter, content: str, model: str, *, cut: bool) -> None:
        """SSE over chunked encoding, a word per event; `cut` drops the connection half way (no [DONE])."""

        def event(delta: dict[str, str], finish: str | None = None) -> bytes:
            data = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                    "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
            payload = f"data: {json.dumps(data)}\n\n".encode()
            return f"{len(payload):x}\r\n".encode() + payload + b"\r\n"

        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        )
        words = re.findall(r"\S+\s*", content)
        writer.write(event({"role": "assistant", "content": ""}))
        for i, word in enumerate(words):
            if cut and i == len(words) // 2:
                await writer.drain()
                writer.transport.abort()  # mid-body: no terminating chunk, no [DONE]
                return
            writer.write(event({"content": word}))
            await writer.drain()
            await asyncio.sleep(0.001)
        writer.write(event({}, "stop"))
        done = b"data: [DONE]\n\n"
        writer.write(f"{len(done):x}\r\n".encode() + done + b"\r\n0\r\n\r\n")
        await writer.drain()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def fresh(server: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Normal mode, no requests seen, and a data dir of its own (no cached answers) for every test."""
    server.mode, server.delay_s = "normal", 5.0
    server.seen.clear()
    monkeypatch.setenv("RAGFORT_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ragfort.ingest import ingest_paths

    corpus = tmp_path_factory.mktemp("corpus")
    for name, text in CORPUS.items():
        (corpus / name).write_text(text + "\n", encoding="utf-8")
    index = tmp_path_factory.mktemp("openai-http") / "index"
    ingest_paths([corpus], index=index, policy="support_agent", visibility="public")
    return index


def chat(server: FakeOpenAI) -> Any:
    return langchain_openai.ChatOpenAI(base_url=server.base_url, api_key="test", model="fake", max_retries=0)


def default_chain(server: FakeOpenAI, index: Path, **kw: Any) -> Any:
    return ragfort.harden(ragfort.build_chain(index, llm=chat(server)), policy="support_agent", **kw)


def lcel_chain(server: FakeOpenAI, **kw: Any) -> Any:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from the context.\n\n{context}"), ("human", "{question}")]
    )
    chain = RunnablePassthrough.assign(context=itemgetter("question") | RunnableLambda(lambda q: DOCS))
    chain = chain | RunnablePassthrough.assign(answer=prompt | chat(server) | StrOutputParser())
    return ragfort.harden(chain, policy="support_agent", **kw)


def chains(server: FakeOpenAI, index: Path, **kw: Any) -> dict[str, Any]:
    return {"build_chain": default_chain(server, index, **kw), "lcel": lcel_chain(server, **kw)}


def unmarked(answer: str) -> str:
    """The answer without the citation markers the support policy adds ("... delivery [1].")."""
    return re.sub(r" ?\[\d+(?:, ?\d+)*\]", "", answer)


def assert_cited(result: GuardedAnswer) -> None:
    assert result.status is Status.OK, (result.answer, [v.to_dict() for v in result.verdicts])
    assert unmarked(result.answer) == ANSWER
    assert result.citations
    for c in result.citations:
        (p,) = [p for p in result.documents if p.doc_id == c.doc_id and p.start <= c.start and c.end <= p.end]
        assert c.quote == p.text[c.start - p.start : c.end - p.start]


KINDS = ("build_chain", "lcel")


# -- answers -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_a_non_streaming_answer_is_cited(kind: str, server: FakeOpenAI, small_index: Path) -> None:
    result = chains(server, small_index)[kind].invoke({"question": QUESTION})
    assert_cited(result)
    assert server.seen and not server.seen[0].body.get("stream")


@pytest.mark.parametrize("kind", KINDS)
async def test_a_streamed_answer_arrives_in_chunks_and_is_cited(
    kind: str, server: FakeOpenAI, small_index: Path
) -> None:
    parts = [p async for p in chains(server, small_index)[kind].astream({"question": QUESTION})]
    assert isinstance(parts[-1], GuardedAnswer) and all(isinstance(p, AnswerChunk) for p in parts[:-1])
    assert "".join(p.text for p in parts[:-1]) == parts[-1].answer
    assert_cited(parts[-1])
    assert server.seen[0].body.get("stream") is True


@pytest.mark.parametrize("kind", KINDS)
def test_sync_stream_over_http(kind: str, server: FakeOpenAI, small_index: Path) -> None:
    parts = list(chains(server, small_index)[kind].stream({"question": QUESTION}))
    assert isinstance(parts[-1], GuardedAnswer) and len(parts) >= 2
    assert_cited(parts[-1])


# -- failures ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["error500", "error429"])
def test_server_errors_in_the_default_chain_fall_back_to_the_passages(
    mode: str, server: FakeOpenAI, small_index: Path
) -> None:
    """The default chain retries transient errors (policy: 2) and then answers extractively from the passages."""
    server.mode = mode
    result = default_chain(server, small_index).invoke({"question": QUESTION})
    assert result.status is Status.FALLBACK, (result.answer, [v.to_dict() for v in result.verdicts])
    assert ANSWER in unmarked(result.answer)  # the extractive fallback quotes the passage
    assert len(server.seen) == 3  # the first call and the policy's two retries


@pytest.mark.parametrize("mode", ["error500", "error429"])
def test_server_errors_in_a_wrapped_chain_are_a_chain_error_naming_the_cause(mode: str, server: FakeOpenAI) -> None:
    server.mode = mode
    code = "500" if mode == "error500" else "429"
    with pytest.raises(ChainError, match=rf"wrapped chain failed: \w+Error: Error code: {code}"):
        lcel_chain(server).invoke({"question": QUESTION})


@pytest.mark.parametrize("kind", KINDS)
async def test_a_stream_cut_mid_way_never_shows_an_unchecked_fragment(
    kind: str, server: FakeOpenAI, small_index: Path
) -> None:
    server.mode = "truncated"
    guarded = chains(server, small_index)[kind]
    if kind == "lcel":
        with pytest.raises(ChainError, match="wrapped chain failed"):
            _ = [p async for p in guarded.astream({"question": QUESTION})]
        return
    parts = [p async for p in guarded.astream({"question": QUESTION})]
    result = parts[-1]
    assert result.status is Status.FALLBACK  # the retries got cut streams too; the passages answer
    assert ANSWER in unmarked(result.answer)


@pytest.mark.parametrize("kind", KINDS)
def test_a_reply_cut_by_the_length_limit_is_checked_like_any_other(
    kind: str, server: FakeOpenAI, small_index: Path
) -> None:
    server.mode = "truncated"
    result = chains(server, small_index)[kind].invoke({"question": QUESTION})
    # "Devices can be returned wit" is half a sentence: the grounding check does not pass it as it is.
    assert result.answer != ANSWER[: len(ANSWER) // 2]
    assert result.status in (Status.OK, Status.ABSTAINED, Status.FALLBACK)
    for c in result.citations:
        assert c.quote in CORPUS["returns.md"]


# -- latency budget: the HTTP request is cancelled -------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("call", ["invoke", "astream"])
async def test_a_slow_model_is_cut_off_within_the_budget_and_its_request_cancelled(
    kind: str, call: str, server: FakeOpenAI, small_index: Path
) -> None:
    server.mode, server.delay_s = "slow", 5.0
    guarded = chains(server, small_index)[kind].with_budget(600)
    began = time.monotonic()
    if call == "invoke":
        result = await asyncio.to_thread(guarded.invoke, {"question": QUESTION})
    else:
        result = [p async for p in guarded.astream({"question": QUESTION})][-1]
    elapsed_ms = (time.monotonic() - began) * 1000
    assert "generation" in result.budget.degraded
    if kind == "build_chain":
        assert result.status is Status.FALLBACK and ANSWER in unmarked(result.answer)  # extractive
    else:
        # An opaque chain retrieves inside the call that timed out: no passages, so the policy abstains.
        assert result.status in (Status.FALLBACK, Status.ABSTAINED)
        assert result.answer == guarded.policy.messages.abstain
    assert elapsed_ms < 600 + 400, f"took {elapsed_ms:.0f} ms under a 600 ms budget"
    # The server saw the client hang up while it was still sleeping: the request was cancelled, not abandoned.
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and not all(s.disconnected for s in server.seen):
        await asyncio.sleep(0.02)
    assert server.seen and all(s.disconnected is not None and not s.slept for s in server.seen)
    assert all(s.disconnected - began < 1.5 for s in server.seen if s.disconnected is not None)
