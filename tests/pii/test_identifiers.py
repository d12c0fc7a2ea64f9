"""Account, customer and passport numbers after the label that names them."""

from __future__ import annotations

import pytest

from ragfort.pii import Detector, PIISettings, RecognizerSpec, get_detector
from ragfort.pii.identifiers import AccountNumberRecognizer, CustomerNumberRecognizer, PassportNumberRecognizer


def _found(detector: Detector, text: str) -> set[tuple[str, str]]:
    return {(d.entity, text[d.start : d.end]) for d in detector.detect(text)}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("My account number is 48213377 and I was billed twice.", "48213377"),
        ("acct 7730-2291-04: the direct debit failed", "7730-2291-04"),
        ("account no. 0049 2281 7734 - why is there a fee?", "0049 2281 7734"),
        ("Reset 2FA for account number 300-221-876", "300-221-876"),
        ("Kontonummer 1234567890 bei der Sparkasse", "1234567890"),
        ("mon numéro de compte est 00012345678", "00012345678"),
    ],
)
def test_account_numbers_after_their_cue(text: str, value: str) -> None:
    found = AccountNumberRecognizer().analyze(text, ["ACCOUNT_NUMBER"])
    assert [text[r.start : r.end] for r in found] == [value]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Customer ID: CU-889120. I want to downgrade.", "CU-889120"),
        ("Customer number 55120937, I never authorised it.", "55120937"),
        ("My membership number is 7712-4490-3 and", "7712-4490-3"),
        ("Loyalty number: LY99028411, points are missing.", "LY99028411"),
        ("Frequent flyer number FF 8830-1192 got no miles", "FF 8830-1192"),
        ("Kundennummer 7781234 - die Rechnung", "7781234"),
        ("Numéro client 4471022, mon forfait", "4471022"),
        ("Número de cliente 30019284, el cargo", "30019284"),
        ("Codice cliente 88120394, la fattura", "88120394"),
    ],
)
def test_customer_numbers_after_their_cue(detector: Detector, text: str, value: str) -> None:
    assert ("CUSTOMER_NUMBER", value) in _found(detector, text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Passport number X1234567 doesn't match", "X1234567"),
        ("Passport: C01X00T47, travelling to Tokyo", "C01X00T47"),
        ("Mon passeport : 12AB34567, le nom", "12AB34567"),
        ("Pasaporte: PAB123456, viajo el lunes", "PAB123456"),
        ("Reisepass C01X00T47 wurde falsch eingetragen", "C01X00T47"),
    ],
)
def test_passport_numbers_after_their_cue(detector: Detector, text: str, value: str) -> None:
    assert ("PASSPORT_NUMBER", value) in _found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "Order 4471-229 arrived damaged.",
        "Please cancel order #A-55821.",
        "The account has been open for 2 years.",
        "What is the interest rate on the Premium savings account?",
        "The passport expires in 2027, is that fine?",
        "Ticket 88213 about my account was closed.",
        "Why did my bill go up from 35 to 42 pounds?",
    ],
)
def test_ids_without_their_cue_are_not_reported(detector: Detector, text: str) -> None:
    assert not any(e in {"ACCOUNT_NUMBER", "CUSTOMER_NUMBER", "PASSPORT_NUMBER"} for e, _ in _found(detector, text))


def test_short_values_after_a_cue_are_not_ids() -> None:
    assert AccountNumberRecognizer().analyze("account 2 of 3", ["ACCOUNT_NUMBER"]) == []
    assert CustomerNumberRecognizer().analyze("customer number: ABC", ["CUSTOMER_NUMBER"]) == []
    assert PassportNumberRecognizer().analyze("passport 12345", ["PASSPORT_NUMBER"]) == []


def test_a_policy_account_regex_and_the_cue_rule_report_one_account_number() -> None:
    settings = PIISettings(
        entities=("ACCOUNT_NUMBER",),
        recognizers=(RecognizerSpec(entity="ACCOUNT_NUMBER", regex=r"\b(?:ACC|AC)-?\d{8,10}\b", context=("account",)),),
    )
    text = "My account ACC-12345678 is locked."
    assert [(d.entity, text[d.start : d.end]) for d in get_detector(settings).detect(text)] == [
        ("ACCOUNT_NUMBER", "ACC-12345678")
    ]


def test_the_us_labels_keep_their_values(detector: Detector) -> None:
    # Values Presidio's US recognizers already reported keep those labels (and placeholders).
    assert ("US_PASSPORT", "912803456") in _found(detector, "My passport number is 912803456.")
    assert ("US_BANK_NUMBER", "000123456789") in _found(detector, "My bank account number is 000123456789.")
