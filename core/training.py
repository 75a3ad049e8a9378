"""Training: fit a model by name, search hyper-parameters on validation, transfer learning, train + register.

Scaling is fitted on train only; hyper-parameters, thresholds and early stopping see validation only; the
test splits never reach the search (:func:`~core.models.inputs.require_split`); a train or validation
split needs :data:`~core.models.inputs.MIN_EVENTS_PER_CLASS` (50) events per class. The rules, quick
parameters, search spaces, early-stopping defaults (in epochs) and transfer strategies:
``docs/models.md`` (section "Training").
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from core.evaluation import (
    DecisionRule,
    Evaluation,
    best_threshold,
    event_table,
    select_and_evaluate,
)
from core.model_cards import split_summary
from core.models.base import PATIENCE
from core.models.inputs import (
    SamplesLike,
    as_arrays,
    event_holdout,
    feature_names,
    require_events_per_class,
    require_split,
    samples_hash,
    select_split,
    split_names,
)
from core.models.zoo import MODEL_NAMES, TORCH_MODELS, make_model

__all__ = [
    "FINE_TUNE_STRATEGIES",
    "QUICK_PARAMS",
    "SEARCH_SPACES",
    "STUDY_FILE",
    "SearchResult",
    "TrainResult",
    "fine_tune",
    "fit_model",
    "pretrain",
    "default_storage_dir",
    "default_study_name",
    "search_hyperparameters",
    "study_storage",
    "suggest_params",
    "train_default_models",
    "train_model",
    "trial_line",
]

FINE_TUNE_STRATEGIES: dict[str, tuple[str, ...]] = {
    "full": (),
    "freeze_conv": ("conv",),
    "head_only": ("conv", "lstm"),
}
_FINE_TUNE_LR_FACTOR = {"full": 0.1, "freeze_conv": 1.0, "head_only": 1.0}

#: Fixed hyper-parameters of the quick/demo path (good on the synthetic testbed; inside the search spaces).
#: Early stopping (``epochs``, ``min_epochs``, ``patience``, ``val_smoothing``, in epochs) is left to the
#: estimators' defaults (:mod:`core.models.base`: 60, 15, 8, 0.7).
QUICK_PARAMS: dict[str, dict[str, Any]] = {
    "seqnetquake": {
        "conv_layers": 2,
        "conv_filters": 4,
        "kernel_size": 3,
        "lstm_layers": 1,
        "lstm_units": 64,
        "dense_layers": 2,
        "dense_units": 32,
        "dropout": 0.2,
        "lr": 2e-3,
    },
    "cnn": {
        "conv_layers": 2,
        "filters": 32,
        "kernel_size": 3,
        "dense_units": 64,
    },
    "lstm": {"units": 64, "layers": 1, "dense_units": 32},
    "bilstm": {"units": 64, "layers": 1, "dense_units": 32},
    "random_forest": {"n_estimators": 200, "min_samples_leaf": 3},
    "svm": {"C": 1.0, "gamma": "scale", "max_train_samples": 8000},
    "hist_gradient_boosting": {"learning_rate": 0.1, "max_iter": 200, "max_leaf_nodes": 31},
}


# ------------------------------------------------------------------------------------------ search spaces


def _space_seqnetquake(trial: Any) -> dict[str, Any]:
    # The authors' space (docs/models.md, "Training"); batch sizes and epochs bounded for CPU (early
    # stopping decides).
    return {
        "conv_layers": trial.suggest_int("conv_layers", 2, 4),
        "conv_filters": trial.suggest_int("conv_filters", 2, 4),
        "kernel_size": trial.suggest_int("kernel_size", 2, 3),
        "lstm_layers": trial.suggest_int("lstm_layers", 1, 5),
        "lstm_units": trial.suggest_categorical("lstm_units", [64, 128, 256, 512]),
        "dense_layers": trial.suggest_int("dense_layers", 2, 6),
        "dense_units": trial.suggest_categorical("dense_units", [16, 32, 64, 128]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "lr": trial.suggest_float("lr", 1e-4, 3e-3, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64, 100]),
        "scaling": trial.suggest_categorical("scaling", ["standard", "l2", "standard+l2"]),
        "epochs": 100,
        "patience": PATIENCE,
    }


def _space_cnn(trial: Any) -> dict[str, Any]:
    return {
        "conv_layers": trial.suggest_int("conv_layers", 1, 3),
        "filters": trial.suggest_categorical("filters", [16, 32, 64]),
        "kernel_size": trial.suggest_int("kernel_size", 2, 5),
        "dense_units": trial.suggest_categorical("dense_units", [32, 64, 128]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "lr": trial.suggest_float("lr", 1e-4, 3e-3, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64, 100]),
        "scaling": trial.suggest_categorical("scaling", ["standard", "l2", "standard+l2"]),
        "epochs": 100,
        "patience": PATIENCE,
    }


def _space_recurrent(trial: Any) -> dict[str, Any]:
    return {
        "units": trial.suggest_categorical("units", [32, 64, 128, 256]),
        "layers": trial.suggest_int("layers", 1, 3),
        "dense_units": trial.suggest_categorical("dense_units", [16, 32, 64]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "lr": trial.suggest_float("lr", 1e-4, 3e-3, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64, 100]),
        "scaling": trial.suggest_categorical("scaling", ["standard", "l2", "standard+l2"]),
        "epochs": 100,
        "patience": PATIENCE,
    }


def _space_random_forest(trial: Any) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 500, step=50),
        "max_depth": trial.suggest_categorical("max_depth", [None, 8, 16, 32]),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 10),
        "max_features": trial.suggest_categorical("max_features", ["sqrt", "log2", 0.3]),
    }


def _space_svm(trial: Any) -> dict[str, Any]:
    return {
        "C": trial.suggest_float("C", 0.1, 100.0, log=True),
        "gamma": trial.suggest_float("gamma", 1e-4, 1e-1, log=True),
        "scaling": trial.suggest_categorical("scaling", ["standard", "standard+l2"]),
    }


def _space_hgb(trial: Any) -> dict[str, Any]:
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
        "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 15, 63),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 10, 100, log=True),
        "l2_regularization": trial.suggest_float("l2_regularization", 1e-4, 10.0, log=True),
        "max_iter": 500,
    }


#: Optuna search spaces per model: ``trial → params`` (fixed entries such as epochs are included).
SEARCH_SPACES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "seqnetquake": _space_seqnetquake,
    "cnn": _space_cnn,
    "lstm": _space_recurrent,
    "bilstm": _space_recurrent,
    "random_forest": _space_random_forest,
    "svm": _space_svm,
    "hist_gradient_boosting": _space_hgb,
}


def suggest_params(name: str, trial: Any) -> dict[str, Any]:
    """Hyper-parameters of model ``name`` drawn by an optuna ``trial`` from :data:`SEARCH_SPACES`."""
    return SEARCH_SPACES[name](trial)


# ------------------------------------------------------------------------------------------------ fitting


def _merge(
    name: str, params: Mapping[str, Any] | None, seed: int | None, quick: bool = False
) -> dict[str, Any]:
    merged = dict(QUICK_PARAMS.get(name, {})) if quick else {}
    merged.update(params or {})
    if seed is not None:
        merged["seed"] = int(seed)
    return merged


def fit_model(
    name: str,
    train: SamplesLike,
    validation: SamplesLike | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    seed: int | None = None,
    features: Sequence[str] | None = None,
) -> Any:
    """A fitted estimator ``name`` (see :mod:`core.models.zoo`) with ``params`` on ``train``, early
    stopping (neural models, gradient boosting) on ``validation``. Samples datasets are checked to hold
    only their split (``train`` / ``validation``)."""
    require_split(train, "train", what="model fitting")
    require_split(validation, "validation", what="early stopping")
    model = make_model(name, **_merge(name, params, seed))
    X, y = as_arrays(train, features)
    if validation is None:
        return model.fit(X, y)
    Xv, yv = as_arrays(validation, features)
    return model.fit(X, y, Xv, yv)


def _validation_objective(
    model: Any, validation: SamplesLike, objective: str, features: Sequence[str] | None
) -> float:
    from sklearn.metrics import average_precision_score, roc_auc_score

    Xv, yv = as_arrays(validation, features)
    prob = model.predict_proba(Xv)[:, 1]
    if objective == "mcc":
        return best_threshold(yv, prob)[1]
    if objective == "roc_auc":
        return float(roc_auc_score(yv, prob))
    if objective == "pr_auc":
        return float(average_precision_score(yv, prob))
    if objective == "event_mcc":
        if not isinstance(validation, xr.Dataset):
            raise ValueError("objective 'event_mcc' needs a Samples dataset (event ids)")
        thr, _ = best_threshold(yv, prob)
        ev = event_table(validation["event_id"].values, yv, prob, sample_threshold=thr)
        return max(best_threshold(ev["label"], ev[r])[1] for r in ("mean", "fraction", "max"))
    raise ValueError(f"unknown objective {objective!r}")


STUDY_FILE = "studies.sqlite3"
"""The SQLite file of persisted optuna studies inside a search's ``storage_dir``."""

