"""The models of the workbench by name: SeqNetQuake and the benchmarks, built with :func:`make_model`.

Names (stable: they are registry folder names and CLI arguments): ``seqnetquake``, ``cnn``, ``lstm``,
``bilstm``, ``random_forest``, ``svm``, ``hist_gradient_boosting`` — see ``docs/models.md`` (section "The
model zoo"). Classes are imported on first use (PyTorch is not loaded by ``import core.models.zoo``).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["BENCHMARKS", "DISPLAY_NAMES", "MODEL_NAMES", "TORCH_MODELS", "make_model", "model_class"]

_CLASSES: dict[str, tuple[str, str]] = {
    "seqnetquake": ("core.models.seqnetquake", "SeqNetQuake"),
    "cnn": ("core.models.benchmarks", "CNNClassifier"),
    "lstm": ("core.models.benchmarks", "LSTMClassifier"),
    "bilstm": ("core.models.benchmarks", "BiLSTMClassifier"),
    "random_forest": ("core.models.benchmarks", "RandomForestModel"),
    "svm": ("core.models.benchmarks", "SVMModel"),
    "hist_gradient_boosting": ("core.models.benchmarks", "HistGradientBoostingModel"),
}
MODEL_NAMES: tuple[str, ...] = tuple(_CLASSES)
BENCHMARKS: tuple[str, ...] = tuple(n for n in MODEL_NAMES if n != "seqnetquake")
TORCH_MODELS: frozenset[str] = frozenset({"seqnetquake", "cnn", "lstm", "bilstm"})
DISPLAY_NAMES: dict[str, str] = {
    "seqnetquake": "SeqNetQuake",
    "cnn": "CNN",
    "lstm": "LSTM",
    "bilstm": "BiLSTM",
    "random_forest": "Random forest",
    "svm": "SVM",
    "hist_gradient_boosting": "Gradient boosting",
}


def model_class(name: str) -> type:
    """The estimator class registered under ``name``."""
    try:
        module, attr = _CLASSES[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}") from None
    return getattr(importlib.import_module(module), attr)


def make_model(name: str, **params: Any) -> Any:
    """A fresh, unfitted estimator ``name`` with ``params`` (unknown parameter names raise)."""
    cls = model_class(name)
    valid = cls().get_params()
    unknown = set(params) - set(valid)
    if unknown:
        raise ValueError(f"{name} has no parameter(s) {sorted(unknown)}; valid: {sorted(valid)}")
    return cls(**params)
