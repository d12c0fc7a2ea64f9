"""Hidden markup: the spans a rendered page would not show."""

from __future__ import annotations

from ragfort.injection.rules.context import hidden_spans


def test_comments_hidden_elements_and_link_titles_are_hidden() -> None:
    text = 'Intro <!-- a note --> then <span style="display: none">b</span> and [c](https://x.example "title d")'
    hidden = [text[s:e] for s, e in hidden_spans(text)]
    assert hidden[0] == "<!-- a note -->"
    assert hidden[1] == '<span style="display: none">b</span>'
    assert "title d" in hidden[2]


def test_markdown_comment_line_is_hidden_and_plain_text_has_none() -> None:
    text = "Visible line\n[//]: # (only in the source)"
    assert [text[s:e] for s, e in hidden_spans(text)] == ["[//]: # (only in the source)"]
    assert hidden_spans("Plain text with [brackets] and <b>bold</b>.") == []
