"""IMEI, ICCID and MAC addresses: checksums, cues and notations."""

from __future__ import annotations

import pytest

from ragfort.pii import Detector
from ragfort.pii.telecom import DeviceMacRecognizer, IccidRecognizer, ImeiRecognizer, luhn_valid


def _found(detector: Detector, text: str) -> set[tuple[str, str]]:
    return {(d.entity, text[d.start : d.end]) for d in detector.detect(text)}


def test_luhn() -> None:
    assert luhn_valid("352099001761481")
    assert not luhn_valid("352099001761482")
    assert luhn_valid("8944123456789012348")


@pytest.mark.parametrize("value", ["35-209900-176148-1", "35 209900 176148 1", "352099001761481", "35/209900/176148/1"])
def test_imei_in_its_written_forms(detector: Detector, value: str) -> None:
    text = f"My phone was stolen, IMEI {value}, please block it."
    assert ("IMEI", value) in _found(detector, text)


def test_luhn_valid_imei_counts_without_a_cue(detector: Detector) -> None:
    text = "Unlocking request for 990011832554371, it's my old handset."
    assert ("IMEI", "990011832554371") in _found(detector, text)


def test_imei_failing_luhn_counts_only_after_the_cue(detector: Detector) -> None:
    assert ("IMEI", "352099001761482") in _found(detector, "imei 352099001761482")
    assert _found(detector, "Serial 352099001761482 on the warranty card") == set()


def test_imei_cue_accepts_14_and_16_digits_but_no_other_lengths() -> None:
    rec = ImeiRecognizer()
    assert len(rec.analyze("IMEI 35209900176148", ["IMEI"])) == 1
    assert len(rec.analyze("IMEISV 3520990017614812", ["IMEI"])) == 1
    assert rec.analyze("IMEI 3520990017614", ["IMEI"]) == []


def test_fifteen_digit_card_numbers_are_not_imeis(detector: Detector) -> None:
    # Luhn-valid, 15 digits: JCB 1800/2131 and Amex 34/37 prefixes, and any number after a card word.
    for text in ("My card 180016070420458 was lost", "Block 378282246310005 now", "card 990011832554371 please"):
        assert all(e != "IMEI" for e, _ in _found(detector, text)), text


def test_a_number_labelled_as_another_id_is_not_an_imei() -> None:
    assert ImeiRecognizer().analyze("Ticket 867346021193551 was closed", ["IMEI"]) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ICCID 8944123456789012348 will not activate", "8944123456789012348"),
        ("SIM serial 8933 1503 1906 0612 3457, no service", "8933 1503 1906 0612 3457"),
        ("the SIM card number is 89 4920 0212 0987 65430", "89 4920 0212 0987 65430"),
        ("Die SIM-Karte 89 4470 3000 0098 7654 2 geht nicht", "89 4470 3000 0098 7654 2"),
        ("new one arrived: 8933201470512345675", "8933201470512345675"),  # Luhn-valid, no cue
    ],
)
def test_iccid(detector: Detector, text: str, value: str) -> None:
    assert ("ICCID", value) in _found(detector, text)


def test_iccid_needs_luhn_without_a_cue() -> None:
    rec = IccidRecognizer()
    assert rec.analyze("parcel 8944123456789012349 shipped", ["ICCID"]) == []
    assert len(rec.analyze("SIM 8944123456789012349", ["ICCID"])) == 1


@pytest.mark.parametrize("value", ["00:1A:2B:3C:4D:5E", "a4-5e-60-c2-91-0f", "001a.2b3c.4d5e"])
def test_mac_address_notations(detector: Detector, value: str) -> None:
    assert ("MAC_ADDRESS", value) in _found(detector, f"Please whitelist {value} on the guest network.")


def test_not_device_addresses() -> None:
    rec = DeviceMacRecognizer()
    assert rec.analyze("broadcast ff:ff:ff:ff:ff:ff", ["MAC_ADDRESS"]) == []
    assert rec.analyze("Version 2023.1104.0001 crashes", ["MAC_ADDRESS"]) == []
    assert len(rec.analyze("router MAC 2023.1104.0001", ["MAC_ADDRESS"])) == 1


@pytest.mark.parametrize(
    "text", ["Order 12345678901234567 shipped", "Call 0800 800 150 for help", "Tracking 1Z999AA10123456784"]
)
def test_bare_digit_runs_are_not_device_ids(detector: Detector, text: str) -> None:
    assert not any(e in {"IMEI", "ICCID", "MAC_ADDRESS"} for e, _ in _found(detector, text))


def test_a_number_right_after_the_imei_is_not_part_of_it(detector: Detector) -> None:
    text = "IMEI 352099001761481 12 months old, still under warranty?"
    assert ("IMEI", "352099001761481") in _found(detector, text)


def test_a_long_card_number_is_never_cut_into_an_imei(detector: Detector) -> None:
    # The first 15 digits (490154203237518) are a Luhn-valid IMEI shape; the run is 16 digits long.
    text = "Refund to 4901 5420 3237 518 7 please."
    found = _found(detector, text)
    assert not any(e == "IMEI" for e, _ in found), found