SQLITE_TIMEOUT_S = 60.0
"""Seconds a write to the study's SQLite file waits for another process's lock before it fails."""


def default_storage_dir() -> Path:
    """Where searches persist their studies by default: ``<work_dir>/studies`` (:mod:`core.config`)."""
    from core.config import default_settings

    return default_settings().work_dir / "studies"


def study_storage(storage_dir: str | Path) -> Any:
    """Optuna RDB storage on ``<storage_dir>/studies.sqlite3`` (created): SQLite with a lock timeout of
    :data:`SQLITE_TIMEOUT_S` so processes sharing the file wait for each other, and a heartbeat so a trial
    left running by a killed process is marked failed when the study is next optimised."""
    import warnings

    import optuna

    folder = Path(storage_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # the heartbeat is flagged "experimental" by optuna
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(
            f"sqlite:///{(folder / STUDY_FILE).resolve()}",
            engine_kwargs={"connect_args": {"timeout": SQLITE_TIMEOUT_S}},
            heartbeat_interval=60,
            grace_period=180,
        )


def len_finished(optuna: Any, storage: Any, study_name: str, study: Any = None) -> int:
    """Trials of a persisted study that finished (complete or failed); 0 for a new or in-memory one.
    A trial left running by a killed process does not count: it is run again."""
    if storage is None and study is None:
        return 0
    if study is None:
        try:
            study = optuna.load_study(study_name=study_name, storage=storage)
        except KeyError:
            return 0
    done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL)
    return sum(t.state in done for t in study.trials)


