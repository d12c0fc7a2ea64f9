"""LangChain values in and out: text, `Document`s and a chain's output, as ragfort types.

The one place where text from LangChain enters ragfort (`plain_text`), and
where a wrapped chain's output is read (`extract_output`). Key discovery: the
answer is found under ``answer`` (then ``result``, ``output``), the documents
under ``context``, ``docs``, ``documents`` or ``source_documents``, unless
keys are given explicitly. An answer may be text, a message, or a structured
value (a dict from ``JsonOutputParser``, a pydantic object from
``with_structured_output``) whose own ``answer`` (``result``, ``output``)
field is the text. A chain with no answer key whose output carries
``messages`` (a LangGraph state) answers with the last AI message it added.

Documents: ids are capped at `MAX_ID_CHARS` and metadata values at
`MAX_METADATA_CHARS` (a retriever's 1 MB metadata value must not reach cache
entries, traces or the JSON); exact repeats of a passage are dropped, and two
different passages claiming the same id and offsets get ``#<position>``
suffixed ids so that every citation names the passage it quotes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.documents import Document
from langchain_core.messages import BaseMessage, convert_to_messages
from pydantic import BaseModel

from ragfort.errors import ChainError
from ragfort.text import sentence_spans
from ragfort.types import Passage

__all__ = [
    "ANSWER_KEYS",
    "DOCUMENT_KEYS",
    "MAX_ID_CHARS",
    "MAX_METADATA_CHARS",
    "VISIBILITY_KEY",
    "distinct_passages",
    "extract_output",
    "last_ai_message",
    "message_list",
    "passage_from_document",
    "passage_to_document",
    "plain_text",
    "structured_answer",
]

ANSWER_KEYS = ("answer", "result", "output")
# A Document whose metadata says ``visibility: public`` comes from a source declared public (see `Passage.public`).
VISIBILITY_KEY = "visibility"
DOCUMENT_KEYS = ("context", "docs", "documents", "source_documents")
MAX_ID_CHARS = 256
MAX_METADATA_CHARS = 2048


# -- conversion --------------------------------------------------------------
def plain_text(value: Any, what: str, *, error: type[Exception] = ChainError) -> str:
    """`value` as an exact `str`: the one place where text from LangChain enters ragfort.

    LangChain hands out `str` subclasses (1.8's `StrOutputParser` returns a
    `TextAccessor`), message objects and, from some loaders, bytes. spaCy and
    other C extensions accept only an exact `str`, so every text the wrapper
    takes in (the question, the answer, each passage) passes through here and
    no guard ever sees anything else.

    Raises:
        error: `value` is not text (named by `what`), or bytes that are not UTF-8.
    """
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str.__str__(value)  # an exact copy; a subclass's own __str__ is not trusted
    if isinstance(value, BaseMessage):
        return plain_text(value.text, what, error=error)
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"{what} is bytes that are not UTF-8 ({exc.reason} at byte {exc.start})") from None
    raise error(f"{what} is a {type(value).__name__}, expected text (str, bytes or a message)")


def passage_from_document(doc: Document | str, position: int = 0) -> Passage:
    """A `Passage` from a LangChain `Document` (or a bare string).

    Metadata written by ragfort's ingest (doc_id, start, chunk_id, sentences,
    title, score) is honoured, and so is ``start_index`` (LangChain's text
    splitters with ``add_start_index=True``); for other documents the doc id
    falls back to ``source``, ``id``, the Document's own id or the position.
    Ids longer than `MAX_ID_CHARS` and metadata values longer than
    `MAX_METADATA_CHARS` (as JSON) are cut (see `_capped`).
    """
    if isinstance(doc, str):
        text = plain_text(doc, f"retrieved item {position}")
        return Passage(text=text, doc_id=f"doc-{position}", sentences=tuple(sentence_spans(text)))
    if not isinstance(doc, Document):
        raise ChainError(f"retrieved item {position} is a {type(doc).__name__}, expected a langchain Document")
    md = dict(doc.metadata or {})
    text = plain_text(doc.page_content, f"retrieved document {position}'s page_content")
    doc_id = _capped_id(md.get("doc_id") or md.get("source") or md.get("id") or doc.id or f"doc-{position}")
    start = md.get("start", md.get("start_index", 0))
    sentences: tuple[tuple[int, int], ...]
    raw = md.get("sentences")
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else None
        sentences = tuple((int(a), int(b)) for a, b in parsed) if parsed else tuple(sentence_spans(text))
    except (ValueError, TypeError):
        sentences = tuple(sentence_spans(text))
    if any(not 0 <= a <= b <= len(text) for a, b in sentences):
        sentences = tuple(sentence_spans(text))  # offsets from another text would cite the wrong span
    score = md.get("score", md.get("relevance_score"))
    return Passage(
        text=text,
        doc_id=doc_id,
        source=_capped_id(md["source"]) if md.get("source") is not None else doc_id,
        title=_capped_id(md.get("title", "")),
        start=start if isinstance(start, int) and not isinstance(start, bool) and start >= 0 else 0,
        chunk_id=_capped_id(md.get("chunk_id") or doc.id or ""),
        score=float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None,
        sentences=sentences,
        metadata={str(k)[:MAX_ID_CHARS]: _capped(v) for k, v in md.items()},
    )


def _capped_id(value: Any) -> str:
    """`value` as an id of at most `MAX_ID_CHARS`; a longer one keeps a digest of the rest so ids stay distinct."""
    text = str(value)
    if len(text) <= MAX_ID_CHARS:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{text[: MAX_ID_CHARS - 17]}#{digest}"


def _capped(value: Any) -> Any:
    """A metadata value no larger than `MAX_METADATA_CHARS` as JSON: long text is cut, big containers summarised."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if len(value) <= MAX_METADATA_CHARS:
            return value
        return f"{value[:MAX_METADATA_CHARS]}… [cut by ragfort: {len(value)} chars]"
    if isinstance(value, (bytes, bytearray)):
        return f"[{len(value)} bytes: dropped by ragfort]"
    try:
        size = len(json.dumps(value, default=str))
    except (TypeError, ValueError, RecursionError):
        return f"[a {type(value).__name__}: not JSON, dropped by ragfort]"
    if size <= MAX_METADATA_CHARS:
        return value
    return f"[a {type(value).__name__} of {size} chars as JSON: dropped by ragfort]"


