"""The service's LLM from ``RAGFORT_LLM_*``: none, a config error, or a client that never retries and never
returns an empty completion (against a fake OpenAI-compatible server on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from tests.faults.procs import FakeLLM

from ragfort.errors import ChainError, ConfigError
from ragfort.server.llm import EmptyCompletion, build_llm
from ragfort.server.settings import ServerSettings

PROMPT = "Question: how long do refunds take?\n\n[1] (refunds.md)\nRefunds reach your card within 5 business days.\n"


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM(delay_s=0.0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def llm(fake_llm: FakeLLM) -> Any:
    fake_llm.mode, fake_llm.calls = "ok", 0
    return build_llm(ServerSettings(llm_base_url=fake_llm.base_url, llm_model="fake-model", llm_timeout_s=10))


def test_no_llm_settings_means_the_extractive_generator() -> None:
    assert build_llm(ServerSettings()) is None


def test_a_base_url_without_a_model_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="RAGFORT_LLM_MODEL is not"):
        build_llm(ServerSettings(llm_base_url="http://127.0.0.1:9/v1"))


def test_the_llm_client_retries_nothing_itself_and_hides_its_key() -> None:
    llm = build_llm(ServerSettings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_api_key="sk-secret"))
    assert type(llm).__name__ == "ChatOpenAI"
    assert llm.max_retries == 0
    assert "sk-secret" not in repr(llm)
    assert issubclass(EmptyCompletion, ChainError)


def test_a_completion_comes_back_from_the_server_in_one_call(llm: Any, fake_llm: FakeLLM) -> None:
    reply = llm.invoke(PROMPT)
    assert reply.content == "Refunds reach your card within 5 business days. [1]"
    assert fake_llm.calls == 1


def test_an_empty_completion_is_a_failure_not_an_empty_answer(llm: Any, fake_llm: FakeLLM) -> None:
    fake_llm.mode = "empty"
    with pytest.raises(EmptyCompletion, match="empty completion"):
        llm.invoke(PROMPT)
    assert fake_llm.calls == 1


async def test_an_empty_completion_fails_on_the_async_path_too(llm: Any, fake_llm: FakeLLM) -> None:
    fake_llm.mode = "empty"
    with pytest.raises(EmptyCompletion):
        await llm.ainvoke(PROMPT)


def test_a_server_error_is_raised_after_exactly_one_request(llm: Any, fake_llm: FakeLLM) -> None:
    fake_llm.mode = "error500"
    with pytest.raises(openai.InternalServerError, match="boom"):
        llm.invoke(PROMPT)
    assert fake_llm.calls == 1  # the budget decides about retries, not the client
