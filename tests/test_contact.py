"""Questions that only ask how to reach the business, and the channels a text prints (`ragfort.contact`)."""

from __future__ import annotations

import pytest

from ragfort.contact import CHANNELS, contact_channels, contact_page, printed_channels


@pytest.mark.parametrize(
    ("question", "channels"),
    [
        ("What's your phone number?", {"phone"}),
        ("Is there a number I can call?", {"phone"}),
        ("what number do i ring for customer service", {"phone"}),
        ("Do you have a helpline?", {"phone"}),
        ("What’s your e-mail address?", {"email"}),  # typographic apostrophe, "e-mail"
        ("Can I email you?", {"email"}),
        ("How do I contact you?", CHANNELS),
        ("how do i reach a real person", CHANNELS),
        ("Can I speak to someone on the phone?", {"phone"}),
        ("hi what is the number for customer services", {"phone"}),
        ("who do i call", {"phone"}),
        ("whats ur number", {"phone"}),
        ("Is there anyone I can speak to?", CHANNELS),
        ("I'd like to talk to someone please", CHANNELS),
        ("Can I contact you by email?", {"email"}),  # a general question that names its channel
    ],
)
def test_a_question_that_only_asks_how_to_reach_the_business(question: str, channels: set[str]) -> None:
    assert contact_channels(question) == channels


@pytest.mark.parametrize(
    "question",
    [
        "How do I change my phone number?",  # the customer's own details
        "I never got the confirmation email",
        "Can you call me back?",
        "Will someone call me about my claim?",
        "What's the number on the back of my card for?",
        "Is the phone line open on Sundays?",  # asks more than how: the line's hours
        "What's the phone number for the Chicago design studio?",  # another party's number
        "can I just email you to cancel my booking?",  # what the channel can do
        "Can I pay by phone?",
        "How do I cancel my contract?",
        "Why haven't you called me back?",
        "What number do I give for the refund form?",
        "Can I call abroad on my plan?",
    ],
)
def test_anything_else_is_no_contact_question(question: str) -> None:
    assert contact_channels(question) == frozenset()


def test_printed_channels_reads_phone_digits_and_addresses() -> None:
    assert printed_channels("Phone: 0345 600 7240, 08:00 to 20:00.") == {"phone"}
    assert printed_channels("Email help@acme.example or call +1 (888) 555-0190.") == CHANNELS
    assert printed_channels("Refunds take 5-7 business days; order 12345.") == frozenset()


@pytest.mark.parametrize(
    ("title", "page"),
    [
        ("Contact Us", True),
        ("Contacting Tallyho support", True),
        ("Complaints and Contacting Us", True),
        ("Getting Help: Support Channels and Hours", True),
        ("Get in touch", True),
        ("Making a Complaint", False),
        ("Fraud and scams", False),
        ("PIN Help", False),
        ("Priority Support", False),
    ],
)
def test_a_contact_page_is_read_from_its_title(title: str, page: bool) -> None:
    assert contact_page(title) is page
