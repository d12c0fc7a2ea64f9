"""Values that match a personal pattern but reach no particular person."""

from __future__ import annotations

import pytest

from ragfort.pii.public import public_value


@pytest.mark.parametrize("value", ["1-800-555-0199", "+1 888 555 0143", "+44 800 800 150"])
def test_toll_free_numbers_are_public(value: str) -> None:
    assert public_value("PHONE_NUMBER", value, 0.4)


@pytest.mark.parametrize("value", ["415-555-0132", "905-674-3793", "+44 20 7946 0018", "0151 23456789"])
def test_household_and_ambiguous_numbers_are_personal(value: str) -> None:
    assert not public_value("PHONE_NUMBER", value, 0.4)


@pytest.mark.parametrize("value", ["192.168.1.1", "10.0.0.12", "172.20.3.4", "127.0.0.1", "fe80::1", "fd12::9"])
def test_local_network_addresses_are_public(value: str) -> None:
    assert public_value("IP_ADDRESS", value, 0.9)


@pytest.mark.parametrize("value", ["203.0.113.42", "81.2.69.142", "2001:db8::1", "172.61.42.192"])
def test_routable_and_documentation_addresses_are_personal(value: str) -> None:
    assert not public_value("IP_ADDRESS", value, 0.9)


def test_types_without_a_check_are_never_public() -> None:
    assert not public_value("PERSON", "192.168.1.1", 0.9)
