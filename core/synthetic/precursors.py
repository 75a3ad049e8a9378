"""Injected pre-earthquake perturbations ("precursors") and their ground truth.

An M ≥ 5, depth ≤ 40 km catalog earthquake carries one with probability clip(0.7 + 0.15·(M − 5), 0.6,
0.95): a relative change of Ne of amplitude U(0.08, 0.30) / ``difficulty``, an along-track Gaussian of
width 0.6·R, in the passes that start within its lead time (1…5 days) before the shock. The model:
``docs/synthetic.md`` (section "Precursors"); ``ground_truth.csv``: ``docs/data-contracts.md``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.atomic import atomic_path
from core.geo import EARTH_RADIUS_KM, haversine_km
from core.synthetic.orbit import HALF_CODES, HalfOrbit, half_orbits, master_times, position

__all__ = [
    "DEFAULT_DIFFICULTY",
    "GROUND_TRUTH_COLUMNS",
    "GROUND_TRUTH_NAME",
    "candidates_for",
    "Precursor",
    "PrecursorModel",
    "count_affected_passes",
    "draw_precursors",
    "ground_truth_table",
    "pass_hits",
    "precursor_perturbation",
    "select_events",
    "write_ground_truth",
]

GROUND_TRUTH_NAME = "ground_truth.csv"
GROUND_TRUTH_COLUMNS: tuple[str, ...] = (
    "event_id",
    "time",
    "lat",
    "lon",
    "mag",
    "depth_km",
    "radius_km",
    "satellite",
    "injected",
    "amplitude",
    "sign",
    "lead_days",
    "n_passes_affected",
    "seed",
    "difficulty",
)
#: Default ``difficulty`` (amplitudes divided by it): calibrated so that the oracle's test event MCC lies in
#: 0.5–0.65 (docs/testbed.md).
DEFAULT_DIFFICULTY = 0.4
_KM_PER_DEG = np.pi * EARTH_RADIUS_KM / 180.0
_NS_PER_DAY = 86_400 * 1_000_000_000


def _crc(text: str) -> int:
    return zlib.crc32(str(text).encode("utf-8"))


@dataclass(frozen=True)
class PrecursorModel:
    """Settings of the precursor injection (defaults documented in docs/synthetic.md, "Precursors")."""

    p_base: float = 0.7
    p_slope: float = 0.15
    p_min: float = 0.6
    p_max: float = 0.95
    amp_min: float = 0.08
    amp_max: float = 0.30
    p_negative: float = 0.6
    lead_min_days: float = 1.0
    lead_max_days: float = 5.0
    lead_beta_a: float = 3.0
    width_factor: float = 0.6
    centre_shift_max: float = 0.3
    pass_jitter: float = 0.3
    day_factor: float = 0.7
    te_coupling: float = 0.5
    ti_coupling: float = 0.2

    def probability(self, mag: Any) -> np.ndarray:
        """p(M): the chance that an event of magnitude ``mag`` carries a precursor (rises with M)."""
        m = np.asarray(mag, dtype=float)
        return np.clip(self.p_base + self.p_slope * (m - 5.0), self.p_min, self.p_max)


@dataclass(frozen=True)
class Precursor:
    """One catalog event and its draw. Times are naive UTC ``datetime64[ns]``; distances km."""

    event_id: str
    time: np.datetime64
    lat: float
    lon: float
    mag: float
    depth_km: float
    radius_km: float
    injected: bool
    amplitude: float
    sign: int
    lead_days: float
    centre_lat: float
    centre_lon: float

    @property
    def window_start(self) -> np.datetime64:
        """Start of the active window (``time − lead_days``)."""
        return self.time - np.timedelta64(int(round(self.lead_days * _NS_PER_DAY)), "ns")


def _naive_utc(times: Any) -> np.ndarray:
    idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True)).tz_convert(None)
    return idx.to_numpy().astype("datetime64[ns]")


def select_events(catalog: pd.DataFrame, start: Any, end: Any, settings: Any = None) -> pd.DataFrame:
    """Rows of ``catalog`` eligible for a precursor: ``type`` in ``settings.event_types``, M ≥
    ``settings.min_mag``, depth ≤ ``settings.max_depth_km`` km, origin time in ``[start, end]`` (UTC).

    Returns a plain DataFrame (event_id, time as naive UTC datetime64[ns], lat, lon, depth_km, mag)
    sorted by time then event id."""
    from core.config import Settings

    s = settings or Settings()
    cols = ["event_id", "time", "lat", "lon", "depth_km", "mag"]
    if catalog is None or len(catalog) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols}).astype({"event_id": str})
    df = pd.DataFrame(
        {
            "event_id": catalog["event_id"].astype(str).to_numpy(),
            "time": _naive_utc(catalog["time"]),
            "lat": catalog["lat"].to_numpy(float),
            "lon": catalog["lon"].to_numpy(float),
            "depth_km": catalog["depth_km"].to_numpy(float) if "depth_km" in catalog else np.nan,
            "mag": catalog["mag"].to_numpy(float),
        }
    )
    keep = np.ones(len(df), dtype=bool)
    if "type" in catalog and s.event_types:
        keep &= catalog["type"].isin(tuple(s.event_types)).to_numpy()
    with np.errstate(invalid="ignore"):
        keep &= df["mag"].to_numpy() >= float(s.min_mag)
        keep &= df["depth_km"].to_numpy() <= float(s.max_depth_km)
    t = df["time"].to_numpy()
    keep &= (t >= _naive_utc([start])[0]) & (t <= _naive_utc([end])[0])
    keep &= np.isfinite(df["lat"].to_numpy()) & np.isfinite(df["lon"].to_numpy())
    out = df.loc[keep].sort_values(["time", "event_id"], kind="stable").reset_index(drop=True)
    return out


def draw_precursors(
    events: pd.DataFrame,
    seed: int = 0,
    difficulty: float = DEFAULT_DIFFICULTY,
    model: PrecursorModel | None = None,
) -> list[Precursor]:
    """Decide and draw the precursor of each event (rows of :func:`select_events`)."""
    if not difficulty > 0:
        raise ValueError(f"difficulty must be > 0, got {difficulty!r}")
    model = model or PrecursorModel()
    out: list[Precursor] = []
    for row in events.itertuples(index=False):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x50524543, _crc(row.event_id)]))
        u_inject, u_amp, u_sign, u_shift = rng.random(4)
        lead_beta = rng.beta(model.lead_beta_a, 1.0)
        mag = float(row.mag)
        radius = float(10.0 ** (0.43 * mag))
        injected = bool(u_inject < float(model.probability(mag)))
        amp = (model.amp_min + (model.amp_max - model.amp_min) * u_amp) / float(difficulty)
        sign = -1 if u_sign < model.p_negative else 1
        lead = model.lead_min_days + (model.lead_max_days - model.lead_min_days) * lead_beta
        shift_km = model.centre_shift_max * radius * u_shift
        lat = float(row.lat)
        c_lat = lat - np.sign(lat) * min(shift_km / _KM_PER_DEG, abs(lat))
        out.append(
            Precursor(
                event_id=str(row.event_id),
                time=np.datetime64(row.time, "ns"),
                lat=lat,
                lon=float(row.lon),
                mag=mag,
                depth_km=float(row.depth_km),
                radius_km=radius,
                injected=injected,
                amplitude=float(amp) if injected else 0.0,
                sign=sign if injected else 0,
                lead_days=float(lead) if injected else float("nan"),
                centre_lat=float(c_lat),
                centre_lon=float(row.lon),
            )
        )
    return out


def pass_hits(p: Precursor, ho: HalfOrbit, times: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> bool:
    """Whether injected precursor ``p`` reaches half-orbit ``ho`` (its 1 s master grid ``times/lat/lon``):
    the pass starts in ``[t0 − D, t0)`` and a sample before ``t0`` lies within R of the epicentre."""
    if not p.injected or not (p.window_start <= ho.t_start < p.time):
        return False
    before = times < p.time
    if not before.any():
        return False
    d = haversine_km(p.lat, p.lon, lat[before], lon[before])
    return bool(d.min() <= p.radius_km)


def precursor_perturbation(
    precursors: Sequence[Precursor],
    ho: HalfOrbit,
    times: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    seed: int = 0,
    model: PrecursorModel | None = None,
) -> tuple[np.ndarray, list[str]]:
    """ln-perturbation of Ne along the pass's master grid from every precursor that reaches it, and the
    ids of those events. Zero at and after each origin time."""
    model = model or PrecursorModel()
    dlog = np.zeros(len(times))
    hit_ids: list[str] = []
    coarse: np.ndarray | None = None
    if len(times) == 0:
        return dlog, hit_ids
    for p in precursors:
        if not p.injected or not (p.window_start <= ho.t_start < p.time):
            continue
        if coarse is None:  # every 30th sample and the last: each sample is within 15 s (≤ 115 km) of one
            coarse = np.unique(np.append(np.arange(0, len(times), 30), len(times) - 1))
        if haversine_km(p.lat, p.lon, lat[coarse], lon[coarse]).min() > p.radius_km + 250.0:
            continue  # no sample comes within R: pass_hits would say no
        if not pass_hits(p, ho, times, lat, lon):
            continue
        rng = np.random.default_rng(
            np.random.SeedSequence([int(seed), 0x4A495454, _crc(p.event_id), ho.orbit, HALF_CODES[ho.half]])
        )
        m = rng.uniform(1.0 - model.pass_jitter, 1.0 + model.pass_jitter)
        if ho.half == "day":
            m *= model.day_factor
        sigma = model.width_factor * p.radius_km
        d = haversine_km(p.centre_lat, p.centre_lon, lat, lon)
        rel = p.sign * p.amplitude * m * np.exp(-0.5 * (d / sigma) ** 2)
        rel = np.where(times < p.time, rel, 0.0)
        dlog += np.log1p(np.maximum(rel, -0.95))
        hit_ids.append(p.event_id)
    return dlog, hit_ids


def candidates_for(precursors: Sequence[Precursor], ho: HalfOrbit) -> list[Precursor]:
    """Injected precursors whose active window contains the start of ``ho`` (no distance test yet)."""
    return [p for p in precursors if p.injected and p.window_start <= ho.t_start < p.time]


@lru_cache(maxsize=4096)
def _coarse_track(ho: HalfOrbit) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) of ``ho`` every 30 s from ``t_start`` (read-only; memoised: events share passes)."""
    tr = position(ho.satellite, ho.t_start + np.arange(0, ho.duration_s + 1, 30).astype("timedelta64[s]"))
    for a in (tr.lat, tr.lon):
        a.flags.writeable = False
    return tr.lat, tr.lon


