"""Training that trains: early stopping cannot end a fit on a few noisy validation epochs."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from core.models.base import MIN_EPOCHS
from core.models.inputs import as_arrays, select_split
from core.models.seqnetquake import SeqNetQuake
from core.training import QUICK_PARAMS
from tests.core.models.make_samples import make_samples


def _fit(signal: float, **params):
    ds = make_samples(80, 20, seed=5, signal=signal, split_fractions=(0.6, 0.4, 0.0))
    Xtr, ytr = as_arrays(select_split(ds, "train"))
    Xv, yv = as_arrays(select_split(ds, "validation"))
    model = SeqNetQuake(**{**QUICK_PARAMS["seqnetquake"], **params}).fit(Xtr, ytr, Xv, yv)
    return model, roc_auc_score(yv, model.predict_proba(Xv)[:, 1])


def test_a_learnable_signal_is_learned_and_training_runs_past_the_minimum() -> None:
    model, auc = _fit(signal=1.5, epochs=25)
    assert auc > 0.8
    assert len(model.history_) >= MIN_EPOCHS
    assert model.history_[-1]["train_loss"] < 0.6  # well below ln 2 = 0.693, the loss of a coin
    smoothed = [h["val_loss_smoothed"] for h in model.history_]
    assert model.best_epoch_ == 1 + int(np.argmin(smoothed))  # the weights of the smoothed minimum


def test_without_signal_the_minimum_still_holds() -> None:
    model, _ = _fit(signal=0.0, epochs=40, patience=1)
    assert len(model.history_) >= MIN_EPOCHS  # patience 1 alone would stop after a couple of epochs
