"""Ingest: idempotent, replaces changed files, removes deleted ones, survives interruption; exact offsets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragfort import Index, IndexError_, InputError
from ragfort.text import pair_key

REFUNDS = """# Refunds

## Card refunds
Refunds to a card take 5-7 business days. Store credit arrives within 1-2 days.

## Exceptions
Gift cards are never refunded to a card.
"""
ROAMING = "# Roaming\n\nTurn roaming on in Settings > Mobile. Roaming costs $10 per day in Europe.\n"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    (root / "billing").mkdir(parents=True)
    (root / "billing" / "refunds.md").write_text(REFUNDS)
    (root / "roaming.txt").write_text(ROAMING)
    (root / "page.html").write_text(
        "<html><body><h1>Shipping</h1><p>Express orders placed before <b>2 p.m.</b> ship the same day.</p>"
        "<ul><li>Standard shipping takes 3-5 days.</li></ul><script>alert(1)</script></body></html>"
    )
    return root


def texts(index: Index, question: str) -> list[str]:
    return [p.text for p in index.search(question, k=10)]


def test_first_ingest_indexes_everything_with_relative_doc_ids(corpus: Path, tmp_path: Path) -> None:
    index = Index(tmp_path / "idx")
    report = index.ingest([corpus])
    assert set(report.added) == {"billing/refunds.md", "roaming.txt", "page.html"}
    assert report.chunks >= 3 and report.index_version
    top = index.search("how long does a card refund take", k=1)[0]
    assert top.doc_id == "billing/refunds.md"
    assert 0.0 <= top.score <= 1.0  # type: ignore[operator]


def test_unchanged_corpus_is_a_no_op(corpus: Path, tmp_path: Path) -> None:
    index = Index(tmp_path / "idx")
    first = index.ingest([corpus])
    again = Index(tmp_path / "idx").ingest([corpus])
    assert not again.changed and again.unchanged == 3
    assert again.index_version == first.index_version


def test_changed_file_replaces_its_chunks_and_moves_the_version(corpus: Path, tmp_path: Path) -> None:
    index = Index(tmp_path / "idx")
    v1 = index.ingest([corpus]).index_version
    (corpus / "roaming.txt").write_text("# Roaming\n\nRoaming now costs $12 per day in Europe.\n")
    report = index.ingest([corpus])
    assert report.updated == ("roaming.txt",) and report.added == () and report.index_version != v1
    found = " ".join(texts(index, "roaming cost per day"))
    assert "$12" in found and "$10" not in found


def test_the_corpus_words_are_read_once_per_version_and_follow_a_reingest(corpus: Path, tmp_path: Path) -> None:
    index = Index(tmp_path / "idx")
    index.ingest([corpus])
    words = index.words()
    assert {"roaming", "europe", "express", "shipping"} <= words and "alert" not in words  # no script text
    assert index.words() is words  # kept while the version stands
    (corpus / "roaming.txt").write_text("# Roaming\n\nRoaming in Switzerland costs $12 per day.\n")
    index.ingest([corpus])
    assert "switzerland" in index.words() and "europe" not in index.words()
    # The pairs of words side by side follow the same version.
    pairs = index.word_pairs()
    assert pair_key("in", "Switzerland") in pairs and pair_key("Switzerland", "costs") in pairs
    assert pair_key("Roaming", "in") in pairs and pair_key("in", "Europe") not in pairs
    assert index.word_pairs() is pairs


def test_only_public_documents_give_the_corpus_its_contact_points(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    (root / "help").mkdir(parents=True)
    (root / "tickets").mkdir()
    (root / "help" / "ragfort-source.yaml").write_text("visibility: public\n")
    (root / "help" / "contact.md").write_text("# Contact\n\nCall 0345 712 3400 or write to Help@Acme.example.\n")
    (root / "tickets" / "t1.md").write_text("# Ticket\n\nPlease ring me back on 07700 900123.\n")
    index = Index(tmp_path / "idx")
    index.ingest([root])
    contacts = index.vocabulary().contacts
    assert {"03457123400", "help@acme.example"} <= set(contacts)
    assert "07700900123" not in contacts  # a private document's number may be a customer's
    assert "ring" in index.words()  # its wording still counts


def test_removed_file_is_deleted(corpus: Path, tmp_path: Path) -> None:
    index = Index(tmp_path / "idx")
    index.ingest([corpus])
    (corpus / "page.html").unlink()
    report = index.ingest([corpus])
    assert report.removed == ("page.html",)
    assert all(p.doc_id != "page.html" for p in index.search("express shipping", k=10))


def test_interrupted_ingest_is_refused_then_repaired(corpus: Path, tmp_path: Path) -> None:
    index = Index(tmp_path / "idx")
    index.ingest([corpus])
    manifest = json.loads(index.manifest_path.read_text())
    manifest["state"] = "ingesting"
    manifest["pending"] = ["roaming.txt"]
    index.manifest_path.write_text(json.dumps(manifest))
    reopened = Index(tmp_path / "idx")
    with pytest.raises(IndexError_, match="incomplete"):
        reopened.search("roaming", k=1)
    report = Index(tmp_path / "idx").ingest([corpus])
    assert "roaming.txt" in report.updated
    repaired = Index(tmp_path / "idx")
    assert repaired.search("roaming", k=1)[0].doc_id == "roaming.txt"
    # no duplicate chunks after the repair
    assert len([t for t in texts(repaired, "roaming costs per day") if "Roaming costs" in t]) == 1


def test_html_is_converted_without_scripts(corpus: Path, tmp_path: Path) -> None:
    index = Index(tmp_path / "idx")
    index.ingest([corpus])
    text = index.document_text("page.html")
    assert "alert" not in text and "<b>" not in text and "2 p.m." in text


def test_chunk_offsets_point_at_the_indexed_text(corpus: Path, tmp_path: Path) -> None:
    index = Index(tmp_path / "idx")
    index.ingest([corpus])
    for p in index.search("refund", k=10):
        doc = index.document_text(p.doc_id)
        assert doc[p.start : p.end] == p.text
        for s, e in p.sentences:
            assert p.text[s:e].strip() == p.text[s:e] and p.text[s:e]


def test_chunk_texts_lists_every_chunk_in_document_order(corpus: Path, tmp_path: Path) -> None:
    index = Index(tmp_path / "idx", chunk_chars=100)
    with pytest.raises(IndexError_):
        index.chunk_texts()  # nothing ingested yet
    index.ingest([corpus])
    chunks = index.chunk_texts()
    assert [d for d, _ in chunks] == sorted(d for d, _ in chunks)
    assert {d for d, _ in chunks} == set(index.doc_ids)
    refunds = [t for d, t in chunks if d == "billing/refunds.md"]
    assert len(refunds) > 1
    whole = index.document_text("billing/refunds.md")
    positions = [whole.index(t) for t in refunds]
    assert positions == sorted(positions)  # in the order they stand in the document
    assert len(chunks) == len({p.text for p in index.search("refund shipping roaming", k=50)})


def test_chunks_respect_headings(corpus: Path, tmp_path: Path) -> None:
    index = Index(tmp_path / "idx", chunk_chars=100)
    index.ingest([corpus])
    chunks = [p for p in index.search("refund", k=10) if p.doc_id == "billing/refunds.md"]
    for p in chunks:
        assert not ("Card refunds" in p.text and "Gift cards" in p.text)
    assert any(p.metadata["heading"] == "Refunds > Exceptions" for p in chunks)


def test_bad_paths_are_input_errors(tmp_path: Path) -> None:
    index = Index(tmp_path / "idx")
    with pytest.raises(InputError, match="does not exist"):
        index.ingest([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no Markdown"):
        index.ingest([tmp_path / "empty"])
    (tmp_path / "bin.md").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="not UTF-8"):
        index.ingest([tmp_path / "bin.md"])
    assert not index.exists()  # nothing half-written


def test_help_center_offsets_and_sentences(help_center_index: Path) -> None:
    index = Index(help_center_index)
    assert len(index.doc_ids) >= 30
    seen = 0
    for q in ["refund to card", "roaming", "warranty", "trade in a tablet", "express shipping cut-off"]:
        for p in index.search(q, k=5):
            doc = index.document_text(p.doc_id)
            assert doc[p.start : p.end] == p.text
            vecs = Index.sentence_vectors([p])[0]
            assert vecs is not None and vecs.shape == (len(p.sentences), 384)
            seen += 1
    assert seen == 25
