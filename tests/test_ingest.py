"""Ingest with a policy: private sources are redacted at ingest, public ones are indexed as written."""

from __future__ import annotations

from pathlib import Path

import pytest

import ragfort
from ragfort.errors import InputError
from ragfort.index.store import SOURCE_FILE, Index, root_visibility
from ragfort.ingest import ingest_paths

ARTICLES = {
    "contact/support.md": (
        "# Contact us\n\n"
        "Call our 24/7 support line on 0800 555 0199 for anything about your account. "
        "You can also write to help@kestrel-mobile.example and we answer within one working day.\n"
    ),
    "stores/leeds.md": (
        "# Our Leeds store\n\n"
        "Our Leeds store is at 12 Market Street, Leeds LS1 6DT and opens from 9am to 6pm, Monday to Saturday. "
        "Store staff can swap a SIM card on the spot.\n"
    ),
    "plans/unlimited.md": (
        "# The Unlimited plan\n\n"
        "On the Unlimited plan, data is not capped in the UK. Roaming in Europe includes 30 GB a month.\n"
    ),
    "devices/kestrel.md": (
        "# Kestrel X2 repairs\n\n"
        "A cracked Kestrel X2 screen is replaced in 3 working days. Number Lock stays on during a repair.\n"
    ),
}


def _corpus(root: Path, *, marker: str | None) -> Path:
    for rel, text in ARTICLES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if marker is not None:
        (root / SOURCE_FILE).write_text(marker, encoding="utf-8")
    return root


def test_a_folder_declares_its_visibility_and_the_flag_overrides_it(tmp_path: Path) -> None:
    assert root_visibility(tmp_path) == "private"
    (tmp_path / SOURCE_FILE).write_text("visibility: public\n", encoding="utf-8")
    assert root_visibility(tmp_path) == "public"
    (tmp_path / SOURCE_FILE).write_text("visibility: everyone\n", encoding="utf-8")
    with pytest.raises(InputError, match="visibility must be 'public' or 'private', got 'everyone'"):
        root_visibility(tmp_path)
    (tmp_path / SOURCE_FILE).write_text("visibility: [public\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read it as YAML"):
        root_visibility(tmp_path)


def test_the_nearest_marker_decides_for_a_subtree(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "help_center" / "plans").mkdir(parents=True)
    (docs / "tickets").mkdir()
    (docs / "help_center" / SOURCE_FILE).write_text("visibility: public\n", encoding="utf-8")
    (docs / "help_center" / "plans" / "unlimited.md").write_text("# Unlimited\n\nCall 0800 555 0199.\n")
    (docs / "tickets" / "t1.md").write_text("# Ticket\n\nCustomer Priya Natarajan called from 07700 900123.\n")
    assert root_visibility(docs, docs / "help_center" / "plans" / "unlimited.md") == "public"
    assert root_visibility(docs, docs / "tickets" / "t1.md") == "private"
    index = Index(tmp_path / "index")
    ingest_paths([docs], index=index)
    assert "0800 555 0199" in index.document_text("help_center/plans/unlimited.md")
    ticket = index.document_text("tickets/t1.md")
    assert "Priya" not in ticket and "900123" not in ticket


def test_public_text_is_indexed_as_written_and_private_text_redacted(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "hc", marker=None)
    private = Index(tmp_path / "private")
    ingest_paths([corpus], index=private)
    assert "0800 555 0199" not in private.document_text("contact/support.md")
    assert "<PHONE_NUMBER_D" in private.document_text("contact/support.md")

    public = Index(tmp_path / "public")
    ingest_paths([corpus], index=public, visibility="public")
    for doc_id, text in ARTICLES.items():
        assert public.document_text(doc_id).split() == text.split()
    assert all(p.public for p in public.search("support phone number"))
    assert not any(p.public for p in private.search("support phone number"))

    # The report names the private documents whose text redaction changed (the plan article has no personal data).
    assert "contact/support.md" in ingest_paths([corpus], index=Index(tmp_path / "again")).redacted
    assert "plans/unlimited.md" not in ingest_paths([corpus], index=Index(tmp_path / "again2")).redacted

    # Changing a folder's visibility re-indexes its documents (and changes the index version).
    before = private.version
    report = ingest_paths([corpus], index=private, visibility="public")
    assert sorted(report.updated) == sorted(ARTICLES) and report.redacted == ()
    assert private.version != before
    assert "0800 555 0199" in private.document_text("contact/support.md")
    assert ingest_paths([corpus], index=private, visibility="public").changed is False


@pytest.mark.parametrize(
    ("question", "must_show"),
    [
        ("What number do I call for support?", "0800 555 0199"),
        ("Where is your Leeds store?", "12 Market Street, Leeds LS1 6DT"),
        ("Is data capped on the Unlimited plan?", "Unlimited plan"),
        ("How long does a Kestrel X2 screen repair take?", "Kestrel X2"),
    ],
)
def test_answers_over_a_public_help_center_keep_its_contacts_and_cite_it_exactly(
    public_telco: Index, question: str, must_show: str
) -> None:
    guarded = ragfort.harden(ragfort.build_chain(public_telco), policy="support_agent")
    result = guarded.invoke({"question": question})
    assert result.status.value == "ok", (result.answer, result.verdicts)
    assert must_show in result.answer
    assert "<" not in result.answer
    assert result.citations
    for c in result.citations:
        assert c.quote == public_telco.document_text(c.doc_id)[c.start : c.end]


def test_the_customers_own_data_is_still_redacted_over_a_public_help_center(public_telco: Index) -> None:
    guarded = ragfort.harden(ragfort.build_chain(public_telco), policy="support_agent")
    question = "I'm Priya Natarajan, my number is 07700 900123. What number do I call for support with my account?"
    result = guarded.invoke({"question": question})
    text = result.to_dict()
    assert "Priya" not in str(text) and "900123" not in str(text)
    assert "0800 555 0199" in result.answer


@pytest.fixture(scope="module")
def public_telco(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("telco")
    corpus = _corpus(root / "hc", marker="visibility: public\n")
    index = Index(root / "index")
    ingest_paths([corpus], index=index)
    return index
