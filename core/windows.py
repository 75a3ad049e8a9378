"""Windowing: one earthquake (or pseudo-event) → the passes in its space-time window → sequences of L
observations, with per-sequence metadata and an explicit, counted outcome.

Passes start within ``days_before`` days before the origin (never at or after it) and cross a circle
(Dobrovolsky R = 10^(0.43·M) km by default); their observations go on a 1 s time base per satellite; a
sequence never bridges a gap. The rules in order, the time base, the gap and NaN rules and the outcomes:
``docs/windows.md``.

Public API: :class:`WindowSettings`, :class:`Target`, :class:`PassGroup`, :class:`Selection`,
:class:`Observation`, :class:`EventWindows`, :func:`select_passes`, :func:`merge_products`,
:func:`window_event`, :func:`windows_for_event`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.features import (
    DEFAULT_CADENCE_S,
    DEFAULT_FEATURES,
    PRODUCT_FEATURES,
    Background,
    products_for,
    transform_values,
)
from core.geo import (
    EARTH_RADIUS_KM,
    dobrovolsky_radius_km,
    geodesic_circle,
    geodesic_distance_km,
    haversine_km,
)

__all__ = [
    "HALF_CHOICES",
    "RADIUS_RULES",
    "REASONS",
    "EventWindows",
    "Observation",
    "PassGroup",
    "Selection",
    "Target",
    "WindowSettings",
    "merge_products",
    "quiet_background",
    "select_passes",
    "window_event",
    "windows_for_event",
]

RADIUS_RULES: tuple[str, ...] = ("dobrovolsky", "km", "deg")
HALF_CHOICES: tuple[str, ...] = ("night", "day", "both")
BACKGROUND_CHOICES: tuple[str, ...] = ("none", "median")
REASONS: tuple[str, ...] = (
    "no_coverage",
    "no_pass",
    "disturbed",
    "unreadable",
    "too_few_points",
    "gaps",
    "all_nan",
    "no_background",
)
"""Why an event gave no sequence, in pipeline order (docs/windows.md, "Outcome of an event")."""

_REASON_TEXT: dict[str, str] = {
    "no_coverage": "the archive holds no pass of {sats} anywhere in the {days:g} days before the event",
    "no_pass": "no {half} pass crosses the circle of {radius:,.0f} km in the {days:g} days before the event",
    "disturbed": "every crossing pass failed the quiet-time filter (Kp > {kp:g} or Dst < {dst} nT in the "
    "{qh:g} h before it)",
    "unreadable": "the files of every quiet crossing pass failed to read",
    "too_few_points": "no in-circle track holds L = {L} observations before the origin time",
    "gaps": "the in-circle tracks are cut by data gaps into pieces shorter than L = {L}",
    "all_nan": "sequences were cut but every one was dropped by the NaN rules (max NaN share {nan:g})",
    "no_background": "background = 'median' and no quiet background pass had a value",
}

KM_PER_DEG: float = math.pi / 180.0 * EARTH_RADIUS_KM
QUERY_MARGIN_KM: float = 3.0
_NS = 1_000_000_000
_NS_PER_DAY = 86_400 * _NS
_PASS_STAGES = ("unreadable", "too_few_points", "gaps", "all_nan")


# ------------------------------------------------------------------------------------------ settings

_MAX_RADIUS_KM = 19_900.0  # a little under half the meridian (core.geo refuses wider circles)
MAX_DAYS_BEFORE: float = 365.0
"""Longest temporal window (days): beyond a year "before the event" is no precursor window any more."""

SETTING_BOUNDS: dict[str, tuple[float, bool, float, str]] = {
    # name: (lowest, lowest excluded?, highest, unit) — every value must also be finite
    "radius_value": (0.0, True, math.inf, ""),
    "days_before": (0.0, True, MAX_DAYS_BEFORE, " days"),
    "kp_max": (0.0, False, 9.0, ""),
    "dst_min_nt": (-2000.0, False, 200.0, " nT"),
    "quiet_window_h": (0.0, True, 720.0, " h"),
    "background_weeks": (0.0, True, 52.0, " weeks"),
    "background_lat_bin_deg": (0.0, True, 180.0, " deg"),
    "cadence_s": (0.01, False, 600.0, " s"),
    "interp_max_cadences": (1.0, False, 1000.0, ""),
    "max_nan_frac": (0.0, False, 1.0, ""),
}
"""Allowed range of the numeric :class:`WindowSettings` (``dst_min_nt`` and ``cadence_s`` may be None)."""


def _check_number(name: str, value: Any, lo: float, lo_open: bool, hi: float, unit: str) -> None:
    bad = isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating)
    x = math.nan if bad else float(value)
    if bad or not math.isfinite(x) or x > hi or x < lo or (lo_open and x == lo):
        if math.isinf(hi):
            span = f"> {lo:g}" if lo_open else f">= {lo:g}"
        else:
            span = f"in {'(' if lo_open else '['}{lo:g}, {hi:g}]{unit}"
        raise ValueError(f"{name} must be a finite number {span}, got {value!r}")


def _whole(name: str, value: Any, least: int) -> int:
    """``value`` as an int ≥ ``least`` (integral floats accepted); ValueError naming ``name`` otherwise."""
    ok = isinstance(value, int | np.integer | float | np.floating) and not isinstance(value, bool)
    if ok and math.isfinite(float(value)) and float(value) == int(value) and int(value) >= least:
        return int(value)
    raise ValueError(f"{name} must be a whole number >= {least}, got {value!r}")


@dataclass(frozen=True)
class WindowSettings:
    """Every setting of the windowing (frozen, hashable; defaults = the protocol's: docs/windows.md).

    Units: ``radius_value`` (× R for ``dobrovolsky``, km, or degrees), ``days_before`` days, ``length`` and
    ``stride`` steps, ``kp_max`` Kp units, ``dst_min_nt`` nT (``None``: no Dst test), ``quiet_window_h``
    hours, ``cadence_s`` seconds (``None``: the satellite's default), ``background_weeks`` weeks,
    ``background_lat_bin_deg`` degrees. A number that is not finite or outside its range
    (:data:`SETTING_BOUNDS`; ``days_before`` ≤ :data:`MAX_DAYS_BEFORE`; a ``km``/``deg`` radius ≤ 19,900 km)
    or a step count that is not a whole number raises ``ValueError`` naming the setting.
    """

    satellites: tuple[str, ...] = ("CSES-01",)
    radius_rule: str = "dobrovolsky"
    radius_value: float = 1.0
    days_before: float = 5.0
    length: int = 20
    stride: int | None = None
    half: str = "night"
    quiet: bool = True
    kp_max: float = 3.0
    dst_min_nt: float | None = -30.0
    quiet_window_h: float = 24.0
    features: tuple[str, ...] = DEFAULT_FEATURES
    log_density: bool = True
    background: str = "none"
    background_weeks: float = 4.0
    background_lat_bin_deg: float = 1.0
    cadence_s: float | None = None
    interp_max_cadences: float = 2.0
    max_gap_steps: int = 2
    max_nan_frac: float = 0.2

    def __post_init__(self) -> None:
        for name in ("satellites", "features"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))
        if not self.satellites:
            raise ValueError("satellites must name at least one satellite")
        for sat in self.satellites:
            products_for(sat, self.features)  # raises on an unknown satellite or feature
        if len(set(self.features)) != len(self.features) or not self.features:
            raise ValueError(f"features must be distinct and non-empty, got {self.features!r}")
        if self.radius_rule not in RADIUS_RULES:
            raise ValueError(f"radius_rule must be one of {RADIUS_RULES}, got {self.radius_rule!r}")
        if self.half not in HALF_CHOICES:
            raise ValueError(f"half must be one of {HALF_CHOICES}, got {self.half!r}")
        if self.background not in BACKGROUND_CHOICES:
            raise ValueError(f"background must be one of {BACKGROUND_CHOICES}, got {self.background!r}")
        # Numbers: finite and inside the bounds of SETTING_BOUNDS (an absurd value is refused here, by
        # name, instead of overflowing or silently selecting everything later).
        for name, (lo, lo_open, hi, unit) in SETTING_BOUNDS.items():
            value = getattr(self, name)
            if value is None and name in ("dst_min_nt", "cadence_s"):
                continue
            _check_number(name, value, lo, lo_open, hi, unit)
        max_radius = {"km": _MAX_RADIUS_KM, "deg": _MAX_RADIUS_KM / KM_PER_DEG}.get(self.radius_rule)
        if max_radius is not None and float(self.radius_value) > max_radius:
            unit = "km" if self.radius_rule == "km" else "deg"
            raise ValueError(
                f"radius_value must be <= {max_radius:.6g} {unit} with radius_rule={self.radius_rule!r} "
                f"(a circle wider than that is ill-posed), got {self.radius_value!r}"
            )
        for name, least in (("length", 1), ("stride", 1), ("max_gap_steps", 0)):
            value = getattr(self, name)
            if value is None and name == "stride":
                continue
            object.__setattr__(self, name, _whole(name, value, least))

    @property
    def step(self) -> int:
        """The stride actually used (``stride`` or, when None, ``length``)."""
        return int(self.stride) if self.stride is not None else int(self.length)

    @property
    def halves(self) -> tuple[str, ...]:
        """The half-orbits used: ``("night",)``, ``("day",)`` or both."""
        return ("day", "night") if self.half == "both" else (self.half,)

    def cadence_for(self, satellite: str) -> float:
        """Time base of ``satellite`` in seconds."""
        return float(self.cadence_s) if self.cadence_s is not None else DEFAULT_CADENCE_S[satellite]

    def radius_km(self, mag: float) -> float:
        """Radius of the circle in km for magnitude ``mag`` (``deg``: arc length on the mean sphere)."""
        if self.radius_rule == "dobrovolsky":
            return float(self.radius_value) * float(dobrovolsky_radius_km(float(mag)))
        if self.radius_rule == "km":
            return float(self.radius_value)
        return float(self.radius_value) * KM_PER_DEG

    def distance_km(self, lat: Any, lon: Any, lat0: float, lon0: float) -> np.ndarray:
        """Distance (km) of points from (lat0, lon0) by this rule's metric (geodesic, or sphere for deg)."""
        if self.radius_rule == "deg":
            return np.asarray(haversine_km(lat, lon, lat0, lon0), dtype=np.float64)
        return np.asarray(geodesic_distance_km(lat, lon, lat0, lon0), dtype=np.float64)

    def products(self, satellite: str) -> tuple[str, ...]:
        """Products of ``satellite`` that carry the features (in :data:`PRODUCT_FEATURES` order)."""
        needed = set(products_for(satellite, self.features).values())
        return tuple(p for p in PRODUCT_FEATURES[satellite] if p in needed)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WindowSettings:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError`` naming them."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown window setting(s): {', '.join(unknown)} (known: {sorted(names)})")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)

    def key(self) -> str:
        """Short stable hash of the settings (16 hex digits)."""
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class Target:
    """An event to window: a catalog earthquake (``label`` 1) or a pseudo-event (``label`` 0).

    ``time_ns``: origin time, ns since 1970 UTC; lat/lon degrees; ``mag`` sets the radius; ``source_id``
    is the catalog event a pseudo-event was drawn for (itself for a real event).
    """

    event_id: str
    time_ns: int
    lat: float
    lon: float
    mag: float
    depth_km: float = float("nan")
    label: int = 1
    split: str = ""
    source_id: str = ""

    @property
    def time(self) -> np.datetime64:
        """Origin time as naive UTC ``datetime64[ns]``."""
        return np.datetime64(int(self.time_ns), "ns")

    @classmethod
    def from_row(cls, row: Any, *, label: int = 1, split: str = "") -> Target:
        """From a catalog row (``event_id``, ``time``, ``lat``, ``lon``, ``mag``, optional ``depth_km``)."""
        t = pd.Timestamp(row["time"])
        t = t.tz_convert("UTC").tz_localize(None) if t.tzinfo is not None else t
        eid = str(row["event_id"])
        depth = row["depth_km"] if "depth_km" in row else float("nan")
        return cls(
            eid,
            int(t.as_unit("ns").value),
            float(row["lat"]),
            float(row["lon"]),
            float(row["mag"]),
            float(depth) if depth is not None else float("nan"),
            int(label),
            split,
            eid,
        )


