"""Running golden records through a guarded chain: what the chain is given, and what a row records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda

import ragfort
from ragfort.evals.golden import GoldenRecord
from ragfort.evals.privacy import get_value_finder
from ragfort.evals.runner import TraceQuestions, chain_input, customer_texts, run_records

PASSAGE = Document(
    page_content="A prepaid return label and a return number arrive by email within 1 hour.",
    metadata={"source": "returns/how-to-start-a-return.md"},
)

FOLLOW_UP = GoldenRecord.model_validate(
    {
        "id": "c1",
        "history": [
            {"role": "system", "content": "You are the help desk."},
            {"role": "user", "content": "I'm Priya Natarajan, priya.n@example.com. I want to return a tablet."},
            {"role": "assistant", "content": "Start the return under Orders; we email you a prepaid label."},
        ],
        "question": "Can you send the label to that e-mail?",
        "standalone_question": "How do I get the prepaid return label by email?",
        "reference_answer": "The label arrives by email within 1 hour.",
        "relevant_doc_ids": ["returns/how-to-start-a-return.md"],
        "answerable": True,
        "tags": ["follow-up", "pii"],
    }
)
PLAIN = GoldenRecord(
    id="p1",
    question="How long is a return label valid?",
    reference_answer="7 days.",
    relevant_doc_ids=("returns/how-to-start-a-return.md",),
    answerable=True,
)


def _run(
    records: list[GoldenRecord], answer: Any, tmp_path: Path, *, policy: str = "passthrough"
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run `records` through a hardened recording chain; (the chain's inputs, the result rows)."""
    seen: list[dict[str, Any]] = []

    def chain(payload: dict[str, Any]) -> dict[str, Any]:
        seen.append(payload)
        return {"answer": answer(payload), "context": [PASSAGE]}

    traces = TraceQuestions()
    hardened = ragfort.harden(RunnableLambda(chain), policy=policy, trace_sink=traces, cache=False)
    name, finder = get_value_finder("regex")
    rows = run_records(
        records,
        lambda payload, callbacks: hardened.invoke(payload, config={"callbacks": callbacks}),
        results_path=tmp_path / "results.jsonl",
        traces=traces,
        finder=finder,
        finder_name=name,
        concurrency=1,
        progress=False,
    )
    return seen, rows


def test_a_record_with_history_reaches_the_chain_as_chat_history_with_langchain_roles(tmp_path: Path) -> None:
    seen, rows = _run([FOLLOW_UP, PLAIN], lambda p: "The label arrives by email within 1 hour.", tmp_path)
    by_question = {p["question"]: p for p in seen}
    follow_up = by_question[FOLLOW_UP.question]
    assert follow_up["chat_history"] == [
        ("system", "You are the help desk."),
        ("human", "I'm Priya Natarajan, priya.n@example.com. I want to return a tablet."),
        ("ai", "Start the return under Orders; we email you a prepaid label."),
    ]
    # A record without history is sent exactly as before: the question alone.
    assert by_question[PLAIN.question] == {"question": PLAIN.question}
    assert [r["id"] for r in rows] == ["c1", "p1"]
    assert rows[0]["history_turns"] == 3 and "history_turns" not in rows[1]
    assert rows[0]["scores"]["retrieval"]["recall_at_5"] == 1.0


def test_chain_input_maps_roles_and_leaves_out_an_empty_history() -> None:
    assert chain_input(PLAIN) == {"question": PLAIN.question}
    assert [role for role, _ in chain_input(FOLLOW_UP)["chat_history"]] == ["system", "human", "ai"]


def test_personal_values_are_looked_for_in_the_customers_earlier_messages_not_the_desks() -> None:
    texts = customer_texts(FOLLOW_UP)
    assert texts[0] == FOLLOW_UP.question
    assert any("priya.n@example.com" in t for t in texts)
    assert not any("prepaid label" in t for t in texts)


def test_a_value_given_in_turn_one_and_echoed_in_the_answer_is_a_leak_and_is_scrubbed(tmp_path: Path) -> None:
    def echo_history(payload: dict[str, Any]) -> str:
        _, first = payload["chat_history"][1]
        return f"Sure, the label goes to {first.split()[3].rstrip('.')} within 1 hour."

    _, rows = _run([FOLLOW_UP], echo_history, tmp_path)
    [row] = rows
    assert row["pii"]["leaked"] == ["EMAIL_ADDRESS"]
    assert "priya.n@example.com" not in row["answer"] and "<LEAKED:EMAIL_ADDRESS>" in row["answer"]
    assert "EMAIL_ADDRESS" in row["pii"]["question_entities"]


@pytest.mark.slow
def test_the_pii_guard_redacts_the_history_before_the_chain_and_nothing_leaks(tmp_path: Path) -> None:
    def echo_history(payload: dict[str, Any]) -> str:
        _, first = payload["chat_history"][1]
        return f"Noted: {first}"

    seen, rows = _run([FOLLOW_UP], echo_history, tmp_path, policy="support_agent")
    [(_, first)] = [turn for turn in seen[0]["chat_history"] if turn[0] == "human"]
    assert "priya.n@example.com" not in first and "Priya Natarajan" not in first
    assert rows[0]["pii"]["leaked"] == []
