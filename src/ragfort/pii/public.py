"""Values that match a personal type's pattern but reach no particular person.

**Private network addresses**: 192.168.1.1 is the default address of
millions of home routers ("my router at 192.168.1.1 keeps rebooting");
RFC 1918, unique-local, loopback and link-local addresses name no one
outside the local network. Python's ``is_private`` is not used: it also
covers the documentation ranges such as 203.0.113.0/24, which stand for
public addresses in examples and tests.

Toll-free and shared-cost phone lines were tried as a second check (by
`phonenumbers` number type, by majority of the regions where a number is
valid) and left out: a support line quoted inside a private ticket is still
expected to be redacted there (tests/guards/test_pii.py), and on the support
set it removed one false positive.

`public_value(entity, value, score)` is the one entry point; the checks are a
dict keyed by entity type.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

__all__ = ["public_value"]

_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/32")
)
_LOCAL_NETWORKS_V6 = tuple(ipaddress.ip_network(n) for n in ("fc00::/7", "fe80::/10", "::1/128", "::/128"))


def _private_address(value: str, score: float) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return any(address in net for net in _LOCAL_NETWORKS)
    return any(address in net for net in _LOCAL_NETWORKS_V6)


_CHECKS: dict[str, Callable[[str, float], bool]] = {
    "IP_ADDRESS": _private_address,
}


def public_value(entity: str, value: str, score: float) -> bool:
    """Whether a detection of `entity` with this `value` and `score` reaches no particular person."""
    check = _CHECKS.get(entity)
    return check is not None and check(value, score)
