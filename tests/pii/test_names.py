"""The person-name rules: cue phrases, honorifics, the given-name lexicon, name shapes, e-mail names."""

from __future__ import annotations

import pytest

from ragfort.pii import Detector
from ragfort.pii.names import COMMON_WORDS, PersonNameRecognizer, given_names

# The lexicon ships in the `names` package (a declared dependency); without it the
# lexicon rules have nothing to work with, and these tests say so instead of failing.
needs_lexicon = pytest.mark.skipif(
    not given_names(), reason="the `names` package (given-name lexicon) is not installed"
)


def _names(text: str) -> list[str]:
    return [text[r.start : r.end] for r in PersonNameRecognizer().analyze(text, ["PERSON"])]


def _people(detector: Detector, text: str) -> list[str]:
    return [text[d.start : d.end] for d in detector.detect(text) if d.entity == "PERSON"]


@needs_lexicon
def test_lexicon_is_loaded_and_excludes_ordinary_words() -> None:
    lexicon = given_names()
    assert {"margaret", "oliver", "priscilla"} <= lexicon
    assert not lexicon & {"will", "may", "grace", "see", "june", "bill"}
    assert "grace" in COMMON_WORDS


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hello, my name is Oluwaseun Adebayo-Kiel and I need a refund.", "Oluwaseun Adebayo-Kiel"),
        ("Dear Thorvald, your parcel left the depot.", "Thorvald"),
        ("Name: Ingrid Vasquez-Oyelaran", "Ingrid Vasquez-Oyelaran"),
        ("Thanks, Priscilla", "Priscilla"),
        ("I'm Bartholomew and my phone broke.", "Bartholomew"),
    ],
)
def test_cue_phrases_introduce_names(text: str, name: str) -> None:
    assert name in _names(text)


def test_lower_case_name_after_a_persons_name_is() -> None:
    assert "quillon" in _names("hi, my name is quillon and my order is late")
    assert "tavares" in _names("her maiden name is tavares")


def test_name_is_after_a_thing_is_not_a_cue() -> None:
    # "The model name is shown" names a product field, not a person.
    assert _names("The model name is shown at the top of the box.") == []


def test_honorific_is_left_out_of_the_span() -> None:
    assert _names("Please forward it to Dr. Okonkwo-Hale today.") == ["Okonkwo-Hale"]
    assert _names("Ms. Rautavaara called twice.") == ["Rautavaara"]


@needs_lexicon
def test_lexicon_name_extends_over_initial_and_surname() -> None:
    assert "Margaret Q. Ellingsworth" in _names("Yesterday Margaret Q. Ellingsworth emailed us.")
    assert "Oliver van der Berkel" in _names("The parcel for Oliver van der Berkel is late.")


@needs_lexicon
def test_single_lexicon_name_mid_sentence() -> None:
    assert "Priscilla" in _names("I would like to add my daughter Priscilla to the plan.")


def test_ordinary_words_that_are_names_elsewhere_are_not_names() -> None:
    text = "May I ask whether Grace periods apply? I will see. Bill me in June."
    assert _names(text) == []


def test_middle_initial_shape_needs_no_lexicon() -> None:
    assert "Zoltrix K Ambervane" in _names("The contract was signed by Zoltrix K Ambervane last year.")


def test_non_ascii_capitalised_pair_is_a_name_but_not_at_sentence_start() -> None:
    assert "Ráðhildur Þórsdóttir" in _names("The parcel is addressed to Ráðhildur Þórsdóttir in person.")
    # At a sentence start a capitalised pair may just be a title or a place.
    assert _names("Überseeische Lieferungen dauern länger.") == []


def test_email_local_part_confirms_a_name() -> None:
    text = "Quenby Ashgrove-Tull\nquenby.ashgrovetull@example.net"
    assert "Quenby Ashgrove-Tull" in _names(text)


def test_parts_of_a_found_full_name_are_marked_elsewhere() -> None:
    text = "Our agent Thaddeus Okafor-Lind called. Later Okafor-Lind sent the form."
    found = _names(text)
    assert "Okafor-Lind" in found and found.count("Okafor-Lind") == 1


def test_possessive_is_not_part_of_the_name() -> None:
    assert "Priscilla" in _names("Priscilla's account was closed by mistake.")


def test_detector_merges_and_trims_names(detector: Detector) -> None:
    text = "Hi, I'm Margaret Thornbury. Please ask Mr. Okonkwo-Hale."
    people = _people(detector, text)
    assert "Margaret Thornbury" in people
    assert "Okonkwo-Hale" in people
    assert not any(p.startswith(("I'm", "Mr")) for p in people)


def test_names_never_span_lines(detector: Detector) -> None:
    text = "Quenby Ashgrove\nSenior Accountant\nquenby.ashgrove@example.net"
    assert all("\n" not in p for p in _people(detector, text))
    assert "Quenby Ashgrove" in _people(detector, text)