def distinct_passages(passages: list[Passage]) -> list[Passage]:
    """Drop exact repeats; give a passage whose id and offsets collide with a different one a ``#position`` id.

    Citations name a span by (doc_id, start, end), so two different texts
    under one id at overlapping offsets would make a citation ambiguous (the
    cited quote could come from the other passage).
    """
    seen: set[tuple[str, int, str]] = set()
    spans: dict[str, list[tuple[int, int]]] = {}
    out: list[Passage] = []
    for position, p in enumerate(passages):
        key = (p.doc_id, p.start, p.text)
        if key in seen:
            continue
        seen.add(key)
        if any(p.start < end and start < p.end for start, end in spans.get(p.doc_id, ())):
            p = dataclasses.replace(p, doc_id=f"{p.doc_id[: MAX_ID_CHARS - 8]}#{position}")
        spans.setdefault(p.doc_id, []).append((p.start, p.end))
        out.append(p)
    return out


def passage_to_document(passage: Passage) -> Document:
    """A LangChain `Document` carrying the passage's ragfort metadata."""
    # Vectors stay out of Documents: they are not JSON and callers never need them.
    md = {k: v for k, v in passage.metadata.items() if k != "sentence_vectors"}
    md.update(
        doc_id=passage.doc_id,
        source=passage.source,
        title=passage.title,
        start=passage.start,
        chunk_id=passage.chunk_id,
        sentences=json.dumps([list(s) for s in passage.sentences]),
    )
    md[VISIBILITY_KEY] = "public" if passage.public else "private"
    if passage.score is not None:
        md["score"] = passage.score
    return Document(page_content=passage.text, metadata=md, id=passage.chunk_id or None)