def default_study_name(
    name: str,
    train: SamplesLike,
    validation: SamplesLike,
    *,
    objective: str,
    seed: int,
    base_params: Mapping[str, Any] | None = None,
    features: Sequence[str] | None = None,
) -> str:
    """``<model>-<objective>-seed<seed>-<16 hex>``: the hex digest covers the train and validation data, the
    fixed parameters and the features, so a persisted study is only resumed by the same search."""
    import hashlib
    import json

    key = json.dumps(
        [samples_hash(train), samples_hash(validation), dict(base_params or {}), list(features or [])],
        sort_keys=True,
        default=str,
    )
    return f"{name}-{objective}-seed{int(seed)}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def trial_line(name: str, number: int, n_trials: int, value: float, best: float, best_number: int) -> str:
    """One line of search progress: ``search svm: trial 4/20 value 0.412 | best 0.455 (trial 2)`` (trial
    numbers from 1)."""
    return (
        f"search {name}: trial {number + 1}/{n_trials} value {value:.4f} | "
        f"best {best:.4f} (trial {best_number + 1})"
    )


@dataclass
class SearchResult:
    """Outcome of :func:`search_hyperparameters`: the best parameters (fixed entries included), the best
    validation objective and every trial as a table; ``study_name``/``storage`` say where it persists
    (``storage`` None: in memory) and ``n_new_trials`` how many trials this call ran."""

    name: str
    best_params: dict[str, Any]
    best_value: float
    objective: str
    trials: pd.DataFrame
    seconds: float
    study_name: str = ""
    storage: str | None = None
    n_new_trials: int = 0


