"""PII settings: the support-desk defaults, every bad value refused at the edge, and a value-based cache key."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ragfort.pii.settings import DEFAULT_ENTITIES, NER_ENTITIES, SUPPORT_DESK_ENTITIES, PIISettings, RecognizerSpec


def test_the_defaults_redact_contact_details_and_leave_answer_words_alone() -> None:
    settings = PIISettings()
    assert {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", *SUPPORT_DESK_ENTITIES} <= set(settings.entities)
    assert not {"DATE_TIME", "ORGANIZATION", "LOCATION", "NRP"} & set(DEFAULT_ENTITIES)
    assert NER_ENTITIES & set(DEFAULT_ENTITIES) == {"PERSON"}
    assert settings.threshold("PHONE_NUMBER") == 0.4 and settings.threshold("PERSON") == 0.5
    assert PIISettings(default_threshold=0.7).threshold("EMAIL_ADDRESS") == 0.7
    assert settings.operator("PERSON") == "placeholder"
    assert PIISettings(operators={"PERSON": "mask"}).operator("PERSON") == "mask"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"entities": ("person",)}, "upper-case letters"),
        ({"thresholds": {"PERSON": 1.5}}, r"threshold for PERSON must be in \[0, 1\]"),
        ({"thresholds": {"Person": 0.5}}, "upper-case letters"),
        ({"operators": {"PERSON": "encrypt"}}, "operators"),
        ({"chunk_chars": 10}, "chunk_chars"),
        ({"deny_list": {"ORDER_ID": ("VW-1",)}}, r"deny_list names \['ORDER_ID'\] but entities does not list them"),
        ({"recognizers": ({"entity": "ORDER_ID", "regex": r"VW-\d+"},)}, r"custom recognizers report \['ORDER_ID'\]"),
        ({"recognizer": ()}, "Extra inputs are not permitted"),
    ],
)
def test_bad_settings_are_refused_naming_the_value(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PIISettings(**values)


def test_a_custom_recognizer_needs_a_valid_name_pattern_and_score() -> None:
    spec = RecognizerSpec(entity="ORDER_ID", regex=r"VW-\d{6}", context=("order",))
    settings = PIISettings(entities=(*DEFAULT_ENTITIES, "ORDER_ID"), recognizers=(spec,))
    assert settings.recognizers[0].score == 0.6
    with pytest.raises(ValidationError, match="does not compile"):
        RecognizerSpec(entity="ORDER_ID", regex="VW-(")
    with pytest.raises(ValidationError, match="upper-case"):
        RecognizerSpec(entity="order-id", regex="x")
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        RecognizerSpec(entity="ORDER_ID", regex="x", score=2.0)


def test_settings_are_frozen_values_and_the_cache_key_ignores_operators() -> None:
    a, b = PIISettings(), PIISettings()
    assert a == b and a.cache_key() == b.cache_key()
    with pytest.raises(ValidationError):
        a.model = "other"
    assert PIISettings(operators={"PERSON": "drop"}).cache_key() == a.cache_key()  # same analyzer
    assert PIISettings(default_threshold=0.6).cache_key() != a.cache_key()