def _answer_text(value: Any, key: str) -> str:
    if isinstance(value, (str, BaseMessage)):
        return plain_text(value, f"the chain's {key!r}")
    inner = structured_answer(value)
    if inner is not None:
        return _answer_text(inner[1], f"{key}.{inner[0]}")
    raise ChainError(
        f"the chain's {key!r} is a {type(value).__name__}, expected str, an AIMessage, or a dict or pydantic "
        f"object with one of the fields {ANSWER_KEYS!r}"
    )


def structured_answer(value: Any) -> tuple[str, Any] | None:
    """(field, value) of the answer inside a structured answer (JsonOutputParser's dict, a pydantic object)."""
    if isinstance(value, BaseModel):
        value = {name: getattr(value, name) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        for name in ANSWER_KEYS:
            if name in value:
                return name, value[name]
    return None


def last_ai_message(output: Mapping[Any, Any], sent: Sequence[BaseMessage] = ()) -> BaseMessage | None:
    """The last AI message the chain added to a LangGraph-style ``messages`` list, if any.

    A graph returns the conversation it was given followed by its own
    messages: when the output starts with the `sent` messages, only what
    follows them counts, so an answer from earlier in the conversation is
    never taken for this question's answer.
    """
    messages = output.get("messages")
    if not isinstance(messages, Sequence) or isinstance(messages, (str, bytes)):
        return None
    if sent and len(messages) >= len(sent) and all(map(_same_message, messages, sent)):
        messages = messages[len(sent) :]
    for message in reversed(messages):
        if isinstance(message, BaseMessage) and message.type in ("ai", "AIMessageChunk"):
            return message
    return None


def _same_message(a: Any, b: BaseMessage) -> bool:
    return isinstance(a, BaseMessage) and a.type == b.type and a.content == b.content


def message_list(value: Any) -> list[BaseMessage] | None:
    """`value` as messages when it is a non-empty list of messages or message-likes (("user", "hi"), dicts)."""
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)) or not value:
        return None
    try:
        return convert_to_messages(value)
    except (ValueError, TypeError, NotImplementedError):
        return None


def extract_output(
    output: Any,
    *,
    answer_key: str | None = None,
    documents_key: str | None = None,
    sent_messages: Sequence[BaseMessage] = (),
) -> tuple[str, list[Passage]]:
    """The answer and passages from a chain's output, by explicit key or convention.

    `sent_messages` are the ``messages`` the chain was given; a graph's
    output repeats them before its own, and they are skipped when looking
    for the answer among AI messages.

    Raises:
        ChainError: no answer could be found; the message lists the keys present.
    """
    if isinstance(output, (str, BaseMessage)):
        return _answer_text(output, "output"), []
    if not isinstance(output, Mapping):
        raise ChainError(f"the chain returned a {type(output).__name__}; expected a dict with an answer and documents")
    keys = [answer_key] if answer_key else [k for k in ANSWER_KEYS if k in output]
    if keys and keys[0] in output:
        answer = _answer_text(output[keys[0]], keys[0])
    elif not answer_key and (message := last_ai_message(output, sent_messages)) is not None:
        answer = _answer_text(message, "messages[-1]")
    else:
        raise ChainError(
            f"no answer in the chain's output (looked for {answer_key or ANSWER_KEYS!r} and a new AI message in "
            f"'messages'; keys present: {sorted(map(str, output))!r}); pass answer_key= to harden()"
        )
    if documents_key:
        if documents_key not in output:
            raise ChainError(f"documents_key {documents_key!r} not in the chain's output {sorted(map(str, output))!r}")
        docs = output[documents_key]
    else:
        docs = next((output[k] for k in DOCUMENT_KEYS if k in output), [])
    if docs is None:
        docs = []
    if not isinstance(docs, Sequence) or isinstance(docs, (str, bytes)):
        raise ChainError(f"the chain's documents are a {type(docs).__name__}, expected a list of Documents")
    return answer, distinct_passages([passage_from_document(d, i) for i, d in enumerate(docs)])
