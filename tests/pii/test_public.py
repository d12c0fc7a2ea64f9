"""Values that match a personal pattern but reach no particular person."""

from __future__ import annotations

import pytest

from ragfort.pii.public import public_value


@pytest.mark.parametrize("value", ["1-800-555-0199", "0800 800 150", "415-555-0132"])
def test_phone_numbers_are_never_public(value: str) -> None:
    # A support line quoted in a private ticket is still redacted there.
    assert not public_value("PHONE_NUMBER", value, 0.4)


@pytest.mark.parametrize("value", ["192.168.1.1", "10.0.0.12", "172.20.3.4", "127.0.0.1", "fe80::1", "fd12::9"])
def test_local_network_addresses_are_public(value: str) -> None:
    assert public_value("IP_ADDRESS", value, 0.9)


@pytest.mark.parametrize("value", ["203.0.113.42", "81.2.69.142", "2001:db8::1", "172.61.42.192"])
def test_routable_and_documentation_addresses_are_personal(value: str) -> None:
    assert not public_value("IP_ADDRESS", value, 0.9)


def test_types_without_a_check_are_never_public() -> None:
    assert not public_value("PERSON", "192.168.1.1", 0.9)
    assert not public_value("PHONE_NUMBER", "192.168.1.1", 0.9)
