"""The shared scikit-learn face of every model: preprocessing, a PyTorch fit loop, a flat-sklearn wrapper.

Models take ``X`` (n_samples, L steps, F features) and ``y`` in {0, 1}; the scaling is fitted on the
training data inside each estimator; neural models train with class-weighted cross-entropy, Adam and
early stopping on the smoothed validation loss (in epochs: :data:`MAX_EPOCHS`, :data:`MIN_EPOCHS`,
:data:`PATIENCE`). Specification: ``docs/models.md`` (sections "One face for every model" and "Neural
models: the fit loop").
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted
from torch import nn

__all__ = [
    "MAX_EPOCHS",
    "MIN_EPOCHS",
    "PATIENCE",
    "VAL_SMOOTHING",
    "BATCH_SIZES",
    "FlatSklearnClassifier",
    "SCALINGS",
    "SequenceScaler",
    "TorchSequenceClassifier",
    "check_sequences",
    "conv_same",
    "default_batch_size",
    "dense_stack",
    "resolve_device",
]

SCALINGS: tuple[str, ...] = ("standard", "l2", "standard+l2", "none")


def check_sequences(X: Any, *, n_features: int | None = None, seq_len: int | None = None) -> np.ndarray:
    """``X`` as a float32 array (n, L, F); ±inf become NaN. Checks L and F against a fitted model."""
    arr = np.asarray(X, dtype=np.float32)
    if arr.ndim != 3:
        raise ValueError(f"expected sequences shaped (n_samples, steps, features), got shape {arr.shape}")
    if seq_len is not None and arr.shape[1] != seq_len:
        raise ValueError(f"model was fitted on sequences of {seq_len} steps, got {arr.shape[1]}")
    if n_features is not None and arr.shape[2] != n_features:
        raise ValueError(f"model was fitted on {n_features} features, got {arr.shape[2]}")
    if not np.all(np.isfinite(arr) | np.isnan(arr)):
        arr = np.where(np.isinf(arr), np.nan, arr)
    return arr


def _labels(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """(classes, y encoded as 0/1) — two classes required."""
    y = np.asarray(y).ravel()
    classes = np.unique(y)
    if len(classes) != 2:
        raise ValueError(f"need exactly two classes to fit a classifier, found {classes.tolist()}")
    return classes, np.searchsorted(classes, y).astype(np.int64)


def resolve_device(device: str) -> torch.device:
    """``"auto"`` → CUDA when available, else CPU; otherwise the named device."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


BATCH_SIZES: dict[str, int] = {"cpu": 64, "cuda": 256}
"""``batch_size=None``: the batch (sequences per optimiser step) on each device type (others: the CPU's).
The CUDA value was chosen on validation data only (``bench/bench_batch.py``; docs/models.md, "Batch size
and device")."""


def default_batch_size(device: torch.device) -> int:
    """The batch a model with ``batch_size=None`` trains with on ``device`` (:data:`BATCH_SIZES`)."""
    return BATCH_SIZES.get(device.type, BATCH_SIZES["cpu"])


@contextlib.contextmanager
def _seeded_deterministic(seed: int) -> Iterator[None]:
    """Fork the global torch RNG, seed it, and request deterministic algorithms; restore both after."""
    was = torch.are_deterministic_algorithms_enabled()
    was_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(was, warn_only=was_warn)


@contextlib.contextmanager
def _threads(n: int | None) -> Iterator[None]:
    """Run with ``n`` torch intra-op threads (None: leave the global setting), restored afterwards."""
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


