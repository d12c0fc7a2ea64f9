"""Values that match a personal type's pattern but reach no particular person.

Two kinds show up in support messages all the time:

* **business lines**: toll-free, shared-cost and premium-rate numbers
  ("I called 0800 800 150 three times", "the fraud team phoned from 0345 734
  5345") belong to companies; no customer has one at home. `phonenumbers`
  knows each plan's ranges, so the check is by number type, by a majority
  of the regions where the number is valid.
  This holds after a phone word too ("I called 0800 ..." is how people
  mention them): no household line is toll-free, and a business customer's
  freephone number is that business's public contact.
* **private network addresses**: 192.168.1.1 is the default address of
  millions of home routers; RFC 1918, unique-local, loopback and link-local
  addresses name no one outside the local network. (Python's ``is_private``
  is not used: it also covers the documentation ranges such as
  203.0.113.0/24, which stand for public addresses in examples.)

`public_value(entity, value, score)` is the one entry point; the checks are a
dict keyed by entity type.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import phonenumbers
from phonenumbers import PhoneNumberType

__all__ = ["public_value"]

# The regions the detector's phone recognizer accepts, most likely first.
_REGIONS = ("GB", "US", "DE", "FR", "IT", "ES", "NL", "BE", "SE", "FI", "DK", "AT", "CH", "CA", "IN")
_BUSINESS = frozenset(
    [PhoneNumberType.TOLL_FREE, PhoneNumberType.SHARED_COST, PhoneNumberType.PREMIUM_RATE, PhoneNumberType.UAN]
)
_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/32")
)
_LOCAL_NETWORKS_V6 = tuple(ipaddress.ip_network(n) for n in ("fc00::/7", "fe80::/10", "::1/128", "::/128"))


def _business_line(value: str, score: float) -> bool:
    # A number written without its country code reads differently per region
    # ("905-674-3793" is a Canadian line and a premium-rate one in Britain;
    # "1-800-555-0199" is toll-free in North America and a Vienna landline in
    # Austria): it is a business line when most regions where it is valid say so.
    kinds = []
    for region in _REGIONS:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            return False
        if phonenumbers.is_valid_number(number):
            kinds.append(phonenumbers.number_type(number) in _BUSINESS)
        if value.lstrip().startswith("+"):
            break  # the country code decides; every region reads it the same way
    return 2 * sum(kinds) > len(kinds)


def _private_address(value: str, score: float) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return any(address in net for net in _LOCAL_NETWORKS)
    return any(address in net for net in _LOCAL_NETWORKS_V6)


_CHECKS: dict[str, Callable[[str, float], bool]] = {
    "PHONE_NUMBER": _business_line,
    "IP_ADDRESS": _private_address,
}


def public_value(entity: str, value: str, score: float) -> bool:
    """Whether a detection of `entity` with this `value` and `score` reaches no particular person."""
    check = _CHECKS.get(entity)
    return check is not None and check(value, score)
