"""Training that trains: early stopping cannot end a fit on a few noisy validation epochs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from core.models.base import MAX_EPOCHS, MIN_EPOCHS, PATIENCE, VAL_SMOOTHING
from core.models.inputs import as_arrays, select_split
from core.models.seqnetquake import SeqNetQuake
from core.models.zoo import TORCH_MODELS, make_model
from core.training import QUICK_PARAMS
from tests.core.models.make_samples import make_samples


def _fit(signal: float, **params):
    ds = make_samples(80, 20, seed=5, signal=signal, split_fractions=(0.6, 0.4, 0.0))
    Xtr, ytr = as_arrays(select_split(ds, "train"))
    Xv, yv = as_arrays(select_split(ds, "validation"))
    model = SeqNetQuake(**{**QUICK_PARAMS["seqnetquake"], **params}).fit(Xtr, ytr, Xv, yv)
    return model, roc_auc_score(yv, model.predict_proba(Xv)[:, 1])


def test_a_learnable_signal_is_learned_and_training_runs_past_the_minimum() -> None:
    model, auc = _fit(signal=1.5)  # the quick parameters with the default early stopping
    assert auc > 0.8  # chance is 0.5
    assert model.stop_epoch_ == len(model.history_) >= MIN_EPOCHS
    assert min(h["train_loss"] for h in model.history_) < 0.6  # well below ln 2 = 0.693, a coin's loss
    smoothed = [h["val_loss_smoothed"] for h in model.history_]
    assert model.best_epoch_ == 1 + int(np.argmin(smoothed))  # the weights of the smoothed minimum
    assert model.history_[model.best_epoch_ - 1]["val_auc"] > 0.8
    if model.stopped_early_:
        assert model.stop_epoch_ - model.best_epoch_ >= PATIENCE


def test_the_smoothed_curve_is_an_exponential_moving_average() -> None:
    model, _ = _fit(signal=1.5, epochs=MIN_EPOCHS)
    raw = [h["val_loss"] for h in model.history_]
    ema = raw[0]
    for h, v in zip(model.history_[1:], raw[1:], strict=True):
        ema = VAL_SMOOTHING * ema + (1 - VAL_SMOOTHING) * v
        assert h["val_loss_smoothed"] == pytest.approx(ema)
    assert not model.stopped_early_ and model.stop_epoch_ == MIN_EPOCHS


def test_without_signal_the_minimum_still_holds() -> None:
    model, _ = _fit(signal=0.0, epochs=40, patience=1)
    assert len(model.history_) >= MIN_EPOCHS  # patience 1 alone would stop after a couple of epochs


def test_the_training_summary_reports_the_run() -> None:
    model, _ = _fit(signal=1.5, epochs=MIN_EPOCHS + 2)
    summary = model.training_summary()
    assert summary["best_epoch"] == model.best_epoch_ and summary["stop_epoch"] == len(summary["history"])
    assert summary["min_epochs"] == MIN_EPOCHS and summary["val_smoothing"] == VAL_SMOOTHING
    assert {"train_loss", "val_loss", "val_loss_smoothed", "val_auc"} <= set(summary["history"][0])


@pytest.mark.parametrize("name", sorted(TORCH_MODELS))
def test_early_stopping_defaults_live_in_one_place(name: str) -> None:
    params = make_model(name).get_params()
    assert (params["epochs"], params["min_epochs"], params["patience"], params["val_smoothing"]) == (
        MAX_EPOCHS,
        MIN_EPOCHS,
        PATIENCE,
        VAL_SMOOTHING,
    )
    assert not {"epochs", "min_epochs", "patience", "val_smoothing"} & set(QUICK_PARAMS[name])