class SequenceScaler(TransformerMixin, BaseEstimator):
    """Scale sequences (n, L, F) with statistics of the training data; NaN → 0 after scaling.

    ``scaling`` is one of :data:`SCALINGS` (docs/models.md, "Preprocessing"). Learned: ``mean_``, ``scale_``
    (per feature, shape (F,)), ``n_features_in_``, ``seq_len_``.
    """

    def __init__(self, scaling: str = "standard") -> None:
        self.scaling = scaling

    def fit(self, X: Any, y: Any = None) -> SequenceScaler:
        """Learn per-feature mean and standard deviation over samples and steps (NaN ignored)."""
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {self.scaling!r}")
        arr = check_sequences(X)
        self.n_features_in_ = arr.shape[2]
        self.seq_len_ = arr.shape[1]
        flat = arr.reshape(-1, arr.shape[2]).astype(np.float64)
        finite = np.isfinite(flat)
        count = finite.sum(axis=0)
        total = np.where(finite, flat, 0.0).sum(axis=0)
        mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        sq = np.where(finite, (flat - mean) ** 2, 0.0).sum(axis=0)
        std = np.sqrt(np.divide(sq, count, out=np.zeros_like(sq), where=count > 0))
        self.mean_ = mean.astype(np.float32)
        self.scale_ = np.where(std > 0, std, 1.0).astype(np.float32)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Scaled float32 copy of ``X`` with NaN replaced by 0."""
        check_is_fitted(self, "mean_")
        arr = check_sequences(X, n_features=self.n_features_in_)
        if "standard" in self.scaling:
            arr = (arr - self.mean_) / self.scale_
        else:
            arr = arr.copy()
        arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
        if "l2" in self.scaling:
            norm = np.sqrt(np.square(arr, dtype=np.float64).sum(axis=(1, 2), keepdims=True))
            arr = arr / np.maximum(norm, 1e-12).astype(np.float32)
        return arr.astype(np.float32, copy=False)


# ------------------------------------------------------------------------------------------ torch models


# The early-stopping defaults of every neural model, in one place (the estimators' ``__init__`` defaults
# refer to these; ``core.training.QUICK_PARAMS`` does not repeat them). Units: epochs (full passes over the
# training split), except the smoothing share.
MAX_EPOCHS = 60
"""``epochs``: the most epochs a fit runs (without validation data: exactly this many)."""
MIN_EPOCHS = 15
"""``min_epochs``: early stopping never ends training before this many epochs (a few noisy validation
epochs cannot). Networks on weak signals sit at the coin's loss ln 2 for several epochs before learning."""
PATIENCE = 8
"""``patience``: epochs without a new minimum of the *smoothed* validation loss before training stops (only
once ``min_epochs`` have run)."""
VAL_SMOOTHING = 0.7
"""``val_smoothing``: patience counts epochs without a new minimum of the validation loss smoothed by an
exponential moving average, s_t = k·s_(t-1) + (1 − k)·loss_t with k this share of its past (0 = the raw
loss; 0.7 ≈ the mean of the last ~3 epochs); the weights of that minimum are restored."""