def search_hyperparameters(
    name: str,
    train: SamplesLike,
    validation: SamplesLike,
    *,
    n_trials: int = 20,
    seed: int = 0,
    timeout_s: float | None = None,
    objective: str = "mcc",
    base_params: Mapping[str, Any] | None = None,
    features: Sequence[str] | None = None,
    progress: Callable[[int, float], None] | None = None,
    verbose: bool = False,
    storage_dir: str | Path | None = None,
    persist: bool = True,
    study_name: str | None = None,
    min_events_per_class: int | None = None,
) -> SearchResult:
    """Optuna TPE search (seeded) of model ``name``'s :data:`SEARCH_SPACES` scored on ``validation``.

    Each trial fits on ``train`` (early stopping on ``validation``) and scores the validation
    ``objective``; failing trials are recorded and skipped. Test data cannot enter: only train and
    validation are arguments and Samples inputs are checked for their split labels, and (Samples with event
    ids) for :data:`~core.models.inputs.MIN_EVENTS_PER_CLASS` events per class (``min_events_per_class``
    overrides it).

    Progress: ``progress(trial_number, value)`` is called after each finished trial (numbers from 0;
    value NaN for a failed trial); ``verbose=True`` prints one :func:`trial_line` per trial (number, value,
    best so far).

    Persistence (``persist=True``, the default): the study lives in ``<storage_dir>/studies.sqlite3``
    (optuna RDB storage, SQLite; ``storage_dir`` default :func:`default_storage_dir`, i.e.
    ``<work_dir>/studies``) under ``study_name`` (default :func:`default_study_name`: model, objective,
    seed and a digest of the data and fixed parameters). It is loaded if it exists, and only the trials
    still missing to reach ``n_trials`` finished (complete or failed) ones run — a killed search resumes
    where it stopped. ``persist=False``: in memory, nothing written.
    """
    import optuna

    require_split(train, "train", what="hyper-parameter search (fitting)")
    require_split(validation, "validation", what="hyper-parameter search (scoring)")
    for part, split in ((train, "train"), (validation, "validation")):
        if isinstance(part, xr.Dataset) and ("event_id" in part.coords or "event_id" in part):
            require_events_per_class(part, split, min_events_per_class)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    fixed = dict(base_params or {})
    t0 = time.perf_counter()

    def run(trial: Any) -> float:
        params = {**suggest_params(name, trial), **fixed, "seed": seed}
        model = fit_model(name, train, validation, params, features=features)
        value = _validation_objective(model, validation, objective, features)
        trial.set_user_attr("params", {k: v for k, v in params.items() if k not in trial.params})
        trial.set_user_attr("objective_value", value)
        return value if math.isfinite(value) else -1.0

    def report(study: Any, trial: Any) -> None:
        value = float(trial.user_attrs.get("objective_value", math.nan))
        if progress is not None:
            progress(trial.number, value)
        if verbose:
            try:
                best = study.best_trial
                best_value, best_number = float(best.value), best.number
            except ValueError:  # no trial completed yet
                best_value, best_number = math.nan, trial.number
            print(trial_line(name, trial.number, int(n_trials), value, best_value, best_number), flush=True)

    storage = study_storage(storage_dir or default_storage_dir()) if persist else None
    study_name = study_name or default_study_name(
        name, train, validation, objective=objective, seed=seed, base_params=fixed, features=features
    )
    done_before = len_finished(optuna, storage, study_name)
    study = optuna.create_study(
        study_name=study_name,
        storage=storage,
        load_if_exists=True,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed + done_before),
    )
    finished = len_finished(optuna, storage, study_name, study)
    remaining = int(n_trials) - finished
    if remaining > 0:
        study.optimize(
            run, n_trials=remaining, timeout=timeout_s, catch=(ValueError, RuntimeError), callbacks=[report]
        )
    best = study.best_trial  # a completed trial (optuna raises when there is none), so its value is set
    assert best.value is not None
    best_params = {**best.user_attrs.get("params", {}), **best.params}
    trials = study.trials_dataframe(attrs=("number", "value", "params", "state", "duration"))
    return SearchResult(
        name,
        best_params,
        float(best.value),
        objective,
        trials,
        time.perf_counter() - t0,
        study_name=study_name,
        storage=None if storage is None else str(Path(storage_dir or default_storage_dir()) / STUDY_FILE),
        n_new_trials=len_finished(optuna, storage, study_name, study) - (finished if persist else 0),
    )


