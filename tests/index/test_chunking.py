"""Chunking: exact slices, never across a heading, never through a sentence, heading paths from the title down."""

from __future__ import annotations

import pytest

from ragfort.index.chunking import chunk_text

DOC = (
    "# Returns\n\n"
    "Devices can be returned within 14 days. The box must be unopened.\n\n"
    "## Refunds\n\n"
    "Refunds are paid to the original card. They take 5 business days.\n\n"
    "### Store credit\n\n"
    "Store credit never expires.\n\n"
    "## Exchanges\n\n"
    "Exchanges are free."
)


def test_every_chunk_is_an_exact_slice_with_exact_sentence_offsets() -> None:
    chunks = chunk_text(DOC, title="Returns")
    for c in chunks:
        assert DOC[c.start : c.end] == c.text
        for s, e in c.sentences:
            assert c.text[s:e].strip() == c.text[s:e] and c.text[s:e]
    assert "Devices can be returned within 14 days." in [c.text[s:e] for c in chunks for s, e in c.sentences]


def test_chunks_never_cross_a_heading_and_carry_its_path() -> None:
    chunks = chunk_text(DOC, title="Returns")
    assert [c.heading_path for c in chunks] == [
        "Returns",
        "Returns > Refunds",
        "Returns > Refunds > Store credit",
        "Returns > Exchanges",  # a level-2 heading closes the level-3 one
    ]
    assert chunks[1].text.startswith("## Refunds")  # the heading marker stays in its chunk
    for c in chunks:
        headings = [i for i, line in enumerate(c.text.splitlines()) if line.startswith("#")]
        assert headings in ([], [0])


def test_a_title_that_is_not_the_first_heading_roots_the_path() -> None:
    (chunk,) = chunk_text("Plain text without headings. Two sentences.", title="FAQ")
    assert chunk.heading_path == "FAQ" and chunk.sentences == ((0, 28), (29, 43))
    assert chunk_text("Plain text.")[0].heading_path == ""


def test_sentences_are_packed_up_to_the_size_and_never_cut() -> None:
    sentences = [f"Sentence number {i} is about returning a device on time." for i in range(40)]
    text = " ".join(sentences)
    chunks = chunk_text(text, max_chars=200)
    assert len(chunks) > 5
    assert all(len(c.text) <= 200 for c in chunks)
    assert [c.text[s:e] for c in chunks for s, e in c.sentences] == sentences


def test_a_sentence_longer_than_twice_the_size_is_cut_at_whitespace() -> None:
    text = " ".join(["word"] * 200) + "."
    chunks = chunk_text(text, max_chars=100)
    assert len(chunks) > 1
    assert all(len(c.text) <= 200 for c in chunks)
    assert all(not c.text.startswith(" ") and "wor d" not in c.text for c in chunks)
    assert " ".join(c.text for c in chunks) == text


def test_a_tiny_size_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 100"):
        chunk_text(DOC, max_chars=50)
