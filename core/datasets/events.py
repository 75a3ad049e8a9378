"""A dataset's events: the positives selected from the catalog, the split of each (chronological, by
event), and the pseudo-event negatives drawn away from every catalog event (:func:`draw_negatives`).

Events, splits, negatives and their exclusions: ``docs/datasets.md``. Times int64 ns UTC, distances km,
exclusion periods days.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.datasets.settings import DatasetSettings
from core.geo import geodesic_distance_km, haversine_km
from core.windows import Target

__all__ = [
    "assign_splits",
    "draw_negatives",
    "select_events",
]


_NS = 1_000_000_000


_NS_PER_DAY = 86_400 * _NS


def assign_splits(times_ns: np.ndarray, settings: DatasetSettings) -> np.ndarray:
    """Split name per time (int64 ns UTC); ``""`` outside every period."""
    t = np.asarray(times_ns, dtype=np.int64)
    out = np.full(t.shape, "", dtype=object)
    for name, lo, hi in settings.split_periods():
        out[(t >= lo) & (t < hi)] = name
    return out


def _times_ns(values: Any) -> np.ndarray:
    idx = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
    return np.asarray(idx.tz_convert(None).as_unit("ns").asi8, dtype=np.int64)


def select_events(catalog: pd.DataFrame, settings: DatasetSettings) -> tuple[pd.DataFrame, dict[str, int]]:
    """The positives: the protocol's selection, duplicates dropped, split assigned (column ``split``).

    Returns ``(events, counts)`` with ``counts`` = ``n_catalog_events`` (after the type/depth/magnitude
    filters), ``n_duplicate_ids``, ``n_outside_splits``. Rows sorted by time, then id.
    """
    from core.catalog import filter_catalog, mainshocks

    cat = catalog
    if "type" not in cat.columns:
        cat = cat.assign(type="earthquake")
    if "depth_km" not in cat.columns:
        cat = cat.assign(depth_km=np.nan)
    types = settings.event_types or None
    out = filter_catalog(cat, types=types, max_depth_km=settings.max_depth_km)
    if (
        settings.bbox is not None
    ):  # epicentres in (lon_min, lat_min, lon_max, lat_max), e.g. an archive's region
        out = filter_catalog(out, types=None, bbox=settings.bbox)
    if settings.mainshocks_only:
        out = mainshocks(out)
    out = filter_catalog(out, types=None, min_mag=settings.min_mag)
    out = pd.DataFrame(out).copy()
    out["_t"] = _times_ns(out["time"])
    out["event_id"] = out["event_id"].astype(str)
    out = out.sort_values(["_t", "event_id"], kind="stable").reset_index(drop=True)
    n_sel = len(out)
    dup = out["event_id"].duplicated(keep="first").to_numpy()
    out = out[~dup].reset_index(drop=True)
    out["split"] = assign_splits(out["_t"].to_numpy(), settings)
    outside = (out["split"] == "").to_numpy()
    out = out[~outside].reset_index(drop=True)
    counts = {
        "n_catalog_events": n_sel,
        "n_duplicate_ids": int(dup.sum()),
        "n_outside_splits": int(outside.sum()),
    }
    return out, counts


class _Exclusion:
    """Catalog events that forbid a pseudo-event nearby (M ≥ min_mag − margin, any type and depth)."""

    def __init__(self, catalog: pd.DataFrame, settings: DatasetSettings):
        mag = pd.to_numeric(catalog["mag"], errors="coerce").to_numpy(np.float64)
        keep = mag >= float(settings.min_mag) - float(settings.exclusion_mag_margin)
        t = _times_ns(catalog["time"])[keep]
        order = np.argsort(t, kind="stable")
        self.t = t[order]
        self.lat = catalog["lat"].to_numpy(np.float64)[keep][order]
        self.lon = catalog["lon"].to_numpy(np.float64)[keep][order]
        self.radius = settings.radius_km(mag[keep][order])
        self.factor = float(settings.exclusion_radius_factor)
        self.dt = round(float(settings.exclusion_days) * _NS_PER_DAY)
        self.settings = settings

    def excluded(self, t_ns: int, lat: float, lon: float, mag: float) -> bool:
        """True when a catalog event lies within factor × R and ± the exclusion days."""
        lo = np.searchsorted(self.t, t_ns - self.dt, side="left")
        hi = np.searchsorted(self.t, t_ns + self.dt, side="right")
        if hi <= lo:
            return False
        own = self.settings.window.radius_km(mag)
        if self.settings.exclusion_radius_of == "larger":
            r = self.factor * np.maximum(self.radius[lo:hi], own)
        else:
            r = np.full(hi - lo, self.factor * own)
        d = np.atleast_1d(geodesic_distance_km(self.lat[lo:hi], self.lon[lo:hi], lat, lon))
        return bool((d <= r).any())

    def free_periods(
        self, periods: list[tuple[int, int]], lat: float, lon: float, mag: float
    ) -> list[tuple[int, int]]:
        """The parts of ``periods`` (half-open ns intervals) where a pseudo-event at (lat, lon) of
        magnitude ``mag`` is not excluded: the periods minus the ±days intervals of the near events."""
        if not periods:
            return []
        lo = np.searchsorted(self.t, min(a for a, _ in periods) - self.dt, side="left")
        hi = np.searchsorted(self.t, max(b for _, b in periods) + self.dt, side="right")
        own = self.settings.window.radius_km(mag)
        if self.settings.exclusion_radius_of == "larger":
            r = self.factor * np.maximum(self.radius[lo:hi], own)
        else:
            r = np.full(hi - lo, self.factor * own)
        near = np.zeros(hi - lo, dtype=bool)
        if hi > lo:
            rough = np.atleast_1d(haversine_km(self.lat[lo:hi], self.lon[lo:hi], lat, lon))
            cand = np.flatnonzero(rough <= r * 1.01 + 1.0)  # haversine is within 0.6 % of WGS84
            if cand.size:
                d = np.atleast_1d(
                    geodesic_distance_km(self.lat[lo:hi][cand], self.lon[lo:hi][cand], lat, lon)
                )
                near[cand[d <= r[cand]]] = True
        blocked = sorted((int(t) - self.dt, int(t) + self.dt) for t in self.t[lo:hi][near])
        free: list[tuple[int, int]] = []
        for a, b in sorted(periods):
            cur = a
            for x, y in blocked:
                if y < cur or x >= b:
                    continue
                if x > cur:
                    free.append((cur, x))
                cur = max(cur, y + 1)
                if cur >= b:
                    break
            if cur < b:
                free.append((cur, b))
        return free


def _split_bounds(settings: DatasetSettings) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for name, lo, hi in settings.split_periods():
        out.setdefault(name, []).append((lo, hi))
    return out


def draw_negatives(
    positives: Sequence[Target],
    catalog: pd.DataFrame,
    settings: DatasetSettings,
    span_ns: tuple[int, int] | None = None,
) -> tuple[list[Target], int]:
    """Pseudo-events for ``positives`` (docs/datasets.md, "Negatives"); ``span_ns`` = (first, last) time the
    archive covers (the pseudo-event's window must fit in it). Returns ``(negatives, n_not_placed)``."""
    if settings.negatives == "none" or not positives or float(settings.negative_ratio) == 0:
        return [], 0
    excl = _Exclusion(catalog, settings)
    bounds = _split_bounds(settings)
    w_ns = round(float(settings.window.days_before) * _NS_PER_DAY)
    lo_span, hi_span = span_ns if span_ns is not None else (-(2**62), 2**62)
    ratio = float(settings.negative_ratio)
    same_place = settings.negatives == "same_place"
    win = settings.negative_time_window_days
    win_ns = round(float(win) * _NS_PER_DAY) if same_place and win is not None else None
    out: list[Target] = []
    not_placed = 0
    for pos in positives:
        rng = np.random.default_rng([int(settings.seed), zlib.crc32(pos.event_id.encode("utf-8"))])
        n = int(math.floor(ratio)) + int(rng.random() < ratio - math.floor(ratio))
        periods = [(max(a, lo_span + w_ns), min(b, hi_span)) for a, b in bounds.get(pos.split, [])]
        periods = [(a, b) for a, b in periods if b > a]
        if win_ns is not None:  # season-matched: only within ± the window of the positive's origin time
            periods = [(max(a, pos.time_ns - win_ns), min(b, pos.time_ns + win_ns + 1)) for a, b in periods]
            periods = [(a, b) for a, b in periods if b > a]
        free = excl.free_periods(periods, pos.lat, pos.lon, pos.mag) if n and same_place else []
        for k in range(n):
            placed = None
            for _ in range(int(settings.negative_max_tries)):
                if same_place:  # uniform over the free time of the place (within the window)
                    if not free:
                        break
                    lengths = np.array([b - a for a, b in free], dtype=np.float64)
                    j = int(rng.choice(len(free), p=lengths / lengths.sum()))
                    a, b = free[j]
                    t = int(a + int(rng.random() * (b - a)))
                    lat, lon = pos.lat, pos.lon
                else:
                    season = float(settings.random_place_season_days) * _NS_PER_DAY
                    t = int(pos.time_ns + (rng.random() * 2.0 - 1.0) * season)
                    s_max = math.sin(math.radians(float(settings.random_place_max_lat)))
                    lat = math.degrees(math.asin(rng.uniform(-s_max, s_max)))
                    lon = float(rng.uniform(-180.0, 180.0))
                    if not any(a <= t < b for a, b in periods):
                        continue
                if excl.excluded(t, lat, lon, pos.mag):
                    continue
                placed = Target(
                    f"{pos.event_id}-neg{k}",
                    t,
                    float(lat),
                    float(lon),
                    pos.mag,
                    pos.depth_km,
                    0,
                    pos.split,
                    pos.event_id,
                )
                break
            if placed is None:
                not_placed += 1
            else:
                out.append(placed)
    return out, not_placed
