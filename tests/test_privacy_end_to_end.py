"""End to end: canary personal data never reaches the LLM, any file the run wrote, or the result.

Canaries of every protected type are planted in a customer's question and in
an indexed document. The scripted LLM records what it was sent; afterwards
every file under the data dir and the index is searched for the raw values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.language_models import FakeListChatModel
from langchain_core.messages import BaseMessage

import ragfort
from ragfort.ingest import ingest_paths

CUSTOMER = {
    "PERSON": "Maribel Okonkwo-Hart",
    "EMAIL_ADDRESS": "maribel.hart@example.org",
    "PHONE_NUMBER": "+1 415 555 0142",
    "CREDIT_CARD": "4111 1111 1111 1111",
    "US_SSN": "078-05-1120",
    "STREET_ADDRESS": "742 Evergreen Terrace, Springfield, OR 97403",
}
DOCUMENT = {
    "PERSON": "Theodora Blackwood",
    "EMAIL_ADDRESS": "t.blackwood@example.net",
}


class RecordingChat(FakeListChatModel):
    """A scripted chat model that keeps every prompt it was sent (the LLM is the user's part)."""

    seen: ClassVar[list[str]] = []

    def _call(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> str:
        RecordingChat.seen.append("\n".join(str(m.content) for m in messages))
        return super()._call(messages, *args, **kwargs)


def question() -> str:
    c = CUSTOMER
    return (
        f"Hi, I'm {c['PERSON']}, email {c['EMAIL_ADDRESS']}, phone {c['PHONE_NUMBER']}. I live at "
        f"{c['STREET_ADDRESS']}. My card is {c['CREDIT_CARD']} and SSN {c['US_SSN']}. "
        "How many days do I have to return a phone?"
    )


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("RAGFORT_HOME", str(home))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "returns.md").write_text(
        "# Returns\n\nYou can return a phone within 14 days of delivery. Accessories can be returned within "
        "30 days.\n\n## Example\n\n"
        f"Last week {DOCUMENT['PERSON']} ({DOCUMENT['EMAIL_ADDRESS']}) returned a phone on day 12.\n"
    )
    index = tmp_path / "index"
    ingest_paths([docs], index=index, policy="support_agent")
    return {"home": home, "index": index}


def files_containing(root: Path, values: list[str]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for v in values:
                if v.encode() in data:
                    hits.append(f"{path.relative_to(root)}: {v}")
    return hits


def run(world: dict[str, Path], *, restore: bool) -> ragfort.GuardedAnswer:
    RecordingChat.seen = []
    policy = ragfort.load_policy("support_agent").raw
    data = json.loads(json.dumps(policy))
    for stage in ("input", "retrieval", "output"):
        for entry in data["guards"][stage]:
            if entry["guard"] == "pii":
                entry["restore_for_owner"] = restore
    llm = RecordingChat(responses=["You can return a phone within 14 days of delivery."])
    chain = ragfort.build_chain(world["index"], llm=llm)
    guarded = ragfort.harden(chain, policy=data, trace_dir=world["home"] / "traces")
    return guarded.invoke({"question": question(), "session_id": "owner-session"})


def test_no_canary_reaches_the_llm_files_or_result(world: dict[str, Path]) -> None:
    result = run(world, restore=False)
    everything = list(CUSTOMER.values()) + list(DOCUMENT.values())
    assert RecordingChat.seen, "the LLM was not called"
    for prompt in RecordingChat.seen:
        assert not [v for v in everything if v in prompt]
    assert files_containing(world["home"], everything) == []
    assert files_containing(world["index"], everything) == []
    dumped = json.dumps(result.to_dict())
    assert not [v for v in everything if v in dumped]
    assert {r.entity for r in result.redactions} >= {"PERSON", "EMAIL_ADDRESS", "CREDIT_CARD"}


def test_restore_shows_the_owner_their_values_and_nothing_else(world: dict[str, Path]) -> None:
    RecordingChat.seen = []
    policy = json.loads(json.dumps(ragfort.load_policy("support_agent").raw))
    for stage in ("input", "retrieval", "output"):
        for entry in policy["guards"][stage]:
            if entry["guard"] == "pii":
                entry["restore_for_owner"] = True
    llm = RecordingChat(responses=["<PERSON_1>, you can return a phone within 14 days of delivery."])
    guarded = ragfort.harden(ragfort.build_chain(world["index"], llm=llm), policy=policy)
    result = guarded.invoke({"question": question(), "session_id": "owner-session"})
    assert CUSTOMER["PERSON"] in result.answer
    assert DOCUMENT["PERSON"] not in result.answer
    # Nothing but the answer shown to its owner carries the value.
    assert CUSTOMER["PERSON"] not in json.dumps([c.to_dict() for c in result.claims])
    assert files_containing(world["home"], list(CUSTOMER.values())) == []
    # Another session asking with the placeholder cannot pull the value.
    other = guarded.invoke({"question": "What is <PERSON_1>'s email?", "session_id": "attacker"})
    assert CUSTOMER["PERSON"] not in other.answer and CUSTOMER["EMAIL_ADDRESS"] not in other.answer
