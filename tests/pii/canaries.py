"""Canary values of every default entity type, planted in questions by the tests."""

from __future__ import annotations

CANARIES: dict[str, tuple[str, str]] = {
    # entity: (sentence template with {v}, value)
    "PERSON": ("Hi, my name is {v} and I need help.", "Margaret Thornbury"),
    "EMAIL_ADDRESS": ("Please write to {v} about it.", "m.thornbury88@example.org"),
    "PHONE_NUMBER": ("Call me back on {v} tomorrow.", "(415) 555-0134"),
    "STREET_ADDRESS": ("Ship it to {v} please.", "742 Evergreen Terrace, Apt 5, Springfield, IL 62704"),
    "CREDIT_CARD": ("My credit card {v} was charged twice.", "4111 1111 1111 1111"),
    "IBAN_CODE": ("Refund to my IBAN {v} please.", "GB82WEST12345698765432"),
    "US_SSN": ("My social security number is {v}.", "536-22-8814"),
    "US_DRIVER_LICENSE": ("My driver's license number is {v}.", "D1234567"),
    "US_PASSPORT": ("My passport number is {v}.", "912803456"),
    "US_BANK_NUMBER": ("My bank account number is {v}.", "000123456789"),
    "IP_ADDRESS": ("The router at {v} keeps dropping.", "203.0.113.42"),
}
