"""Example questions for the page's empty state: document titles turned into questions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ragfort.errors import ConfigError
from ragfort.server.examples import describe, title_question

BODY = (
    "You can return a device within 14 days. To start a return, trade in a phone or turn roaming on, "
    "open the app. You can upgrade or downgrade your plan at any time. Voltwise ID is your login."
)


@pytest.mark.parametrize(
    ("title", "question"),
    [
        ("How to Start a Return", "How do I start a return?"),
        ("Trading In a Phone", "How do I trade in a phone?"),
        ("Turning International Roaming On", "How do I turn International roaming on?"),
        ("Upgrading or Downgrading Your Plan", "How do I upgrade or downgrade my plan?"),
        # Proper names keep their capitals: the body never writes them in lower case.
        ("Resetting Your Voltwise ID Password", "How do I reset my Voltwise ID password?"),
        ("Which Phone Is Which?", "Which Phone Is Which?"),
    ],
)
def test_titles_become_questions_in_the_documents_own_words(title: str, question: str) -> None:
    body = BODY + " To reset the password, see below."
    assert title_question(title, body) == question


@pytest.mark.parametrize("title", ["Device Financing", "Understanding Things", "Sing"])
def test_titles_that_make_no_clear_question_are_skipped(title: str) -> None:
    # "understand" is not in the body: no guessing at verb forms that might read wrong.
    assert title_question(title, BODY) is None


def doc(title: str, *, root: Path, public: bool = True) -> dict[str, Any]:
    return {"title": title, "public": public, "root": str(root)}


def test_one_example_per_section_from_public_documents_only(tmp_path: Path) -> None:
    (tmp_path / "ragfort-source.yaml").write_text("visibility: public\nname: Acme Help\n", encoding="utf-8")
    documents = {
        "returns/start.md": doc("How to Start a Return", root=tmp_path),
        "returns/phones.md": doc("Trading In a Phone", root=tmp_path),
        "plan/roaming.md": doc("Turning International Roaming On", root=tmp_path),
        "plan/change.md": doc("Upgrading or Downgrading Your Plan", root=tmp_path),
        "billing/financing.md": doc("Device Financing", root=tmp_path),
        "tickets/jane.md": doc("How to Refund Jane Roe", root=tmp_path, public=False),
    }
    found = describe(documents, lambda doc_id: BODY, count=2)
    assert found.name == "Acme Help"
    # One from each section with a question (billing has none; the ticket is private), the shortest.
    assert set(found.examples) == {"How do I start a return?", "How do I upgrade or downgrade my plan?"}
    assert not any("Jane" in q for q in describe(documents, lambda doc_id: BODY, count=10).examples)
    assert found.to_dict() == {"name": "Acme Help", "examples": list(found.examples)}


def test_more_examples_come_from_big_sections_when_there_are_few_sections(tmp_path: Path) -> None:
    documents = {
        "returns/start.md": doc("How to Start a Return", root=tmp_path),
        "returns/phones.md": doc("Trading In a Phone", root=tmp_path),
        "returns/change.md": doc("Upgrading or Downgrading Your Plan", root=tmp_path),
        "plan/roaming.md": doc("Turning International Roaming On", root=tmp_path),
    }
    found = describe(documents, lambda doc_id: BODY, count=3)
    assert len(found.examples) == 3 and len(set(found.examples)) == 3
    assert "How do I turn International roaming on?" in found.examples


def test_the_name_falls_back_to_the_folder_name(tmp_path: Path) -> None:
    root = tmp_path / "help_center"
    root.mkdir()
    found = describe({"a.md": doc("How to Start a Return", root=root)}, lambda doc_id: BODY)
    assert found.name == "Help center"
    assert describe({}, lambda doc_id: BODY).to_dict() == {"name": None, "examples": []}


def test_a_name_that_is_not_text_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "ragfort-source.yaml").write_text("visibility: public\nname: [1, 2]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"name must be .*got \[1, 2\]"):
        describe({"a.md": doc("How to Start a Return", root=tmp_path)}, lambda doc_id: BODY)
