"""Sample- and event-level evaluation: metrics, decision rules chosen on validation, bootstrap intervals,
placebo runs, and the ground-truth ceiling of the synthetic testbed.

Thresholds and event rules are chosen by MCC on the validation split only (enforced:
:class:`~core.models.inputs.SplitLeakError`); intervals are 95 % percentile intervals resampling events.
Metrics, event rules, tie-breaking, bootstrap, placebo and ceiling: ``docs/evaluation.md``.
:class:`DecisionRule`, :func:`event_table` and :data:`EVENT_RULES` live in :mod:`core.models.decision`
(the registry saves rules without importing this module) and are re-exported here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import sparse
from sklearn import metrics as skm

from core.models.decision import EVENT_RULES, DecisionRule, event_table
from core.models.inputs import SplitLeakError, as_arrays, require_split, select_split, split_names
from core.models.registry import load_model

__all__ = [
    "EVENT_RULES",
    "METRICS",
    "DecisionRule",
    "Evaluation",
    "PipelineResult",
    "SplitScores",
    "best_threshold",
    "binary_metrics",
    "bootstrap_draws",
    "bootstrap_intervals",
    "event_table",
    "evaluate_saved_model",
    "evaluate_scores",
    "fit_select_evaluate",
    "ground_truth_ceiling",
    "load_ground_truth",
    "metrics_from_counts",
    "percentile_intervals",
    "placebo_evaluation",
    "placebo_labels",
    "score_split",
    "seed_mean_draws",
    "seed_mean_intervals",
    "select_and_evaluate",
    "select_decision_rule",
]

METRICS: tuple[str, ...] = ("mcc", "f1", "precision", "recall", "balanced_accuracy", "roc_auc", "pr_auc")
_THRESHOLD_METRICS = ("mcc", "f1", "precision", "recall", "balanced_accuracy")


# ------------------------------------------------------------------------------------------------ metrics


def metrics_from_counts(tp: Any, fp: Any, tn: Any, fn: Any) -> dict[str, np.ndarray]:
    """Threshold metrics from confusion counts (arrays broadcast; weights allowed). Undefined → 0,
    as scikit-learn with ``zero_division=0`` and its MCC convention."""
    tp, fp, tn, fn = (np.asarray(v, dtype=np.float64) for v in (tp, fp, tn, fn))
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        mcc = np.where(denom > 0, (tp * tn - fp * fn) / np.where(denom > 0, denom, 1.0), 0.0)
        precision = np.where(tp + fp > 0, tp / np.where(tp + fp > 0, tp + fp, 1.0), 0.0)
        recall = np.where(tp + fn > 0, tp / np.where(tp + fn > 0, tp + fn, 1.0), 0.0)
        f1 = np.where(
            2 * tp + fp + fn > 0, 2 * tp / np.where(2 * tp + fp + fn > 0, 2 * tp + fp + fn, 1.0), 0.0
        )
        tnr = np.where(tn + fp > 0, tn / np.where(tn + fp > 0, tn + fp, 1.0), 0.0)
        has_pos, has_neg = tp + fn > 0, tn + fp > 0
        bal = np.where(has_pos & has_neg, (recall + tnr) / 2, np.where(has_pos, recall, tnr))
    return {"mcc": mcc, "f1": f1, "precision": precision, "recall": recall, "balanced_accuracy": bal}


def binary_metrics(y_true: Any, y_score: Any, threshold: float = 0.5) -> dict[str, float]:
    """All :data:`METRICS` (scikit-learn) plus counts for scores ``y_score`` cut at ``threshold``
    (positive when score ≥ threshold)."""
    y = np.asarray(y_true).astype(int).ravel()
    s = np.asarray(y_score, dtype=np.float64).ravel()
    pred = (s >= threshold).astype(int)
    tp = int(np.sum((pred == 1) & (y == 1)))
    fp = int(np.sum((pred == 1) & (y == 0)))
    tn = int(np.sum((pred == 0) & (y == 0)))
    fn = int(np.sum((pred == 0) & (y == 1)))
    out: dict[str, float] = {}
    if len(y):
        out["mcc"] = float(skm.matthews_corrcoef(y, pred))
        out["f1"] = float(skm.f1_score(y, pred, zero_division=0))
        out["precision"] = float(skm.precision_score(y, pred, zero_division=0))
        out["recall"] = float(skm.recall_score(y, pred, zero_division=0))
        out["balanced_accuracy"] = float(metrics_from_counts(tp, fp, tn, fn)["balanced_accuracy"])
        if len(np.unique(y)) == 2:
            out["balanced_accuracy"] = float(skm.balanced_accuracy_score(y, pred))
    else:
        out.update(dict.fromkeys(_THRESHOLD_METRICS, math.nan))
    two = len(np.unique(y)) == 2
    out["roc_auc"] = float(skm.roc_auc_score(y, s)) if two else math.nan
    out["pr_auc"] = float(skm.average_precision_score(y, s)) if two else math.nan
    out.update(tp=tp, fp=fp, tn=tn, fn=fn, n=len(y), n_positive=int(y.sum()), threshold=float(threshold))
    return out


def best_threshold(y_true: Any, y_score: Any) -> tuple[float, float]:
    """(threshold, MCC) maximising MCC over every cut of ``y_score`` (positive when score ≥ threshold).

    The threshold lies midway between the chosen score and the next lower one (so the same cut holds on
    new data at either side); "nothing positive" is a candidate. Ties go to the higher threshold.
    """
    y = np.asarray(y_true).astype(int).ravel()
    s = np.asarray(y_score, dtype=np.float64).ravel()
    if len(y) == 0 or len(np.unique(y)) < 2:
        return 0.5, 0.0
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    last = np.flatnonzero(np.r_[s_sorted[1:] != s_sorted[:-1], True])  # last index of each distinct value
    tp = np.cumsum(y_sorted)[last]
    fp = (last + 1) - tp
    P, N = y.sum(), len(y) - y.sum()
    tp = np.r_[0, tp]
    fp = np.r_[0, fp]
    mcc = metrics_from_counts(tp, fp, N - fp, P - tp)["mcc"]
    k = int(np.argmax(mcc))
    values = s_sorted[last]
    if k == 0:
        threshold = float(np.nextafter(values[0], np.inf))
    elif k < len(values):
        threshold = float((values[k - 1] + values[k]) / 2)
    else:
        threshold = float(values[-1])
    return threshold, float(mcc[k])


# ------------------------------------------------------------------------------------------ split scores


@dataclass(frozen=True)
class SplitScores:
    """Positive-class probabilities of one split's samples, with their event ids, labels and the split
    label each sample carried in the data (``sample_split``)."""

    split: str
    event_id: np.ndarray
    label: np.ndarray
    prob: np.ndarray
    sample_split: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.prob)
        if not (len(self.event_id) == len(self.label) == len(self.sample_split) == n):
            raise ValueError("event_id, label, prob and sample_split must have the same length")


def score_split(
    model: Any, samples: xr.Dataset, split: str, features: Sequence[str] | None = None
) -> SplitScores:
    """Score the samples of ``split`` in ``samples`` with a fitted ``model`` (``predict_proba``)."""
    part = select_split(samples, split) if "split" in samples.coords or "split" in samples else samples
    X, y = as_arrays(part, features)
    prob = model.predict_proba(X)[:, 1] if len(X) else np.zeros(0)
    sample_split = (
        np.asarray(part["split"].values).astype(str)
        if "split" in part.coords or "split" in part
        else np.full(len(X), split)
    )
    return SplitScores(
        split, np.asarray(part["event_id"].values).astype(str), y, np.asarray(prob), sample_split
    )


# -------------------------------------------------------------------------------------- event aggregation


def select_decision_rule(validation: SplitScores, rules: Sequence[str] = EVENT_RULES) -> DecisionRule:
    """Choose the sample threshold, event rule and event threshold by MCC on the validation split.

    Raises :class:`~core.models.inputs.SplitLeakError` unless ``validation`` is the validation split and
    every one of its samples is labelled ``validation`` in the data.
    """
    if not isinstance(validation, SplitScores):
        raise TypeError("select_decision_rule takes the SplitScores of the validation split (score_split)")
    found = set(np.unique(validation.sample_split).tolist())
    if validation.split != "validation" or found - {"validation"}:
        raise SplitLeakError(
            f"decision thresholds may only be chosen on the validation split; got split={validation.split!r} "
            f"with samples from {sorted(found)}"
        )
    unknown = set(rules) - set(EVENT_RULES)
    if unknown:
        raise ValueError(f"unknown event rule(s) {sorted(unknown)}; known: {EVENT_RULES}")
    s_thr, s_mcc = best_threshold(validation.label, validation.prob)
    events = event_table(validation.event_id, validation.label, validation.prob, sample_threshold=s_thr)
    best: tuple[float, str, float] | None = None
    candidates: dict[str, float] = {}
    for rule in rules:
        thr, mcc = best_threshold(events["label"].to_numpy(), events[rule].to_numpy())
        candidates[rule] = mcc
        if best is None or mcc > best[0] + 1e-12:
            best = (mcc, rule, thr)
    assert best is not None
    return DecisionRule(
        sample_threshold=s_thr,
        event_rule=best[1],
        event_threshold=best[2],
        validation_sample_mcc=s_mcc,
        validation_event_mcc=best[0],
        candidates=candidates,
    )


# ---------------------------------------------------------------------------------------------- bootstrap


def _event_codes(event_id: Any) -> tuple[np.ndarray, np.ndarray]:
    uniq, codes = np.unique(np.asarray(event_id).astype(str), return_inverse=True)
    return uniq, codes


def _multiplicities(n_events: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n_events) counts of each event in each bootstrap draw (events drawn with replacement)."""
    draws = rng.integers(0, n_events, size=(n_boot, n_events))
    flat = (draws + (np.arange(n_boot) * n_events)[:, None]).ravel()
    return np.bincount(flat, minlength=n_boot * n_events).reshape(n_boot, n_events).astype(np.float64)