@lru_cache(maxsize=256)
def _master_track(ho: HalfOrbit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time, lat, lon) of ``ho`` on its 1 s master grid (read-only; memoised)."""
    tr = position(ho.satellite, master_times(ho))
    for a in (tr.time, tr.lat, tr.lon):
        a.flags.writeable = False
    return tr.time, tr.lat, tr.lon


def count_affected_passes(p: Precursor, satellite: str) -> int:
    """Number of ``satellite`` half-orbits (day and night) that receive precursor ``p``.

    A coarse screen (track every 30 s, all candidate halves in one vectorised call) keeps only halves
    passing within R + 250 km; those are checked exactly on their 1 s master grid with :func:`pass_hits`.
    """
    if not p.injected:
        return 0
    halves = list(half_orbits(satellite, p.window_start, p.time))
    if not halves:
        return 0
    coarse = [_coarse_track(h) for h in halves]
    d = haversine_km(
        p.lat, p.lon, np.concatenate([c[0] for c in coarse]), np.concatenate([c[1] for c in coarse])
    )
    bounds = np.cumsum([0] + [len(c[0]) for c in coarse[:-1]])
    closest = np.minimum.reduceat(d, bounds)
    n = 0
    for h, dmin in zip(halves, closest, strict=True):
        if dmin > p.radius_km + 250.0:  # 30 s of track is ≤ 230 km: this pass cannot come within R
            continue
        if pass_hits(p, h, *_master_track(h)):
            n += 1
    return n


def ground_truth_table(
    precursors: Iterable[Precursor], satellite: str, *, seed: int, difficulty: float
) -> pd.DataFrame:
    """The ground-truth rows of ``precursors`` for ``satellite`` (columns :data:`GROUND_TRUTH_COLUMNS`)."""
    rows = []
    for p in precursors:
        rows.append(
            {
                "event_id": p.event_id,
                "time": pd.Timestamp(p.time).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "lat": p.lat,
                "lon": p.lon,
                "mag": p.mag,
                "depth_km": p.depth_km,
                "radius_km": round(p.radius_km, 3),
                "satellite": satellite,
                "injected": bool(p.injected),
                "amplitude": round(p.amplitude, 6),
                "sign": int(p.sign),
                "lead_days": round(p.lead_days, 6) if p.injected else np.nan,
                "n_passes_affected": count_affected_passes(p, satellite),
                "seed": int(seed),
                "difficulty": float(difficulty),
            }
        )
    return pd.DataFrame(rows, columns=list(GROUND_TRUTH_COLUMNS))


def write_ground_truth(table: pd.DataFrame, out_dir: str | Path) -> Path:
    """Merge ``table`` into ``out_dir/ground_truth.csv`` (rows with the same event id and satellite are
    replaced) and write it atomically; returns the path."""
    path = Path(out_dir) / GROUND_TRUTH_NAME
    frames = [table]
    if path.exists():
        old = pd.read_csv(path, dtype={"event_id": str, "satellite": str})
        new_keys = set(zip(table["event_id"].astype(str), table["satellite"].astype(str), strict=True))
        keys = list(zip(old["event_id"].astype(str), old["satellite"].astype(str), strict=True))
        old = old.loc[[k not in new_keys for k in keys]]
        frames = [old.reindex(columns=list(GROUND_TRUTH_COLUMNS)), table]
    frames = [f for f in frames if len(f)]
    merged = pd.concat(frames, ignore_index=True) if frames else table
    merged = merged.sort_values(["time", "event_id", "satellite"], kind="stable").reset_index(drop=True)
    with atomic_path(path) as tmp:
        merged.to_csv(tmp, index=False)
    return path