# ----------------------------------------------------------------------------------------------- transfer


def pretrain(
    source: xr.Dataset,
    params: Mapping[str, Any] | None = None,
    *,
    features: Sequence[str] | None = None,
    holdout: float = 0.15,
    seed: int = 0,
    quick: bool = False,
) -> Any:
    """SeqNetQuake fitted on a source dataset (DEMETER): on its ``train`` split with early stopping on its
    ``validation`` split when it has both, otherwise on all its samples with ``holdout`` of the events
    (per label, seeded) held out for early stopping. (The source era never overlaps the target's.)"""
    splits = split_names(source)
    if "train" in splits and "validation" in splits:
        fit_part, stop_part = select_split(source, "train"), select_split(source, "validation")
    else:
        fit_part, stop_part = event_holdout(source, holdout, seed)
    model = make_model("seqnetquake", **_merge("seqnetquake", params, seed, quick))
    X, y = as_arrays(fit_part, features)
    Xv, yv = as_arrays(stop_part, features)
    model.fit(X, y, Xv, yv)
    model.transfer_ = {
        "role": "pretrained",
        "source_hash": samples_hash(source),
        "n_source_samples": len(y) + len(yv),
    }
    return model


def fine_tune(
    pretrained: Any,
    train: SamplesLike,
    validation: SamplesLike | None = None,
    *,
    strategy: str = "full",
    lr: float | None = None,
    epochs: int | None = None,
    refit_scaler: bool = True,
    features: Sequence[str] | None = None,
) -> Any:
    """A fine-tuned copy of a pre-trained SeqNetQuake (the original is left untouched).

    ``strategy`` in :data:`FINE_TUNE_STRATEGIES`; ``lr`` defaults to the pre-training learning rate × 0.1
    for ``full`` and × 1 for the frozen strategies. Frozen layer groups keep their pre-trained weights
    exactly. ``epochs`` overrides the maximum number of epochs.
    """
    if strategy not in FINE_TUNE_STRATEGIES:
        raise ValueError(f"strategy must be one of {list(FINE_TUNE_STRATEGIES)}, got {strategy!r}")
    require_split(train, "train", what="fine-tuning")
    require_split(validation, "validation", what="early stopping")
    model = copy.deepcopy(pretrained)
    if epochs is not None:
        model.set_params(epochs=int(epochs))
    rate = float(lr) if lr is not None else float(pretrained.lr) * _FINE_TUNE_LR_FACTOR[strategy]
    X, y = as_arrays(train, features)
    Xv, yv = as_arrays(validation, features) if validation is not None else (None, None)
    model.continue_fit(
        X, y, Xv, yv, freeze=FINE_TUNE_STRATEGIES[strategy], lr=rate, refit_scaler=refit_scaler
    )
    model.transfer_ = {
        **getattr(pretrained, "transfer_", {}),
        "role": "fine_tuned",
        "strategy": strategy,
        "lr": rate,
        "frozen": list(FINE_TUNE_STRATEGIES[strategy]),
    }
    return model


