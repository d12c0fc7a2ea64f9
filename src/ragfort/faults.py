"""Describing a fault in one line that is safe to log, show and persist.

A guard or chain that raises is a fault, not a refusal, and the person who
runs ragfort needs to see what went wrong: the exception's class *and* its
message ("TypeError: Argument 'string' has incorrect type (expected str,
got TextAccessor)"), not a bare class name. An exception message can quote
the text being processed, though, so before it reaches a log line, a
verdict or a trace it is scrubbed: quoted values become ``'…'`` and
anything shaped like an e-mail address, IBAN, card, SSN or phone number
becomes a ``<TYPE>`` tag. The patterns are deliberately greedy; they are
also the last line of defence for free text the service stores
(`ragfort.server.redact`).
"""

from __future__ import annotations

import re

from ragfort.text import EMAIL_RE
from ragfort.types import Fault

__all__ = ["CONNECTION_FAULTS", "SCRUB_PATTERNS", "describe_fault", "named", "scrub"]

# Exception class names that mean a server could not be reached or dropped the connection
# (the standard library's, httpx's, redis-py's), matched by name so that ragfort needs none of
# those packages and can read a `Fault`'s lineage as well as a live exception.
CONNECTION_FAULTS = frozenset(
    {
        "ConnectionError", "ConnectionRefusedError", "ConnectionResetError", "ConnectError", "ConnectTimeout",
        "ReadTimeout", "WriteTimeout", "PoolTimeout", "RemoteProtocolError", "ReadError", "WriteError",
    }
)  # fmt: skip


def named(fault: BaseException | Fault, names: frozenset[str]) -> bool:
    """Whether the exception (or a recorded `Fault`) is of a class named in `names`, or a subclass of one."""
    lineage = fault.lineage if isinstance(fault, Fault) else tuple(c.__name__ for c in type(fault).__mro__)
    return not names.isdisjoint(lineage)

MAX_CHARS = 300

# Order matters: card and IBAN before phone, which would take any long digit run.
SCRUB_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL_ADDRESS", EMAIL_RE),
    ("IBAN_CODE", re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")),
    ("CREDIT_CARD", re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")),
    ("US_SSN", re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")),
    ("PHONE_NUMBER", re.compile(r"(?<![\w])\+?\d[\d ().-]{6,}\d(?!\d)")),
)
# A quoted value of more than a few characters: type names such as 'str' stay readable.
_QUOTED = re.compile(r"""(['"])(?=[^'"\n]{13,}\1)[^'"\n]*\1""")


def scrub(text: str) -> str:
    """`text` with anything shaped like contact or payment data replaced by ``<TYPE>`` tags."""
    for entity, pattern in SCRUB_PATTERNS:
        text = pattern.sub(f"<{entity}>", text)
    return text


def describe_fault(exc: BaseException) -> Fault:
    """A `Fault` for `exc`: its class, its message scrubbed of quoted values and personal-data shapes."""
    message = scrub(_QUOTED.sub("'…'", str(exc))).replace("\n", " ").strip()
    if len(message) > MAX_CHARS:
        message = message[: MAX_CHARS - 1] + "…"
    return Fault(type=type(exc).__name__, message=message, lineage=tuple(c.__name__ for c in type(exc).__mro__))
