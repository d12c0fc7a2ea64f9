"""The support model: the shipped params load, probabilities behave, and malformed params are refused."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from ragfort.errors import ConfigError
from ragfort.grounding.model import FEATURES, PARAMS_PATH, SupportModel, load_model

K = len(FEATURES)


def _model(**overrides: Any) -> SupportModel:
    base: dict[str, Any] = {
        "weights": (2.0,) + (0.0,) * (K - 1),  # only "similarity" counts
        "intercept": 0.0,
        "mean": (0.5,) * K,
        "scale": (0.25,) * K,
        "threshold": 0.5,
        "band": (0.4, 0.6),
    }
    return SupportModel(**(base | overrides))


def _mapping(model: SupportModel) -> dict[str, Any]:
    return {
        "features": list(model.features),
        "weights": list(model.weights),
        "intercept": model.intercept,
        "mean": list(model.mean),
        "scale": list(model.scale),
        "threshold": model.threshold,
        "band": list(model.band),
        "vetoes": list(model.vetoes),
        "veto_cap": model.veto_cap,
    }


def test_the_shipped_parameters_load_and_give_probabilities() -> None:
    model = load_model()
    assert model.features == FEATURES
    low, high = model.band
    assert 0.0 <= low <= model.threshold <= high <= 1.0
    assert json.loads(PARAMS_PATH.read_text(encoding="utf-8"))["model"]["features"] == list(FEATURES)
    p = model.probability([0.5] * K)
    assert 0.0 < p < 1.0


def test_probability_is_the_logistic_of_the_standardised_weighted_sum() -> None:
    model = _model(intercept=0.3)
    values = [0.75] + [0.1] * (K - 1)
    z = 0.3 + 2.0 * (0.75 - 0.5) / 0.25
    assert model.probability(values) == pytest.approx(1 / (1 + math.exp(-z)))
    assert sum(model.contributions(values).values()) + 0.3 == pytest.approx(z)
    assert model.probability([1.0] + [0.0] * (K - 1)) > model.probability([0.0] * K)


def test_extreme_inputs_stay_finite() -> None:
    model = _model(weights=(1e6,) + (0.0,) * (K - 1))
    assert 0.0 < model.probability([-1e6] + [0.0] * (K - 1)) < 1e-12
    assert model.probability([1e6] + [0.0] * (K - 1)) == pytest.approx(1.0)


def test_a_veto_caps_the_probability_however_similar_the_claim() -> None:
    model = _model(vetoes=("contradiction",), veto_cap=0.2)
    k = FEATURES.index("contradiction")
    clean = [1.0] * K
    clean[k] = 0.0
    vetoed = list(clean)
    vetoed[k] = 1.0
    assert model.probability(clean) > 0.9
    assert model.probability(vetoed) == pytest.approx(0.2)


def test_bounds_enclose_every_value_of_the_free_features() -> None:
    model = _model(weights=(2.0, -1.0) + (0.0,) * (K - 2))
    values = [0.3, 0.6] + [0.0] * (K - 2)
    lo, hi = model.bounds(values, "similarity", "local_similarity")
    for a in (0.0, 0.25, 0.5, 1.0):
        for b in (0.0, 0.5, 1.0):
            p = model.probability([a, b] + [0.0] * (K - 2))
            assert lo - 1e-12 <= p <= hi + 1e-12
    assert lo == pytest.approx(model.probability([0.0, 1.0] + [0.0] * (K - 2)))
    assert hi == pytest.approx(model.probability([1.0, 0.0] + [0.0] * (K - 2)))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"weights": (1.0,)}, "expected"),
        ({"threshold": 1.0}, "threshold"),
        ({"band": (0.6, 0.7)}, "band"),
        ({"vetoes": ("shoe_size",)}, "veto"),
    ],
)
def test_inconsistent_parameters_are_configuration_errors(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _model(**overrides)


def test_a_params_file_round_trips_and_a_bad_one_is_named(tmp_path: Path) -> None:
    model = _model(vetoes=("contradiction",), veto_cap=0.15)
    good = tmp_path / "params.json"
    good.write_text(json.dumps({"model": _mapping(model)}), encoding="utf-8")
    assert load_model(str(good)) == model

    renamed = tmp_path / "renamed.json"
    renamed.write_text(json.dumps({"model": _mapping(model) | {"features": ["a"] * K}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="do not match"):
        load_model(str(renamed))
    truncated = tmp_path / "truncated.json"
    truncated.write_text(json.dumps({"model": {"features": list(FEATURES)}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="malformed"):
        load_model(str(truncated))
    empty = tmp_path / "empty.json"
    empty.write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="no 'model' object"):
        load_model(str(empty))
    with pytest.raises(ConfigError, match=r"missing\.json"):
        load_model(str(tmp_path / "missing.json"))
