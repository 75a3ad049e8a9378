"""The testbed's physical limit: a matched-filter oracle for samples built from generated archives.

The oracle knows everything about the testbed except its random draws: the generator's noise-free,
precursor-free background Ne along each sample's track (PyIRI, recomputed — the generator is
deterministic), the covariance of the natural variability and instrument noise, and the precursor's shape
family (an along-track Gaussian of width ``width_factor``·R, centred up to ``centre_shift_max``·R
equatorward of the epicentre, either sign). It sees only what a sample holds (its L steps of Ne), so it
bounds what any sample-level classifier can reach on this testbed. Its threshold and event rule are
chosen on validation, like every model's. See ``docs/oracle.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from core.geo import EARTH_RADIUS_KM, haversine_km
from core.models.inputs import split_names
from core.synthetic import disturbances as dist
from core.synthetic import ionosphere as iono
from core.synthetic.orbit import half_orbit_at, master_times, mission, position
from core.synthetic.precursors import (
    PrecursorModel,
    draw_precursors,
    precursor_perturbation,
    select_events,
)

__all__ = [
    "ORACLE_NAME",
    "OracleInputs",
    "noise_covariance",
    "oracle_inputs",
    "oracle_pipeline",
    "oracle_statistic",
]

ORACLE_NAME = "oracle (physical limit)"
#: Centre shifts (multiples of R, equatorward) the oracle maximises over: the shape family's range.
CENTRE_SHIFTS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3)
#: A sample whose steps lie farther than this (km) from the generator's recomputed track is not from a
#: generated archive (real data, or another generator version): the oracle refuses it.
MAX_TRACK_MISMATCH_KM = 5.0
_NEEDED = ("X", "satellite", "orbit", "half", "t_start", "lat", "lon", "event_lat", "event_lon", "event_mag")
_KM_PER_DEG = np.pi * EARTH_RADIUS_KM / 180.0
_LN10 = float(np.log(10.0))


@dataclass
class OracleInputs:
    """What the oracle needs per sample (all arrays of ``n`` samples × ``L`` steps).

    ``residual``: ln(observed Ne) − ln(background Ne), NaN where the step has no Ne; ``precursor_rel``:
    the injected relative Ne change at each step (0 outside precursors), for re-scaling the amplitude;
    ``dt_s``: step times in seconds from the sample's first step; ``templates``: the shape family at
    the sample's steps, one per centre shift (``(n_shift, n, L)``).
    """

    residual: np.ndarray
    precursor_rel: np.ndarray
    dt_s: np.ndarray
    templates: np.ndarray


def noise_covariance(dt_s: np.ndarray) -> np.ndarray:
    """Covariance (ln² units) of ln Ne at step times ``dt_s`` (s): the generator's day-to-day offset,
    large- and medium-scale AR(1) structure and the probe's white noise
    (:mod:`core.synthetic.disturbances`)."""
    lag = np.abs(dt_s[:, None] - dt_s[None, :])
    return (
        dist.NE_OFFSET_SIGMA**2
        + dist.NE_LARGE_SIGMA**2 * np.exp(-lag / dist.NE_LARGE_TAU_S)
        + dist.NE_MEDIUM_SIGMA**2 * np.exp(-lag / dist.NE_MEDIUM_TAU_S)
        + dist.NE_WHITE_SIGMA**2 * np.eye(lag.shape[0])
    )


def _centre(lat: float, radius_km: float, shift: float) -> float:
    shift_km = shift * radius_km
    return lat - np.sign(lat) * min(shift_km / _KM_PER_DEG, abs(lat))


def _raw_ne(samples: xr.Dataset) -> np.ndarray:
    """log10 Ne (cm^-3) per (sample, step); a clear error when the dataset holds no raw Ne."""
    settings = json_settings(samples)
    feats = [str(f) for f in np.asarray(samples["feature"].values)]
    if "Ne" not in feats:
        raise ValueError(f"the oracle needs the feature 'Ne' (electron density); this dataset has {feats}")
    if not settings.get("log_density", True) or settings.get("background", "none") != "none":
        raise ValueError(
            "the oracle needs raw log10 Ne (settings log_density = true, background = 'none'); "
            f"this dataset has log_density = {settings.get('log_density')!r}, "
            f"background = {settings.get('background')!r}"
        )
    return np.asarray(samples["X"].values[:, :, feats.index("Ne")], dtype=np.float64)


def json_settings(samples: xr.Dataset) -> dict[str, Any]:
    """The dataset's settings (its ``settings`` JSON attribute), the window settings (``background``,
    ``log_density``, ``cadence_s``, …) merged in at the top level."""
    import json

    settings = json.loads(samples.attrs.get("settings", "{}"))
    window = settings.pop("window", None)
    return {**settings, **(window if isinstance(window, dict) else {})}


def oracle_inputs(
    samples: xr.Dataset,
    *,
    seed: int,
    difficulty: float,
    catalog: pd.DataFrame | None = None,
    precursor_model: PrecursorModel | None = None,
    cache_dir: str | Path | None = None,
) -> OracleInputs:
    """Recompute background, injected precursor and templates along every sample of ``samples`` (a
    dataset built from an archive generated with ``seed`` and ``difficulty``; ``catalog`` as given to
    the generator, default the built-in one; ``cache_dir`` the PyIRI cache, default the generator's)."""
    from core.config import Settings

    if catalog is None:
        from core.catalog import load_default_catalog

        catalog = load_default_catalog()
    missing = [v for v in _NEEDED if v not in samples.variables]
    if missing:
        raise ValueError(
            f"the oracle needs the Samples variables {missing}: not a dataset of a generated archive"
        )
    model = precursor_model or PrecursorModel()
    cache = Path(cache_dir) if cache_dir is not None else Settings().cache_dir / "pyiri"
    log_ne = _raw_ne(samples)
    n, L = log_ne.shape
    cadence_s = float(json_settings(samples).get("cadence_s") or 1.0)
    t_start = np.asarray(samples["t_start"].values).astype("datetime64[ns]")
    if n:
        span0 = t_start.min() - np.timedelta64(1, "D")
        span1 = t_start.max() + np.timedelta64(int(model.lead_max_days) + 2, "D")
        events = select_events(catalog, span0, span1)
    else:
        events = select_events(catalog, "2000-01-01", "2000-01-02")
    precursors = draw_precursors(events, seed=seed, difficulty=difficulty, model=model)
    residual = np.full((n, L), np.nan)
    rel = np.zeros((n, L))
    dt_s = np.arange(L, dtype=float) * cadence_s
    templates = np.zeros((len(CENTRE_SHIFTS), n, L))
    keys = pd.DataFrame(
        {
            "satellite": np.asarray(samples["satellite"].values).astype(str),
            "orbit": np.asarray(samples["orbit"].values).astype(np.int64),
            "half": np.asarray(samples["half"].values).astype(str),
        }
    )
    lat = np.asarray(samples["lat"].values, dtype=float)
    lon = np.asarray(samples["lon"].values, dtype=float)
    ev_lat = np.asarray(samples["event_lat"].values, dtype=float)
    ev_lon = np.asarray(samples["event_lon"].values, dtype=float)
    radius = 10.0 ** (0.43 * np.asarray(samples["event_mag"].values, dtype=float))
    injected = [p for p in precursors if p.injected]
    win_start = np.array([p.window_start for p in injected], dtype="datetime64[ns]")
    win_end = np.array([p.time for p in injected], dtype="datetime64[ns]")
    # passes in time order (orbit numbers grow with time): each day's PyIRI grid is loaded once
    for (sat, orbit, half), rows in sorted(keys.groupby(["satellite", "orbit", "half"]).groups.items()):
        idx = np.asarray(rows)
        ho = half_orbit_at(str(sat), int(orbit), str(half))
        times = master_times(ho)
        track = position(ho.satellite, times)
        day = ho.t_start.astype("datetime64[D]")
        h0 = mission(ho.satellite).era_at(ho.t_start)[1]
        grid = iono.ne_grid(day, (h0 - 20.0, h0, h0 + 20.0), cache_dir=cache)
        active = np.flatnonzero((win_start <= ho.t_start) & (ho.t_start < win_end))  # as candidates_for
        cands = [injected[j] for j in active]
        dlog, _ = precursor_perturbation(cands, ho, track.time, track.lat, track.lon, seed=seed, model=model)
        for i in idx:
            k = (t_start[i] - ho.t_start) // np.timedelta64(1, "s") + np.round(dt_s).astype(np.int64)
            ok = (k >= 0) & (k < times.size)
            kk = np.clip(k, 0, times.size - 1)
            off = haversine_km(track.lat[kk], track.lon[kk], lat[i], lon[i])
            if not ok.any() or np.nanmax(np.where(ok, off, 0.0)) > MAX_TRACK_MISMATCH_KM:
                raise ValueError(
                    f"sample {i} (event {samples['event_id'].values[i]}, {sat} orbit {orbit} {half}) does "
                    "not lie on the generator's track: the oracle applies only to datasets built from "
                    "generated archives"
                )
            bg = iono.background_ne(grid, track.time[kk], track.lat[kk], track.lon[kk], track.alt[kk])
            residual[i] = np.where(ok, (log_ne[i] - np.log10(bg)) * _LN10, np.nan)
            rel[i] = np.where(ok, np.expm1(dlog[kk]), 0.0)
            sigma = model.width_factor * radius[i]
            for j, shift in enumerate(CENTRE_SHIFTS):
                c_lat = _centre(ev_lat[i], radius[i], shift)
                d = haversine_km(c_lat, ev_lon[i], lat[i], lon[i])
                templates[j, i] = np.exp(-0.5 * (d / sigma) ** 2)
    return OracleInputs(residual, rel, dt_s, templates)


def oracle_statistic(inputs: OracleInputs, amplitude_scale: float = 1.0) -> np.ndarray:
    """Generalised likelihood-ratio statistic per sample: max over the shape family of
    ``(sᵀC⁻¹r)² / (sᵀC⁻¹s)`` (χ²₁ under no precursor). ``amplitude_scale`` multiplies the injected
    precursor (``1/k`` of a difficulty ``k`` times higher) — exact, since the precursor enters ln Ne
    additively (``docs/oracle.md``)."""
    rel = np.maximum(inputs.precursor_rel * amplitude_scale, -0.95)
    dlog_now = np.log1p(np.maximum(inputs.precursor_rel, -0.95))
    r = inputs.residual - dlog_now + np.log1p(rel)
    n = r.shape[0]
    out = np.zeros(n)
    cov_full = noise_covariance(inputs.dt_s)
    for i in range(n):
        ok = np.isfinite(r[i])
        if ok.sum() < 2:
            continue
        cov = cov_full[np.ix_(ok, ok)]
        s = inputs.templates[:, i, ok]  # (n_shift, m)
        w = np.linalg.solve(cov, s.T)  # C⁻¹ s, (m, n_shift)
        num = (r[i, ok] @ w) ** 2
        den = np.einsum("jm,mj->j", s, w)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[i] = float(np.nanmax(np.where(den > 0, num / den, 0.0)))
    return out


def oracle_pipeline(
    samples: xr.Dataset,
    *,
    ground_truth: str | Path | pd.DataFrame,
    tests: Sequence[str] | None = None,
    amplitude_scale: float = 1.0,
    n_boot: int = 1000,
    seed: int = 0,
    inputs: OracleInputs | None = None,
    **kwargs: Any,
) -> Any:
    """The oracle through the same protocol as every model: its event rule and thresholds chosen on
    ``validation``, each test split scored once. Returns a :class:`core.evaluation.PipelineResult`
    (``model`` is ``None``). The archive's seed and difficulty come from ``ground_truth``; ``kwargs``
    go to :func:`oracle_inputs`."""
    from core.evaluation import (
        PipelineResult,
        SplitScores,
        evaluate_scores,
        load_ground_truth,
        select_decision_rule,
    )

    truth = load_ground_truth(ground_truth)
    sats = np.unique(np.asarray(samples["satellite"].values).astype(str))
    rows = truth.loc[truth["satellite"].astype(str).isin(sats)] if "satellite" in truth else truth
    if rows.empty:
        raise ValueError(f"the ground truth has no row of satellite(s) {', '.join(sats)}")
    if not {"seed", "difficulty"} <= set(rows.columns):
        raise ValueError("the oracle needs a generated archive's ground truth (columns seed, difficulty)")
    arch_seed = int(rows["seed"].iloc[0])
    difficulty = float(rows["difficulty"].iloc[0])
    if inputs is None:
        inputs = oracle_inputs(samples, seed=arch_seed, difficulty=difficulty, **kwargs)
    statistic = oracle_statistic(inputs, amplitude_scale)
    # T / (1 + T): monotone in T and never saturates (a χ² probability rounds every T > 75 to 1.0, and the
    # ties would merge strong precursors with storm or bubble outliers)
    score = statistic / (1.0 + statistic)
    split = np.asarray(samples["split"].values).astype(str)
    event_id = np.asarray(samples["event_id"].values).astype(str)
    label = np.asarray(samples["label"].values).astype(int)

    def scores(name: str) -> SplitScores:
        m = split == name
        return SplitScores(name, event_id[m], label[m], score[m], split[m])

    val = scores("validation")
    rule = select_decision_rule(val)
    sat = str(sats[0]) if sats.size == 1 else None
    kw = {"n_boot": n_boot, "seed": seed, "ground_truth": truth, "satellite": sat}
    names = [s for s in (tests or split_names(samples)) if s not in ("train", "validation")]
    results = {s: evaluate_scores(scores(s), rule, **kw) for s in names if (split == s).any()}
    return PipelineResult(None, rule, evaluate_scores(val, rule, **kw), results)


def calibration_table(
    samples: xr.Dataset,
    ground_truth: str | Path | pd.DataFrame,
    difficulties: Sequence[float],
    *,
    n_boot: int = 200,
    **kwargs: Any,
) -> pd.DataFrame:
    """Oracle validation/test MCC (sample and event) for each candidate ``difficulty``, from one archive
    (the precursor is re-scaled, see :func:`oracle_statistic`)."""
    from core.evaluation import load_ground_truth

    truth = load_ground_truth(ground_truth)
    sats = np.unique(np.asarray(samples["satellite"].values).astype(str))
    rows = truth.loc[truth["satellite"].astype(str).isin(sats)]
    arch_seed, arch_diff = int(rows["seed"].iloc[0]), float(rows["difficulty"].iloc[0])
    inputs = oracle_inputs(samples, seed=arch_seed, difficulty=arch_diff, **kwargs)
    out = []
    for d in difficulties:
        res = oracle_pipeline(
            samples, ground_truth=truth, amplitude_scale=arch_diff / float(d), n_boot=n_boot, inputs=inputs
        )
        for split, ev in {"validation": res.validation, **res.tests}.items():
            out.append(
                {
                    "difficulty": float(d),
                    "split": split,
                    "sample_mcc": ev.sample["mcc"],
                    "sample_mcc_lo": ev.sample_ci["mcc"][0],
                    "sample_mcc_hi": ev.sample_ci["mcc"][1],
                    "event_mcc": ev.event["mcc"],
                    "event_mcc_lo": ev.event_ci["mcc"][0],
                    "event_mcc_hi": ev.event_ci["mcc"][1],
                    "n_events": int(len(ev.events)),
                    "ceiling_event_mcc": (ev.ceiling or {}).get("event_mcc", np.nan),
                }
            )
    return pd.DataFrame(out)