@dataclass(frozen=True)
class PassGroup:
    """The product files of one half-orbit: ``paths`` = ((product, path relative to the root), …)."""

    satellite: str
    orbit: int
    half: str
    start_ns: int
    paths: tuple[tuple[str, str], ...]


@dataclass
class Selection:
    """What the index says about one target: quiet crossing passes, background passes, counts."""

    groups: list[PassGroup] = field(default_factory=list)
    background: list[PassGroup] = field(default_factory=list)
    n_crossing: int = 0
    n_disturbed: int = 0
    covered: bool = True


@dataclass
class Observation:
    """One half-orbit on its common time base: ``time`` (int64 ns), ``lat``/``lon``/``lt`` (deg, deg, h),
    ``values`` (n, n_features) after the log transform, NaN where missing."""

    satellite: str
    orbit: int
    half: str
    time: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    lt: np.ndarray
    values: np.ndarray

    @property
    def has_data(self) -> np.ndarray:
        """True where at least one feature is finite."""
        return np.isfinite(self.values).any(axis=1)


@dataclass
class EventWindows:
    """The sequences of one target and how it went.

    Arrays: ``X`` (n, L, F) float32, ``lat``/``lon`` (n, L) deg; per sequence ``satellite``, ``orbit``,
    ``half``, ``t_start`` (int64 ns), ``hours_before`` (h), ``dist_km`` (closest step, km). ``outcome`` is
    ``"ok"`` or one of :data:`REASONS`; ``counters`` holds window-level counts (``windows_cut``,
    ``windows_nan``, ``windows_all_nan``, ``lt_mismatch``, ``passes_read``, ``passes_unreadable``, …).
    """

    target: Target
    X: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    satellite: list[str]
    orbit: list[int]
    half: list[str]
    t_start: np.ndarray
    hours_before: np.ndarray
    dist_km: np.ndarray
    outcome: str
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of sequences."""
        return int(self.X.shape[0])


# ------------------------------------------------------------------------------------------ helpers


def _ns(values: Any) -> np.ndarray:
    """Times (aware → UTC, naive = UTC) as int64 ns since 1970."""
    idx = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
    return np.asarray(idx.tz_convert(None).as_unit("ns").asi8, dtype=np.int64)


def _to_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _from_xyz(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    lon = np.degrees(np.arctan2(y, x))
    lon = np.mod(lon + 180.0, 360.0) - 180.0
    return lat, np.where(lon >= 180.0, -180.0, lon)


def _interp(t_src: np.ndarray, v_src: np.ndarray, t_grid: np.ndarray, max_dt: float) -> np.ndarray:
    """Linear interpolation of ``v_src`` (NaN = no sample) onto ``t_grid`` (int64 ns), only between two
    valid samples at most ``max_dt`` ns apart; a sample on a grid time is taken as is; else NaN."""
    ok = np.isfinite(v_src)
    ts, vs = t_src[ok], v_src[ok]
    out = np.full(t_grid.shape, np.nan)
    if ts.size == 0:
        return out
    i = np.searchsorted(ts, t_grid, side="right") - 1  # ts[i] <= g < ts[i+1]
    n = ts.size
    i0 = np.clip(i, 0, n - 1)
    i1 = np.clip(i + 1, 0, n - 1)
    inside = (i >= 0) & (i + 1 < n)
    dt = (ts[i1] - ts[i0]).astype(np.float64)
    inside &= (dt > 0) & (dt <= max_dt)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = (t_grid - ts[i0]).astype(np.float64) / dt
    out[inside] = vs[i0][inside] + w[inside] * (vs[i1][inside] - vs[i0][inside])
    exact = (i >= 0) & (ts[i0] == t_grid)
    out[exact] = vs[i0][exact]
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges [a, b) of the True runs of a 1-D boolean mask."""
    if mask.size == 0:
        return []
    m = np.concatenate([[False], mask.astype(bool), [False]])
    d = np.diff(m.astype(np.int8))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _median_cadence_ns(t: np.ndarray) -> float:
    if t.size < 2:
        return float("nan")
    return float(np.median(np.diff(t)))


