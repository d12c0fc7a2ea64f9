"""The service's LLM: an OpenAI-compatible chat model from ``RAGFORT_LLM_*``, or none.

With neither ``RAGFORT_LLM_MODEL`` nor ``RAGFORT_LLM_BASE_URL`` set the
service answers extractively (no LLM at all). With them, the default chain
gets a `langchain_openai.ChatOpenAI`; any OpenAI-compatible server works
(vLLM, llama.cpp's server, Ollama's ``/v1``, a gateway).

The client's own retries are off (``max_retries=0``): ragfort's budget
retries transient errors with jittered backoff only while time remains, and
falls back (stale cache, extractive answer, abstention) when it does not, so
a slow or failing LLM costs a request its budget, never more.

A completion with no text counts as a failure (`EmptyCompletion`), so the
request falls back to the extractive answer instead of showing an empty
one; the service's client raises it from the model's own generate hooks.
"""

from __future__ import annotations

from typing import Any

from ragfort.errors import ChainError, ConfigError
from ragfort.server.settings import ServerSettings

__all__ = ["EmptyCompletion", "build_llm"]


class EmptyCompletion(ChainError):
    """The LLM answered with no text at all."""


def _check(result: Any) -> Any:
    if not any(str(getattr(g, "text", "") or "").strip() for g in result.generations):
        raise EmptyCompletion("the LLM returned an empty completion")
    return result


def _strict(base: type) -> type:
    """`base` (a LangChain chat model class) whose completions must hold text."""

    class Strict(base):  # type: ignore[misc]
        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            return _check(super()._generate(*args, **kwargs))

        async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
            return _check(await super()._agenerate(*args, **kwargs))

    Strict.__name__ = Strict.__qualname__ = base.__name__  # cache keys and traces name the real client
    return Strict


def build_llm(settings: ServerSettings) -> Any | None:
    """The chat model the settings ask for, or None for the extractive generator.

    Raises:
        ConfigError: a base URL without a model, or ``langchain-openai`` missing.
    """
    if settings.llm_model is None and settings.llm_base_url is None:
        return None
    if settings.llm_model is None:
        raise ConfigError(
            f"RAGFORT_LLM_BASE_URL is set ({settings.llm_base_url!r}) but RAGFORT_LLM_MODEL is not; name the model"
        )
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise ConfigError("RAGFORT_LLM_MODEL needs langchain-openai: pip install 'ragfort[openai]'") from exc
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
    if key is None and settings.llm_base_url is not None:
        # Self-hosted OpenAI-compatible servers usually want no key, but the client insists on one.
        key = "unused"
    kwargs: dict[str, Any] = {
        "model": settings.llm_model,
        "timeout": settings.llm_timeout_s,
        "max_retries": 0,
        "temperature": 0,
    }
    if settings.llm_base_url is not None:
        kwargs["base_url"] = settings.llm_base_url
    if key is not None:
        kwargs["api_key"] = key
    try:
        return _strict(ChatOpenAI)(**kwargs)
    except Exception as exc:  # e.g. no key anywhere: the client refuses to build
        raise ConfigError(f"could not build the LLM client for model {settings.llm_model!r}: {exc}") from exc
