"""Models of the workbench: SeqNetQuake (CNN-BiLSTM), the benchmark classifiers, and the model registry.

Every model has one scikit-learn face (``fit(X, y, X_val=None, y_val=None)``, ``predict_proba``,
``get_params``); see :mod:`core.models.base`. Submodules: :mod:`.seqnetquake`, :mod:`.benchmarks`,
:mod:`.zoo` (names → classes), :mod:`.registry` (saved models), :mod:`.decision` (decision rules),
:mod:`.inputs` (Samples → arrays). Attributes are imported lazily so that ``import core.models`` does not
load PyTorch.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "BENCHMARKS",
    "BiLSTMClassifier",
    "CNNClassifier",
    "DISPLAY_NAMES",
    "HistGradientBoostingModel",
    "LSTMClassifier",
    "MODEL_NAMES",
    "RandomForestModel",
    "SVMModel",
    "SeqNetQuake",
    "list_models",
    "load_model",
    "make_model",
    "save_model",
]

_WHERE = {
    "SeqNetQuake": "seqnetquake",
    "CNNClassifier": "benchmarks",
    "LSTMClassifier": "benchmarks",
    "BiLSTMClassifier": "benchmarks",
    "RandomForestModel": "benchmarks",
    "SVMModel": "benchmarks",
    "HistGradientBoostingModel": "benchmarks",
    "BENCHMARKS": "zoo",
    "DISPLAY_NAMES": "zoo",
    "MODEL_NAMES": "zoo",
    "make_model": "zoo",
    "list_models": "registry",
    "load_model": "registry",
    "save_model": "registry",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"core.models.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'core.models' has no attribute {name!r}")
