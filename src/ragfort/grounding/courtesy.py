"""Courtesy read by a learned head: sentences that thank, apologise or offer help in words no list holds.

`claims.courteous` recognises courtesy written with the words of its lists ("Feel free to reply if you have any
other questions."). People write it in more words than a list holds ("Sorry you've had such a rough week.").
Read as claims, such sentences have nothing in the passages to stand on and are stripped beside a correct answer.

`CourtesyHead` is a logistic regression over the MiniLM sentence vector (the embedder grounding already loads),
trained by ``python -m ragfort.grounding.courtesy_train`` on the labelled lines of ``evals/courtesy/lines.jsonl``
and, as sentences that state something, help-center sentences of the training corpora and joins of courtesy with
them ("Sorry, refunds take 10 working days."). It is asked only about a sentence the lists leave as a claim that
still carries a mark of courtesy (`candidate`: a word only courtesy uses, such as "sorry", "thanks", "help", or one
of its phrases) and nothing a fact needs: no digit, no address, no placeholder but the customer's name, no yes/no
opening and no negation. So a fee, a time, a refusal or an answer to the question is never taken for courtesy,
whatever the head says. The head's file (`courtesy.json`, beside this module) holds its weights, threshold and a
SHA-256 of them, checked at load; its card is ``courtesy.md``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ragfort.errors import ConfigError
from ragfort.grounding.claims import _EMOTICON, courteous, courtesy_reading
from ragfort.text import plain_quotes

__all__ = ["COURTESY_HEAD", "CourtesyHead", "candidate", "head_digest", "load_head"]

COURTESY_HEAD = Path(__file__).with_name("courtesy.json")
# Negations a courtesy idiom holds ("don't hesitate", "no problem", "never hesitate"): any other makes a claim.
_NEGATION_WORDS = frozenset(["not", "no", "never", "nothing", "nobody", "none", "cannot", "without"])


def candidate(sentence: str) -> bool:
    """Whether the head may be asked about `sentence`: a mark of courtesy, and nothing a fact needs."""
    text = _EMOTICON.sub("", plain_quotes(sentence)).strip()
    if not text or courteous(text):
        return False
    reading = courtesy_reading(text)
    if reading is None:
        return False
    words, marked = reading
    return marked and not any(w in _NEGATION_WORDS or w.endswith("n't") for w in words)


def head_digest(weights: Sequence[float], bias: float, threshold: float) -> str:
    """The SHA-256 the head's file records for its numbers (rounded as written)."""
    payload = json.dumps({"weights": [round(float(w), 8) for w in weights], "bias": round(float(bias), 8),
                          "threshold": float(threshold)}, sort_keys=True)  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CourtesyHead:
    """A logistic regression over MiniLM sentence vectors: the probability a sentence is only courtesy."""

    weights: npt.NDArray[np.float32]
    bias: float
    threshold: float
    embedder_model: str

    def probabilities(self, vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """P(courtesy) per row of `vectors` (normalised MiniLM vectors)."""
        logits = np.asarray(vectors, dtype=np.float64) @ self.weights.astype(np.float64) + self.bias
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-logits))
        return out

    def courteous(self, vectors: npt.NDArray[np.float32]) -> list[bool]:
        """Per row: the head's probability reaches its threshold."""
        return [bool(p >= self.threshold) for p in self.probabilities(vectors)]


@functools.cache
def load_head(path: Path = COURTESY_HEAD) -> CourtesyHead:
    """The head in `path`, its checksum verified.

    Raises:
        ConfigError: the file is missing, unreadable, or its numbers do not match its checksum.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights, bias, threshold = data["weights"], data["bias"], data["threshold"]
        digest, model = data["sha256"], data["embedder_model"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"courtesy head {path}: missing or unreadable ({exc})") from exc
    if head_digest(weights, bias, threshold) != digest:
        raise ConfigError(f"courtesy head {path}: checksum mismatch (damaged or edited); retrain it")
    return CourtesyHead(np.asarray(weights, dtype=np.float32), float(bias), float(threshold), str(model))
