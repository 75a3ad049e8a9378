"""Training: fitting by name, the validation-only search, the test split kept out of every selection,
train + register, event sub-sampling."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import core.evaluation as evaluation
import core.training as training
from core.evaluation import evaluate_saved_model
from core.models.benchmarks import SVMModel
from core.models.inputs import (
    SplitLeakError,
    as_arrays,
    event_holdout,
    feature_names,
    samples_hash,
    select_split,
    subsample_events,
)
from core.models.registry import default_models, load_model
from core.training import fit_model, pretrain, search_hyperparameters, train_default_models, train_model
from tests.core.models.make_samples import ground_truth_table, make_samples


@pytest.fixture(autouse=True, scope="module")
def _threads() -> None:
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _work_dir(tmp_path, monkeypatch) -> None:
    """Searches persist their optuna study under ``<work_dir>/studies`` by default: a fresh one per test."""
    monkeypatch.setenv("SEQNETQUAKE_WORK_DIR", str(tmp_path / "work"))


@pytest.fixture(scope="module")
def ds():
    return make_samples(n_events=40, L=20, seed=5, signal=2.5, injected_fraction=0.9, test2=True)


def _h(X: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(X, dtype=np.float32).tobytes()).hexdigest()


def test_fit_model_checks_splits(ds) -> None:
    model = fit_model("svm", select_split(ds, "train"), select_split(ds, "validation"))
    assert model.predict_proba(as_arrays(select_split(ds, "test"))[0]).shape[1] == 2
    with pytest.raises(SplitLeakError):
        fit_model("svm", select_split(ds, "train"), select_split(ds, "test"))
    with pytest.raises(SplitLeakError):
        fit_model("svm", ds, select_split(ds, "validation"))
    with pytest.raises(SplitLeakError):
        search_hyperparameters("svm", select_split(ds, "train"), select_split(ds, "test"), n_trials=1)


def test_test_split_never_touched_before_the_final_evaluation(ds, monkeypatch) -> None:
    log: list[tuple[str, ...]] = []

    class Spy(SVMModel):
        def fit(self, X, y, X_val=None, y_val=None):
            log.append(("fit", _h(X), _h(X_val) if X_val is not None else ""))
            return super().fit(X, y, X_val, y_val)

        def predict_proba(self, X):
            log.append(("predict", _h(X)))
            return super().predict_proba(X)

    real_select = evaluation.select_decision_rule

    def spy_select(scores, *args, **kwargs):
        log.append(("select", scores.split))
        return real_select(scores, *args, **kwargs)

    monkeypatch.setattr(training, "make_model", lambda name, **params: Spy(**params))
    monkeypatch.setattr(evaluation, "select_decision_rule", spy_select)
    result = train_model("svm", ds, n_trials=3, n_boot=20)

    feats = feature_names(ds)
    test_hashes = {_h(as_arrays(select_split(ds, s), feats)[0]) for s in ("test", "test2")}
    selects = [i for i, e in enumerate(log) if e[0] == "select"]
    assert [log[i][1] for i in selects] == ["validation"]
    assert sum(e[0] == "fit" for e in log) == 3 + 1  # three search trials, then the final fit
    touched = [i for i, e in enumerate(log) if set(e[1:]) & test_hashes]
    assert touched, "the test splits were never scored"
    for i in touched:
        assert log[i][0] == "predict" and i > selects[-1], log[i]
    assert set(result.tests) == {"test", "test2"}
    assert result.rule.selected_on == "validation"


def test_search_is_seeded_and_stays_in_the_space(ds) -> None:
    train, val = select_split(ds, "train"), select_split(ds, "validation")
    a = search_hyperparameters("svm", train, val, n_trials=4, seed=3, persist=False)
    b = search_hyperparameters("svm", train, val, n_trials=4, seed=3, persist=False)
    assert a.best_params == b.best_params and a.best_value == b.best_value
    assert a.storage is None and b.n_new_trials == 4  # in memory: both ran every trial
    assert 0.1 <= a.best_params["C"] <= 100 and a.best_params["seed"] == 3
    assert len(a.trials) == 4 and -1 <= a.best_value <= 1
    snq = search_hyperparameters(
        "seqnetquake",
        train,
        val,
        n_trials=1,
        seed=0,
        base_params={"epochs": 2, "lstm_units": 64},
        objective="event_mcc",
    )
    assert 2 <= snq.best_params["conv_layers"] <= 4 and snq.best_params["epochs"] == 2


def test_train_model_registers(ds, tmp_path) -> None:
    gt = ground_truth_table(ds)
    result = train_model(
        "seqnetquake",
        ds,
        quick=True,
        params={"epochs": 3},
        n_boot=30,
        ground_truth=gt,
        registry_root=tmp_path,
        make_default=True,
    )
    assert (
        result.params["epochs"] == 3
        and result.params["lstm_units"] == training.QUICK_PARAMS["seqnetquake"]["lstm_units"]
    )
    loaded = load_model("seqnetquake", root=tmp_path)
    assert loaded.metrics["test"]["ceiling"]["event_mcc"] is not None
    assert loaded.settings["dataset_hash"] == samples_hash(ds) == result.dataset_hash
    assert loaded.settings["training"]["quick"] is True
    assert loaded.rule == result.rule
    assert default_models(tmp_path) == {"seqnetquake": "v001"}
    X = as_arrays(select_split(ds, "test"))[0]
    np.testing.assert_array_equal(loaded.predict_proba(X), result.model.predict_proba(X))
    # evaluating the saved model later reproduces its test metrics with its saved rule
    again = evaluate_saved_model("seqnetquake", ds, root=tmp_path, n_boot=30, ground_truth=gt)
    assert set(again) == {"test", "test2"}
    assert again["test"].sample == result.tests["test"].sample
    assert again["test"].event["mcc"] == result.tests["test"].event["mcc"]
    assert again["test"].rule == result.rule


def test_train_default_models(ds, tmp_path) -> None:
    seen = []
    out = train_default_models(
        ds, tmp_path, names=("svm", "random_forest"), n_boot=10, progress=lambda n, r: seen.append(n)
    )
    assert seen == ["svm", "random_forest"] and set(out) == {"svm", "random_forest"}
    assert set(default_models(tmp_path)) == {"svm", "random_forest"}


def test_train_model_needs_train_and_validation(ds) -> None:
    with pytest.raises(ValueError, match="train and validation"):
        train_model("svm", select_split(ds, "train"))


def test_subsample_events(ds) -> None:
    train = select_split(ds, "train")
    half = subsample_events(train, 0.5, seed=1)
    again = subsample_events(train, 0.5, seed=1)
    np.testing.assert_array_equal(half["sample"].values, again["sample"].values)
    ev_all = {e: n for e, n in zip(*np.unique(train["event_id"].values, return_counts=True), strict=True)}
    ev_half, counts = np.unique(half["event_id"].values, return_counts=True)
    assert all(ev_all[e] == n for e, n in zip(ev_half, counts, strict=True))  # whole events kept
    for lab in (0, 1):
        n_lab = len(np.unique(train["event_id"].values[train["label"].values == lab]))
        k_lab = len(np.unique(half["event_id"].values[half["label"].values == lab]))
        assert k_lab == round(0.5 * n_lab)
    assert subsample_events(train, 1.0) is train
    with pytest.raises(ValueError):
        subsample_events(train, 0.0)
    fit, held = event_holdout(train, 0.25, seed=0)
    assert not set(fit["event_id"].values) & set(held["event_id"].values)
    assert fit.sizes["sample"] + held.sizes["sample"] == train.sizes["sample"]


def test_pretrain_without_validation_split_holds_out_events() -> None:
    src = make_samples(n_events=20, seed=9, signal=2.5, satellite="DEMETER")
    src = src.assign_coords(split=("sample", np.full(src.sizes["sample"], "train")))
    model = pretrain(src, {"epochs": 2, "lstm_units": 8}, seed=0)
    assert model.transfer_["n_source_samples"] == src.sizes["sample"]
    assert "val_loss" in model.history_[0]
