"""Example questions for the chat page's empty state, drawn from the index it serves.

A first-time user sees an empty page; the page greets them with the help
center's name and three questions it can answer. Both come from the index
the caller is served from, so they fit whatever corpus is loaded:

* the name is ``name:`` in the corpus folder's ``ragfort-source.yaml`` (the
  manifest records each document's folder), else that folder's name;
* the questions are document titles turned into questions ("How to Start a
  Return" → "How do I start a return?", "Trading In a Phone" → "How do I
  trade in a phone?"), one per top-level section, biggest sections first.

Only public documents give examples: a private corpus's titles (tickets,
chats) may carry personal data, and the page shows them to anyone it serves.
A title is lower-cased word by word only where the document itself writes
the word in lower case, so product names keep their capitals; a title that
does not make a clear question (a noun phrase, a verb form the document never
uses) gives none rather than a clumsy one.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ragfort.errors import ConfigError
from ragfort.index.store import SOURCE_FILE, Index

__all__ = ["ExampleBook", "HelpCenter", "describe", "title_question"]

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_LOWER_WORD = re.compile(r"[a-z][a-z'-]*")
_PUNCT = ".,;:!?()[]{}\"'*_`<>"
_HOW_TO = re.compile(r"^how to\s+(?P<rest>.+)$", re.IGNORECASE)
# "Upgrading or Downgrading Your Plan": a gerund after these joins the first one's verb form.
_JOINERS = {"or", "and"}


@dataclass(frozen=True, slots=True)
class HelpCenter:
    """What the page says before the first question.

    Attributes:
        name: the help center's name (None when the index does not say where it came from).
        examples: questions taken from its documents, at most the number asked for.
    """

    name: str | None
    examples: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "examples": list(self.examples)}


def _verb(gerund: str, vocab: set[str]) -> str | None:
    # "Setting" → set, "Trading" → trade, "Returning" → return: the first form the document uses.
    stem = gerund[:-3].lower()
    candidates = [stem, stem + "e"]
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsfz":
        candidates.insert(0, stem[:-1])
    return next((c for c in candidates if c in vocab), None)


def _is_gerund(word: str) -> bool:
    return len(word) > 5 and word.lower().endswith("ing") and word[1:].islower()


def _vocabulary(body: str) -> set[str]:
    # Whole words only: "voltwise" in help.voltwise.com is a host name, not the brand in lower case.
    words: set[str] = set()
    for token in body.split():
        token = token.strip(_PUNCT)
        if _LOWER_WORD.fullmatch(token):
            words.add(token)
            words.update(part for part in token.split("-") if part)
    return words


def title_question(title: str, body: str) -> str | None:
    """`title` as a question a customer would ask, in the words of the document's `body`; None if unclear."""
    title = " ".join(title.split())
    if title.endswith("?"):
        return title
    vocab = _vocabulary(body)

    def case(match: re.Match[str]) -> str:
        word = match.group(0)
        if word == "Your":
            return "my"
        if word[0].isupper() and word[1:].islower() and word.lower() in vocab:
            return word.lower()
        return word

    how_to = _HOW_TO.match(title)
    if how_to:
        return f"How do I {_WORD.sub(case, how_to.group('rest'))}?"
    words = title.split(" ")
    if not _is_gerund(words[0]):
        return None
    out: list[str] = []
    for i, word in enumerate(words):
        if i == 0 or (_is_gerund(word) and words[i - 1].lower() in _JOINERS):
            verb = _verb(word, vocab)
            if verb is None:
                return None
            out.append(verb)
        else:
            out.append(_WORD.sub(case, word))
    return f"How do I {' '.join(out)}?"


def _name(roots: Counter[str]) -> str | None:
    if not roots:
        return None
    root = Path(roots.most_common(1)[0][0])
    marker = root / SOURCE_FILE
    try:
        text = marker.read_text(encoding="utf-8")
    except OSError:
        text = ""  # the corpus folder need not be on the serving machine
    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{marker}: cannot read it as YAML ({type(exc).__name__})") from None
    value = data.get("name") if isinstance(data, dict) else None
    if value is not None:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{marker}: name must be a non-empty string, got {value!r}")
        return value.strip()
    plain = re.sub(r"[_-]+", " ", root.name).strip()
    return plain[:1].upper() + plain[1:] if plain else None


def describe(
    documents: Mapping[str, Mapping[str, Any]], text: Callable[[str], str], *, count: int = 3
) -> HelpCenter:
    """The help center's name and up to `count` example questions.

    Args:
        documents: the index manifest's documents (doc id → title, public, root).
        text: a document's indexed text by doc id (for its words' case).
        count: how many examples.

    Raises:
        ConfigError: the corpus folder's source file names no usable name.
    """
    roots = Counter(str(d["root"]) for d in documents.values() if d.get("root"))
    sections: dict[str, list[str]] = {}
    sizes: Counter[str] = Counter()
    for doc_id in sorted(documents):
        meta = documents[doc_id]
        if meta.get("public") is not True:
            continue
        section = doc_id.split("/", 1)[0] if "/" in doc_id else ""
        sizes[section] += 1
        title = str(meta.get("title") or "")
        question = title_question(title, text(doc_id)) if title else None
        if question is not None:
            sections.setdefault(section, []).append(question)
    # Converted titles before titles that already were questions (those keep their title case) and
    # before asides in brackets, then short first.
    ranked = [
        sorted(qs, key=lambda q: (not q.startswith("How do I "), "(" in q, len(q), q))
        for _, qs in sorted(sections.items(), key=lambda item: (-sizes[item[0]], item[0]))
    ]
    picked: list[str] = []
    depth = 0
    while len(picked) < count and any(len(qs) > depth for qs in ranked):
        picked += [qs[depth] for qs in ranked if len(qs) > depth and qs[depth] not in picked]
        depth += 1
    return HelpCenter(name=_name(roots), examples=tuple(picked[:count]))


class ExampleBook:
    """Each index folder's `HelpCenter`, made again only when the index changes (a new ingest)."""

    def __init__(self) -> None:
        self._indexes: dict[str, Index] = {}
        self._made: dict[str, tuple[str, HelpCenter]] = {}
        self._lock = threading.Lock()

    def get(self, index: str) -> HelpCenter:
        """The help center served from index folder `index`."""
        with self._lock:
            idx = self._indexes.setdefault(index, Index(index))
            version = idx.version
            made = self._made.get(index)
            if made is None or made[0] != version:
                made = (version, describe(idx.manifest.documents, idx.document_text))
                self._made[index] = made
            return made[1]
