"""Replacing detected values: one placeholder per value per session, masks, salted hashes, corpus tags, drops."""

from __future__ import annotations

import pytest

from ragfort.pii.detect import Detection
from ragfort.pii.pseudonym import (
    PLACEHOLDER_RE,
    SessionMapping,
    apply,
    known_value_detections,
    merge,
    neutralize,
    placeholder_spans,
)
from ragfort.pii.settings import PIISettings
from ragfort.pii.vault import VaultKeys, VaultRecord

SETTINGS = PIISettings()


def _find(text: str, entity: str, value: str) -> Detection:
    start = text.index(value)
    return Detection(entity, start, start + len(value), 0.9)


def test_the_same_value_keeps_its_placeholder_and_new_ones_count_up() -> None:
    mapping = SessionMapping(tenant="acme", session="s1")
    assert mapping.placeholder_for("PERSON", "Ana Souza") == "<PERSON_1>"
    assert mapping.placeholder_for("PERSON", "  ana   SOUZA ") == "<PERSON_1>"  # case and spacing folded
    assert mapping.placeholder_for("PERSON", "Tom Becker") == "<PERSON_2>"
    assert mapping.placeholder_for("PHONE_NUMBER", "+1 (555) 013-2288") == "<PHONE_NUMBER_1>"
    assert mapping.placeholder_for("PHONE_NUMBER", "15550132288") == "<PHONE_NUMBER_1>"  # digits compared
    assert [r.placeholder for r in mapping.take_unsaved()] == ["<PERSON_1>", "<PERSON_2>", "<PHONE_NUMBER_1>"]
    assert mapping.take_unsaved() == []


def test_only_the_customers_own_values_are_restored() -> None:
    mapping = SessionMapping(tenant="acme", session="s1")
    mine = mapping.placeholder_for("EMAIL_ADDRESS", "ana@example.com", from_customer=True)
    agent = mapping.placeholder_for("PERSON", "Tom Becker")  # from a passage: not the customer's to see
    text = f"We wrote to {mine}; {agent} will call. <PERSON_9> and ‹PERSON_1› stay."
    assert mapping.restore(text) == "We wrote to ana@example.com; <PERSON_1> will call. <PERSON_9> and ‹PERSON_1› stay."
    # The customer typing a value a passage already held makes it theirs.
    assert mapping.placeholder_for("PERSON", "tom becker", from_customer=True) == agent
    assert [r.from_customer for r in mapping.take_unsaved()] == [True, False, True]
    assert mapping.restore(agent) == "Tom Becker"


def test_a_mapping_rebuilt_from_the_vault_continues_its_counters() -> None:
    records = [
        VaultRecord("<PERSON_1>", "PERSON", "Ana Souza", from_customer=True),
        VaultRecord("<PERSON_3>", "PERSON", "Tom Becker"),
        VaultRecord("<PERSON_Dabcdef12>", "PERSON", "Corpus Name"),  # not a session placeholder: ignored
    ]
    mapping = SessionMapping.from_records("acme", "s1", records)
    assert sorted(mapping.records) == ["<PERSON_1>", "<PERSON_3>"]
    assert mapping.placeholder_for("PERSON", "ana souza") == "<PERSON_1>"
    assert mapping.placeholder_for("PERSON", "Liam O'Connor") == "<PERSON_4>"
    assert mapping.known_values()[0] == ("PERSON", "Liam O'Connor")  # longest first


def test_typed_placeholders_are_neutralised_unless_they_are_the_sessions_own() -> None:
    text = "I am <PERSON_1>, not < EMAIL_ADDRESS_2 > or <person_d3f9a2c1b>."
    assert neutralize(text) == "I am ‹PERSON_1›, not ‹EMAIL_ADDRESS_2› or ‹person_d3f9a2c1b›."
    assert neutralize(text, keep={"<PERSON_1>"}).startswith("I am <PERSON_1>, not ‹EMAIL_ADDRESS_2›")
    spans = placeholder_spans("<PERSON_1> and <PHONE_NUMBER_Dabc123> and <EMAIL_ADDRESS_H0a1b2c3d4e5f> and <X_y>")
    assert len(spans) == 3


