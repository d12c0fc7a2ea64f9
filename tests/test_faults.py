"""A fault's one-line description: class and message, never the personal data the message quoted."""

from __future__ import annotations

from ragfort.faults import CONNECTION_FAULTS, describe_fault, named, scrub


def test_class_and_message_are_kept_and_quoted_values_and_contact_data_are_not() -> None:
    fault = describe_fault(ValueError("could not parse 'Margaret Thornbury, 742 Evergreen' for m.t@example.org"))
    assert fault.type == "ValueError"
    assert fault.message == "could not parse '…' for <EMAIL_ADDRESS>"
    assert str(fault) == "ValueError: could not parse '…' for <EMAIL_ADDRESS>"
    assert fault.lineage[:2] == ("ValueError", "Exception")


def test_short_quoted_names_stay_readable_and_long_messages_are_capped() -> None:
    assert describe_fault(TypeError("expected 'str', got 'int'")).message == "expected 'str', got 'int'"
    long = describe_fault(RuntimeError("x" * 1000))
    assert len(long.message) == 300 and long.message.endswith("…")
    assert str(describe_fault(KeyError())) == "KeyError"


def test_scrub_replaces_cards_ibans_ssns_and_phones() -> None:
    text = "card 4111 1111 1111 1111, iban GB82WEST12345698765432, ssn 536-22-8814, call +44 7700 900123"
    assert scrub(text) == "card <CREDIT_CARD>, iban <IBAN_CODE>, ssn <US_SSN>, call <PHONE_NUMBER>"


def test_a_fault_is_named_by_its_lineage_alive_or_recorded() -> None:
    class VaultDown(ConnectionRefusedError):
        """A client library's own subclass."""

    names = frozenset({"ConnectionRefusedError"})
    assert named(VaultDown(), names)
    assert named(describe_fault(VaultDown("redis at 10.0.0.5 refused")), names)
    assert not named(ValueError("bug"), names)
    assert not named(describe_fault(ValueError("bug")), CONNECTION_FAULTS)
