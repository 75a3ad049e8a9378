"""Tiny seeded Samples datasets (docs/data-contracts.md) with a learnable signal, for the model, training
and evaluation tests.

``make_samples`` builds the contract of ``core.datasets``: ``X`` (sample, step, feature) float32 with a
few NaN, per-sample coordinates (event_id, label, split, satellite, orbit, half, t_start, hours_before,
dist_km, event_mag, event_time), per-step lat/lon, feature names, attrs. Positive events that carry the
injected precursor (``injected_fraction`` of them) have a Gaussian depletion of Ne (and a matching rise
of Te) of ``signal`` background standard deviations in the middle of each of their sequences. The extra
coordinate ``injected`` (per sample) feeds :func:`ground_truth_table`.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

FEATURES = ("Ne", "Te", "Ni_O", "Ti")


def make_samples(
    n_events: int = 40,
    L: int = 20,
    features: tuple[str, ...] = FEATURES,
    seed: int = 0,
    *,
    signal: float = 2.0,
    injected_fraction: float = 1.0,
    samples_per_event: tuple[int, int] = (2, 5),
    split_fractions: tuple[float, float, float] = (0.5, 0.25, 0.25),
    test2: bool = False,
    nan_fraction: float = 0.02,
    satellite: str = "CSES-01",
    half: str = "night",
    positive_fraction: float = 0.5,
) -> xr.Dataset:
    """A seeded Samples dataset; splits are chronological by event and each holds both labels."""
    rng = np.random.default_rng(seed)
    n_pos = max(2, int(round(n_events * positive_fraction)))
    n_neg = max(2, n_events - n_pos)
    labels = np.array([1] * n_pos + [0] * n_neg)
    base = np.datetime64("2019-01-01T00:00:00", "ns")
    # chronological order, interleaved so each split has both labels
    order = np.concatenate([rng.permutation(np.flatnonzero(labels == c)) for c in (1, 0)])
    times = np.empty(len(labels), dtype="datetime64[ns]")
    splits = np.empty(len(labels), dtype=object)
    names = ["train", "validation", "test"] + (["test2"] if test2 else [])
    fr = np.array(split_fractions + ((0.0,) if not test2 else ()), dtype=float)
    if test2:
        fr = np.array([*split_fractions[:2], split_fractions[2] / 2, split_fractions[2] / 2])
    for c in (1, 0):
        idx = order[labels[order] == c]
        bounds = np.round(np.cumsum(fr / fr.sum()) * len(idx)).astype(int)
        start = 0
        for name, stop in zip(names, bounds, strict=False):
            splits[idx[start:stop]] = name
            start = stop
        times[idx] = base + (np.sort(rng.uniform(0, 1000, len(idx))) * 86400e9).astype("timedelta64[ns]")
    injected_ev = (labels == 1) & (rng.random(len(labels)) < injected_fraction)

    rows = []
    for e in range(len(labels)):
        for _ in range(int(rng.integers(samples_per_event[0], samples_per_event[1] + 1))):
            rows.append(e)
    ev_idx = np.array(rows)
    n = len(ev_idx)
    F = len(features)
    t = np.arange(L)
    walk = np.cumsum(rng.normal(0, 0.3, size=(n, L, F)), axis=1)
    X = rng.normal(0, 1.0, size=(n, L, F)) + walk
    bump = signal * np.exp(-0.5 * ((t - L / 2) / max(L / 6, 1.0)) ** 2)
    inj = injected_ev[ev_idx]
    X[inj, :, 0] -= bump
    if F > 1:
        X[inj, :, 1] += 0.5 * bump
    scales = np.array([1e5, 2000.0, 5e4, 1200.0, 1.0, 1.0, 1.0, 1.0])[:F] if F <= 8 else np.ones(F)
    offsets = np.array([3e5, 2500.0, 2e5, 1000.0, 0.0, 0.0, 0.0, 0.0])[:F] if F <= 8 else np.zeros(F)
    X = (X * scales * 0.1 + offsets).astype(np.float32)
    X[rng.random(X.shape) < nan_fraction] = np.nan

    ev_ids = np.array([f"ev{e:04d}" if labels[e] else f"ev{e:04d}-neg" for e in range(len(labels))])
    t_start = times[ev_idx] - (rng.uniform(1, 120, n) * 3600e9).astype("timedelta64[ns]")
    ds = xr.Dataset(
        {"X": (("sample", "step", "feature"), X)},
        coords={
            "sample": np.arange(n),
            "step": np.arange(L),
            "feature": list(features),
            "event_id": ("sample", ev_ids[ev_idx]),
            "label": ("sample", labels[ev_idx].astype(np.int8)),
            "split": ("sample", splits[ev_idx].astype(str)),
            "satellite": ("sample", np.full(n, satellite)),
            "orbit": ("sample", rng.integers(1000, 9000, n)),
            "half": ("sample", np.full(n, half)),
            "t_start": ("sample", t_start),
            "hours_before": ("sample", (times[ev_idx] - t_start) / np.timedelta64(1, "h")),
            "dist_km": ("sample", rng.uniform(0, 500, n)),
            "event_mag": ("sample", rng.uniform(5, 7, n)),
            "event_time": ("sample", times[ev_idx]),
            "injected": ("sample", inj),
            "lat": (("sample", "step"), rng.uniform(-40, 40, (n, 1)) + 0.5 * t),
            "lon": (("sample", "step"), rng.uniform(-170, 170, (n, 1)) + 0.1 * t),
        },
        attrs={
            "settings": json.dumps({"L": L, "features": list(features), "seed": seed}),
            "satellite": satellite,
        },
    )
    return ds


def ground_truth_table(ds: xr.Dataset) -> pd.DataFrame:
    """``ground_truth.csv``-shaped table (event_id, injected, satellite) for the positive events of ``ds``."""
    df = pd.DataFrame(
        {
            "event_id": ds["event_id"].values.astype(str),
            "injected": ds["injected"].values.astype(bool),
            "label": ds["label"].values.astype(int),
            "satellite": ds["satellite"].values.astype(str),
        }
    )
    df = df[df["label"] == 1].drop_duplicates("event_id")
    return df[["event_id", "injected", "satellite"]].reset_index(drop=True)
