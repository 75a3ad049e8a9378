"""The benchmark classifiers of the paper's comparison, with the same scikit-learn face as SeqNetQuake.

PyTorch: :class:`CNNClassifier`, :class:`LSTMClassifier`, :class:`BiLSTMClassifier`; scikit-learn on the
flattened, scaled sequence: :class:`RandomForestModel`, :class:`SVMModel`,
:class:`HistGradientBoostingModel`. Architectures, class weights and the SVM's probability mapping:
``docs/models.md`` (section "Benchmarks").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC
from torch import nn

from core.models.base import (
    MAX_EPOCHS,
    MIN_EPOCHS,
    PATIENCE,
    VAL_SMOOTHING,
    FlatSklearnClassifier,
    PlattScaled,
    TorchSequenceClassifier,
    conv_same,
    dense_stack,
)

__all__ = [
    "BiLSTMClassifier",
    "CNNClassifier",
    "HistGradientBoostingModel",
    "LSTMClassifier",
    "RandomForestModel",
    "SVMModel",
]


# ---------------------------------------------------------------------------------------------- CNN


class _CNNNet(nn.Module):
    def __init__(
        self,
        n_features: int,
        seq_len: int,
        conv_layers: int,
        filters: int,
        kernel_size: int,
        dense_units: int,
        dropout: float,
    ) -> None:
        super().__init__()
        if seq_len < 2:
            raise ValueError(f"the CNN needs sequences of at least 2 steps, got {seq_len}")
        convs: list[nn.Module] = []
        width = n_features
        for _ in range(int(conv_layers)):
            convs += conv_same(width, int(filters), int(kernel_size))
            width = int(filters)
        self.conv = nn.Sequential(*convs, nn.Dropout(dropout), nn.MaxPool1d(2), nn.Flatten())
        self.head = dense_stack(width * (seq_len // 2), [int(dense_units)], dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.conv(x.transpose(1, 2)))


class CNNClassifier(TorchSequenceClassifier):
    """1-D CNN over the whole sequence (the paper's second-best model)."""

    layer_groups = ("conv", "head")

    def __init__(
        self,
        *,
        conv_layers: int = 2,
        filters: int = 32,
        kernel_size: int = 3,
        dense_units: int = 64,
        dropout: float = 0.3,
        epochs: int = MAX_EPOCHS,
        batch_size: int | None = None,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = PATIENCE,
        min_epochs: int = MIN_EPOCHS,
        val_smoothing: float = VAL_SMOOTHING,
        class_weight: str | dict | None = "balanced",
        scaling: str = "standard",
        seed: int = 0,
        device: str = "auto",
        n_threads: int | None = 1,
        verbose: bool = False,
    ) -> None:
        self.conv_layers = conv_layers
        self.filters = filters
        self.kernel_size = kernel_size
        self.dense_units = dense_units
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.min_epochs = min_epochs
        self.val_smoothing = val_smoothing
        self.class_weight = class_weight
        self.scaling = scaling
        self.seed = seed
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose

    def _build_module(self, n_features: int, seq_len: int) -> nn.Module:
        return _CNNNet(
            n_features,
            seq_len,
            self.conv_layers,
            self.filters,
            self.kernel_size,
            self.dense_units,
            float(self.dropout),
        )


# --------------------------------------------------------------------------------------------- LSTMs


class _RecurrentNet(nn.Module):
    def __init__(
        self, n_features: int, units: int, layers: int, dense_units: int, dropout: float, bidirectional: bool
    ) -> None:
        super().__init__()
        self.bidirectional = bidirectional
        self.lstm = nn.LSTM(
            n_features,
            int(units),
            num_layers=int(layers),
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if int(layers) > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = dense_stack(int(units) * (2 if bidirectional else 1), [int(dense_units)], dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h_n, _) = self.lstm(x)
        # final hidden state(s) of the top layer: forward only, or forward ‖ backward
        last = torch.cat([h_n[-2], h_n[-1]], dim=1) if self.bidirectional else h_n[-1]
        return self.head(self.dropout(last))


class _RecurrentClassifier(TorchSequenceClassifier):
    layer_groups = ("lstm", "head")
    _bidirectional = False

    def __init__(
        self,
        *,
        units: int = 64,
        layers: int = 1,
        dense_units: int = 32,
        dropout: float = 0.3,
        epochs: int = MAX_EPOCHS,
        batch_size: int | None = None,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = PATIENCE,
        min_epochs: int = MIN_EPOCHS,
        val_smoothing: float = VAL_SMOOTHING,
        class_weight: str | dict | None = "balanced",
        scaling: str = "standard",
        seed: int = 0,
        device: str = "auto",
        n_threads: int | None = 1,
        verbose: bool = False,
    ) -> None:
        self.units = units
        self.layers = layers
        self.dense_units = dense_units
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.min_epochs = min_epochs
        self.val_smoothing = val_smoothing
        self.class_weight = class_weight
        self.scaling = scaling
        self.seed = seed
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose

    def _build_module(self, n_features: int, seq_len: int) -> nn.Module:
        return _RecurrentNet(
            n_features, self.units, self.layers, self.dense_units, float(self.dropout), self._bidirectional
        )


class LSTMClassifier(_RecurrentClassifier):
    """Unidirectional LSTM over the L steps."""

    _bidirectional = False


class BiLSTMClassifier(_RecurrentClassifier):
    """Bidirectional LSTM over the L steps (SeqNetQuake without the convolutional chunk encoder)."""

    _bidirectional = True


# --------------------------------------------------------------------------------- scikit-learn models


class RandomForestModel(FlatSklearnClassifier):
    """Random forest on the flattened scaled sequence."""

    def __init__(
        self,
        *,
        n_estimators: int = 300,
        max_depth: int | None = None,
        min_samples_leaf: int = 2,
        max_features: str | float = "sqrt",
        class_weight: str | dict | None = "balanced_subsample",
        scaling: str = "standard",
        seed: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.class_weight = class_weight
        self.scaling = scaling
        self.seed = seed
        self.n_jobs = n_jobs

    def _make_estimator(self) -> Any:
        return RandomForestClassifier(
            n_estimators=int(self.n_estimators),
            max_depth=self.max_depth,
            min_samples_leaf=int(self.min_samples_leaf),
            max_features=self.max_features,
            class_weight=self.class_weight,
            random_state=int(self.seed),
            n_jobs=self.n_jobs,
        )


class SVMModel(FlatSklearnClassifier):
    """RBF support-vector machine on the flattened scaled sequence, margins → probabilities by a
    logistic fit on validation margins (docs/models.md, "Benchmarks")."""

    def __init__(
        self,
        *,
        C: float = 1.0,
        gamma: str | float = "scale",
        kernel: str = "rbf",
        class_weight: str | dict | None = "balanced",
        max_train_samples: int | None = 30_000,
        scaling: str = "standard",
        seed: int = 0,
    ) -> None:
        self.C = C
        self.gamma = gamma
        self.kernel = kernel
        self.class_weight = class_weight
        self.max_train_samples = max_train_samples
        self.scaling = scaling
        self.seed = seed

    def _make_estimator(self) -> Any:
        return SVC(
            C=float(self.C),
            gamma=self.gamma,
            kernel=self.kernel,
            class_weight=self.class_weight,
            random_state=int(self.seed),
            cache_size=500,
        )

    def _fit_estimator(self, Z, y01, Z_val, y_val):
        n_max = self.max_train_samples
        if n_max is not None and len(Z) > n_max:
            rng = np.random.default_rng(int(self.seed))
            keep = np.concatenate(
                [
                    rng.choice(
                        np.flatnonzero(y01 == c), size=max(1, round(n_max * np.mean(y01 == c))), replace=False
                    )
                    for c in (0, 1)
                ]
            )
            Z, y01 = Z[np.sort(keep)], y01[np.sort(keep)]
        svc = self._make_estimator().fit(Z, y01)
        Zc, yc = (Z_val, y_val) if Z_val is not None and len(np.unique(y_val)) == 2 else (Z, y01)
        calibrator = LogisticRegression(C=1e4).fit(svc.decision_function(Zc).reshape(-1, 1), yc)
        self.n_support_ = int(svc.n_support_.sum())
        return PlattScaled(svc, calibrator)


class HistGradientBoostingModel(FlatSklearnClassifier):
    """Histogram gradient boosting on the flattened scaled sequence (an extra strong tabular baseline)."""

    def __init__(
        self,
        *,
        learning_rate: float = 0.1,
        max_iter: int = 300,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        class_weight: str | dict | None = "balanced",
        n_iter_no_change: int = 20,
        scaling: str = "standard",
        seed: int = 0,
    ) -> None:
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.class_weight = class_weight
        self.n_iter_no_change = n_iter_no_change
        self.scaling = scaling
        self.seed = seed

    def _make_estimator(self, early_stopping: bool | str = "auto") -> Any:
        return HistGradientBoostingClassifier(
            learning_rate=float(self.learning_rate),
            max_iter=int(self.max_iter),
            max_leaf_nodes=int(self.max_leaf_nodes),
            min_samples_leaf=int(self.min_samples_leaf),
            l2_regularization=float(self.l2_regularization),
            class_weight=self.class_weight,
            early_stopping=early_stopping,
            n_iter_no_change=int(self.n_iter_no_change),
            random_state=int(self.seed),
        )

    def _fit_estimator(self, Z, y01, Z_val, y_val):
        if Z_val is not None:
            return self._make_estimator(early_stopping=True).fit(Z, y01, X_val=Z_val, y_val=y_val)
        return self._make_estimator().fit(Z, y01)
