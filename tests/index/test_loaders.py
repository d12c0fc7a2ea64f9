"""Loading files for the index: Markdown markup dropped but headings kept, HTML as the same text, bad files named."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ragfort.errors import InputError
from ragfort.index.loaders import MAX_FILE_BYTES, discover, load_document


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_markdown_keeps_headings_and_drops_inline_markup(tmp_path: Path) -> None:
    raw = (
        "\ufeff# Returns\r\n\r\n"
        "You have **14 days** to *return* a [device](https://x.example/d) ![box](b.png) via `Orders`.\r\n"
        "<!-- internal note -->\r\n"
        "> Keep the receipt.\r\n"
        "```\r\nnot = code_markup**\r\n```\r\n"
    )
    path = _write(tmp_path / "returns.md", raw.encode("utf-8"))
    doc = load_document(path, doc_id="returns.md")
    assert doc.text == (
        "# Returns\n\nYou have 14 days to return a device box via Orders.\n\nKeep the receipt.\nnot = code_markup**\n"
    )
    assert doc.title == "Returns" and doc.doc_id == "returns.md" and doc.source == str(path)
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # of the file, not the cleaned text


def test_html_becomes_headings_paragraphs_and_list_items(tmp_path: Path) -> None:
    html = (
        "<html><head><style>p{}</style><script>alert(1)</script></head><body>"
        "<h2>Shipping</h2><p>Standard   shipping is <b>free</b>.</p>"
        "<ul><li><p>Express costs $12.</p></li><li>Next day costs $20.</li></ul></body></html>"
    )
    doc = load_document(_write(tmp_path / "ship.html", html), doc_id="ship.html")
    assert doc.text == "## Shipping\n\nStandard shipping is free .\n\n- Express costs $12.\n\n- Next day costs $20.\n"
    assert doc.title == "Shipping"


def test_a_saved_web_page_is_read_without_its_menu_header_footer_and_sidebar(tmp_path: Path) -> None:
    furniture = (
        "<header><a href='/'>Acme Help</a><nav><ul><li>Home</li><li>Contact us</li></ul></nav></header>"
        "<div role='navigation'><ol><li>Help</li><li>Returns</li></ol></div>"
    )
    footer = "<aside><h3>Related</h3><ul><li>Refunds</li></ul></aside><footer><p>(c) Acme. Privacy.</p></footer>"
    article = (
        "<article><header><h1>Returns</h1></header><p>Return any item within 30 days.</p>"
        "<aside><p>Note: sale items are final.</p></aside></article>"
    )
    bare = load_document(_write(tmp_path / "a.html", f"<body>{furniture}{article}{footer}</body>"), doc_id="a.html")
    assert bare.text == "# Returns\n\nReturn any item within 30 days.\n\nNote: sale items are final.\n"
    assert bare.title == "Returns"
    # With a <main>, only what it holds is read.
    main = f"<body>{furniture}<main><h1>Returns</h1><p>Within 30 days.</p><nav><ul><li>Top</li></ul></nav></main>"
    assert load_document(_write(tmp_path / "b.html", main + f"{footer}</body>"), doc_id="b").text == (
        "# Returns\n\nWithin 30 days.\n"
    )
    # Several articles on one page (an FAQ list): every one is kept, the page furniture is not.
    faq = f"<body>{furniture}<article><p>Q1 answer.</p></article><article><p>Q2 answer.</p></article>{footer}</body>"
    assert load_document(_write(tmp_path / "c.html", faq), doc_id="c").text == "Q1 answer.\n\nQ2 answer.\n"


def test_plain_text_is_kept_and_titled_by_its_first_line(tmp_path: Path) -> None:
    doc = load_document(_write(tmp_path / "store-hours.txt", "\n\n  Open 9 to 6.\r\nClosed on Sundays.\n"), doc_id="s")
    assert doc.text == "Open 9 to 6.\nClosed on Sundays.\n" and doc.title == "Open 9 to 6."
    empty = load_document(_write(tmp_path / "gift_cards.txt", "   \n"), doc_id="g")
    assert empty.title == "Gift cards"


def test_unsupported_large_and_binary_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unsupported file type '\.pdf'"):
        load_document(_write(tmp_path / "a.pdf", "x"), doc_id="a")
    with pytest.raises(InputError, match="not UTF-8"):
        load_document(_write(tmp_path / "b.txt", b"\xff\xfe\x00bad"), doc_id="b")
    with pytest.raises(InputError, match="byte limit"):
        load_document(_write(tmp_path / "c.txt", b"a" * (MAX_FILE_BYTES + 1)), doc_id="c")


def test_discover_names_documents_by_relative_path_and_skips_hidden_ones(tmp_path: Path) -> None:
    _write(tmp_path / "kb" / "returns" / "devices.md", "# Devices")
    _write(tmp_path / "kb" / "faq.HTML", "<p>FAQ</p>")
    _write(tmp_path / "kb" / "logo.png", b"\x89PNG")
    _write(tmp_path / "kb" / ".drafts" / "wip.md", "# WIP")
    _write(tmp_path / "kb" / ".hidden.md", "# Hidden")
    assert [doc_id for doc_id, _ in discover(tmp_path / "kb")] == ["faq.HTML", "returns/devices.md"]
    single = tmp_path / "kb" / "returns" / "devices.md"
    assert discover(single) == [("devices.md", single)]


def test_discover_refuses_missing_empty_and_unsupported_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        discover(tmp_path / "nowhere")
    with pytest.raises(InputError, match="no Markdown, text or HTML files"):
        discover(_write(tmp_path / "only" / "logo.png", b"\x89PNG").parent)
    with pytest.raises(InputError, match="unsupported file type"):
        discover(tmp_path / "only" / "logo.png")
