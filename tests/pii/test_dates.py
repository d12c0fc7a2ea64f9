"""Dates of birth: a date next to a birth cue, in five languages and many formats."""

from __future__ import annotations

import pytest

from ragfort.pii import Detector
from ragfort.pii.dates import DateOfBirthRecognizer


def _dobs(detector: Detector, text: str) -> list[str]:
    return [text[d.start : d.end] for d in detector.detect(text) if d.entity == "DATE_OF_BIRTH"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("DOB 03/14/1988", "03/14/1988"),
        ("D.O.B.: 5/9/1963, please check", "5/9/1963"),
        ("born 22/08/1995", "22/08/1995"),
        ("date of birth 12.05.1979", "12.05.1979"),
        ("my birthdate is 1988-03-14", "1988-03-14"),
        ("born 3 November 2001", "3 November 2001"),
        ("born on the 3rd of November 2001", "3rd of November 2001"),
        ("Birthday: November 3rd, 2001", "November 3rd, 2001"),
        ("her birthday is 14/02", "14/02"),
        ("née le 14 mars 1988", "14 mars 1988"),
        ("Date de naissance : 02/09/1975.", "02/09/1975"),
        ("geboren am 3. November 2001", "3. November 2001"),
        ("Geburtsdatum: 17.09.1969", "17.09.1969"),
        ("fecha de nacimiento 12 de mayo de 1979", "12 de mayo de 1979"),
        ("nacida el 08/03/1990", "08/03/1990"),
        ("data di nascita 21/06/1985", "21/06/1985"),
        ("nato il 3 novembre 2001", "3 novembre 2001"),
        ("14/03/1988 (date of birth)", "14/03/1988"),
    ],
)
def test_a_date_after_a_birth_cue_is_a_date_of_birth(detector: Detector, text: str, value: str) -> None:
    assert _dobs(detector, text) == [value]


@pytest.mark.parametrize(
    "text",
    [
        "It was delivered on 3 November but the box was empty.",
        "Your app said the transfer would arrive on 12/05/2024.",
        "The sync failed on 2024-05-12 at 14:05 UTC.",
        "Le colis devait arriver le 3 novembre.",
        "Die Rechnung vom 12.05.2024 ist doppelt abgebucht.",
        "I was born in 1988, am I eligible for the youth plan?",
        "The birthday discount ends on 12/05/2024.",
    ],
)
def test_ordinary_dates_are_not_dates_of_birth(detector: Detector, text: str) -> None:
    assert _dobs(detector, text) == []


@pytest.mark.parametrize("value", ["31/02/1988", "13/13/1990", "03/14/2999", "1988-14-03"])
def test_impossible_dates_are_rejected_even_after_a_cue(value: str) -> None:
    assert DateOfBirthRecognizer().analyze(f"DOB {value}", ["DATE_OF_BIRTH"]) == []


def test_a_day_month_reading_or_a_month_day_reading_is_enough() -> None:
    rec = DateOfBirthRecognizer()
    assert len(rec.analyze("DOB 03/14/1988", ["DATE_OF_BIRTH"])) == 1  # month first
    assert len(rec.analyze("DOB 14/03/1988", ["DATE_OF_BIRTH"])) == 1  # day first


def test_a_date_of_birth_outranks_the_phone_reading_of_its_digits(detector: Detector) -> None:
    text = "Geburtsdatum 12.05.1979"
    assert [(d.entity, text[d.start : d.end]) for d in detector.detect(text)] == [("DATE_OF_BIRTH", "12.05.1979")]
