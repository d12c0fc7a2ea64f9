"""Optional second and third tiers: an NLI cross-encoder and an LLM judge.

The cheap scorer settles clear cases; a claim whose probability falls inside
the model's uncertainty band is sent to these judges, when the user has
configured them, in this order. Both are adapters around models that
ragfort does not ship: a sentence-transformers ``CrossEncoder`` the user has
on disk (by path), and any LangChain chat model (passed as an object).

A judge takes `(evidence, claim)` pairs and returns, per pair, a support
probability, or None when it could not decide (an unparseable LLM reply),
in which case the previous tier's probability stands.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from ragfort.errors import ConfigError

__all__ = ["CrossEncoderJudge", "LLMJudge", "SupportJudge"]


@runtime_checkable
class SupportJudge(Protocol):
    """Anything that rates whether evidence supports a claim."""

    name: str

    def judge(self, pairs: Sequence[tuple[str, str]]) -> list[float | None]:
        """Support probability per `(evidence, claim)` pair, None when undecided."""
        ...


def _softmax(row: Sequence[float]) -> list[float]:
    top = max(row)
    exps = [math.exp(x - top) for x in row]
    total = sum(exps)
    return [x / total for x in exps]


class CrossEncoderJudge:
    """NLI cross-encoder tier: the entailment probability of `claim` given `evidence`.

    Args:
        model: a path to a local sentence-transformers CrossEncoder folder, or
            an already loaded object with a ``predict(pairs)`` method.
        entailment_label: index of the entailment class; by default read from
            the model's ``config.id2label`` (the label containing "entail").
    """

    name = "nli"

    def __init__(self, model: str | Any, *, entailment_label: int | None = None) -> None:
        if isinstance(model, str):
            import os

            if not os.path.isdir(model):
                raise ConfigError(f"nli_model_path is not a folder: {model!r}")
            from sentence_transformers import CrossEncoder

            model = CrossEncoder(model, device="cpu")
        if not callable(getattr(model, "predict", None)):
            raise ConfigError(f"NLI model {model!r} has no predict() method")
        self._model = model
        self._label = entailment_label if entailment_label is not None else self._find_entailment_label(model)

    @staticmethod
    def _find_entailment_label(model: Any) -> int | None:
        id2label = getattr(getattr(model, "config", None), "id2label", None) or {}
        for idx, label in dict(id2label).items():
            if "entail" in str(label).lower():
                return int(idx)
        return None

    def judge(self, pairs: Sequence[tuple[str, str]]) -> list[float | None]:
        """Entailment probabilities; single-logit models are read as support scores."""
        if not pairs:
            return []
        raw = self._model.predict([list(p) for p in pairs])
        out: list[float | None] = []
        for row in raw:
            values = [float(x) for x in row] if hasattr(row, "__len__") else [float(row)]
            if len(values) == 1:
                # One output: a relevance/support logit or an already squashed score.
                v = values[0]
                out.append(v if 0.0 <= v <= 1.0 else 1.0 / (1.0 + math.exp(-v)))
                continue
            if self._label is None:
                raise ConfigError(
                    "NLI model has several outputs but no label named 'entailment'; pass entailment_label"
                )
            probs = values if abs(sum(values) - 1.0) < 1e-3 and min(values) >= 0 else _softmax(values)
            out.append(probs[self._label])
        return out


_VERDICT = re.compile(r"\b(UNSUPPORTED|SUPPORTED|NOT SUPPORTED)\b", re.IGNORECASE)

_PROMPT = """You check whether a statement is fully supported by evidence.
Answer with exactly one word: SUPPORTED if every fact in the statement is stated in or directly implied
by the evidence, UNSUPPORTED otherwise (a different number, name, date or condition is UNSUPPORTED).

Evidence:
{evidence}

Statement:
{claim}

Answer:"""


class LLMJudge:
    """LLM tier: asks any LangChain chat model (or an object with ``invoke``) for a verdict.

    Args:
        llm: the chat model; ``llm.invoke(prompt)`` must return a message
            with ``.content`` or a string.
        confidence: the probability given to a clear SUPPORTED reply (and
            its complement to UNSUPPORTED).
    """

    name = "llm"

    def __init__(self, llm: Any, *, confidence: float = 0.9) -> None:
        if not callable(getattr(llm, "invoke", None)):
            raise ConfigError(f"LLM judge {llm!r} has no invoke() method")
        if not 0.5 < confidence <= 1.0:
            raise ConfigError(f"confidence must be in (0.5, 1], got {confidence!r}")
        self._llm = llm
        self._confidence = confidence

    def judge(self, pairs: Sequence[tuple[str, str]]) -> list[float | None]:
        """One call per pair; replies that name no verdict leave the claim undecided."""
        out: list[float | None] = []
        for evidence, claim in pairs:
            reply = self._llm.invoke(_PROMPT.format(evidence=evidence, claim=claim))
            text = str(getattr(reply, "content", reply))
            m = _VERDICT.search(text)
            if m is None:
                out.append(None)
            elif m.group(1).upper() == "SUPPORTED":
                out.append(self._confidence)
            else:
                out.append(1.0 - self._confidence)
        return out