# ------------------------------------------------------------------------------------------ merging


def merge_products(
    passes: Sequence[Any],
    features: Sequence[str],
    *,
    cadence_s: float,
    interp_max_cadences: float = 2.0,
    log_density: bool = True,
) -> Observation | None:
    """Put the product passes of one half-orbit on one regular time base (docs/windows.md).

    ``passes``: Pass datasets (:mod:`core.passes`) of the same satellite, orbit and half, one per product.
    The grid runs every ``cadence_s`` seconds over the union of their spans, anchored on the first sample
    of the product whose median cadence is closest to ``cadence_s``. Each feature is taken from the first
    pass that carries it, interpolated only between its valid samples ≤ ``interp_max_cadences`` of its
    cadence apart. Returns None when no pass has a sample.
    """
    srcs = []
    for ds in passes:
        t = np.asarray(ds["time"].values).astype("datetime64[ns]").astype(np.int64)
        if t.size:
            srcs.append((ds, t))
    if not srcs:
        return None
    c = round(float(cadence_s) * _NS)
    cads = [_median_cadence_ns(t) for _, t in srcs]
    cads = [cd if np.isfinite(cd) else float(c) for cd in cads]
    ref = min(range(len(srcs)), key=lambda k: (abs(cads[k] - c), -srcs[k][1].size, k))
    anchor = int(srcs[ref][1][0])
    t_lo = min(int(t[0]) for _, t in srcs)
    t_hi = max(int(t[-1]) for _, t in srcs)
    k0 = -((anchor - t_lo) // c)  # ceil((t_lo - anchor) / c)
    k1 = (t_hi - anchor) // c
    grid = anchor + np.arange(k0, k1 + 1, dtype=np.int64) * c
    # positions: all products' samples, on the unit sphere
    t_all = np.concatenate([t for _, t in srcs])
    xyz_all = np.concatenate([_to_xyz(ds["lat"].values, ds["lon"].values) for ds, _ in srcs])
    order = np.argsort(t_all, kind="stable")
    t_all, xyz_all = t_all[order], xyz_all[order]
    keep = np.ones(t_all.size, dtype=bool)
    keep[1:] = t_all[1:] != t_all[:-1]
    t_all, xyz_all = t_all[keep], xyz_all[keep]
    xyz = np.stack([_interp(t_all, xyz_all[:, j], grid, np.inf) for j in range(3)], axis=-1)
    lat, lon = _from_xyz(xyz)
    values = np.full((grid.size, len(features)), np.nan)
    for j, name in enumerate(features):
        for k, (ds, t) in enumerate(srcs):
            if name in ds.data_vars and ds[name].ndim == 1:
                max_dt = float(interp_max_cadences) * cads[k] * (1.0 + 1e-6)
                values[:, j] = _interp(t, np.asarray(ds[name].values, dtype=np.float64), grid, max_dt)
                break
    values = transform_values(values, features, log_density=log_density)
    lt = np.mod((grid % _NS_PER_DAY) / (3600.0 * _NS) + lon / 15.0, 24.0)
    first = srcs[0][0]
    return Observation(
        str(first.attrs.get("satellite", "")),
        int(first.attrs.get("orbit", -1)),
        str(first.attrs.get("half", "")),
        grid,
        lat,
        lon,
        lt,
        values,
    )


# ------------------------------------------------------------------------------------------ reading


class _ObservationCache:
    """Small per-process LRU of merged observations (nearby events and their negatives share passes)."""

    def __init__(self, maxsize: int = 256):
        self.maxsize = maxsize
        self._data: OrderedDict[tuple, Observation | None] = OrderedDict()

    def get(self, key: tuple) -> tuple[bool, Observation | None]:
        if key in self._data:
            self._data.move_to_end(key)
            return True, self._data[key]
        return False, None

    def put(self, key: tuple, value: Observation | None) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)