class TorchSequenceClassifier(ClassifierMixin, BaseEstimator):
    """Base of the PyTorch classifiers: preprocessing, the fit loop, early stopping, inference.

    Subclasses declare every hyper-parameter in ``__init__`` (the scikit-learn rule) including the
    common ones — ``epochs``, ``batch_size`` (None: :func:`default_batch_size` of the device), ``lr``,
    ``weight_decay``, ``patience``, ``min_epochs``, ``val_smoothing`` (:data:`MIN_EPOCHS`,
    :data:`VAL_SMOOTHING`), ``class_weight``,
    ``scaling``, ``seed``, ``device``, ``n_threads``, ``verbose`` — and implement :meth:`_build_module` (a
    ``nn.Module`` mapping (batch, L, F) to two logits). :attr:`layer_groups` names parts of the module
    (e.g. ``conv``, ``lstm``, ``head``) that transfer learning can freeze.

    Learned state: ``preprocessor_`` (the fitted :class:`SequenceScaler`), ``module_``, ``classes_``,
    ``n_features_in_``, ``seq_len_``, ``history_`` (per-epoch train/validation loss), ``best_epoch_``,
    ``class_weight_``, ``frozen_groups_``, ``device_``, ``batch_size_`` (the batch the last fit used), and
    for a report of the training run:
    ``history_`` — one dict per epoch with ``epoch``, ``train_loss`` and, with validation data,
    ``val_loss``, ``val_loss_smoothed`` (the early-stopping curve) and ``val_auc`` (ROC-AUC, NaN when the
    validation data hold one class); ``best_epoch_`` (the epoch whose weights were restored: the minimum of
    the smoothed curve), ``stop_epoch_`` (the last epoch run) and ``stopped_early_`` (whether patience
    ended the fit before ``epochs``); :meth:`training_summary` gathers them.
    """

    layer_groups: tuple[str, ...] = ()
    _inference_batch = 4096

    # -- to implement -------------------------------------------------------------------------------
    def _build_module(self, n_features: int, seq_len: int) -> nn.Module:  # pragma: no cover - abstract
        raise NotImplementedError

    def group_parameters(self, module: nn.Module, group: str) -> list[nn.Parameter]:
        """Parameters of one named layer group (``module.<group>``)."""
        if group not in self.layer_groups:
            raise ValueError(f"{type(self).__name__} has layer groups {self.layer_groups}, not {group!r}")
        return list(getattr(module, group).parameters())

    # -- fit ------------------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, X_val: Any = None, y_val: Any = None) -> TorchSequenceClassifier:
        """Fit the scaler on ``X``, build a fresh module and train it (early stopping on ``X_val``)."""
        arr = check_sequences(X)
        self.classes_, y01 = _labels(y)
        self.preprocessor_ = SequenceScaler(self.scaling).fit(arr)
        self.n_features_in_, self.seq_len_ = arr.shape[2], arr.shape[1]
        self.device_ = resolve_device(self.device)
        with _threads(self.n_threads), _seeded_deterministic(int(self.seed)):
            self.module_ = self._build_module(self.n_features_in_, self.seq_len_).to(self.device_)
            self.frozen_groups_: tuple[str, ...] = ()
            self._train(arr, y01, X_val, y_val, lr=float(self.lr))
        return self

    def continue_fit(
        self,
        X: Any,
        y: Any,
        X_val: Any = None,
        y_val: Any = None,
        *,
        freeze: Sequence[str] = (),
        lr: float | None = None,
        refit_scaler: bool = True,
    ) -> TorchSequenceClassifier:
        """Keep training the fitted module on new data (fine-tuning), optionally with frozen groups.

        ``freeze`` lists :attr:`layer_groups` whose parameters get ``requires_grad = False`` and are
        left out of the optimiser (they stay bit-for-bit unchanged). ``refit_scaler=True`` refits the
        standardisation on the new training data (the new satellite's own scale: a per-domain
        normalisation), ``False`` keeps the pre-training scaler. ``lr`` defaults to ``self.lr``.
        """
        check_is_fitted(self, "module_")
        arr = check_sequences(X, n_features=self.n_features_in_, seq_len=self.seq_len_)
        classes, y01 = _labels(y)
        if not np.array_equal(classes, self.classes_):
            raise ValueError(f"fine-tuning classes {classes.tolist()} differ from {self.classes_.tolist()}")
        if refit_scaler:
            self.preprocessor_ = SequenceScaler(self.scaling).fit(arr)
        self.device_ = resolve_device(self.device)
        self.module_.to(self.device_)
        for p in self.module_.parameters():
            p.requires_grad_(True)
        for group in freeze:
            for p in self.group_parameters(self.module_, group):
                p.requires_grad_(False)
        self.frozen_groups_ = tuple(freeze)
        with _threads(self.n_threads), _seeded_deterministic(int(self.seed) + 1):
            self._train(arr, y01, X_val, y_val, lr=float(self.lr if lr is None else lr))
        return self

    def _class_weights(self, y01: np.ndarray) -> np.ndarray:
        if self.class_weight is None:
            return np.ones(2)
        if self.class_weight == "balanced":
            counts = np.bincount(y01, minlength=2).astype(float)
            return len(y01) / (2.0 * np.maximum(counts, 1.0))
        if isinstance(self.class_weight, dict):
            return np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_])
        raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {self.class_weight!r}")

    def _tensor(self, X: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(self.preprocessor_.transform(X)).to(self.device_)

    def _train(self, X: np.ndarray, y01: np.ndarray, X_val: Any, y_val: Any, *, lr: float) -> None:
        module = self.module_
        xt = self._tensor(X)
        yt = torch.from_numpy(y01).to(self.device_)
        has_val = X_val is not None and y_val is not None and len(y_val) > 0
        if has_val:
            xv = self._tensor(check_sequences(X_val, n_features=self.n_features_in_, seq_len=self.seq_len_))
            yv = torch.from_numpy(np.searchsorted(self.classes_, np.asarray(y_val).ravel())).to(self.device_)
        self.class_weight_ = self._class_weights(y01)
        weight = torch.tensor(self.class_weight_, dtype=torch.float32, device=self.device_)
        loss_fn = nn.CrossEntropyLoss(weight=weight)
        params = [p for p in module.parameters() if p.requires_grad]
        optimiser = torch.optim.Adam(params, lr=lr, weight_decay=float(self.weight_decay))
        rng = np.random.default_rng(int(self.seed))
        self.batch_size_ = int(self.batch_size) if self.batch_size else default_batch_size(self.device_)
        n, bs = len(xt), max(1, self.batch_size_)
        best_loss, best_state, best_epoch, bad = math.inf, None, 0, 0
        smoothed: float | None = None
        keep = float(self.val_smoothing)
        history: list[dict[str, float]] = []
        for epoch in range(1, int(self.epochs) + 1):
            module.train()
            order = torch.from_numpy(rng.permutation(n)).to(self.device_)
            losses = []  # kept on the device: reading each one would wait for the GPU at every step
            for start in range(0, n, bs):
                idx = order[start : start + bs]
                optimiser.zero_grad(set_to_none=True)
                loss = loss_fn(module(xt[idx]), yt[idx])
                loss.backward()
                optimiser.step()
                losses.append(loss.detach() * len(idx))
            record = {"epoch": float(epoch), "train_loss": float(torch.stack(losses).sum()) / n}
            if has_val:
                val_loss, val_auc = self._loss(xv, yv, loss_fn)
                smoothed = val_loss if smoothed is None else keep * smoothed + (1.0 - keep) * val_loss
                record["val_loss"], record["val_loss_smoothed"] = val_loss, smoothed
                record["val_auc"] = val_auc
                if smoothed < best_loss - 1e-6:
                    best_loss, best_epoch, bad = smoothed, epoch, 0
                    best_state = copy.deepcopy(module.state_dict())
                else:
                    bad += 1
            history.append(record)
            if self.verbose:
                print(
                    f"{type(self).__name__} epoch {epoch}: "
                    + ", ".join(f"{k}={v:.4f}" for k, v in record.items())
                )
            if has_val and epoch >= int(self.min_epochs) and bad >= int(self.patience):
                break
        if best_state is not None:
            module.load_state_dict(best_state)
        self.best_epoch_ = best_epoch if has_val else len(history)
        self.stop_epoch_ = len(history)
        self.stopped_early_ = len(history) < int(self.epochs)
        self.history_ = history
        module.eval()

    @torch.no_grad()
    def _loss(self, xv: torch.Tensor, yv: torch.Tensor, loss_fn: nn.Module) -> tuple[float, float]:
        """(weighted cross-entropy, ROC-AUC) of the module on validation tensors."""
        from sklearn.metrics import roc_auc_score

        self.module_.eval()
        total = 0.0
        margins = []
        for start in range(0, len(xv), self._inference_batch):
            sl = slice(start, start + self._inference_batch)
            logits = self.module_(xv[sl])
            total += float(loss_fn(logits, yv[sl])) * len(xv[sl])
            margins.append((logits[:, 1] - logits[:, 0]).double().cpu().numpy())
        y = yv.cpu().numpy()
        auc = float(roc_auc_score(y, np.concatenate(margins))) if len(np.unique(y)) == 2 else math.nan
        return total / max(len(xv), 1), auc

    def training_summary(self) -> dict[str, Any]:
        """The training run for a report: the early-stopping settings (epochs), the batch and device used,
        ``best_epoch``, ``stop_epoch``, ``stopped_early`` and the per-epoch ``history`` (see the class
        docstring)."""
        check_is_fitted(self, "module_")
        return {
            "batch_size": getattr(self, "batch_size_", self.batch_size),
            "device": str(self.device_),
            "epochs": int(self.epochs),
            "min_epochs": int(self.min_epochs),
            "patience": int(self.patience),
            "val_smoothing": float(self.val_smoothing),
            "best_epoch": int(self.best_epoch_),
            "stop_epoch": int(getattr(self, "stop_epoch_", len(self.history_))),
            "stopped_early": bool(getattr(self, "stopped_early_", len(self.history_) < int(self.epochs))),
            "history": [dict(h) for h in self.history_],
        }

    # -- inference ------------------------------------------------------------------------------------
    @torch.no_grad()
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n, 2): column 1 is the pre-earthquake class."""
        check_is_fitted(self, "module_")
        arr = check_sequences(X, n_features=self.n_features_in_, seq_len=self.seq_len_)
        if len(arr) == 0:
            return np.zeros((0, 2), dtype=np.float64)
        self.module_.eval()
        out = []
        with _threads(self.n_threads):
            for start in range(0, len(arr), self._inference_batch):
                xb = self._tensor(arr[start : start + self._inference_batch])
                out.append(torch.softmax(self.module_(xb), dim=1).double().cpu().numpy())
        return np.concatenate(out)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class (argmax of :meth:`predict_proba`)."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    # -- persistence helpers (used by the registry) ---------------------------------------------------
    def fitted_state(self) -> dict[str, Any]:
        """Everything learned except the module weights (which go to a state_dict)."""
        check_is_fitted(self, "module_")
        return {
            "preprocessor_": self.preprocessor_,
            "classes_": self.classes_,
            "n_features_in_": self.n_features_in_,
            "seq_len_": self.seq_len_,
            "history_": self.history_,
            "best_epoch_": self.best_epoch_,
            "stop_epoch_": getattr(self, "stop_epoch_", None),
            "stopped_early_": getattr(self, "stopped_early_", None),
            "batch_size_": getattr(self, "batch_size_", None),
            "class_weight_": self.class_weight_,
            "frozen_groups_": self.frozen_groups_,
            "transfer_": getattr(self, "transfer_", None),
        }

    def restore(self, state: dict[str, Any], state_dict: dict[str, torch.Tensor]) -> TorchSequenceClassifier:
        """Rebuild a fitted estimator from :meth:`fitted_state` and a module ``state_dict``."""
        for key, value in state.items():
            if value is not None or key not in ("transfer_", "stop_epoch_", "stopped_early_", "batch_size_"):
                setattr(self, key, value)
        self.device_ = resolve_device(self.device)
        self.module_ = self._build_module(int(self.n_features_in_), int(self.seq_len_))
        self.module_.load_state_dict(state_dict)
        self.module_.to(self.device_).eval()
        return self

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if "module_" in state:  # pickle weights on the CPU so a CUDA-trained model loads anywhere
            state["module_"] = copy.deepcopy(self.module_).cpu()
            state.pop("device_", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "module_" in state:
            self.device_ = resolve_device(self.device)
            self.module_.to(self.device_)

    def n_parameters(self) -> int:
        """Number of weights of the fitted module."""
        check_is_fitted(self, "module_")
        return int(sum(p.numel() for p in self.module_.parameters()))


def conv_same(n_in: int, n_out: int, kernel_size: int) -> list[nn.Module]:
    """A Conv1D with "same" output length for any kernel (explicit zero padding, the extra pad of an even
    kernel at the end, as Keras), followed by ReLU."""
    k = int(kernel_size)
    left = (k - 1) // 2
    return [nn.ConstantPad1d((left, k - 1 - left), 0.0), nn.Conv1d(n_in, n_out, k), nn.ReLU()]


def dense_stack(n_in: int, units: Iterable[int], dropout: float, n_out: int = 2) -> nn.Sequential:
    """ReLU dense layers of the given widths (dropout between them) and a final ``n_out`` logit layer."""
    layers: list[nn.Module] = []
    width = n_in
    for u in units:
        layers += [nn.Linear(width, int(u)), nn.ReLU(), nn.Dropout(dropout)]
        width = int(u)
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


# ----------------------------------------------------------------------------------- scikit-learn models


class FlatSklearnClassifier(ClassifierMixin, BaseEstimator):
    """Base of the tabular benchmarks: scale (train statistics), NaN → 0, flatten (n, L·F), fit a
    scikit-learn classifier. Subclasses implement :meth:`_make_estimator`.

    Learned state: ``preprocessor_``, ``estimator_``, ``classes_``, ``n_features_in_``, ``seq_len_``.
    """

    def _make_estimator(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _flat(self, X: Any) -> np.ndarray:
        arr = self.preprocessor_.transform(
            check_sequences(X, n_features=self.n_features_in_, seq_len=self.seq_len_)
        )
        return arr.reshape(len(arr), -1)

    def _fit_estimator(
        self, Z: np.ndarray, y01: np.ndarray, Z_val: np.ndarray | None, y_val: np.ndarray | None
    ):
        return self._make_estimator().fit(Z, y01)

    def fit(self, X: Any, y: Any, X_val: Any = None, y_val: Any = None) -> FlatSklearnClassifier:
        """Fit the scaler and the classifier on ``X``; ``X_val`` is used only where the model early-stops."""
        arr = check_sequences(X)
        self.classes_, y01 = _labels(y)
        self.preprocessor_ = SequenceScaler(self.scaling).fit(arr)
        self.n_features_in_, self.seq_len_ = arr.shape[2], arr.shape[1]
        Z_val = yv = None
        if X_val is not None and y_val is not None and len(y_val) > 0:
            Z_val = self._flat(X_val)
            yv = np.searchsorted(self.classes_, np.asarray(y_val).ravel()).astype(np.int64)
        self.estimator_ = self._fit_estimator(self._flat(arr), y01, Z_val, yv)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n, 2): column 1 is the pre-earthquake class."""
        check_is_fitted(self, "estimator_")
        Z = self._flat(X)
        if len(Z) == 0:
            return np.zeros((0, 2), dtype=np.float64)
        return np.asarray(self.estimator_.predict_proba(Z), dtype=np.float64)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class (argmax of :meth:`predict_proba`)."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class PlattScaled:
    """A margin classifier (``decision_function``) with a 1-D logistic map to probabilities.

    The logistic map is fitted on the validation margins when given (else on the training margins):
    cheap, monotone, and it keeps SVC's ranking while giving probabilities an event-level mean can use.
    """

    def __init__(self, estimator: Any, calibrator: LogisticRegression) -> None:
        self.estimator = estimator
        self.calibrator = calibrator

    def predict_proba(self, Z: np.ndarray) -> np.ndarray:
        margin = self.estimator.decision_function(Z).reshape(-1, 1)
        return self.calibrator.predict_proba(margin)
