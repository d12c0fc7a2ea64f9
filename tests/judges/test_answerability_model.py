"""The shipped answerability judge: a verified model that separates answering passages from on-topic ones.

Measured on the hand-written dev split (the split the checkpoint and the
threshold were chosen on; the test split is for `benchmarks/abstention.py`),
so a model that learned nothing, or a broken export, fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import ragfort
from ragfort.judges import load_judge
from ragfort.judges.answerability_mix import case_pairs, load_answerability_cases
from ragfort.judges.runtime import MANIFEST_FILE, MODELS_DIR, file_sha256
from ragfort.judges.train import auc

REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_model_has_its_card_and_checksums() -> None:
    folder = MODELS_DIR / "answerability"
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["task"] == "answerability"
    for name, entry in manifest["files"].items():
        digest = entry["sha256"] if isinstance(entry, dict) else entry
        assert file_sha256(folder / name) == digest, name
    assert (folder / "model.onnx").stat().st_size <= 30 * 1024 * 1024
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    for source in ("cases/voltwise", "clapnq", "qnli", "selqa", "clinc150"):
        assert source in card


def test_it_ranks_answering_passages_above_the_rest_on_the_dev_cases() -> None:
    judge = load_judge("answerability")
    for corpus, cases in load_answerability_cases(REPO, split="dev").items():
        pairs = [p for case in cases for p in case_pairs(case)]
        probs = judge.score([(p.premise, p.hypothesis) for p in pairs])
        labels = np.array([p.label for p in pairs])
        assert auc(labels, probs) >= 0.75, corpus


def test_the_demo_no_longer_answers_what_its_help_center_does_not_say(help_center_chain: Any) -> None:
    guarded = ragfort.harden(help_center_chain, "support_agent")
    # The example: the stores article is on the topic (cosine 0.6) and says nothing of dogs.
    result = guarded.invoke({"question": "Can I bring my dog into a Voltwise store?"})
    assert result.status == "abstained", result.answer
    relevance = [v for v in result.verdicts if v.guard == "relevance"]
    assert relevance and "no passage answers" in relevance[0].reason
    # The golden set's lost abstention (evals/gates.yaml): no sentence of a passage that answers is close enough.
    chicago = guarded.invoke({"question": "What are the opening hours of the Voltwise store in downtown Chicago?"})
    assert chicago.status == "abstained", chicago.answer
    answered = guarded.invoke({"question": "How many days do I have to return a Voltwise phone?"})
    assert answered.status in ("ok", "redacted") and "14" in answered.answer