_CACHE = _ObservationCache()


def _observe(group: PassGroup, root: Path, settings: WindowSettings) -> Observation | None:
    """Read and merge the files of one half-orbit (cached); raises what the reader raises."""
    cadence = settings.cadence_for(group.satellite)
    key = (
        str(root),
        group.paths,
        settings.features,
        cadence,
        settings.interp_max_cadences,
        settings.log_density,
    )
    hit, obs = _CACHE.get(key)
    if hit:
        return obs
    from core.io import read_pass

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cleaned-pass notices: the reader recovered
        passes = [read_pass(root / rel) for _, rel in group.paths]
    obs = merge_products(
        passes,
        settings.features,
        cadence_s=cadence,
        interp_max_cadences=settings.interp_max_cadences,
        log_density=settings.log_density,
    )
    if obs is not None:
        obs.satellite, obs.orbit, obs.half = group.satellite, group.orbit, group.half
    _CACHE.put(key, obs)
    return obs


# ------------------------------------------------------------------------------------------ selection


def _prepare_index(index: pd.DataFrame, settings: WindowSettings) -> pd.DataFrame:
    ok = index["error"].isna() & index.geometry.notna() & ~index.geometry.is_empty
    ok &= index["satellite"].isin(settings.satellites) & index["half"].isin(settings.halves)
    prods = {(s, p) for s in settings.satellites for p in settings.products(s)}
    ok &= pd.Series(
        [(s, p) in prods for s, p in zip(index["satellite"], index["product"], strict=True)],
        index=index.index,
        dtype=bool,
    )
    sub = index[ok].reset_index(drop=True)
    return sub