def test_each_operator_replaces_as_configured() -> None:
    settings = PIISettings(operators={"CREDIT_CARD": "mask", "US_SSN": "drop", "EMAIL_ADDRESS": "hash"})
    keys = VaultKeys(b"k" * 32)
    text = "Card 4111-1111-1111-1111, SSN 123-45-6789, mail ana@example.com, name Ana."
    detections = [
        _find(text, "CREDIT_CARD", "4111-1111-1111-1111"),
        _find(text, "US_SSN", "123-45-6789"),
        _find(text, "EMAIL_ADDRESS", "ana@example.com"),
        _find(text, "PERSON", "Ana"),
    ]
    mapping = SessionMapping(tenant="acme", session="s1")
    out = apply(text, detections, settings=settings, mapping=mapping, keys=keys, tenant="acme")
    hashed = out.replacements[2].placeholder
    assert out.text == f"Card ****-****-****-****, SSN , mail {hashed}, name <PERSON_1>."
    assert PLACEHOLDER_RE.fullmatch(hashed) and hashed.startswith("<EMAIL_ADDRESS_H")
    assert [(r.entity, text[r.start : r.end]) for r in out.replacements][1] == ("US_SSN", "123-45-6789")
    assert out.changed and not apply(text, [], settings=settings).changed
    # A hash links within a tenant, never across tenants.
    again = apply(text, detections[2:3], settings=settings, keys=keys, tenant="acme")
    other = apply(text, detections[2:3], settings=settings, keys=keys, tenant="globex")
    assert again.replacements[0].placeholder == hashed != other.replacements[0].placeholder


def test_corpus_placeholders_are_deterministic_and_apart_from_session_ones() -> None:
    keys = VaultKeys(b"k" * 32)
    first = apply("Ask Tom Becker.", [Detection("PERSON", 4, 14, 0.9)], settings=SETTINGS, keys=keys,
                  corpus_namespace="kb")  # fmt: skip
    second = apply("TOM BECKER signs.", [Detection("PERSON", 0, 10, 0.9)], settings=SETTINGS, keys=keys,
                   corpus_namespace="kb")  # fmt: skip
    tag = first.replacements[0].placeholder
    assert tag == second.replacements[0].placeholder and tag.startswith("<PERSON_D")
    match = PLACEHOLDER_RE.fullmatch(tag)
    assert match is not None and not match.group(2).isdigit()


def test_missing_keys_or_mapping_are_refused() -> None:
    detection = [Detection("PERSON", 0, 3, 0.9)]
    with pytest.raises(ValueError, match="SessionMapping"):
        apply("Ana", detection, settings=SETTINGS)
    with pytest.raises(ValueError, match="vault keys"):
        apply("Ana", detection, settings=SETTINGS, corpus_namespace="kb")
    with pytest.raises(ValueError, match="hash operator"):
        apply("Ana", detection, settings=PIISettings(operators={"PERSON": "hash"}))


def test_values_the_session_already_redacted_are_found_again() -> None:
    mapping = SessionMapping(tenant="acme", session="s1")
    mapping.placeholder_for("PERSON", "Priya Natarajan")
    mapping.placeholder_for("PERSON", "Al")  # too short to search for on its own
    text = "priya natarajan, your order. Also Priya Natarajan-Smith? <PERSON_1>"
    found = known_value_detections(text, mapping, protected=[(text.index("Also"), len(text))])
    assert [(d.entity, text[d.start : d.end]) for d in found] == [("PERSON", "priya natarajan")]
    ner = [Detection("PERSON", 0, 5, 0.8)]
    assert merge(ner, found) == ner  # overlapping extras give way to the primary detections
    later = [Detection("EMAIL_ADDRESS", 20, 30, 1.0)]
    assert merge(ner, later) == ner + later
