"""Real processes for the fault and replica tests: redis-server, chroma run, ragfort serve, a fake LLM.

Everything binds 127.0.0.1 on a free port, every wait is bounded, and every
process is killed by its own handle (never by name). Each helper can stop
and restart its process on the same port and data, which is what the fault
tests need.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

REPO = Path(__file__).resolve().parents[2]
HELP_CENTER = REPO / "examples" / "help_center"
BIN = Path(sys.executable).parent
# Loading torch, MiniLM, spaCy and Presidio on a busy 2-core machine.
SERVE_START_S = 420.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, *, timeout_s: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before opening port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")


def _kill(proc: subprocess.Popen[bytes] | None, *, sig: int = signal.SIGKILL) -> None:
    if proc is not None and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def clean_env(**extra: str) -> dict[str, str]:
    """The parent's environment without its RAGFORT_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAGFORT_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
        TOKENIZERS_PARALLELISM="false",
    )
    env.update(extra)
    return env


def vault_key() -> str:
    """A fresh vault key; every replica of one deployment gets the same one."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


# -- redis-server ------------------------------------------------------------------------
@dataclass
class Redis:
    """A redis-server without persistence on a fixed loopback port (restartable)."""

    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            pytest.skip("redis-server is not installed")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, timeout_s=20, proc=self.proc)
        return self

    def stop(self) -> None:
        _kill(self.proc)


# -- chroma run ------------------------------------------------------------------------------
@dataclass
class Chroma:
    """A Chroma server on a fixed loopback port and data folder (restartable)."""

    path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Chroma:
        exe = shutil.which("chroma") or str(BIN / "chroma")
        self.proc = subprocess.Popen(
            [exe, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=clean_env(),
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("chroma run did not answer within 90 s")

    def stop(self) -> None:
        _kill(self.proc, sig=signal.SIGTERM)


# -- ragfort serve -----------------------------------------------------------------------------
@dataclass
class Serve:
    """One ``ragfort serve`` process; its stderr (JSON log lines) goes to ``log_path``."""

    home: Path
    index: Path
    env: dict[str, str]
    policy: str = "support_agent"
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.home / "serve.log"

    def launch(self) -> Serve:
        """Start the process without waiting (start several, then `wait_ready` each)."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.index.mkdir(parents=True, exist_ok=True)  # with a Chroma server the folder only has to exist
        cmd = [str(BIN / "ragfort"), "serve", "--index", str(self.index), "--policy", self.policy,
               "--data-dir", str(self.home), "--host", "127.0.0.1", "--port", str(self.port)]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=clean_env(**self.env))
        return self

    def wait_ready(self, *, timeout_s: float = SERVE_START_S) -> Serve:
        """Wait until ``/readyz`` answers 200 (bounded); the process must stay up meanwhile."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ragfort serve exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.kill()
        raise RuntimeError(f"ragfort serve not ready after {timeout_s} s:\n{self.log()[-3000:]}")

    def start(self, *, timeout_s: float = SERVE_START_S) -> Serve:
        return self.launch().wait_ready(timeout_s=timeout_s)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        _kill(self.proc, sig=sig)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def client(self, key: str | None = None, *, timeout_s: float = 60.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout_s)


def shared_policy(path: Path) -> str:
    """The recommended policy with the PII vault on Redis (what replicas need) and owner restore on; returns the file.

    The cache section is left as shipped (``backend: auto``: Redis once ``RAGFORT_REDIS_URL`` is set).
    """
    policy = yaml.safe_load((REPO / "guards" / "support_agent.yaml").read_text(encoding="utf-8"))
    policy = {k: v for k, v in policy.items() if not str(k).startswith("x-")}  # anchors are merged already
    policy["name"] = "support_agent_shared"
    for entries in policy["guards"].values():
        for entry in entries:
            if entry.get("guard") == "pii":
                entry["vault"] = "redis"
                entry["restore_for_owner"] = True  # the replica tests check restoration across replicas
    path.write_text(yaml.safe_dump(policy, sort_keys=False), encoding="utf-8")
    return str(path)


def ingest(
    index: Path, *, env: dict[str, str], roots: tuple[Path, ...] = (HELP_CENTER,), timeout_s: float = 600
) -> None:
    """``ragfort ingest`` in a subprocess (the recommended policy redacts the corpus)."""
    cmd = [str(BIN / "ragfort"), "ingest", *map(str, roots), "--index", str(index), "--quiet"]
    done = subprocess.run(cmd, env=clean_env(**env), capture_output=True, timeout=timeout_s, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ingest failed ({done.returncode}): {done.stderr.decode()[-2000:]}")


# -- a fake OpenAI-compatible chat-completions server ------------------------------------------------
def first_sentence(prompt: str, n: int = 1) -> str | None:
    """Passage [n]'s first real sentence in a ragfort prompt: past headings and list markers, 20+ characters."""
    if f"[{n}] (" not in prompt:
        return None
    block = prompt.split(f"[{n}] (", 1)[-1].split(f"\n[{n + 1}] (", 1)[0].split("\n", 1)[-1]
    for line in block.splitlines():
        line = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", line).strip()
        found = re.match(r"(.{20,}?[.!?])(?:\s|$)", line)
        if found and not line.startswith("#"):
            return found.group(1)
    return None