def select_passes(
    index: pd.DataFrame, targets: Sequence[Target], settings: WindowSettings
) -> list[Selection]:
    """For each target, the quiet half-orbits crossing its circle in ``[origin − days_before, origin)``
    (and, with ``background="median"``, those of the ``background_weeks`` before that window), from the
    pass index alone (R-tree on the simplified tracks, circle grown by :data:`QUERY_MARGIN_KM`).

    Half-orbits are grouped by (satellite, orbit, half) with all their needed products, whichever of
    them matched. One :class:`Selection` per target, in order.
    """
    sub = _prepare_index(index, settings)
    out = [Selection() for _ in targets]
    if not len(targets):
        return out
    starts = _ns(sub["start"]) if len(sub) else np.zeros(0, dtype=np.int64)
    # coverage: any pass of the satellite(s) at all in the window, anywhere
    cover_rows = index[index["error"].isna() & index["satellite"].isin(settings.satellites)]
    cover_starts = np.sort(_ns(cover_rows["start"])) if len(cover_rows) else np.zeros(0, dtype=np.int64)
    w_ns = round(float(settings.days_before) * _NS_PER_DAY)
    bg_ns = round(float(settings.background_weeks) * 7 * _NS_PER_DAY)
    t_ev = np.array([t.time_ns for t in targets], dtype=np.int64)
    lo = np.searchsorted(cover_starts, t_ev - w_ns, side="left")
    hi = np.searchsorted(cover_starts, t_ev, side="left")
    for k, sel in enumerate(out):
        sel.covered = bool(hi[k] > lo[k])
    if not len(sub):
        return out
    sat_a = sub["satellite"].astype(str).to_numpy()
    orbit_a = sub["orbit"].astype("int64").to_numpy()
    half_a = sub["half"].astype(str).to_numpy()
    prod_a = sub["product"].astype(str).to_numpy()
    path_a = sub["path"].astype(str).to_numpy()
    groups_of: dict[tuple[str, int, str], list[int]] = {}
    for i, key in enumerate(zip(sat_a.tolist(), orbit_a.tolist(), half_a.tolist(), strict=True)):
        groups_of.setdefault(key, []).append(i)
    todo = [k for k, sel in enumerate(out) if sel.covered or settings.background != "none"]
    if not todo:
        return out
    circles = [
        geodesic_circle(
            targets[k].lat,
            targets[k].lon,
            min(settings.radius_km(targets[k].mag) * 1.01 + QUERY_MARGIN_KM, 19_900.0),
        )
        for k in todo
    ]
    q_idx, row_idx = sub.sindex.query(np.asarray(circles, dtype=object), predicate="intersects")
    tgt_idx = np.asarray(todo, dtype=np.int64)[q_idx]
    s_pair = starts[row_idx]
    t_pair = t_ev[tgt_idx]
    in_win = (s_pair >= t_pair - w_ns) & (s_pair < t_pair)
    in_bg = np.zeros_like(in_win)
    if settings.background != "none":
        in_bg = (s_pair >= t_pair - w_ns - bg_ns) & (s_pair < t_pair - w_ns)
    candidate: dict[tuple[int, bool], set[tuple[str, int, str]]] = {}
    for ti, ri, kind in zip(
        tgt_idx[in_win | in_bg].tolist(),
        row_idx[in_win | in_bg].tolist(),
        in_win[in_win | in_bg].tolist(),
        strict=True,
    ):
        candidate.setdefault((ti, kind), set()).add((sat_a[ri], int(orbit_a[ri]), half_a[ri]))
    keys = sorted({key for ks in candidate.values() for key in ks})
    group_objs: dict[tuple[str, int, str], PassGroup] = {}
    for key in keys:
        order = settings.products(key[0])
        rows = sorted(groups_of[key], key=lambda r: (order.index(prod_a[r]), starts[r]))
        seen: dict[str, str] = {}
        for r in rows:
            seen.setdefault(prod_a[r], path_a[r])
        group_objs[key] = PassGroup(
            key[0], key[1], key[2], int(min(starts[r] for r in rows)), tuple(seen.items())
        )
    quiet: dict[tuple[str, int, str], bool] = {k: True for k in keys}
    if settings.quiet and keys:
        from core.spaceweather import quiet_mask

        t_q = np.array([group_objs[k].start_ns for k in keys], dtype=np.int64).astype("datetime64[ns]")
        mask = quiet_mask(
            t_q,
            kp_max=settings.kp_max,
            window_h=settings.quiet_window_h,
            dst_min=settings.dst_min_nt,
            outside="disturbed",
        )
        quiet = dict(zip(keys, np.atleast_1d(mask).tolist(), strict=True))
    for (ti, kind), ks in candidate.items():
        sel = out[ti]
        ordered = sorted(ks, key=lambda k: (group_objs[k].start_ns, k))
        if kind:
            sel.n_crossing = len(ordered)
            sel.n_disturbed = sum(not quiet[k] for k in ordered)
            sel.groups = [group_objs[k] for k in ordered if quiet[k]]
        else:
            sel.background = [group_objs[k] for k in ordered if quiet[k]]
    return out


