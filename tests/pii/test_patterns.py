"""Context-dependent card and phone numbers, and lower-case IBANs."""

from __future__ import annotations

import pytest

from ragfort.pii import Detector
from ragfort.pii.patterns import (
    CardNumberContextRecognizer,
    CaseInsensitiveIbanRecognizer,
    ObfuscatedEmailRecognizer,
    PhoneContextRecognizer,
)


def _found(detector: Detector, text: str) -> set[tuple[str, str]]:
    return {(d.entity, text[d.start : d.end]) for d in detector.detect(text)}


@pytest.mark.parametrize(
    "text",
    [
        "My card 5012 3456 7890 1234 567 was declined.",  # 19 digits, fails Luhn
        "Block my debit card no 601100998877665 please.",  # 15 digits, fails Luhn
        "What is the limit on visa 424242424242?",  # 12 digits
    ],
)
def test_card_number_after_a_card_word_counts_without_luhn(detector: Detector, text: str) -> None:
    found = _found(detector, text)
    assert any(e == "CREDIT_CARD" for e, _ in found), found


def test_card_shaped_number_without_card_word_is_not_a_card(detector: Detector) -> None:
    text = "Order 5012345678901234567 shipped from warehouse 12."
    assert not any(e == "CREDIT_CARD" for e, _ in _found(detector, text))


def test_card_context_needs_12_to_19_digits() -> None:
    rec = CardNumberContextRecognizer()
    assert rec.analyze("card 12345678901", ["CREDIT_CARD"]) == []
    assert rec.analyze("card 12345678901234567890", ["CREDIT_CARD"]) == []
    assert len(rec.analyze("card 123456789012", ["CREDIT_CARD"])) == 1


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Phone:\n731 2290", "731 2290"),
        ("824 6613 mobile", "824 6613"),
        ("Desk: +1-555-010-7788x412", "+1-555-010-7788x412"),
        ("reach me at +31612345670 anytime", "+31612345670"),
    ],
)
def test_phone_numbers_by_context_or_plus_sign(detector: Detector, text: str, value: str) -> None:
    assert ("PHONE_NUMBER", value) in _found(detector, text)


def test_digit_groups_without_phone_word_are_not_phones() -> None:
    rec = PhoneContextRecognizer()
    assert rec.analyze("Invoice 731 2290 was paid in 2023.", ["PHONE_NUMBER"]) == []


def test_lower_case_iban_with_valid_checksum(detector: Detector) -> None:
    text = "please refund to gb82west12345698765432 thanks"
    assert ("IBAN_CODE", "gb82west12345698765432") in _found(detector, text)


def test_lower_case_iban_with_bad_checksum_is_rejected() -> None:
    rec = CaseInsensitiveIbanRecognizer()
    assert rec.analyze("my iban is gb00west12345698765432", ["IBAN_CODE"], None) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("my number is +44 7700 900123", "+44 7700 900123"),  # Ofcom drama range: fails validation
        ("My number is 07700 900481, the line is dead.", "07700 900481"),
        ("call me on 07700 900 765 after 6pm", "07700 900 765"),
        ("You can reach me at (555) 010-4477 any time.", "(555) 010-4477"),
        ("Number: 555 010 2288", "555 010 2288"),
        ("Mon numéro : 06 12 34 56 78, merci.", "06 12 34 56 78"),
        ("Meine Handynummer ist 0151 23456789.", "0151 23456789"),
        ("Telefonnummer: 030 901820, tagsüber.", "030 901820"),
        ("Mi número es 612 345 678, gracias.", "612 345 678"),
        ("Teléfono: +34 699 111 222.", "+34 699 111 222"),
        ("Il mio numero è 347 123 4567, grazie.", "347 123 4567"),
    ],
)
def test_phone_numbers_after_a_cue_whatever_their_range(detector: Detector, text: str, value: str) -> None:
    assert ("PHONE_NUMBER", value) in _found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "Order number: 555 010 2288 was shipped.",
        "My account number is 4821 3377 990.",
        "Invoice 731 2290 was paid.",
    ],
)
def test_number_cues_of_other_ids_do_not_make_phones(text: str) -> None:
    assert PhoneContextRecognizer().analyze(text, ["PHONE_NUMBER"]) == []


def test_help_text_that_says_where_to_go_is_no_spelled_out_address() -> None:
    recognizer = ObfuscatedEmailRecognizer()
    for text in (
        "Start a return online at acme.co.uk/returns within 30 days.",
        "Apply at harbourline.co.uk and we reply within 10 days.",
        "You can reach them at financial-ombudsman.example.com.",
        "I bought it online at acme.co.uk last week",
    ):
        assert recognizer.analyze(text, ["EMAIL_ADDRESS"]) == [], text
    # Something hidden, or a local part that is a name or no word: still an address.
    for text, value in (
        ("write to john at gmail.com", "john at gmail.com"),
        ("jane.doe at outlook.com please", "jane.doe at outlook.com"),
        ("sales at acme dot com", "sales at acme dot com"),
        ("k.lee[at]example.com", "k.lee[at]example.com"),
        ("reach me on jsmith82 at yahoo.com", "jsmith82 at yahoo.com"),
    ):
        (found,) = recognizer.analyze(text, ["EMAIL_ADDRESS"])
        assert text[found.start : found.end] == value
