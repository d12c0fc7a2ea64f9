"""Turn Markdown, plain-text and HTML files into the text that gets indexed.

The indexed text is what citations point into, so it is kept readable:
inline Markdown markup (emphasis, links, images, code ticks) is dropped,
while heading lines keep their ``#`` markers, which chunking uses to find
sections (the sentence splitter never includes the markers in a quote).
HTML becomes the same Markdown-like text: headings as ``#`` lines, block
elements as paragraphs, list items as ``- `` lines.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragfort.errors import InputError

__all__ = ["SUFFIXES", "LoadedDocument", "discover", "load_document"]

SUFFIXES = frozenset({".md", ".markdown", ".txt", ".text", ".html", ".htm"})
MAX_FILE_BYTES = 5 * 1024 * 1024

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?!\w)")
_CODE = re.compile(r"`([^`\n]+)`")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """A file read for indexing: `text` is what gets indexed."""

    doc_id: str
    source: str
    title: str
    text: str
    sha256: str


def _clean_markdown(raw: str) -> str:
    lines = []
    in_fence = False
    for line in raw.splitlines():
        if line.strip().startswith("```"):
            in_fence = not in_fence
            continue
        if not in_fence:
            line = _IMAGE.sub(r"\1", line)
            line = _LINK.sub(r"\1", line)
            line = _BOLD.sub(r"\2", line)
            line = _ITALIC.sub(r"\1", line)
            line = _CODE.sub(r"\1", line)
            if line.lstrip().startswith(">"):
                line = line.lstrip()[1:].lstrip()
        lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def _html_to_text(raw: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    body = _page_content(soup)
    blocks: list[str] = []
    for el in body.find_all(
        ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "pre", "blockquote", "dt", "dd"]
    ):
        # Only leaf-level blocks: a <p> inside an <li> is read with the <li>.
        if el.find_parent(["li", "p", "td", "th", "blockquote", "pre", "dd"]) is not None:
            continue
        text = " ".join(el.get_text(" ", strip=True).split())
        if not text:
            continue
        if el.name and el.name[0] == "h" and el.name[1:].isdigit():
            blocks.append("#" * int(el.name[1:]) + " " + text)
        elif el.name == "li":
            blocks.append("- " + text)
        else:
            blocks.append(text)
    if not blocks:
        blocks = [" ".join(body.get_text(" ", strip=True).split())]
    return "\n\n".join(b for b in blocks if b).strip() + "\n"


def _page_content(soup: Any) -> Any:
    """The part of a saved web page that holds the article, without the site's navigation and page furniture.

    A help-center page saved from the web repeats the site's menu, header, footer and sidebar on every
    page; indexed, they become near-identical chunks in every document that retrieval returns for any
    question about contacting, signing in or the site itself. The page's one ``<main>`` (or
    ``role="main"``), else its one ``<article>``, holds the article; without either, the body is read
    with page-level ``<header>``, ``<footer>`` and ``<aside>`` left out (those inside an article stay:
    an article's own header holds its title). Navigation (``<nav>``, ``role="navigation"``) is left
    out wherever it stands.
    """
    mains = soup.find_all("main") or soup.find_all(attrs={"role": "main"})
    articles = soup.find_all("article")
    root = mains[0] if len(mains) == 1 else articles[0] if not mains and len(articles) == 1 else soup.body or soup
    for tag in root.find_all(["nav"]) + root.find_all(attrs={"role": "navigation"}):
        if not tag.decomposed:
            tag.decompose()
    if root is soup.body or root is soup:
        for tag in root.find_all(["header", "footer", "aside"]):
            if not tag.decomposed and tag.find_parent(["article", "main"]) is None:
                tag.decompose()
    return root


def _title(text: str, path: Path) -> str:
    m = _HEADING.search(text)
    if m:
        return m.group(2).strip()
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:120]
    return path.stem.replace("-", " ").replace("_", " ").capitalize()


def load_document(path: Path, *, doc_id: str) -> LoadedDocument:
    """Read one file into a `LoadedDocument`.

    Raises:
        InputError: unsupported suffix, too large, or not UTF-8 text.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path}: unsupported file type {suffix!r}; expected one of {sorted(SUFFIXES)}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path}: {size} bytes is over the {MAX_FILE_BYTES}-byte limit for one document")
    data = path.read_bytes()
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc})") from None
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if suffix in (".html", ".htm"):
        text = _html_to_text(raw)
    elif suffix in (".md", ".markdown"):
        text = _clean_markdown(_HTML_COMMENT.sub("", raw))
    else:
        text = raw.strip() + "\n"
    return LoadedDocument(
        doc_id=doc_id,
        source=str(path),
        title=_title(text, path),
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def discover(root: Path) -> list[tuple[str, Path]]:
    """`(doc_id, path)` for every supported file under `root` (or `root` itself).

    The doc id is the path relative to `root` with forward slashes; for a
    single file it is the file name. Hidden files and folders are skipped.

    Raises:
        InputError: `root` does not exist or holds no supported file.
    """
    if not root.exists():
        raise InputError(f"path does not exist: {str(root)!r}")
    if root.is_file():
        if root.suffix.lower() not in SUFFIXES:
            raise InputError(f"{root}: unsupported file type {root.suffix!r}; expected one of {sorted(SUFFIXES)}")
        return [(root.name, root)]
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            found.append((rel.as_posix(), path))
    if not found:
        raise InputError(f"no Markdown, text or HTML files under {str(root)!r}")
    return found