# -------------------------------------------------------------------------------------- train + register


@dataclass
class TrainResult:
    """What :func:`train_model` produced: the fitted model, its parameters, the validation-chosen decision
    rule, validation and test evaluations, the search (if any) and the registry record (if saved)."""

    name: str
    model: Any
    params: dict[str, Any]
    rule: DecisionRule
    validation: Evaluation
    tests: dict[str, Evaluation]
    dataset_hash: str
    fit_seconds: float
    search: SearchResult | None = None
    record: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def metrics(self) -> dict[str, Any]:
        """JSON-able metrics by split (what the registry stores)."""
        out = {"validation": self.validation.to_dict()}
        out.update({k: v.to_dict() for k, v in self.tests.items()})
        return out


def _dataset_settings(samples: xr.Dataset) -> dict[str, Any]:
    keep = {}
    for k, v in samples.attrs.items():
        if isinstance(v, str | int | float | bool):
            keep[k] = v
    return keep


def train_model(
    name: str,
    samples: xr.Dataset,
    *,
    params: Mapping[str, Any] | None = None,
    quick: bool = False,
    n_trials: int = 0,
    objective: str = "mcc",
    timeout_s: float | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    ground_truth: str | Path | pd.DataFrame | None = None,
    registry_root: str | Path | None = None,
    version: str | None = None,
    make_default: bool = False,
    pretrained: Any = None,
    strategy: str = "full",
    storage_dir: str | Path | None = None,
    persist: bool = True,
    min_events_per_class: int | None = None,
    suite: Mapping[str, Any] | None = None,
    registry_name: str | None = None,
    verbose: bool = False,
) -> TrainResult:
    """Train model ``name`` on a Samples dataset the protocol's way and (optionally) register it.

    1. hyper-parameters: ``params`` (over :data:`QUICK_PARAMS` when ``quick``), or — when
       ``n_trials > 0`` — an optuna search on the validation split;
    2. fit on ``train`` with early stopping on ``validation`` (or, with ``pretrained``, fine-tune it
       with ``strategy``);
    3. choose the decision rule on ``validation`` only;
    4. evaluate every test split (``test``, ``test2``) once, with bootstrap intervals (``n_boot``) and the
       ground-truth ceiling when ``ground_truth`` (table or ``ground_truth.csv``) is given;
    5. save to ``registry_root`` when given (``make_default`` marks it as the dashboard's default).

    Train and validation need ``min_events_per_class`` (default
    :data:`core.models.inputs.MIN_EVENTS_PER_CLASS`, 50) events of each class
    (:class:`core.models.inputs.TooFewEventsError` naming the split and its counts otherwise). The search's
    optuna study persists in ``storage_dir`` (default ``<work_dir>/studies``; ``persist=False``: in
    memory) and resumes (see :func:`search_hyperparameters`); ``verbose`` prints its per-trial progress.
    ``suite``: the model's seed statistics from an experiments suite (:func:`core.model_cards.suite_summary`),
    kept for its model card beside the split periods and the events it was fitted and tuned on.
    ``registry_name``: the name it is saved under (default ``name``; e.g. ``seqnetquake_demeter`` for a
    second SeqNetQuake trained on another satellite).
    """
    splits = split_names(samples)
    if "train" not in splits or "validation" not in splits:
        raise ValueError(f"the dataset needs train and validation splits, has {splits}")
    train, validation = select_split(samples, "train"), select_split(samples, "validation")
    require_events_per_class(train, "train", min_events_per_class)
    require_events_per_class(validation, "validation", min_events_per_class)
    tests = {s: select_split(samples, s) for s in splits if s not in {"train", "validation"}}
    feats = feature_names(samples)
    search = None
    chosen = _merge(name, params, seed, quick)
    if n_trials > 0:
        search = search_hyperparameters(
            name,
            train,
            validation,
            n_trials=n_trials,
            seed=seed,
            timeout_s=timeout_s,
            objective=objective,
            base_params=params,
            features=feats,
            verbose=verbose,
            storage_dir=storage_dir,
            persist=persist,
            min_events_per_class=min_events_per_class,
        )
        chosen = {**search.best_params, "seed": seed}
    t0 = time.perf_counter()
    if pretrained is not None:
        model = fine_tune(pretrained, train, validation, strategy=strategy, features=feats)
    else:
        model = fit_model(name, train, validation, chosen, features=feats)
    fit_seconds = time.perf_counter() - t0
    satellite = _single(samples, "satellite")
    pipe = select_and_evaluate(
        model,
        validation,
        tests,
        features=feats,
        n_boot=n_boot,
        seed=seed,
        ground_truth=ground_truth,
        satellite=satellite,
    )
    result = TrainResult(
        name=name,
        model=model,
        params=model.get_params(),
        rule=pipe.rule,
        validation=pipe.validation,
        tests=pipe.tests,
        dataset_hash=samples_hash(samples),
        fit_seconds=fit_seconds,
        search=search,
    )
    if hasattr(model, "training_summary"):  # neural models: the epochs run, for a report
        result.extra["training"] = model.training_summary()
    if registry_root is not None:
        from core.models.registry import save_model

        result.record = save_model(
            model,
            registry_name or name,
            root=registry_root,
            rule=pipe.rule,
            metrics=result.metrics(),
            settings={
                "quick": quick,
                "n_trials": n_trials,
                "objective": objective,
                "seed": seed,
                "n_boot": n_boot,
                "fit_seconds": fit_seconds,
                "best_epoch": getattr(model, "best_epoch_", None),
                "stop_epoch": getattr(model, "stop_epoch_", None),
                "transfer": getattr(model, "transfer_", None),
                "search_best_value": search.best_value if search else None,
                "dataset": _dataset_settings(samples),
                "satellite": satellite,
                "n_samples": {s: int((samples["split"].values.astype(str) == s).sum()) for s in splits},
                "class_weight": "inverse class frequency of the training labels (balanced)",
                "model": name,
                "splits": split_summary(samples),
                "suite": dict(suite) if suite is not None else None,
            },
            dataset_hash=result.dataset_hash,
            features=feats,
            version=version,
            make_default=make_default,
        )
    return result


