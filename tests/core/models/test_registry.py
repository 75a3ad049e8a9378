"""Model registry: round trip (identical predictions), versions, defaults, listing, atomic layout."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.evaluation import DecisionRule
from core.models.inputs import as_arrays
from core.models.registry import (
    default_models,
    list_models,
    load_default_models,
    load_model,
    resolve_version,
    save_model,
    set_default,
)
from core.models.zoo import make_model
from tests.core.models.make_samples import make_samples

RULE = DecisionRule(
    sample_threshold=0.4,
    event_rule="mean",
    event_threshold=0.55,
    validation_sample_mcc=0.3,
    validation_event_mcc=0.5,
)


@pytest.fixture(scope="module")
def data():
    X, y = as_arrays(make_samples(n_events=16, L=20, seed=2, signal=3.0))
    return X, y


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("seqnetquake", {"epochs": 2, "lstm_units": 8}),
        ("lstm", {"epochs": 2, "units": 8}),
        ("random_forest", {"n_estimators": 10}),
        ("svm", {}),
        ("hist_gradient_boosting", {"max_iter": 10}),
    ],
)
def test_round_trip_predictions_identical(tmp_path, data, name, params) -> None:
    X, y = data
    model = make_model(name, **params).fit(X, y)
    metrics = {
        "validation": {"event": {"mcc": 0.5}},
        "test": {"sample": {"mcc": 0.3, "f1": 0.6}, "event": {"mcc": 0.4}},
    }
    rec = save_model(
        model,
        name,
        root=tmp_path,
        rule=RULE,
        metrics=metrics,
        settings={"quick": True},
        dataset_hash="abc123",
        features=["Ne", "Te", "Ni_O", "Ti"],
    )
    assert rec.version == "v001" and rec.path == tmp_path / name / "v001"
    files = {p.name for p in rec.path.iterdir()}
    assert {"settings.json", "metrics.json", "decision.json"} <= files
    assert (
        {"weights.pt", "state.joblib"} if name in {"seqnetquake", "lstm"} else {"estimator.joblib"}
    ) <= files
    assert not [p for p in (tmp_path / name).iterdir() if p.name.startswith(".")]  # no temporary folder left
    loaded = load_model(name, root=tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.rule == RULE
    assert loaded.features == ["Ne", "Te", "Ni_O", "Ti"] and loaded.seq_len == 20
    assert loaded.settings["dataset_hash"] == "abc123" and loaded.settings["training"] == {"quick": True}
    assert loaded.metrics == metrics
    assert loaded.estimator.get_params() == model.get_params()


def test_versions_defaults_and_listing(tmp_path, data) -> None:
    X, y = data
    a = make_model("svm").fit(X, y)
    b = make_model("svm", C=3.0).fit(X, y)
    r1 = save_model(a, "svm", root=tmp_path, rule=RULE, make_default=True)
    r2 = save_model(b, "svm", root=tmp_path, rule=RULE)
    assert (r1.version, r2.version) == ("v001", "v002")
    assert resolve_version("svm", "latest", tmp_path) == "v002"
    assert load_model("svm", root=tmp_path).estimator.C == 3.0
    assert load_model("svm", "v001", root=tmp_path).estimator.C == 1.0
    assert default_models(tmp_path) == {"svm": "v001"}
    set_default("svm", "latest", root=tmp_path)
    assert json.loads((tmp_path / "defaults.json").read_text()) == {"svm": "v002"}
    save_model(a, "random_forest_like", root=tmp_path, version="custom")
    table = list_models(tmp_path)
    assert list(table["name"]) == ["random_forest_like", "svm", "svm"]
    assert table.loc[table["version"] == "v002", "default"].item()
    assert load_default_models(tmp_path)["svm"].version == "v002"
    with pytest.raises(FileExistsError):
        save_model(a, "random_forest_like", root=tmp_path, version="custom")
    with pytest.raises(FileNotFoundError):
        load_model("svm", "v009", root=tmp_path)
    with pytest.raises(FileNotFoundError):
        load_model("cnn", root=tmp_path)
    assert list_models(tmp_path / "empty").empty
