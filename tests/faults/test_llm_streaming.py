"""Incremental streaming over real HTTP: a real ``ragfort serve`` streams a real (fake) OpenAI-compatible model.

The fake model sends its answer a word at a time; the server gathers the
words into sentences and sends each as an SSE ``chunk`` once the output
guards (PII, grounding with citations) passed the answer so far. The first
sentence must reach the client before the model has sent its last word.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tests.faults.procs import FakeLLM, LLMStack, llm_stack

from ragfort.policy import load_policy

Stack = LLMStack


@pytest.fixture(scope="module")
def stack(help_center_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("llm-stream")
    # The recommended policy with room for a slow writer (its 2 s generation budget would cut the stream short).
    raw = {k: v for k, v in load_policy("support_agent").raw.items() if k != "cache"}
    raw.update(name="stream_test", budget={"total_ms": 60_000, "generation_ms": 50_000}, cache={"enabled": False})
    policy = home / "policy.yaml"
    policy.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    llm = FakeLLM(word_delay_s=0.06)
    llm.mode = "multi"
    yield from llm_stack(home / "data", help_center_index, llm, policy=str(policy))


def sse(url: str, question: str) -> list[tuple[str, Any, float]]:
    """(event, data, monotonic time received) for each event of one streamed ask."""
    out: list[tuple[str, Any, float]] = []
    name = ""
    with httpx.stream("POST", f"{url}/v1/ask", json={"question": question, "stream": True}, timeout=60.0) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                out.append((name, json.loads(line[6:]), time.monotonic()))
    return out


def test_sentences_reach_the_client_while_the_model_is_still_writing(stack: Stack) -> None:
    events = sse(stack.serve.url, "How long do I have to return a device?")
    names = [n for n, _, _ in events]
    assert names[-1] == "result", names
    result = events[-1][1]
    chunks = [(d["text"], t) for n, d, t in events if n == "chunk"]
    assert len(chunks) >= 2, names
    assert chunks[0][1] < stack.llm.finished_at  # shown before the model sent its last word
    assert result["status"] in ("ok", "redacted") and "generation" not in result["budget"]["degraded"]
    shown = ""
    for n, d, _ in events:
        if n in ("chunk", "replace"):
            shown = d["text"] if n == "replace" else shown + d["text"]
    assert shown == result["answer"]
    assert "[1]" in chunks[0][0]  # cited as it streams


def test_the_plain_json_answer_is_the_same_without_streaming(stack: Stack) -> None:
    r = httpx.post(f"{stack.serve.url}/v1/ask", json={"question": "How long do refunds take?"}, timeout=60.0)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] in ("ok", "redacted") and body["answer"] and "generation" not in body["budget"]["degraded"]