# ------------------------------------------------------------------------------------------ windowing


def _empty(target: Target, settings: WindowSettings, outcome: str, counters: dict[str, int]) -> EventWindows:
    L, F = int(settings.length), len(settings.features)
    return EventWindows(
        target,
        np.zeros((0, L, F), np.float32),
        np.zeros((0, L)),
        np.zeros((0, L)),
        [],
        [],
        [],
        np.zeros(0, np.int64),
        np.zeros(0),
        np.zeros(0),
        outcome,
        counters,
    )


def _segments(has_data: np.ndarray, a: int, b: int, max_gap: int) -> list[tuple[int, int]]:
    """Split the in-circle run [a, b) at data-less runs longer than ``max_gap``; trim the ends."""
    segs: list[tuple[int, int]] = []
    cur = None
    gap = 0
    last_data = a  # set together with cur, and read only once cur is set
    for i in range(a, b):
        if has_data[i]:
            if cur is None:
                cur = i
            elif gap > max_gap:
                segs.append((cur, last_data + 1))
                cur = i
            gap = 0
            last_data = i
        else:
            gap += 1
    if cur is not None:
        segs.append((cur, last_data + 1))
    return segs


def _night_lt(lt: float) -> bool:
    return lt >= 18.0 or lt < 6.0


def window_event(
    target: Target,
    selection: Selection,
    root: str | os.PathLike[str],
    settings: WindowSettings,
) -> EventWindows:
    """Cut the sequences of one target from the passes of its :class:`Selection` (files under ``root``).

    Never raises for bad data: unreadable files, gaps, NaN features and missing passes end in a counted
    outcome (docs/windows.md, "Outcome of an event").
    """
    root = Path(root)
    counters: dict[str, int] = {}

    def bump(name: str, by: int = 1) -> None:
        counters[name] = counters.get(name, 0) + int(by)

    if not selection.covered and not selection.groups:
        return _empty(target, settings, "no_coverage", counters)
    if selection.n_crossing == 0:
        return _empty(target, settings, "no_pass", counters)
    if not selection.groups:
        return _empty(target, settings, "disturbed", counters)
    L, stride = int(settings.length), settings.step
    radius = settings.radius_km(target.mag)
    stage = -1  # index into _PASS_STAGES reached by the best pass
    xs, lats, lons, sats, orbits, halves, t0s, hbs, dists = [], [], [], [], [], [], [], [], []
    for group in selection.groups:
        try:
            obs = _observe(group, root, settings)
        except Exception:  # an unreadable file is an outcome, never a crash
            bump("passes_unreadable")
            stage = max(stage, 0)
            continue
        bump("passes_read")
        if obs is None:
            stage = max(stage, 1)
            continue
        d = settings.distance_km(obs.lat, obs.lon, target.lat, target.lon)
        with np.errstate(invalid="ignore"):
            inside = (d <= radius) & (obs.time < target.time_ns)
        has = obs.has_data
        bump("points_in_circle", int((inside & has).sum()))
        pass_stage = 1
        for a, b in _runs(inside):
            if b - a < L:
                continue
            pass_stage = max(pass_stage, 2)
            for s, e in _segments(has, a, b, int(settings.max_gap_steps)):
                if e - s < L:
                    continue
                pass_stage = max(pass_stage, 3)
                for w0 in range(s, e - L + 1, stride):
                    x = obs.values[w0 : w0 + L]
                    bump("windows_cut")
                    fin = np.isfinite(x)
                    if not fin.any(axis=0).all():
                        bump("windows_all_nan")
                        continue
                    if (~fin).mean() > float(settings.max_nan_frac):
                        bump("windows_nan")
                        continue
                    lt_med = float(np.median(obs.lt[w0 : w0 + L]))
                    if _night_lt(lt_med) != (group.half == "night"):
                        bump("lt_mismatch")
                    xs.append(x)
                    lats.append(obs.lat[w0 : w0 + L])
                    lons.append(obs.lon[w0 : w0 + L])
                    sats.append(group.satellite)
                    orbits.append(group.orbit)
                    halves.append(group.half)
                    t0s.append(int(obs.time[w0]))
                    hbs.append((target.time_ns - int(obs.time[w0])) / (3600.0 * _NS))
                    dists.append(float(np.nanmin(d[w0 : w0 + L])))
        stage = max(stage, pass_stage)
    if not xs:
        reason = {0: "unreadable", 1: "too_few_points", 2: "gaps", 3: "all_nan"}.get(stage, "too_few_points")
        return _empty(target, settings, reason, counters)
    X = np.stack(xs).astype(np.float64)
    lat_arr, lon_arr = np.stack(lats), np.stack(lons)
    if settings.background == "median":
        bg = _background(target, selection.background, root, settings, radius, counters)
        if bg is None or bg.empty:
            bump("windows_no_background", len(xs))
            return _empty(target, settings, "no_background", counters)
        X = bg.subtract(X, lat_arr)
    return EventWindows(
        target,
        X.astype(np.float32),
        lat_arr,
        lon_arr,
        sats,
        orbits,
        halves,
        np.asarray(t0s, dtype=np.int64),
        np.asarray(hbs, dtype=np.float64),
        np.asarray(dists, dtype=np.float64),
        "ok",
        counters,
    )