def _single(samples: xr.Dataset, name: str) -> str | None:
    if name not in samples.coords and name not in samples:
        return None
    values = np.unique(np.asarray(samples[name].values).astype(str))
    return str(values[0]) if len(values) == 1 else None


def train_default_models(
    samples: xr.Dataset,
    registry_root: str | Path,
    *,
    names: Sequence[str] = MODEL_NAMES,
    seed: int = 0,
    n_boot: int = 200,
    ground_truth: str | Path | pd.DataFrame | None = None,
    make_default: bool = True,
    progress: Callable[[str, TrainResult], None] | None = None,
    min_events_per_class: int | None = None,
    torch_params: Mapping[str, Any] | None = None,
) -> dict[str, TrainResult]:
    """The demo path: train every model in ``names`` with :data:`QUICK_PARAMS` on ``samples``, register
    each and make it the dashboard's default. ``progress(name, result)`` after each model;
    ``min_events_per_class`` as in :func:`train_model`; ``torch_params`` (e.g. ``batch_size``, ``device``)
    go to the PyTorch models over their quick parameters."""
    results: dict[str, TrainResult] = {}
    for name in names:
        results[name] = train_model(
            name,
            samples,
            quick=True,
            params=torch_params if is_torch_model(name) else None,
            seed=seed,
            n_boot=n_boot,
            ground_truth=ground_truth,
            registry_root=registry_root,
            make_default=make_default,
            min_events_per_class=min_events_per_class,
        )
        if progress is not None:
            progress(name, results[name])
    return results


def is_torch_model(name: str) -> bool:
    """Whether model ``name`` is a PyTorch model (has epochs, layer groups, a device)."""
    return name in TORCH_MODELS
