"""The scikit-learn face of every model (SeqNetQuake and the benchmarks) and the shared preprocessing."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from core.models.base import SequenceScaler, check_sequences
from core.models.inputs import as_arrays, select_split
from core.models.zoo import BENCHMARKS, MODEL_NAMES, TORCH_MODELS, make_model, model_class
from tests.core.models.make_samples import make_samples

FAST = {
    "seqnetquake": {"epochs": 25, "lstm_units": 16, "lr": 5e-3},
    "cnn": {"epochs": 25, "filters": 8, "lr": 5e-3},
    "lstm": {"epochs": 25, "units": 16, "lr": 5e-3},
    "bilstm": {"epochs": 25, "units": 16, "lr": 5e-3},
    "random_forest": {"n_estimators": 50},
    "svm": {},
    "hist_gradient_boosting": {"max_iter": 50},
}


@pytest.fixture(scope="module")
def easy():
    ds = make_samples(n_events=60, L=20, seed=3, signal=3.0, nan_fraction=0.03)
    return [as_arrays(select_split(ds, s)) for s in ("train", "validation", "test")]


def test_names() -> None:
    assert MODEL_NAMES[0] == "seqnetquake"
    assert set(BENCHMARKS) == {"cnn", "lstm", "bilstm", "random_forest", "svm", "hist_gradient_boosting"}
    with pytest.raises(ValueError, match="unknown model"):
        model_class("resnet")
    with pytest.raises(ValueError, match="no parameter"):
        make_model("svm", n_estimators=3)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_sklearn_face(name: str, easy) -> None:
    (Xtr, ytr), (Xv, yv), (Xt, yt) = easy
    model = make_model(name, **FAST[name])
    params = model.get_params()
    assert params == make_model(name, **FAST[name]).get_params()
    twin = clone(model)
    assert twin is not model and twin.get_params() == params
    model.set_params(seed=5)
    assert model.get_params()["seed"] == 5
    with pytest.raises(NotFittedError):
        model.predict_proba(Xt)
    assert model.fit(Xtr, ytr, Xv, yv) is model
    learned = [k for k in vars(model) if k.endswith("_") and not k.startswith("_")]
    assert {"classes_", "preprocessor_", "n_features_in_", "seq_len_"} <= set(learned)
    assert not any(k.endswith("_") for k in params)
    proba = model.predict_proba(Xt)
    assert proba.shape == (len(Xt), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert np.isfinite(proba).all()
    assert set(np.unique(model.predict(Xt))) <= {0, 1}
    # it learned the injected signal
    assert roc_auc_score(yt, proba[:, 1]) > 0.8
    # a clone of a fitted model is unfitted
    with pytest.raises(NotFittedError):
        clone(model).predict_proba(Xt)


@pytest.mark.parametrize("name", sorted(TORCH_MODELS))
@pytest.mark.parametrize("L", [10, 23, 40])
def test_neural_shapes_for_several_lengths(name: str, L: int) -> None:
    ds = make_samples(n_events=8, L=L, seed=1)
    X, y = as_arrays(ds)
    model = make_model(name, epochs=1, **{k: v for k, v in FAST[name].items() if k != "epochs"}).fit(X, y)
    assert model.predict_proba(X).shape == (len(X), 2)
    assert model.n_parameters() > 0


def test_models_work_without_validation(easy) -> None:
    (Xtr, ytr), _, (Xt, _) = easy
    for name in ("cnn", "hist_gradient_boosting", "svm"):
        model = make_model(name, **{**FAST[name], **({"epochs": 3} if name == "cnn" else {})}).fit(Xtr, ytr)
        assert model.predict_proba(Xt).shape == (len(Xt), 2)


def test_class_weights_balanced() -> None:
    model = make_model("cnn", epochs=1, filters=4)
    y = np.array([0] * 30 + [1] * 10)
    X = np.random.default_rng(0).normal(size=(40, 10, 2)).astype(np.float32)
    model.fit(X, y)
    np.testing.assert_allclose(model.class_weight_, [40 / 60, 40 / 20])
    assert make_model("cnn", class_weight=None)._class_weights(np.array([0, 0, 1])).tolist() == [1.0, 1.0]


def test_one_class_is_rejected() -> None:
    X = np.zeros((4, 10, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="two classes"):
        make_model("svm").fit(X, np.zeros(4))


def test_scaler_uses_training_statistics_and_zeroes_nan() -> None:
    rng = np.random.default_rng(0)
    train = rng.normal(loc=[10.0, -5.0], scale=[2.0, 0.5], size=(200, 6, 2)).astype(np.float32)
    train[0, 0, 0] = np.nan
    scaler = SequenceScaler("standard").fit(train)
    flat = train.reshape(-1, 2)
    np.testing.assert_allclose(scaler.mean_, np.nanmean(flat, axis=0), rtol=1e-5)
    np.testing.assert_allclose(scaler.scale_, np.nanstd(flat, axis=0), rtol=1e-4)
    other = np.full((3, 6, 2), 100.0, dtype=np.float32)
    other[1, 2, 1] = np.nan
    out = scaler.transform(other)
    np.testing.assert_allclose(out[0, 0], (100.0 - scaler.mean_) / scaler.scale_, rtol=1e-5)
    assert out[1, 2, 1] == 0.0  # NaN → 0 after scaling (= the training mean)
    l2 = SequenceScaler("standard+l2").fit(train).transform(other)
    np.testing.assert_allclose(np.sqrt((l2.astype(np.float64) ** 2).sum(axis=(1, 2))), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(SequenceScaler("none").fit(train).transform(other), np.nan_to_num(other))
    constant = SequenceScaler().fit(np.ones((3, 4, 1), dtype=np.float32))
    assert constant.scale_[0] == 1.0
    with pytest.raises(ValueError):
        SequenceScaler("minmax").fit(train)


def test_check_sequences() -> None:
    with pytest.raises(ValueError, match="shaped"):
        check_sequences(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="features"):
        check_sequences(np.zeros((3, 4, 2)), n_features=3)
    out = check_sequences(np.array([[[np.inf, 1.0]]]))
    assert np.isnan(out[0, 0, 0]) and out.dtype == np.float32


def test_svm_caps_training_samples(easy) -> None:
    (Xtr, ytr), (Xv, yv), _ = easy
    model = make_model("svm", max_train_samples=40).fit(Xtr, ytr, Xv, yv)
    assert model.n_support_ <= 40
