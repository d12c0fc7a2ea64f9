"""Replacing detected values: typed placeholders, masks, salted hashes, drops.

Placeholder namespaces
----------------------
* **Session placeholders** ``<PERSON_1>``: a counter per entity type within
  one session. The same value (compared after case and, for number-like
  types, punctuation folding) always gets the same placeholder in the
  question, the passages and the answer, so an LLM can reason about
  "<PERSON_1>" and grounding compares like with like. They are reversible:
  the `SessionMapping` is stored in the vault under (tenant, session).
* **Corpus placeholders** ``<PERSON_D3f9a2c1b>``: documents are redacted at
  ingest, where there is no session. A ``D`` and a keyed hash of the value
  (HMAC with a key derived from the vault key) make them deterministic (the
  same name in two documents gets the same tag, and re-ingesting gives the same
  text, so chunk ids stay stable) and disjoint from session placeholders,
  whose suffix is all digits. They are not stored anywhere: document data is
  not the customer's own, so nothing restores them.
* **Hash** ``<EMAIL_ADDRESS_H9c1e0d7a2b4f>``: the ``hash`` operator, salted per
  tenant; linkable within a tenant, never across tenants, never reversed.

User-typed placeholder syntax
-----------------------------
A customer (or a document) may type "<PERSON_1>". Before redaction such
strings are *neutralised*: their angle brackets become ‹ and ›, so they can
never be mistaken for, or restored as, a real placeholder. Restoration only
looks up the current session's own mapping in any case, so another session's
values are out of reach even without neutralising.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field

from ragfort.pii.detect import Detection
from ragfort.pii.settings import SUPPORT_DESK_ENTITIES, PIISettings
from ragfort.pii.vault import VaultKeys, VaultRecord
from ragfort.text import PLACEHOLDER_RE

__all__ = [
    "PLACEHOLDER_RE",
    "RedactedText",
    "Replacement",
    "SessionMapping",
    "apply",
    "neutralize",
    "placeholder_spans",
]

# PLACEHOLDER_RE (from ragfort.text, so retrieval can use it without the PII stack) matches every
# placeholder ragfort writes: session (<X_1>), corpus (<X_Dhex>), hash (<X_Hhex>).
# Anything that looks like one, in any case, with any brackets a user may type.
_LOOKALIKE = re.compile(r"<\s*([A-Za-z][A-Za-z0-9_]*_[A-Za-z]?[0-9A-Fa-f]+)\s*>")
# Types whose values are compared on their letters and digits only.
_NUMBERLIKE = frozenset(
    {
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "IBAN_CODE",
        "US_SSN",
        "US_DRIVER_LICENSE",
        "US_PASSPORT",
        "US_BANK_NUMBER",
        *SUPPORT_DESK_ENTITIES,
    }
)
_NON_ALNUM = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")


def neutralize(text: str, *, keep: Container[str] = ()) -> str:
    """Turn placeholder look-alikes typed by a user into inert text (``<PERSON_1>`` → ``‹PERSON_1›``).

    Args:
        text: the text.
        keep: placeholders to leave as they are: the session's own, in
            history that ragfort redacted earlier in the same session.
    """
    return _LOOKALIKE.sub(lambda m: m.group(0) if m.group(0) in keep else f"‹{m.group(1)}›", text)


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    """Spans of real-looking placeholders in `text` (never redacted again)."""
    return [m.span() for m in PLACEHOLDER_RE.finditer(text)]


def _norm(entity: str, value: str) -> str:
    if entity in _NUMBERLIKE:
        return _NON_ALNUM.sub("", value).casefold()
    return _SPACES.sub(" ", value).strip().casefold()


@dataclass(frozen=True, slots=True)
class Replacement:
    """One replaced span: where it was in the input text and what replaced it.

    Never holds the original value.
    """

    entity: str
    start: int
    end: int
    score: float
    placeholder: str


@dataclass(frozen=True, slots=True)
class RedactedText:
    """The result of `apply`: the new text and what was replaced in it."""

    text: str
    replacements: tuple[Replacement, ...]

    @property
    def changed(self) -> bool:
        """True if anything was replaced."""
        return bool(self.replacements)


@dataclass(eq=False)
class SessionMapping:
    """A session's placeholder ↔ value mapping. Lives in `RunContext.state`; persisted via the vault.

    Args:
        tenant: who owns the session.
        session: the session (or, without one, the request's trace id).
        records: mappings loaded from the vault.
    """

    tenant: str
    session: str
    records: dict[str, VaultRecord] = field(default_factory=dict)
    _by_value: dict[str, str] = field(default_factory=dict, repr=False)
    _counters: dict[str, int] = field(default_factory=dict, repr=False)
    _unsaved: list[VaultRecord] = field(default_factory=list, repr=False)

    @classmethod
    def from_records(cls, tenant: str, session: str, records: Iterable[VaultRecord]) -> SessionMapping:
        """A mapping rebuilt from vault records."""
        mapping = cls(tenant=tenant, session=session)
        for record in records:
            m = PLACEHOLDER_RE.fullmatch(record.placeholder)
            if m is None or not m.group(2).isdigit():
                continue
            mapping.records[record.placeholder] = record
            mapping._by_value[_norm(record.entity, record.value)] = record.placeholder
            mapping._counters[m.group(1)] = max(mapping._counters.get(m.group(1), 0), int(m.group(2)))
        return mapping

    def placeholder_for(self, entity: str, value: str, *, from_customer: bool = False) -> str:
        """The session placeholder of `value`, allocating the next number if new.

        Args:
            entity: the entity type.
            value: the raw value.
            from_customer: the customer typed it (makes it restorable for them).
        """
        key = _norm(entity, value)
        existing = self._by_value.get(key)
        if existing is not None:
            record = self.records[existing]
            if from_customer and not record.from_customer:
                record = dataclasses.replace(record, from_customer=True)
                self.records[existing] = record
                self._unsaved.append(record)
            return existing
        number = self._counters.get(entity, 0) + 1
        self._counters[entity] = number
        placeholder = f"<{entity}_{number}>"
        record = VaultRecord(placeholder=placeholder, entity=entity, value=value, from_customer=from_customer)
        self.records[placeholder] = record
        self._by_value[key] = placeholder
        self._unsaved.append(record)
        return placeholder

    def known_values(self) -> list[tuple[str, str]]:
        """(entity, value) pairs this session has seen, longest value first."""
        pairs = [(r.entity, r.value) for r in self.records.values()]
        return sorted(pairs, key=lambda p: -len(p[1]))

    def take_unsaved(self) -> list[VaultRecord]:
        """Records created since the last call (to write to the vault)."""
        out, self._unsaved = self._unsaved, []
        return out

    def restore(self, text: str) -> str:
        """Put the customer's own values back for this session's placeholders; other text is untouched."""

        def sub(m: re.Match[str]) -> str:
            record = self.records.get(m.group(0))
            return record.value if record is not None and record.from_customer else m.group(0)

        return PLACEHOLDER_RE.sub(sub, text)


def known_value_detections(
    text: str, mapping: SessionMapping, *, protected: Sequence[tuple[int, int]] = ()
) -> list[Detection]:
    """Exact occurrences of values this session already redacted.

    An LLM may echo "Jane" in a context where NER misses it; a value the
    session already mapped is personal data wherever it appears again.
    """
    found: list[Detection] = []
    for entity, value in mapping.known_values():
        if len(value.strip()) < 3:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)
        for m in pattern.finditer(text):
            if any(m.start() < pe and ps < m.end() for ps, pe in protected):
                continue
            if any(m.start() < d.end and d.start < m.end() for d in found):
                continue
            found.append(Detection(entity, m.start(), m.end(), 1.0))
    return found


def merge(primary: list[Detection], extra: list[Detection]) -> list[Detection]:
    """`primary` plus the `extra` detections that overlap none of them, by position."""
    out = list(primary)
    for d in extra:
        if all(d.end <= p.start or d.start >= p.end for p in primary):
            out.append(d)
    return sorted(out, key=lambda d: d.start)


def _mask(value: str) -> str:
    # Keep separators so the shape stays readable ("****-****-****-****").
    return "".join("*" if ch.isalnum() else ch for ch in value)


def apply(
    text: str,
    detections: Sequence[Detection],
    *,
    settings: PIISettings,
    mapping: SessionMapping | None = None,
    keys: VaultKeys | None = None,
    tenant: str = "default",
    corpus_namespace: str | None = None,
    from_customer: bool = False,
) -> RedactedText:
    """Replace `detections` in `text` using each entity's operator.

    Args:
        text: the text the detections were found in.
        detections: non-overlapping spans.
        settings: operators per entity.
        mapping: the session mapping for session placeholders.
        keys: vault keys, for hash salts and corpus tags.
        tenant: whose salt the ``hash`` operator uses.
        corpus_namespace: when set, placeholders are corpus placeholders
            (``<PERSON_Dxxxxxxxx>``) keyed on this namespace instead of session ones.
        from_customer: the text is the customer's own (the question).

    Returns:
        The new text and one `Replacement` per detection (offsets into `text`).
    """
    pieces: list[str] = []
    replacements: list[Replacement] = []
    last = 0
    for d in sorted(detections, key=lambda d: d.start):
        value = text[d.start : d.end]
        operator = settings.operator(d.entity)
        if operator == "drop":
            new = ""
        elif operator == "mask":
            new = _mask(value)
        elif operator == "hash":
            if keys is None:
                raise ValueError("the hash operator needs vault keys for the tenant salt")
            digest = hmac.new(keys.tenant_salt(tenant), _norm(d.entity, value).encode(), hashlib.sha256)
            new = f"<{d.entity}_H{digest.hexdigest()[:12]}>"
        elif corpus_namespace is not None:
            if keys is None:
                raise ValueError("corpus placeholders need vault keys")
            new = f"<{d.entity}_D{keys.corpus_tag(corpus_namespace, _norm(d.entity, value))}>"
        else:
            if mapping is None:
                raise ValueError("session placeholders need a SessionMapping")
            new = mapping.placeholder_for(d.entity, value, from_customer=from_customer)
        pieces.append(text[last : d.start])
        pieces.append(new)
        last = d.end
        replacements.append(Replacement(d.entity, d.start, d.end, d.score, new))
    pieces.append(text[last:])
    return RedactedText("".join(pieces), tuple(replacements))
