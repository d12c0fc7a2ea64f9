"""The equivalence judge as the last gate of a semantic hit, with the shipped model (alone, and over the real default
chain)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.cache.conftest import make_entry

import ragfort
from ragfort.cache import AnswerCache, MemoryBackend, SemanticSettings, question_features
from ragfort.cache.equivalence import READING, TASK, EquivalenceGate, equivalence_gate
from ragfort.errors import ConfigError
from ragfort.judges import MODELS_DIR, PairJudge
from ragfort.pii.vault import VaultKeys
from ragfort.types import CacheStatus

SIM_STORE = "Can I get a replacement SIM in a store?"
SIM_POST = "Can I get a replacement SIM by post?"
# A paraphrase the rules and the judge both let through over the help center.
PARAPHRASE = ("How long do refunds take?", "When will my refund arrive?")
# Near-misses from the issue that the rules alone serve and the judge refuses (measured with the shipped model).
RULES_MISSES = [
    (SIM_STORE, SIM_POST),
    ("Can I pay monthly for a Voltwise phone?", "Can I get a Voltwise phone on prepaid?"),
]
# Served by the rules alone until the direction rule read a replaced destination that keeps its head noun.
RULES_NOW_REFUSE = ("Can I move a business number to a personal account?",
                    "Can I move a personal number to a business account?")  # fmt: skip


def _policy(**semantic: Any) -> dict[str, Any]:
    return {"name": "gate_test", "cache": {"backend": "memory", "semantic": semantic}}


def test_a_channel_near_miss_is_not_served_and_a_paraphrase_is(help_center_chain: Any) -> None:
    guarded = ragfort.harden(help_center_chain, _policy())
    first = guarded.invoke(SIM_STORE)
    assert guarded.invoke(SIM_STORE).cache is CacheStatus.EXACT_HIT
    assert guarded.invoke(SIM_POST).cache is CacheStatus.MISS
    stored = guarded.invoke(PARAPHRASE[0])
    para = guarded.invoke(PARAPHRASE[1])
    assert para.cache is CacheStatus.SEMANTIC_HIT
    assert para.answer == stored.answer != first.answer


@pytest.mark.parametrize(("stored", "asked"), RULES_MISSES)
def test_turning_the_judge_off_restores_the_rules_alone(help_center_chain: Any, stored: str, asked: str) -> None:
    on = ragfort.harden(help_center_chain, _policy())
    off = ragfort.harden(help_center_chain, _policy(equivalence_judge=False))
    for guarded in (on, off):
        guarded.invoke(stored)
    assert on.invoke(asked).cache is CacheStatus.MISS
    assert off.invoke(asked).cache is CacheStatus.SEMANTIC_HIT  # the rules alone serve the wrong answer


# Two questions on one topic that want different answers (labelled "different" in evals/cache_distinct.jsonl):
# cosine 0.55, the judge 0.98. Below the default `judged_threshold` the judge never reads them.
SAME_TOPIC = ("What are the international shipping options?", "do you ship to brazil")


def test_a_same_topic_question_below_the_judged_cosine_is_not_served(help_center_chain: Any) -> None:
    shipped = ragfort.harden(help_center_chain, _policy())
    low = ragfort.harden(help_center_chain, _policy(judged_threshold=0.5))
    for guarded in (shipped, low):
        guarded.invoke(SAME_TOPIC[0])
    assert shipped.invoke(SAME_TOPIC[1]).cache is CacheStatus.MISS
    assert low.invoke(SAME_TOPIC[1]).cache is CacheStatus.SEMANTIC_HIT  # the judge alone would serve it


def test_a_swapped_account_kind_is_refused_with_the_judge_off_too(help_center_chain: Any) -> None:
    off = ragfort.harden(help_center_chain, _policy(equivalence_judge=False))
    off.invoke(RULES_NOW_REFUSE[0])
    assert off.invoke(RULES_NOW_REFUSE[1]).cache is CacheStatus.MISS


def test_the_gate_is_symmetric_and_scores_both_orders() -> None:
    gate = equivalence_gate(SemanticSettings().min_equivalence)
    p = gate.probability(SIM_STORE, SIM_POST)
    assert p == pytest.approx(gate.probability(SIM_POST, SIM_STORE), abs=1e-6)
    assert not gate.same_question(SIM_STORE, SIM_POST)
    assert gate.same_question(*PARAPHRASE)
    assert gate.same_question(PARAPHRASE[1], PARAPHRASE[0])


def test_the_judge_is_loaded_once_per_process() -> None:
    a = AnswerCache(MemoryBackend())
    b = AnswerCache(MemoryBackend(), semantic=SemanticSettings(min_equivalence=0.7))
    assert a.gate is not None and b.gate is not None
    assert a.gate.judge is b.gate.judge
    assert AnswerCache(MemoryBackend(), semantic=SemanticSettings(equivalence_judge=False)).gate is None


def test_a_damaged_model_file_is_a_config_error(tmp_path: Path) -> None:
    folder = tmp_path / "equivalence"
    shutil.copytree(MODELS_DIR / "equivalence", folder)
    PairJudge(folder)  # the copy loads
    model = folder / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="damaged or was changed"):
        PairJudge(folder)


def test_a_new_gate_moves_every_key(help_center_chain: Any) -> None:
    backend = MemoryBackend()  # one store, three caches over it
    policy = {"name": "keys_test"}
    first = ragfort.harden(help_center_chain, policy, cache=AnswerCache(backend))
    same = ragfort.harden(help_center_chain, policy, cache=AnswerCache(backend))
    stricter = ragfort.harden(
        help_center_chain, policy, cache=AnswerCache(backend, semantic=SemanticSettings(min_equivalence=0.95))
    )
    first.invoke(SIM_STORE)
    assert same.invoke(SIM_STORE).cache is CacheStatus.EXACT_HIT
    assert stricter.invoke(SIM_STORE).cache is CacheStatus.MISS  # admitted under another gate: not shared
    off = AnswerCache(MemoryBackend(), semantic=SemanticSettings(equivalence_judge=False))
    assert off.gate_version == ""  # no judge: the keys are what they were before the judge existed


def test_questions_are_stored_sealed_never_in_clear(tmp_path: Path) -> None:
    keys = VaultKeys(b"k" * 32)
    cache = AnswerCache(MemoryBackend(), keys=keys)
    sealed = cache.seal_question("ns", SIM_STORE)
    assert "SIM" not in sealed and "store" not in sealed
    entry = make_entry(ns="ns", sealed_question=sealed)
    assert b"replacement" not in entry.to_bytes()
    assert cache.open_question(entry) == SIM_STORE
    # Copied into another namespace, or read with another key, it does not open: no judge, no hit.
    assert cache.open_question(make_entry(ns="other", sealed_question=sealed)) is None
    assert AnswerCache(MemoryBackend(), keys=VaultKeys(b"x" * 32)).open_question(entry) is None


def test_an_entry_without_a_readable_question_is_never_a_semantic_hit() -> None:
    keys = VaultKeys(b"k" * 32)
    cache = AnswerCache(MemoryBackend(), keys=keys)
    stored, asked = PARAPHRASE
    v = np.ones(4, dtype=np.float32) / 2.0  # the same vector: only the question text can stop the hit
    old, new = question_features(stored), question_features(asked)

    def put(sealed: str | None) -> None:
        cache.clear()
        cache.put(make_entry(ns="ns", vector=v, features=old, anchors=("a1",), sealed_question=sealed))

    for sealed in (None, "bm90IGEgc2VhbGVkIHF1ZXN0aW9u", "not base64!"):
        put(sealed)
        assert cache.semantic("ns", v, new, ["a1"], question=asked) == (None, None)
    put(cache.seal_question("ns", stored))
    assert cache.semantic("ns", v, new, ["a1"], question=asked)[0] is not None
    assert cache.semantic("ns", v, new, ["a1"], question=None) == (None, None)


def test_a_gate_with_a_high_minimum_refuses_more() -> None:
    judge = equivalence_gate(0.5).judge
    strict = EquivalenceGate(judge, 1.0)
    assert not strict.same_question(*PARAPHRASE)


@pytest.mark.parametrize("minimum", [-0.01, 1.01, float("nan")])
def test_a_minimum_outside_zero_to_one_is_refused(minimum: float) -> None:
    with pytest.raises(ValueError, match="minimum must be in"):
        equivalence_gate(minimum)


def test_the_version_names_the_model_file_and_the_minimum() -> None:
    gate = equivalence_gate(0.9)
    assert gate.judge.task == TASK
    sha = gate.judge.manifest.files["model.onnx"]
    assert gate.version == f"eq:{sha[:16]}:0.9000:r{READING}"
    assert equivalence_gate(0.95).version == f"eq:{sha[:16]}:0.9500:r{READING}" != gate.version


def test_one_reading_is_a_hit_without_the_judge() -> None:
    strict = EquivalenceGate(equivalence_gate(0.5).judge, 1.0)  # no probability reaches 1: only the reading passes
    polite = "Hi team, can I change my PIN in the app? Thanks a lot"
    assert strict.same_question(polite, "can I change my PIN in the app")
    assert not strict.same_question(*PARAPHRASE)
    assert not strict.same_question("How do I turn on roaming?", "How do I turn off roaming?")
    # A fronted phrase moved to the end: the judge read this pair 0.95 one way and 0.39 the other.
    assert strict.same_question("On Fibre 150, what's the average upload speed?",
                                "What's the average upload speed on Fibre 150?")  # fmt: skip


TYPO = ("How long does a replacement SIM take to arrive?", "how long does a replacment sim take to arrive")


def _semantic(cache: AnswerCache, stored: str, asked: str) -> bool:
    """Store `stored` and ask `asked` with one vector and one anchor: only the rules and the judge decide."""
    v = np.ones(4, dtype=np.float32) / 2.0
    sealed = cache.seal_question("ns", stored) if cache.keeps_questions else None
    cache.clear()
    cache.put(
        make_entry(ns="ns", vector=v, features=question_features(stored), anchors=("a1",), sealed_question=sealed)
    )
    return cache.semantic("ns", v, question_features(asked), ["a1"], question=asked)[0] is not None


def test_the_judge_reads_only_candidates_at_or_above_the_judged_threshold() -> None:
    polite = ("Hi team, can I change my PIN in the app? Thanks a lot", "can I change my PIN in the app")
    stored = np.array([1.0, 0.0], dtype=np.float32)

    def served(judged_threshold: float, cosine: float) -> bool:
        cache = AnswerCache(
            MemoryBackend(), keys=VaultKeys(b"k" * 32), semantic=SemanticSettings(judged_threshold=judged_threshold)
        )
        sealed = cache.seal_question("ns", polite[0])
        entry = make_entry(ns="ns", vector=stored, features=question_features(polite[0]), anchors=("a1",),
                           sealed_question=sealed)  # fmt: skip
        cache.put(entry)
        asked = np.array([cosine, np.sqrt(1.0 - cosine**2)], dtype=np.float32)
        return cache.semantic("ns", asked, question_features(polite[1]), ["a1"], question=polite[1])[0] is not None

    floor = SemanticSettings().judged_threshold
    assert served(floor, floor + 0.01)
    # One reading (the same words once courtesy and case are set aside) needs no judge and no cosine floor:
    # typos and courtesy cut MiniLM's cosine between questions that ask the very same thing.
    assert served(floor, floor - 0.2)
    assert served(floor - 0.1, floor - 0.01)


def test_below_the_cosine_floor_only_one_reading_is_served() -> None:
    cache = AnswerCache(MemoryBackend(), keys=VaultKeys(b"k" * 32))
    floor = SemanticSettings().judged_threshold
    stored = np.array([1.0, 0.0], dtype=np.float32)
    asked = np.array([floor - 0.05, np.sqrt(1.0 - (floor - 0.05) ** 2)], dtype=np.float32)
    question = "what percent is the safe driver discount"
    sealed = cache.seal_question("ns", question)
    cache.put(make_entry(ns="ns", vector=stored, features=question_features(question), anchors=("a1",),
                         sealed_question=sealed))  # fmt: skip
    typo = "what percnt is the safe drivr discount"
    assert cache.semantic("ns", asked, question_features(typo), ["a1"], question=typo)[0] is not None
    # Another question under the floor is never read by the judge, however close its words.
    other = "what percent is the good student discount"
    assert cache.semantic("ns", asked, question_features(other), ["a1"], question=other)[0] is None


def test_a_typo_is_mended_before_the_rules_when_the_judge_reads_both_questions() -> None:
    rules = AnswerCache(MemoryBackend(), semantic=SemanticSettings(equivalence_judge=False))
    judged = AnswerCache(MemoryBackend(), keys=VaultKeys(b"k" * 32))
    assert not _semantic(rules, *TYPO)  # the rules alone read "replacment" as a swapped word
    assert _semantic(judged, *TYPO)
    assert _semantic(judged, TYPO[1], TYPO[0])


def test_a_gate_without_a_vocabulary_mends_nothing() -> None:
    shipped = equivalence_gate(0.8)
    assert shipped.mend(*TYPO) is not None
    assert EquivalenceGate(shipped.judge, 0.8).mend(*TYPO) is None


@pytest.mark.parametrize(
    "asked",
    [
        "how long does a replacment sim take to arrive by post",
        "how long does a replacment esim take to activate",
        "How long does a replacement SIM take to arrive in a stone?",
    ],
)
def test_a_mended_typo_still_meets_the_rules_and_the_judge(asked: str) -> None:
    judged = AnswerCache(MemoryBackend(), keys=VaultKeys(b"k" * 32))
    assert not _semantic(judged, "How long does a replacement SIM take to arrive in a store?", asked)


def test_a_moved_phrase_is_served_and_a_changed_number_in_it_is_not() -> None:
    judged = AnswerCache(MemoryBackend(), keys=VaultKeys(b"k" * 32))
    stored = "On Fibre 150, what's the average upload speed?"
    assert _semantic(judged, stored, "What's the average upload speed on Fibre 150?")
    # The reading leaves numbers out; the number rule still vetoes before the reading is consulted.
    assert not _semantic(judged, stored, "What's the average upload speed on Fibre 500?")