class FakeLLM:
    """``POST /v1/chat/completions`` on loopback, misbehaving as `mode` says.

    Modes: ``ok`` (answers with passage [1]'s first sentence, cited, addressed
    to the lowest-numbered ``<PERSON_n>`` placeholder of the question, if any;
    a standalone-question rewrite gets the conversation's first customer
    message followed by the question),
    ``multi`` (the first sentences of passages [1]-[3], each cited),
    ``slow`` (answers after `delay_s`), ``error500``, ``error429``,
    ``garbage`` (200 with a body that is not JSON), ``empty`` (a valid
    completion with empty content).
    """

    def __init__(self, *, delay_s: float = 5.0, word_delay_s: float = 0.0) -> None:
        self.mode = "ok"
        self.delay_s = delay_s
        self.word_delay_s = word_delay_s
        self.finished_at = 0.0  # time.monotonic() when the last streamed word was sent
        self.calls = 0
        self.port = free_port()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _app(self) -> FastAPI:
        # (Request and Response are module-level imports: FastAPI resolves these annotations by name.)
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def complete(request: Request) -> Response:
            self.calls += 1
            body = await request.json()
            mode = self.mode
            if mode == "slow":
                await asyncio.sleep(self.delay_s)
            if mode == "error500":
                return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, status_code=500)
            if mode == "error429":
                return JSONResponse(
                    {"error": {"message": "slow down", "type": "rate_limit"}}, status_code=429,
                    headers={"retry-after": "0"},
                )  # fmt: skip
            if mode == "garbage":
                return Response(b'{"id": "x", "choices": [ {not json', media_type="application/json")
            content = ""
            if mode == "multi":
                prompt = str(body["messages"][-1]["content"])
                found_all = [f for n in (1, 2, 3) if (f := first_sentence(prompt, n))]
                content = " ".join(f"{f[:-1]} [{i}]{f[-1]}" for i, f in enumerate(found_all, 1)) or "I don't know."
            elif mode != "empty" and "Last question:" in str(body["messages"][-1]["content"]):
                # A standalone-question rewrite (ragfort.conversation): the question as asked, the conversation's
                # first customer message prepended, so a follow-up carries its topic.
                prompt = str(body["messages"][-1]["content"])
                topic = re.search(r"^Customer: (.*)$", prompt, re.M)
                last = prompt.rsplit("Last question:", 1)[-1].strip()
                content = f"{topic.group(1)} {last}" if topic else last
            elif mode != "empty":
                prompt = str(body["messages"][-1]["content"])
                found = first_sentence(prompt)
                content = f"{found} [1]" if found else "I don't know."
                people = sorted(set(re.findall(r"<PERSON_(\d+)>", prompt.rsplit("Question:", 1)[-1])), key=int)
                if people and found:
                    content = f"<PERSON_{people[0]}>, {content[0].lower()}{content[1:]}"
            if body.get("stream"):
                return StreamingResponse(self._sse(content, str(body.get("model", "fake"))),
                                         media_type="text/event-stream")  # fmt: skip
            return JSONResponse(
                {
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            )  # fmt: skip

        return app

    async def _sse(self, content: str, model: str) -> Any:
        """The completion as OpenAI streaming chunks, a word at a time, `word_delay_s` apart."""

        def chunk(delta: dict[str, str], finish: str | None = None) -> bytes:
            data = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                    "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
            return f"data: {json.dumps(data)}\n\n".encode()

        yield chunk({"role": "assistant", "content": ""})
        for word in re.findall(r"\S+\s*", content):
            await asyncio.sleep(self.word_delay_s)
            yield chunk({"content": word})
        self.finished_at = time.monotonic()
        yield chunk({}, "stop")
        yield b"data: [DONE]\n\n"

    def start(self) -> FakeLLM:
        import uvicorn

        config = uvicorn.Config(self._app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        wait_port(self.port, timeout_s=30)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)


def log_events(text: str, needle: str) -> int:
    """How many log lines of a server's log contain `needle` (JSON lines or plain)."""
    count = 0
    for line in text.splitlines():
        try:
            message = str(json.loads(line).get("message", ""))
        except (ValueError, AttributeError):
            message = line
        if needle in message:
            count += 1
    return count


@dataclass
class LLMStack:
    """A fake model server and a ``ragfort serve`` pointed at it."""

    llm: FakeLLM
    serve: Serve


def llm_stack(
    home: Path, index: Path, llm: FakeLLM, *, policy: str = "support_agent"
) -> Iterator[LLMStack]:
    """Start `llm` and a server using it (auth off); yields the pair and stops both."""
    llm.start()
    serve = Serve(
        home=home, index=index, policy=policy,
        env={"RAGFORT_AUTH": "off", "RAGFORT_LLM_BASE_URL": llm.base_url, "RAGFORT_LLM_MODEL": "fake-model"},
    )  # fmt: skip
    try:
        serve.start()
        yield LLMStack(llm, serve)
    finally:
        serve.kill()
        llm.stop()
