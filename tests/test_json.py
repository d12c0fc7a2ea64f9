"""The fast JSON encoder: compact UTF-8, the same document as the standard library, and no record it cannot write."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ragfort._json import dumps


@pytest.mark.parametrize(
    "value",
    [
        {"trace_id": "a", "answer": "Ça coûte 5 € <PERSON_1>", "n": [1, 2.5, None, True]},
        [],
        "plain",
        {"nested": {"deep": [{"x": -3}]}},
    ],
)
def test_the_encoding_is_compact_utf8_json_of_the_same_value(value: Any) -> None:
    encoded = dumps(value)
    assert isinstance(encoded, bytes)
    assert json.loads(encoded.decode("utf-8")) == value
    assert b": " not in encoded and b", " not in encoded


def test_non_ascii_text_stays_readable() -> None:
    assert dumps({"q": "Müller €"}) == '{"q":"Müller €"}'.encode()


def test_values_the_fast_path_refuses_fall_back_to_the_standard_library() -> None:
    assert json.loads(dumps({"n": 2**70, 1: "x"})) == {"n": 2**70, "1": "x"}


def test_a_value_no_encoder_can_write_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        dumps({"when": object()})
