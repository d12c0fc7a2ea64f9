"""The default chain over the bundled help center: retrieval on the redacted question, extractive or LLM answers,
and the generation step's retries, budget and abstention."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.language_models import FakeListChatModel

import ragfort
from ragfort.budget import Budget
from ragfort.chain import RagChain, build_chain
from ragfort.context import RequestState, RunContext
from ragfort.errors import IndexError_, InputError
from ragfort.guards.relevance import RelevanceGuard
from ragfort.index.store import Index
from ragfort.pipeline import GenerationFailed
from ragfort.policy import Policy
from ragfort.testing import ScriptedChat
from ragfort.types import Action, Turn

QUESTION = "How do I return a device?"


@pytest.fixture(scope="module")
def chain(help_center_index: Path) -> RagChain:
    return build_chain(help_center_index, k=3)


def test_invoke_returns_the_question_an_extractive_answer_and_the_documents(chain: RagChain) -> None:
    out = chain.invoke({"question": QUESTION})
    assert out["question"] == QUESTION and out["answer"].strip()
    assert len(out["context"]) == 3
    assert all(doc.metadata["doc_id"] for doc in out["context"])
    assert any(doc.metadata["doc_id"].startswith("returns/") for doc in out["context"])
    assert chain.model_id.startswith("extractive-")
    assert chain.invoke(QUESTION)["answer"] == out["answer"]  # a bare string is the question too


def test_an_empty_question_and_bad_settings_are_refused(chain: RagChain) -> None:
    with pytest.raises(InputError, match="non-empty string"):
        chain.invoke({"question": "  "})
    with pytest.raises(ValueError, match="k must be positive"):
        RagChain(chain.index, k=0)
    with pytest.raises(ValueError, match="follow_ups"):
        RagChain(chain.index, follow_ups="sometimes")  # type: ignore[arg-type]


def test_a_folder_without_an_index_is_an_index_error(tmp_path: Path) -> None:
    with pytest.raises(IndexError_):
        build_chain(tmp_path / "nothing-here")


def test_retrieval_searches_without_the_placeholders_and_keeps_the_vector(chain: RagChain) -> None:
    state = RequestState()
    redacted = chain.retrieve("I'm <PERSON_1>. How do I return a device?", state=state)
    assert state.search_text is not None and "<PERSON_1>" not in state.search_text
    assert state.question_vector is not None
    plain = chain.retrieve(state.search_text)
    assert [p.chunk_id for p in redacted] == [p.chunk_id for p in plain]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("How do I retrun a devcie?", "How do I return a device?"),
        ("how do i chnage my adress", "how do i change my address"),
        ("can i trade in my old phone instore", "can i trade in my old phone in-store"),  # as the corpus hyphenates it
    ],
)
def test_retrieval_searches_a_typo_as_the_corpus_spells_the_word_meant(chain: RagChain, typed: str, meant: str) -> None:
    assert chain.query(typed) == meant
    state = RequestState()
    found = chain.retrieve(typed, state=state)
    assert state.search_text == meant  # what the relevance judge reads
    assert [p.chunk_id for p in found] == [p.chunk_id for p in chain.retrieve(meant)]
    as_typed = RagChain(chain.index, k=3, respell=False)
    assert as_typed.query(typed) == typed
    assert chain.query("Can I bring my dog into a Voltwise store?") == "Can I bring my dog into a Voltwise store?"


def test_a_corpus_whose_words_cannot_be_read_is_searched_as_typed(
    help_center_index: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    chain = RagChain(Index(help_center_index), k=3)

    def gone() -> frozenset[str]:
        raise ConnectionError("index server down")

    monkeypatch.setattr(chain.index, "words", gone)
    assert chain.query("how do i chnage my adress") == "how do i chnage my adress"
    assert "searching as typed" in caplog.text and "ConnectionError" in caplog.text


async def test_the_retrieval_step_finds_the_names_the_help_center_never_uses(
    chain: RagChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert chain.unknown_names("Can I pay for my Voltwise One with Zorbix Pay?") == ("Zorbix Pay",)
    assert chain.unknown_names("Can I return my Voltwise One?") == ()
    steps = chain.ragfort_steps(Policy.from_mapping({"name": "p"}))
    assert steps.retrieve is not None
    ctx = RunContext()
    await steps.retrieve(Turn(question="How do I link my Shopify account to the Voltwise app?"), ctx)
    assert ctx.state.unknown_names is not None and ctx.state.unknown_names() == ("Shopify",)

    def gone() -> frozenset[str]:
        raise ConnectionError("index server down")

    monkeypatch.setattr(chain.index, "words", gone)
    assert chain.unknown_names("How do I link my Shopify account?") is None  # unknown, not "none"


async def test_a_relevance_guard_with_a_names_bar_asks_more_of_a_question_naming_what_the_help_center_never_mentions(
    chain: RagChain,
) -> None:
    # The help center lists its payment methods and never names Apple Pay: the judge is unsure, not sure.
    steps = chain.ragfort_steps(Policy.from_mapping({"name": "p"}))
    assert steps.retrieve is not None
    ctx = RunContext()
    turn = await steps.retrieve(Turn(question="Can I pay for my phone with Apple Pay?"), ctx)
    assert ctx.state.unknown_names is not None and ctx.state.unknown_names() == ("Apple Pay",)
    named = RelevanceGuard(unknown_name_min_answerable=0.7, stop_when_answered=False).check(turn, ctx)
    assert named.action is Action.ABSTAIN and "'Apple Pay', which the help center never mentions" in named.reason
    plain = RelevanceGuard(stop_when_answered=False).check(turn, ctx)  # the default: no bar for names
    assert plain.action is Action.REWRITE and plain.score == pytest.approx(named.score, abs=1e-6)


async def test_the_extractive_step_answers_or_abstains_with_the_policys_message(chain: RagChain) -> None:
    policy = Policy.from_mapping({"name": "p", "messages": {"abstain": "Not in our articles."}})
    steps = chain.ragfort_steps(policy)
    assert steps.retrieve is not None
    ctx = RunContext()
    answered = await steps.generate(await steps.retrieve(Turn(question=QUESTION), ctx), ctx)
    assert answered.answer and ctx.stopped is None
    assert any(answered.answer.split(".")[0] in p.text for p in answered.documents)  # sentences of the passages

    ctx = RunContext()
    off_topic = await steps.generate(
        await steps.retrieve(Turn(question="Who won the 1966 football world cup?"), ctx), ctx
    )
    assert off_topic.answer == "Not in our articles." and ctx.stopped is Action.ABSTAIN
    assert ctx.verdicts[-1].guard == "generator"


async def test_an_llm_answers_from_the_retrieved_passages(help_center_index: Path) -> None:
    llm = FakeListChatModel(responses=["You can return it within 30 days [1]."])
    llm_chain = build_chain(help_center_index, llm=llm, k=2)
    assert llm_chain.model_id.startswith("FakeListChatModel:")
    steps = llm_chain.ragfort_steps(Policy.passthrough())
    assert steps.retrieve is not None
    ctx = RunContext()
    turn = await steps.generate(await steps.retrieve(Turn(question=QUESTION), ctx), ctx)
    assert turn.answer == "You can return it within 30 days [1]." and ctx.state.can_regenerate


async def test_a_transient_llm_failure_is_retried(help_center_index: Path) -> None:
    llm = ScriptedChat(answer="Within 30 days.", fail_first=1)
    steps = build_chain(help_center_index, llm=llm).ragfort_steps(Policy.passthrough())
    ctx = RunContext(budget=Budget(generation=5000, backoff_ms=1))
    turn = await steps.generate(Turn(question=QUESTION), ctx)
    assert turn.answer == "Within 30 days." and llm.calls == 2 and ctx.degraded == []


async def test_an_llm_past_its_budget_is_cancelled_and_the_step_fails_over(help_center_index: Path) -> None:
    llm = ScriptedChat(delay_s=5)
    steps = build_chain(help_center_index, llm=llm).ragfort_steps(Policy.passthrough())
    ctx = RunContext(budget=Budget(generation=100))
    with pytest.raises(GenerationFailed):
        await steps.generate(Turn(question=QUESTION), ctx)
    assert ctx.degraded == ["generation"] and llm.cancelled == 1 and llm.finished == 0


def test_the_chain_is_what_build_chain_returns_from_the_package(help_center_index: Path) -> None:
    assert isinstance(ragfort.build_chain(help_center_index), RagChain)


async def test_the_chain_offers_its_corpus_vocabulary_to_the_pii_guard(
    chain: RagChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    vocabulary = chain.vocabulary()
    assert vocabulary is not None
    assert "voltwise" in vocabulary.proper and "voltwise" in vocabulary.words and vocabulary.pairs
    steps = chain.ragfort_steps(Policy.from_mapping({"name": "p"}))
    assert steps.vocabulary is not None

    def gone() -> frozenset[str]:
        raise ConnectionError("index server down")

    monkeypatch.setattr(chain.index, "vocabulary", gone)
    assert chain.vocabulary() is None  # redact as for any chain


def test_a_hardened_default_chain_keeps_the_help_centers_words_in_a_question(help_center_chain) -> None:  # type: ignore[no-untyped-def]
    import ragfort

    hardened = ragfort.harden(help_center_chain, policy="support_agent")
    kept = hardened.invoke({"question": "tablet trade-in cracked screen?"})
    assert not kept.redactions
    named = hardened.invoke({"question": "Hi, I'm Margaret Thornbury. Can I trade in a tablet with a cracked screen?"})
    assert [r.entity for r in named.redactions if r.stage.value == "input"] == ["PERSON"]


def test_a_hardened_chain_keeps_the_help_centers_support_line_in_the_history(tmp_path: Path) -> None:
    import ragfort
    from ragfort import Index

    root = tmp_path / "help"
    root.mkdir()
    (root / "ragfort-source.yaml").write_text("visibility: public\n")
    (root / "claims.md").write_text(
        "# Making a claim\n\nCall 0345 712 3400 (8am to 8pm) or e-mail claims@wrenfield.ie with photos of the damage.\n"
    )
    Index(tmp_path / "idx").ingest([root])
    hardened = ragfort.harden(ragfort.build_chain(tmp_path / "idx"), policy="support_agent")
    history = [
        {"role": "user", "content": "How do I make a claim?"},
        {"role": "assistant", "content": "Call 0345 712 3400 or e-mail claims@wrenfield.ie with photos."},
    ]
    kept = hardened.invoke({"question": "is that line open at weekends?", "chat_history": history})
    assert not kept.redactions  # both are printed in the (public) help center
    own = hardened.invoke({"question": "can you call me on 07700 900123 instead?", "chat_history": history})
    assert [r.entity for r in own.redactions if r.stage.value == "input"] == ["PHONE_NUMBER"]