def _background(
    target: Target,
    groups: Iterable[PassGroup],
    root: Path,
    settings: WindowSettings,
    radius: float,
    counters: dict[str, int],
) -> Background | None:
    """Quiet background of the target's place from its background passes (None when none had data)."""
    vals, lats = [], []
    for group in groups:
        try:
            obs = _observe(group, root, settings)
        except Exception:
            counters["background_unreadable"] = counters.get("background_unreadable", 0) + 1
            continue
        if obs is None:
            continue
        d = settings.distance_km(obs.lat, obs.lon, target.lat, target.lon)
        with np.errstate(invalid="ignore"):
            keep = (d <= radius) & obs.has_data
        if keep.any():
            vals.append(obs.values[keep])
            lats.append(obs.lat[keep])
            counters["background_passes"] = counters.get("background_passes", 0) + 1
    if not vals:
        return None
    return Background(np.concatenate(vals), np.concatenate(lats), settings.background_lat_bin_deg)


def windows_for_event(
    event: Any,
    index: pd.DataFrame,
    root: str | os.PathLike[str],
    settings: WindowSettings | None = None,
) -> EventWindows:
    """Convenience for one catalog row (or :class:`Target`): :func:`select_passes` + :func:`window_event`."""
    settings = settings or WindowSettings()
    target = event if isinstance(event, Target) else Target.from_row(event)
    (selection,) = select_passes(index, [target], settings)
    return window_event(target, selection, root, settings)


