"""Ingest-time redaction of documents."""

from __future__ import annotations

from ragfort.pii import PLACEHOLDER_RE, redact_corpus


def test_corpus_placeholders_are_deterministic_and_distinct_from_session_ones() -> None:
    texts = [
        "Escalations go to Margaret Thornbury (m.thornbury88@example.org).",
        "Margaret Thornbury approves refunds above 500 EUR.",
        "No personal data here. A user once typed <PERSON_1> in a ticket.",
        "",
    ]
    first = redact_corpus(texts)
    again = redact_corpus(texts)
    assert [r.text for r in first] == [r.text for r in again]
    joined = " ".join(r.text for r in first)
    assert "Thornbury" not in joined and "m.thornbury88" not in joined
    person = [e.placeholder for e in first[0].replaced if e.entity == "PERSON"]
    assert person and person[0] in first[1].text
    for r in first:
        for e in r.replaced:
            m = PLACEHOLDER_RE.fullmatch(e.placeholder)
            assert m is not None and m.group(2).startswith("D")
    assert "<PERSON_1>" not in first[2].text and "‹PERSON_1›" in first[2].text
    assert first[3].text == "" and first[3].replaced == ()


def test_namespaces_do_not_share_tags() -> None:
    a = redact_corpus(["Ask Margaret Thornbury."], namespace="acme")[0]
    b = redact_corpus(["Ask Margaret Thornbury."], namespace="globex")[0]
    assert a.text != b.text
