"""The question model: one answerable/unanswerable decision from the judge's per-passage reads."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ragfort.errors import ConfigError
from ragfort.judges.answerable import (
    PARAMS_PATH,
    QUESTION_FEATURES,
    UNSCORED_FEATURES,
    QuestionModel,
    fit_regression,
    load_question_model,
    question_features,
)

STORES = "Voltwise stores are open Monday to Saturday, 9 a.m. to 8 p.m., and Sunday 11 a.m. to 5 p.m."
RETURNS = "You can return a Voltwise phone within 14 days of delivery for a full refund."


def test_features_are_the_best_and_first_reads_as_log_odds_and_the_best_retrieval_score() -> None:
    values = question_features([0.2, 0.8], [0.5, 0.7])
    named = dict(zip(QUESTION_FEATURES, values, strict=True))
    assert named["best"] == pytest.approx(math.log(4)) and named["first"] == pytest.approx(-math.log(4))
    assert named["best_cosine"] == 0.7
    assert question_features([0.2, 0.8]) == values[:-1] and len(UNSCORED_FEATURES) == len(values) - 1
    # A certain read is clamped, not infinite.
    assert math.isfinite(question_features([1.0])[0]) and math.isfinite(question_features([0.0])[0])


def test_features_refuse_empty_or_mismatched_reads() -> None:
    with pytest.raises(ValueError, match="at least one passage"):
        question_features([])
    with pytest.raises(ValueError, match="one retrieval score per passage"):
        question_features([0.5, 0.2], [0.6])


def test_the_shipped_model_loads_and_grows_with_the_judge_and_the_retrieval_score() -> None:
    model = load_question_model()
    assert 0.0 < model.threshold < 1.0 and 0.0 <= model.min_score <= 1.0
    data = json.loads(PARAMS_PATH.read_text(encoding="utf-8"))
    assert set(data["fitted_on"]) >= {"own/northbeam", "own/voltwise"}
    for variant in (model.scored, model.unscored):
        assert all(w > 0 for w in variant.weights), "a surer judge or a closer passage must never lower it"
    assert model.probability([0.9, 0.05], [0.6, 0.4]) > model.probability([0.1, 0.05], [0.6, 0.4])
    assert model.probability([0.3], [0.7]) > model.probability([0.3], [0.4])
    assert model.probability([0.9]) > model.threshold > model.probability([0.01])


def _params(**changes: object) -> dict[str, object]:
    data = json.loads(PARAMS_PATH.read_text(encoding="utf-8"))
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"threshold": 1.5}, "threshold"),
        ({"min_score": -0.1}, "min_score"),
        ({"scored": {"features": ["best"], "weights": [1.0], "intercept": 0, "mean": [0], "scale": [1]}}, "features"),
        ({"unscored": None}, "malformed"),
        ({"judge_sha256": "abc"}, "judge_sha256"),
        ({"unscored_threshold": 1.5}, "unscored_threshold"),
    ],
)
def test_malformed_parameters_are_config_errors(tmp_path: Path, changes: dict[str, object], message: str) -> None:
    path = tmp_path / "answerable.json"
    path.write_text(json.dumps(_params(**changes)), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_question_model(str(path))


def test_each_variant_has_its_own_threshold_and_older_files_share_one(tmp_path: Path) -> None:
    model = load_question_model()
    data = json.loads(PARAMS_PATH.read_text(encoding="utf-8"))
    assert model.threshold_for(True) == data["threshold"]
    assert model.threshold_for(False) == data["unscored_threshold"]
    assert model.unscored.threshold == data["unscored_threshold"]
    del data["unscored_threshold"]
    older = tmp_path / "older.json"
    older.write_text(json.dumps(data), encoding="utf-8")
    assert load_question_model(str(older)).threshold_for(False) == data["threshold"]


def test_the_shipped_model_names_the_shipped_judge_and_refuses_another() -> None:
    from ragfort.judges.runtime import MANIFEST_FILE, MODELS_DIR, Manifest

    model = load_question_model()
    shipped = Manifest.read(MODELS_DIR / "answerability" / MANIFEST_FILE).files["model.onnx"]
    assert model.judge_sha256 == shipped
    model.check_judge(shipped)
    with pytest.raises(ConfigError, match=r"fitted on .* sha256 .*refit"):
        model.check_judge("0" * 64)


def test_an_unreadable_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.json"):
        load_question_model(str(tmp_path / "nowhere.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.json"):
        load_question_model(str(broken))


def test_a_fitted_regression_round_trips_and_learns_the_direction() -> None:
    rows = [[float(i), float(i % 3)] for i in range(40)]
    labels = [i >= 20 for i in range(40)]
    fitted = fit_regression(rows, labels, [1.0] * 40, ("best", "second"))
    assert fitted["features"] == ["best", "second"] and fitted["weights"][0] > 0
    data = _params()
    model = QuestionModel.from_mapping(data, source="test")
    assert model.scored.features == QUESTION_FEATURES and model.unscored.features == UNSCORED_FEATURES
