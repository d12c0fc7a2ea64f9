"""Feedback comments: personal data never stored, with or without a PII guard in the policy."""

from __future__ import annotations

import pytest

from ragfort.server.redact import CommentRedactor


@pytest.mark.parametrize(
    ("raw", "entity"),
    [
        ("jane.doe+x@mail.example.co.uk", "EMAIL_ADDRESS"),
        ("+1 (415) 555-0134", "PHONE_NUMBER"),
        ("4111-1111-1111-1111", "CREDIT_CARD"),
        ("DE89 3704 0044 0532 0130 00", "IBAN_CODE"),
        ("078-05-1120", "US_SSN"),
    ],
)
def test_patterns_redact_without_a_pii_guard(raw: str, entity: str) -> None:
    text = CommentRedactor(None).redact(f"see {raw} please")
    assert raw not in text
    assert f"<{entity}>" in text
    assert text.startswith("see ") and text.endswith(" please")


def test_ordinary_text_is_kept() -> None:
    comment = "The answer about refunds in 14 days was wrong, it is 30 days."
    assert CommentRedactor(None).redact(comment) == comment
