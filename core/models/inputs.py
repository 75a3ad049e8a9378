"""Samples → model inputs: arrays, split selection with a leak guard, event sub-sampling, dataset hashes.

The Samples contract (docs/data-contracts.md) is an ``xarray.Dataset`` with dims ``sample``, ``step``,
``feature``, the data variable ``X`` (sample, step, feature; float, NaN allowed) and per-sample
coordinates ``event_id``, ``label`` (1 pre-earthquake / 0 non-seismic) and ``split`` (``train`` /
``validation`` / ``test`` / ``test2``). Everything in :mod:`core.training` and :mod:`core.evaluation` goes
through these helpers, so the split a set of samples comes from is always checked where it matters
(:class:`SplitLeakError`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, TypeAlias

import numpy as np
import xarray as xr

__all__ = [
    "Arrays",
    "MIN_EVENTS_PER_CLASS",
    "SPLITS",
    "SamplesLike",
    "SplitLeakError",
    "TooFewEventsError",
    "as_arrays",
    "events_per_class",
    "event_holdout",
    "feature_names",
    "require_events_per_class",
    "require_split",
    "samples_hash",
    "select_split",
    "split_names",
    "subsample_events",
    "value_settings",
]

SPLITS: tuple[str, ...] = ("train", "validation", "test", "test2")
#: window settings that change what a feature's values mean: a model scores only sequences made alike
VALUE_SETTINGS: tuple[str, ...] = ("background", "log_density")


def value_settings(settings_json: str | None) -> dict[str, Any] | None:
    """The :data:`VALUE_SETTINGS` a Samples dataset's ``settings`` attribute states (JSON, window settings
    nested under ``window``); None when it states none of them (then nothing can be compared)."""
    try:
        settings = json.loads(settings_json) if settings_json else None
    except ValueError:
        return None
    if not isinstance(settings, dict):
        return None
    nested = settings.get("window")
    window: dict[str, Any] = nested if isinstance(nested, dict) else settings
    said = {k: window[k] for k in VALUE_SETTINGS if k in window}
    return said or None


Arrays: TypeAlias = tuple[np.ndarray, np.ndarray]
SamplesLike: TypeAlias = "xr.Dataset | tuple[np.ndarray, np.ndarray]"


class SplitLeakError(RuntimeError):
    """Samples of the wrong split reached a step that must only see one split (e.g. test data in a
    threshold or hyper-parameter selection)."""


def _values(ds: xr.Dataset, name: str) -> np.ndarray:
    return np.asarray(ds[name].values)


def split_names(ds: xr.Dataset) -> list[str]:
    """The splits present in ``ds`` in the canonical order (train, validation, test, test2, others)."""
    if "split" not in ds.coords and "split" not in ds:
        return []
    present = set(np.unique(_values(ds, "split").astype(str)).tolist())
    return [s for s in SPLITS if s in present] + sorted(present - set(SPLITS))


def select_split(ds: xr.Dataset, split: str) -> xr.Dataset:
    """The samples of one split (an empty dataset when the split is absent)."""
    mask = _values(ds, "split").astype(str) == split
    return ds.isel(sample=np.flatnonzero(mask))


def require_split(data: object, allowed: str | Iterable[str], *, what: str) -> None:
    """Raise :class:`SplitLeakError` unless every sample of ``data`` belongs to ``allowed``.

    ``data`` is a Samples dataset (its ``split`` coordinate is checked) or anything else (plain arrays
    carry no split labels and pass: the product's paths always hand over Samples).
    """
    if not isinstance(data, xr.Dataset) or ("split" not in data.coords and "split" not in data):
        return
    allowed_set = {allowed} if isinstance(allowed, str) else set(allowed)
    found = set(np.unique(_values(data, "split").astype(str)).tolist())
    bad = found - allowed_set
    if bad:
        raise SplitLeakError(f"{what} may only see {sorted(allowed_set)} samples; got {sorted(bad)}")


def as_arrays(data: SamplesLike, features: Iterable[str] | None = None) -> Arrays:
    """``(X, y)`` from a Samples dataset (``X`` float32 (n, L, F), ``y`` int64) or pass a tuple through.

    ``features`` picks and orders features by name (a model trained on some features scores datasets
    that carry more, or the same in another order).
    """
    if isinstance(data, xr.Dataset):
        xda = data["X"]
        if features is not None:
            xda = xda.sel(feature=list(features))
        X = np.asarray(xda.transpose("sample", "step", "feature").values, dtype=np.float32)
        y = np.asarray(_values(data, "label"), dtype=np.int64) if "label" in data else np.zeros(len(X), int)
        return X, y
    X, y = data
    return np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64)


def feature_names(ds: xr.Dataset) -> list[str]:
    """Feature names of a Samples dataset (``f0…`` when the coordinate is missing)."""
    if "feature" in ds.coords:
        return [str(f) for f in ds["feature"].values]
    return [f"f{i}" for i in range(ds.sizes["feature"])]


def _event_labels(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Unique event ids (sorted) and each event's label (max over its samples)."""
    ev = _values(ds, "event_id").astype(str)
    lab = _values(ds, "label").astype(int)
    uniq, inv = np.unique(ev, return_inverse=True)
    ev_lab = np.zeros(len(uniq), dtype=int)
    np.maximum.at(ev_lab, inv, lab)
    return uniq, ev_lab


MIN_EVENTS_PER_CLASS = 50
"""A split used to train or to select on (train, validation) needs at least this many events of each class;
fewer, and early stopping, thresholds and hyper-parameters would be chosen on noise."""


class TooFewEventsError(ValueError):
    """A split holds too few events of a class to train or select on (see :data:`MIN_EVENTS_PER_CLASS`)."""


def events_per_class(ds: xr.Dataset) -> tuple[int, int]:
    """(positive, negative) events of a Samples dataset (an event's label is the max over its samples)."""
    _, lab = _event_labels(ds)
    return int((lab == 1).sum()), int((lab == 0).sum())


def require_events_per_class(ds: xr.Dataset, split: str, minimum: int | None = None) -> None:
    """One clear error naming ``split`` and its counts when it holds fewer than ``minimum`` (default
    :data:`MIN_EVENTS_PER_CLASS`) events of either class."""
    minimum = MIN_EVENTS_PER_CLASS if minimum is None else int(minimum)
    n_pos, n_neg = events_per_class(ds)
    if min(n_pos, n_neg) < minimum:
        raise TooFewEventsError(
            f"split {split!r} has {n_pos} positive and {n_neg} negative events (< {minimum} per class): "
            "too few to train or select on — widen the archive's span, its region or the dataset settings"
        )


def _stratified_event_pick(ds: xr.Dataset, fraction: float, seed: int) -> np.ndarray:
    """Event ids drawn without replacement, ``fraction`` of each label's events (at least one each)."""
    uniq, ev_lab = _event_labels(ds)
    rng = np.random.default_rng(seed)
    chosen: list[np.ndarray] = []
    for lab in np.unique(ev_lab):
        ids = uniq[ev_lab == lab]
        k = int(np.clip(round(fraction * len(ids)), 1, len(ids)))
        chosen.append(rng.choice(ids, size=k, replace=False))
    return np.concatenate(chosen) if chosen else np.array([], dtype=str)


def subsample_events(ds: xr.Dataset, fraction: float, seed: int = 0) -> xr.Dataset:
    """Keep ``fraction`` (0–1] of the events of each label, drawn by event with a seeded generator.

    All samples of a kept event are kept; the sample order of ``ds`` is preserved. Used for learning
    curves over training-set size.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must lie in (0, 1], got {fraction}")
    if fraction == 1.0:
        return ds
    keep = _stratified_event_pick(ds, fraction, seed)
    mask = np.isin(_values(ds, "event_id").astype(str), keep)
    return ds.isel(sample=np.flatnonzero(mask))


def event_holdout(ds: xr.Dataset, fraction: float = 0.15, seed: int = 0) -> tuple[xr.Dataset, xr.Dataset]:
    """Split ``ds`` by event into (fit, holdout) with ``fraction`` of each label's events held out.

    Used when a dataset has no validation split of its own (DEMETER pre-training: early stopping).
    """
    held = _stratified_event_pick(ds, fraction, seed)
    mask = np.isin(_values(ds, "event_id").astype(str), held)
    return ds.isel(sample=np.flatnonzero(~mask)), ds.isel(sample=np.flatnonzero(mask))


def samples_hash(data: SamplesLike) -> str:
    """A short SHA-256 (16 hex) of the inputs that matter to a model: X bytes (NaN-safe), labels,
    event ids, splits and feature names. Cheap (one pass over X)."""
    h = hashlib.sha256()
    if isinstance(data, xr.Dataset):
        X, y = as_arrays(data)
        h.update(X.tobytes())
        h.update(y.tobytes())
        for name in ("event_id", "split"):
            if name in data.coords or name in data:
                h.update("\x1f".join(_values(data, name).astype(str).tolist()).encode())
        h.update("\x1f".join(feature_names(data)).encode())
    else:
        X, y = as_arrays(data)
        h.update(X.tobytes())
        h.update(y.tobytes())
    return h.hexdigest()[:16]