def _weighted_aucs(
    y: np.ndarray, s: np.ndarray, codes: np.ndarray, W: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ROC-AUC and average precision for each row of event weights ``W`` (n_boot, n_events), samples
    weighted by their event's multiplicity; ties in ``s`` handled as scikit-learn does."""
    n_events = W.shape[1]
    uniq, group = np.unique(s, return_inverse=True)  # ascending score groups
    n_groups = len(uniq)
    pos_map = sparse.csr_matrix((y.astype(float), (codes, group)), shape=(n_events, n_groups))
    neg_map = sparse.csr_matrix(((1 - y).astype(float), (codes, group)), shape=(n_events, n_groups))
    roc = np.full(len(W), np.nan)
    ap = np.full(len(W), np.nan)
    step = max(1, int(2e7 // max(n_groups, 1)))
    for start in range(0, len(W), step):
        Wb = W[start : start + step]
        pos = np.asarray((pos_map.T @ Wb.T).T)  # (b, groups) ascending score
        neg = np.asarray((neg_map.T @ Wb.T).T)
        P, N = pos.sum(axis=1), neg.sum(axis=1)
        neg_below = np.cumsum(neg, axis=1) - neg
        with np.errstate(divide="ignore", invalid="ignore"):
            auc = (pos * (neg_below + 0.5 * neg)).sum(axis=1) / (P * N)
            # average precision: descending thresholds
            pos_d, neg_d = pos[:, ::-1], neg[:, ::-1]
            tp, fp = np.cumsum(pos_d, axis=1), np.cumsum(neg_d, axis=1)
            prec = np.where(tp + fp > 0, tp / np.where(tp + fp > 0, tp + fp, 1.0), 0.0)
            apv = (pos_d * prec).sum(axis=1) / P
        ok = (P > 0) & (N > 0)
        roc[start : start + step] = np.where(ok, auc, np.nan)
        ap[start : start + step] = np.where(ok, apv, np.nan)
    return roc, ap


def bootstrap_draws(
    event_id: Any,
    label: Any,
    score: Any,
    threshold: float,
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Every metric of :data:`METRICS` on ``n_boot`` resamples of the events (with replacement).

    ``event_id`` groups the rows (samples, or one row per event for event-level metrics). The draws
    depend only on ``seed`` and the sorted set of event ids, so two score sets over the same events
    (e.g. two training seeds of a model) are resampled identically — paired draws. A draw with one
    class only gives NaN AUCs.
    """
    y = np.asarray(label).astype(int).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    if len(y) == 0 or n_boot <= 0:
        return {m: np.full(max(int(n_boot), 0), np.nan) for m in METRICS}
    uniq, codes = _event_codes(event_id)
    W = _multiplicities(len(uniq), int(n_boot), np.random.default_rng(seed))
    pred = s >= threshold
    per_event = {
        "tp": np.bincount(codes, weights=(pred & (y == 1)).astype(float), minlength=len(uniq)),
        "fp": np.bincount(codes, weights=(pred & (y == 0)).astype(float), minlength=len(uniq)),
        "tn": np.bincount(codes, weights=(~pred & (y == 0)).astype(float), minlength=len(uniq)),
        "fn": np.bincount(codes, weights=(~pred & (y == 1)).astype(float), minlength=len(uniq)),
    }
    counts = {k: W @ v for k, v in per_event.items()}
    draws = metrics_from_counts(counts["tp"], counts["fp"], counts["tn"], counts["fn"])
    draws["roc_auc"], draws["pr_auc"] = _weighted_aucs(y, s, codes, W)
    return {m: np.asarray(draws[m], dtype=np.float64) for m in METRICS}


def percentile_intervals(
    draws: Mapping[str, np.ndarray], level: float = 0.95
) -> dict[str, tuple[float, float]]:
    """Percentile interval of each metric's bootstrap draws (NaN draws dropped)."""
    alpha = (1.0 - level) / 2
    out: dict[str, tuple[float, float]] = {}
    for m in METRICS:
        v = np.asarray(draws[m], dtype=np.float64)
        v = v[np.isfinite(v)]
        out[m] = (
            (float(np.quantile(v, alpha)), float(np.quantile(v, 1 - alpha)))
            if len(v)
            else (math.nan, math.nan)
        )
    return out


def bootstrap_intervals(
    event_id: Any,
    label: Any,
    score: Any,
    threshold: float,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of every metric of :data:`METRICS`, resampling events with replacement
    (:func:`bootstrap_draws`)."""
    draws = bootstrap_draws(event_id, label, score, threshold, n_boot=n_boot, seed=seed)
    return percentile_intervals(draws, level)


def seed_mean_draws(
    evaluations: Sequence[Evaluation], *, level: str = "event", n_boot: int | None = None, boot_seed: int = 0
) -> dict[str, np.ndarray]:
    """Event-bootstrap draws of the **mean over training seeds** of every metric at ``level`` (``"sample"``
    or ``"event"``): each seed's evaluation of the same split is resampled with the same events (paired
    draws) and the draws are averaged over seeds. Two models' draws over the same events with the same
    ``boot_seed`` are paired too, so their difference has an interval. ``n_boot``: the evaluations' own by
    default."""
    if not evaluations:
        raise ValueError("seed_mean_draws needs at least one evaluation")
    n_boot = evaluations[0].n_boot if n_boot is None else n_boot
    per_seed = []
    for ev in evaluations:
        if level == "sample":
            ids, labels, score = ev.samples["event_id"], ev.samples["label"], ev.samples["prob"]
            thr = ev.rule.sample_threshold
        else:
            ids, labels, score = ev.events.index.to_numpy(), ev.events["label"], ev.events["score"]
            thr = ev.rule.event_threshold
        per_seed.append(bootstrap_draws(ids, labels, score, thr, n_boot=n_boot, seed=boot_seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a draw with one class: NaN AUC for every seed
        return {m: np.nanmean(np.vstack([d[m] for d in per_seed]), axis=0) for m in METRICS}


def seed_mean_intervals(
    evaluations: Sequence[Evaluation], *, level: float = 0.95, boot_seed: int = 0
) -> dict[str, dict[str, tuple[float, float]]]:
    """95 % event-bootstrap intervals of the **mean over training seeds** of every metric, sample- and
    event-level (``{"sample": {...}, "event": {...}}``), from :func:`seed_mean_draws`: seeds are therefore
    not counted as independent data."""
    if not evaluations:
        raise ValueError("seed_mean_intervals needs at least one evaluation")
    return {
        name: percentile_intervals(seed_mean_draws(evaluations, level=name, boot_seed=boot_seed), level)
        for name in ("sample", "event")
    }


# ----------------------------------------------------------------------------------------- ground truth


def load_ground_truth(path_or_table: str | Path | pd.DataFrame) -> pd.DataFrame:
    """A ground-truth table (``ground_truth.csv`` of the synthetic generator: event_id, injected, …)."""
    if isinstance(path_or_table, pd.DataFrame):
        gt = path_or_table.copy()
    else:
        gt = pd.read_csv(path_or_table, dtype={"event_id": str})
    if not {"event_id", "injected"} <= set(gt.columns):
        raise ValueError("a ground-truth table needs the columns event_id and injected")
    gt["event_id"] = gt["event_id"].astype(str)
    gt["injected"] = gt["injected"].map(lambda v: str(v).strip().lower() in {"1", "true", "yes"})
    return gt


def ground_truth_ceiling(
    events: pd.DataFrame, ground_truth: str | Path | pd.DataFrame, *, satellite: str | None = None
) -> dict[str, float]:
    """Best achievable event-level scores given which events carry an injected precursor.

    ``events``: an :func:`event_table` (index event_id, column ``label``). The ideal detector finds every
    positive event that carries a precursor and raises no false alarm. Positive events missing from the
    ground truth count as detectable (so the ceiling stays an upper bound) and are counted in
    ``n_positive_unknown``. ``satellite`` keeps the ground-truth rows of one satellite.
    """
    gt = load_ground_truth(ground_truth)
    if satellite is not None and "satellite" in gt.columns:
        gt = gt[gt["satellite"].astype(str) == str(satellite)]
    injected = gt.groupby("event_id")["injected"].max()
    labels = events["label"].astype(int)
    ids = pd.Index(events.index.astype(str))
    positive = labels.to_numpy() == 1
    known = ids.isin(injected.index)
    carries = np.where(known, injected.reindex(ids).fillna(False).to_numpy(dtype=bool), True)
    tp = int(np.sum(positive & carries))
    fn = int(np.sum(positive)) - tp
    tn = int(np.sum(~positive))
    m = metrics_from_counts(tp, 0, tn, fn)
    return {
        "event_recall": float(m["recall"]),
        "event_precision": float(m["precision"]) if tp else math.nan,
        "event_f1": float(m["f1"]),
        "event_mcc": float(m["mcc"]),
        "n_positive": int(positive.sum()),
        "n_positive_injected": tp - int(np.sum(positive & ~known)),
        "n_positive_unknown": int(np.sum(positive & ~known)),
    }


# ---------------------------------------------------------------------------------------------- evaluation


@dataclass
class Evaluation:
    """Scores of one model on one split under a :class:`DecisionRule` (see :func:`evaluate_scores`)."""

    split: str
    rule: DecisionRule
    sample: dict[str, float]
    event: dict[str, float]
    sample_ci: dict[str, tuple[float, float]]
    event_ci: dict[str, tuple[float, float]]
    events: pd.DataFrame
    samples: pd.DataFrame
    ceiling: dict[str, float] | None = None
    n_boot: int = 0

    def row(self) -> dict[str, Any]:
        """Flat dict for a results table: ``sample_mcc``, ``sample_mcc_lo``, ``sample_mcc_hi``, …,
        ``event_*``, ``ceiling_event_*``, sizes, and the rule."""
        out: dict[str, Any] = {"split": self.split}
        for level, vals, cis in (
            ("sample", self.sample, self.sample_ci),
            ("event", self.event, self.event_ci),
        ):
            for m in METRICS:
                out[f"{level}_{m}"] = vals.get(m, math.nan)
                lo, hi = cis.get(m, (math.nan, math.nan))
                out[f"{level}_{m}_lo"], out[f"{level}_{m}_hi"] = lo, hi
            out[f"n_{level}s"] = vals.get("n", 0)
            out[f"n_{level}s_positive"] = vals.get("n_positive", 0)
        if self.ceiling:
            for k in ("event_recall", "event_f1", "event_mcc"):
                out[f"ceiling_{k}"] = self.ceiling[k]
        out.update(
            sample_threshold=self.rule.sample_threshold,
            event_rule=self.rule.event_rule,
            event_threshold=self.rule.event_threshold,
        )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (no per-sample tables)."""
        return {
            "split": self.split,
            "sample": self.sample,
            "event": self.event,
            "sample_ci": {k: list(v) for k, v in self.sample_ci.items()},
            "event_ci": {k: list(v) for k, v in self.event_ci.items()},
            "ceiling": self.ceiling,
            "n_boot": self.n_boot,
            "rule": self.rule.to_dict(),
        }


def evaluate_scores(
    scores: SplitScores,
    rule: DecisionRule,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    ground_truth: str | Path | pd.DataFrame | None = None,
    satellite: str | None = None,
) -> Evaluation:
    """Sample- and event-level metrics of ``scores`` under ``rule``, with event-bootstrap intervals and,
    when ``ground_truth`` is given, the ceiling it sets."""
    sample = binary_metrics(scores.label, scores.prob, rule.sample_threshold)
    sample_ci = bootstrap_intervals(
        scores.event_id, scores.label, scores.prob, rule.sample_threshold, n_boot=n_boot, seed=seed
    )
    events = rule.apply(scores.event_id, scores.label, scores.prob)
    event = binary_metrics(events["label"], events["score"], rule.event_threshold)
    event_ci = bootstrap_intervals(
        events.index.to_numpy(),
        events["label"],
        events["score"],
        rule.event_threshold,
        n_boot=n_boot,
        seed=seed,
    )
    ceiling = (
        ground_truth_ceiling(events, ground_truth, satellite=satellite) if ground_truth is not None else None
    )
    samples = pd.DataFrame(
        {
            "event_id": scores.event_id,
            "label": scores.label,
            "prob": scores.prob,
            "decision": (scores.prob >= rule.sample_threshold).astype(int),
        }
    )
    return Evaluation(
        scores.split, rule, sample, event, sample_ci, event_ci, events, samples, ceiling, n_boot
    )


# ------------------------------------------------------------------------------------------------ pipeline


@dataclass
class PipelineResult:
    """A fitted model, its validation-chosen rule, and its evaluations (``tests`` keyed by split)."""

    model: Any
    rule: DecisionRule
    validation: Evaluation
    tests: dict[str, Evaluation]


def select_and_evaluate(
    model: Any,
    validation: xr.Dataset,
    tests: Mapping[str, xr.Dataset] | None = None,
    *,
    features: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    ground_truth: str | Path | pd.DataFrame | None = None,
    satellite: str | None = None,
) -> PipelineResult:
    """Choose the decision rule on ``validation`` (only), then score each test split once with it."""
    val_scores = score_split(model, validation, "validation", features)
    rule = select_decision_rule(val_scores)
    kw: dict[str, Any] = dict(n_boot=n_boot, seed=seed, ground_truth=ground_truth, satellite=satellite)
    val_eval = evaluate_scores(val_scores, rule, **kw)
    results: dict[str, Evaluation] = {}
    for name, ds in (tests or {}).items():
        if ds.sizes.get("sample", 0) == 0:
            continue
        results[name] = evaluate_scores(score_split(model, ds, name, features), rule, **kw)
    return PipelineResult(model, rule, val_eval, results)


def fit_select_evaluate(
    model_factory: Callable[[], Any],
    train: xr.Dataset,
    validation: xr.Dataset,
    tests: Mapping[str, xr.Dataset] | None = None,
    **kwargs: Any,
) -> PipelineResult:
    """The whole protocol: fit ``model_factory()`` on train (early stopping on validation), choose the
    rule on validation, evaluate the test split(s) at the end. ``kwargs`` go to
    :func:`select_and_evaluate`."""
    require_split(train, "train", what="model fitting")
    require_split(validation, "validation", what="early stopping and threshold selection")
    Xtr, ytr = as_arrays(train, kwargs.get("features"))
    Xv, yv = as_arrays(validation, kwargs.get("features"))
    model = model_factory().fit(Xtr, ytr, Xv, yv)
    return select_and_evaluate(model, validation, tests, **kwargs)


def evaluate_saved_model(
    name: str,
    samples: xr.Dataset,
    *,
    version: str = "latest",
    root: str | Path | None = None,
    splits: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    ground_truth: str | Path | pd.DataFrame | None = None,
) -> dict[str, Evaluation]:
    """Evaluate a registry model on the test split(s) of a Samples dataset with its **saved** decision rule
    (chosen on its own validation split when it was trained; never re-chosen here). ``splits`` defaults to
    every split present except train and validation. A model saved without a rule gets one chosen on
    ``samples``' validation split."""
    loaded = load_model(name, version, root=root)
    present = split_names(samples)
    wanted = list(splits) if splits is not None else [s for s in present if s not in {"train", "validation"}]
    rule = loaded.rule
    if rule is None:
        rule = select_decision_rule(score_split(loaded.estimator, samples, "validation", loaded.features))
    sats = (
        np.unique(np.asarray(samples["satellite"].values).astype(str))
        if "satellite" in samples.coords
        else np.array([], dtype=str)
    )
    satellite = str(sats[0]) if len(sats) == 1 else None
    out: dict[str, Evaluation] = {}
    for split in wanted:
        if split not in present:
            continue
        scores = score_split(loaded.estimator, samples, split, loaded.features)
        out[split] = evaluate_scores(
            scores, rule, n_boot=n_boot, seed=seed, ground_truth=ground_truth, satellite=satellite
        )
    return out


# ------------------------------------------------------------------------------------------------ placebo


def placebo_labels(samples: xr.Dataset, mode: str = "shuffle", seed: int = 0) -> xr.Dataset:
    """A copy of ``samples`` whose event labels were permuted among the events of each split.

    ``shuffle``: a seeded random permutation of the event labels; ``shift``: events in time order
    (``event_time``, else ``t_start``, else id) take the label of the event half a split later
    (circularly). Every sample takes its event's new label; X and all other coordinates are unchanged.
    """
    if mode not in {"shuffle", "shift"}:
        raise ValueError(f"placebo mode must be 'shuffle' or 'shift', got {mode!r}")
    ev = np.asarray(samples["event_id"].values).astype(str)
    lab = np.asarray(samples["label"].values).astype(int)
    split = (
        np.asarray(samples["split"].values).astype(str)
        if "split" in samples.coords
        else np.full(len(ev), "all")
    )
    time_key = next((k for k in ("event_time", "t_start") if k in samples.coords), None)
    new = lab.copy()
    rng = np.random.default_rng(seed)
    for sp in np.unique(split):
        m = split == sp
        frame = pd.DataFrame({"event_id": ev[m], "label": lab[m]})
        if time_key:
            frame["t"] = np.asarray(samples[time_key].values)[m]
        g = frame.groupby("event_id", sort=True)
        events = pd.DataFrame({"label": g["label"].max()})
        if time_key:
            events["t"] = g["t"].min()
            events = events.sort_values(["t"], kind="stable")
        if mode == "shuffle":
            perm = rng.permutation(events["label"].to_numpy())
        else:
            perm = np.roll(events["label"].to_numpy(), len(events) // 2)
        mapping = dict(zip(events.index, perm, strict=True))
        new[m] = [mapping[e] for e in ev[m]]
    out = samples.copy()
    new_label = ("sample", new.astype(np.asarray(samples["label"].values).dtype))
    if "label" in samples.data_vars:
        out["label"] = new_label
    else:
        out = out.assign_coords(label=new_label)
    out.attrs = {**samples.attrs, "placebo": mode, "placebo_seed": seed}
    return out


def placebo_evaluation(
    model_factory: Callable[[], Any],
    train: xr.Dataset,
    validation: xr.Dataset,
    tests: Mapping[str, xr.Dataset],
    *,
    mode: str = "shuffle",
    seed: int = 0,
    **kwargs: Any,
) -> PipelineResult:
    """:func:`fit_select_evaluate` on placebo-labelled copies of every split (see :func:`placebo_labels`).

    Its test MCC should sit near 0; far from 0 means the pipeline leaks or the data carry a label-free
    shortcut. ``seed`` drives the relabelling and the bootstrap; ``kwargs`` go to
    :func:`select_and_evaluate`. ``mode="dataset"`` runs the pipeline on the given datasets unchanged
    (e.g. built by
    :mod:`core.datasets` with shifted event dates).
    """
    if mode == "dataset":
        return fit_select_evaluate(model_factory, train, validation, tests, seed=seed, **kwargs)
    return fit_select_evaluate(
        model_factory,
        placebo_labels(train, mode, seed),
        placebo_labels(validation, mode, seed + 1),
        {k: placebo_labels(v, mode, seed + 2 + i) for i, (k, v) in enumerate(tests.items())},
        seed=seed,
        **kwargs,
    )