def quiet_background(
    event: Any,
    index: pd.DataFrame,
    root: str | os.PathLike[str],
    settings: WindowSettings | None = None,
) -> tuple[Background | None, int]:
    """The quiet background of an event's place and how many passes made it: the per-latitude-bin median
    of the quiet passes (same satellites and half) inside its circle in the ``background_weeks`` weeks
    before the temporal window — the reference that ``background="median"`` subtracts, in the units of
    the sequences before that subtraction. ``(None, 0)`` when no background pass had data.
    """
    settings = replace(settings or WindowSettings(), background="median")
    target = event if isinstance(event, Target) else Target.from_row(event)
    (selection,) = select_passes(index, [target], settings)
    counters: dict[str, int] = {}
    radius = settings.radius_km(target.mag)
    bg = _background(target, selection.background, Path(root), settings, radius, counters)
    return bg, counters.get("background_passes", 0)


def describe_outcome(outcome: str, settings: WindowSettings, mag: float) -> str:
    """Why an event of magnitude ``mag`` gave no sequence, in words (``outcome`` in :data:`REASONS`)."""
    template = _REASON_TEXT.get(outcome, outcome)
    return template.format(
        sats=", ".join(settings.satellites),
        days=float(settings.days_before),
        half="day or night" if settings.half == "both" else settings.half,
        radius=settings.radius_km(mag),
        kp=float(settings.kp_max),
        dst="–" if settings.dst_min_nt is None else f"{float(settings.dst_min_nt):g}",
        qh=float(settings.quiet_window_h),
        L=int(settings.length),
        nan=float(settings.max_nan_frac),
    )
