"""Street addresses found by shape: street lines, units, tails, postal codes, intersections."""

from __future__ import annotations

import pytest

from ragfort.pii import Detector
from ragfort.pii.address import StreetAddressRecognizer


def _addresses(text: str) -> list[str]:
    return [
        text[r.start : r.end] for r in StreetAddressRecognizer().analyze(text, ["STREET_ADDRESS"]) if r.score >= 0.5
    ]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Send it to 48 Rue des Tanneurs Apt. 3, Lyon 69002 please.", "48 Rue des Tanneurs Apt. 3, Lyon 69002"),
        ("It goes to Calle Almendro 12, Sevilla.", "Calle Almendro 12, Sevilla"),
        ("Deliver to 5 Paseo de las Rosas 9 tomorrow.", "5 Paseo de las Rosas 9"),
        ("We moved to 1120 77 Harbour Road, Dunmore.", "1120 77 Harbour Road, Dunmore"),
        ("Ship to Suite 12, 400 Larch Avenue, Brightwater", "Suite 12, 400 Larch Avenue, Brightwater"),
        ("Please use 3301 P.O. Box 77 for mail.", "3301 P.O. Box 77"),
        ("Pickup point: Lindenweg 14, then turn left.", "Lindenweg 14"),
    ],
)
def test_international_street_lines(text: str, address: str) -> None:
    assert address in _addresses(text)


def test_multi_line_address_with_quote_marks_and_comma_lines() -> None:
    text = "> Quill Fernsby\n> 209 Maple Crescent\n> Unit 4\n> Harrowgate\n, NS\n> Canada B3H 4R2"
    assert "209 Maple Crescent\n> Unit 4\n> Harrowgate\n, NS\n> Canada B3H 4R2" in _addresses(text)


def test_number_then_type_word_after_the_name() -> None:
    assert "Birchwood Gaard 17 St." in _addresses("Enter on Birchwood Gaard 17 St. after six.")


def test_leading_sentence_words_are_not_part_of_the_street() -> None:
    found = _addresses("You can walk on Ravnsborgvej 21 every morning.")
    assert found == ["Ravnsborgvej 21"]


def test_intersection_is_one_address() -> None:
    text = "Meet me at the corner of Alder Row 5 and Quayside Walk tonight."
    assert "Alder Row 5 and Quayside Walk tonight" not in _addresses(text)
    assert any(a.startswith("Alder Row 5 and Quayside Walk") for a in _addresses(text))


def test_labelled_postal_codes() -> None:
    assert "60311" in _addresses("My zip code is 60311.")
    assert "1071 XB" in _addresses("Postcode: 1071 XB")
    assert "SW1A 1AA" in _addresses("post code SW1A 1AA")


def test_military_post_line_with_ship_name() -> None:
    text = "Ship to USNS Halvorsen\nFPO AP 96601 by Friday."
    assert "USNS Halvorsen\nFPO AP 96601" in _addresses(text)


@pytest.mark.parametrize(
    "text",
    [
        "This is usually about 2 hours after you place the order.",
        "Changing it this way takes up to 24 hours.",
        "Read 5 Reasons Of The 90s You Missed.",
        "Refunds take 14 days from 3 March 2024.",
    ],
)
def test_prose_with_numbers_is_not_an_address(text: str) -> None:
    assert _addresses(text) == []


def test_text_without_digits_or_corner_is_skipped_quickly() -> None:
    assert _addresses("No numbers at all in this sentence, just words about Main Street.") == []


def test_address_outranks_a_name_on_the_same_characters(detector: Detector) -> None:
    text = "She lives at 2210 Evelyn Marchetti Road."
    found = {(d.entity, text[d.start : d.end]) for d in detector.detect(text)}
    assert ("STREET_ADDRESS", "2210 Evelyn Marchetti Road") in found
    assert not any(e == "PERSON" and "Marchetti" in v for e, v in found)


def test_the_city_after_a_postcode_stays_with_the_address_when_a_new_sentence_follows() -> None:
    from ragfort.pii.address import StreetAddressRecognizer

    text = "Hello, this is Aisha at Kastanienallee 12, 10435 Berlin. What sizes of extra data can I buy?"
    (found,) = StreetAddressRecognizer().analyze(text, ["STREET_ADDRESS"])
    assert text[found.start : found.end] == "Kastanienallee 12, 10435 Berlin"


@pytest.mark.parametrize(
    "text",
    [
        # Questions from the labelled sets that the street shapes took for addresses (session 31).
        "how much extra would it be to schedule my $8,000 engagement ring on renters",  # an amount, then "ring"
        "what upload do u get on fibre 150",  # Hungarian "u" leads no street name
        "Can I take a full-size bike on a weekday Metro train leaving Cannon Street at 15:30?",
        "This year I stayed 12 nights booked via booking.com and 20 nights booked direct.",
        "how do we claim the loyalty discount for customers who've renewed 3 years in a row",
        "can my 22 year old daughter drive in scotland on the gb travel pack",
        "My service has been restricted. Can I still ring 999 if I need to?",
        # Fares and durations in answers (session 37).
        "Tickets are 80 one way and 150 return.",
        "is it 35 each way?",
        "The review must take place within 60 days of the trip.",
        # Two quoted sentences joined in an answer: "38 ... close" runs on past a full stop (session 38).
        "We can register for you in 38 states. Tallyho doesn't close state accounts for you.",
    ],
)
def test_amounts_counts_and_english_verbs_are_no_street(text: str) -> None:
    assert _addresses(text) == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Send it to Via Roma 5, Milano.", "Via Roma 5, Milano"),
        ("Post it to 12 rue de la Paix", "12 rue de la Paix"),
        ("My flat is at Baker Street 12", "Baker Street 12"),
        ("She lives at Kossuth Lajos u. 12", "Kossuth Lajos u. 12"),
        ("send to 5 The Close, Leeds", "5 The Close, Leeds"),
        ("we moved to 14 kings road last year", "14 kings road"),
        ("deliver to 2 Mill Row please", "2 Mill Row"),
        ("I live at 4 Elm Close. Thanks.", "4 Elm Close"),
        ("My address is 1600 Pennsylvania Ave. Washington DC", "1600 Pennsylvania Ave. Washington DC"),
    ],
)
def test_street_lines_beside_those_shapes_are_still_found(text: str, address: str) -> None:
    assert address in _addresses(text)


def test_a_street_named_one_way_is_still_an_address() -> None:
    assert _addresses("I live at 5 One Way Street, Leeds") != []
