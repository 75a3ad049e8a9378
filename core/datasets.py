"""Labelled datasets: positives from catalog events, negatives from pseudo-events, chronological
event-level splits, one NetCDF file per dataset (the Samples contract), cached.

Events, splits, negatives and their exclusions, the output, parallelism, caching and the named
configurations of ``configs/datasets.toml``: ``docs/datasets.md``; the Samples contract:
``docs/data-contracts.md`` (section "Samples"). Units: magnitudes in catalog units, depths km, days in
days.

Public API: :class:`DatasetSettings`, :class:`DatasetReport`, :data:`DEFAULT_SPLITS`, :func:`build_dataset`,
:func:`select_events`, :func:`draw_negatives`, :func:`assign_splits`, :func:`write_samples`,
:func:`load_samples`, :func:`dataset_report`, :func:`load_configs`, :func:`get_config`, :func:`cache_key`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import time
import tomllib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from core.atomic import atomic_path
from core.config import REPO_ROOT, Settings
from core.features import feature_long_name, feature_units
from core.geo import geodesic_distance_km, haversine_km
from core.windows import REASONS, EventWindows, Selection, Target, WindowSettings, select_passes, window_event

__all__ = [
    "CONFIG_PATH",
    "DEFAULT_SPLITS",
    "FORMAT_VERSION",
    "NEGATIVE_MODES",
    "DatasetReport",
    "UnknownConfigError",
    "DatasetSettings",
    "assign_splits",
    "build_dataset",
    "cache_key",
    "dataset_report",
    "draw_negatives",
    "get_config",
    "index_hash",
    "load_configs",
    "load_samples",
    "select_events",
    "write_samples",
    "samples_from_windows",
]

FORMAT_VERSION = 1
"""Bumped whenever the windowing or the file layout changes, so cached datasets are rebuilt."""
CONFIG_PATH: Path = REPO_ROOT / "configs" / "datasets.toml"
NEGATIVE_MODES: tuple[str, ...] = ("same_place", "random_place", "none")
CLASSES: tuple[str, ...] = ("positive", "negative")

DEFAULT_SPLITS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "CSES-01": (
        ("train", "2018-02-01", "2021-06-30"),
        ("validation", "2021-07-01", "2022-06-30"),
        ("test", "2022-07-01", "2023-11-30"),
        ("test2", "2025-01-01", "2025-12-31"),
    ),
    "DEMETER": (
        ("train", "2004-07-01", "2009-06-30"),
        ("validation", "2009-07-01", "2010-12-31"),
    ),
}
"""Chronological split periods per satellite: (name, first day, last day), UTC, inclusive
(docs/datasets.md)."""

_NS = 1_000_000_000
_NS_PER_DAY = 86_400 * _NS
_RUN_FIELDS = ("path", "cached", "seconds")


# ------------------------------------------------------------------------------------------ settings


@dataclass(frozen=True)
class DatasetSettings:
    """A named dataset: the window settings plus event selection, negatives, splits and seed (frozen).

    ``splits``: ((name, first day, last day), …) UTC inclusive; ``None`` = :data:`DEFAULT_SPLITS` of the
    window's satellites. ``bbox``: keep only epicentres in (lon_min, lat_min, lon_max, lat_max) degrees
    (e.g. the region an archive covers); ``None`` = the whole globe. Magnitudes in catalog units, depths
    km, days in days.
    """

    name: str = "cses-default"
    description: str = ""
    window: WindowSettings = field(default_factory=WindowSettings)
    event_types: tuple[str, ...] = ("earthquake",)
    min_mag: float = 5.0
    max_depth_km: float | None = 40.0
    mainshocks_only: bool = False
    negatives: str = "same_place"
    negative_ratio: float = 1.0
    exclusion_radius_factor: float = 3.0
    exclusion_radius_of: str = "pseudo_event"
    exclusion_days: float = 10.0
    exclusion_mag_margin: float = 0.5
    random_place_max_lat: float = 60.0
    random_place_season_days: float = 15.0
    negative_time_window_days: float | None = 90.0
    negative_max_tries: int = 100
    splits: tuple[tuple[str, str, str], ...] | None = None
    bbox: tuple[float, float, float, float] | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "event_types", tuple(self.event_types))
        if self.splits is not None:
            object.__setattr__(self, "splits", tuple(tuple(str(x) for x in s) for s in self.splits))
        if self.bbox is not None:
            if len(self.bbox) != 4:
                raise ValueError(f"bbox must be (lon_min, lat_min, lon_max, lat_max), got {self.bbox!r}")
            object.__setattr__(self, "bbox", tuple(float(v) for v in self.bbox))
        if self.exclusion_radius_of not in ("larger", "pseudo_event"):
            raise ValueError(
                f"exclusion_radius_of must be 'larger' or 'pseudo_event', got {self.exclusion_radius_of!r}"
            )
        if self.negatives not in NEGATIVE_MODES:
            raise ValueError(f"negatives must be one of {NEGATIVE_MODES}, got {self.negatives!r}")
        if not float(self.negative_ratio) >= 0:
            raise ValueError(f"negative_ratio must be >= 0, got {self.negative_ratio!r}")
        for name in ("min_mag", "exclusion_radius_factor", "exclusion_days", "exclusion_mag_margin"):
            value = getattr(self, name)
            lowest = -math.inf if name == "min_mag" else 0.0
            if isinstance(value, bool) or not (math.isfinite(float(value)) and float(value) >= lowest):
                raise ValueError(f"{name} must be a finite number{' >= 0' * (lowest == 0)}, got {value!r}")
        if isinstance(self.negative_max_tries, bool) or int(self.negative_max_tries) < 1:
            tries = self.negative_max_tries
            raise ValueError(f"negative_max_tries must be a whole number >= 1, got {tries!r}")
        win = self.negative_time_window_days
        if win is False:  # TOML has no null: `negative_time_window_days = false` means no window
            object.__setattr__(self, "negative_time_window_days", None)
        elif win is not None:
            if isinstance(win, bool) or not (math.isfinite(float(win)) and float(win) > 0):
                raise ValueError(f"negative_time_window_days must be > 0, false or None, got {win!r}")
            object.__setattr__(self, "negative_time_window_days", float(win))
        if not 0 < float(self.random_place_max_lat) <= 90:
            raise ValueError(f"random_place_max_lat must be in (0, 90], got {self.random_place_max_lat!r}")
        periods = self.split_periods()
        for name, lo, hi in periods:
            if hi <= lo:
                raise ValueError(f"split {name!r} ends before it starts")
        ordered = sorted(periods, key=lambda p: p[1])
        for (n1, _, hi1), (n2, lo2, _) in zip(ordered, ordered[1:], strict=False):
            if lo2 < hi1:
                raise ValueError(f"split periods {n1!r} and {n2!r} overlap")

    def split_table(self) -> tuple[tuple[str, str, str], ...]:
        """The split periods used (explicit or the satellites' defaults)."""
        if self.splits is not None:
            return self.splits
        return tuple(s for sat in self.window.satellites for s in DEFAULT_SPLITS.get(sat, ()))

    def split_periods(self) -> list[tuple[str, int, int]]:
        """(name, start ns, end ns) half-open, from :meth:`split_table` (whole UTC days)."""
        out = []
        for name, first, last in self.split_table():
            lo = pd.Timestamp(first).as_unit("ns").value
            hi = (pd.Timestamp(last) + pd.Timedelta(days=1)).as_unit("ns").value
            out.append((name, int(lo), int(hi)))
        return out

    def split_names(self) -> list[str]:
        """Split names in table order, without repeats."""
        return list(dict.fromkeys(name for name, _, _ in self.split_table()))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict; the window settings nested under ``window``."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "window":
                out["window"] = v.to_dict()
            elif f.name == "splits":
                out["splits"] = None if v is None else [list(s) for s in v]
            else:
                out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetSettings:
        """From :meth:`to_dict`'s shape, or a flat mapping mixing dataset and window keys (TOML configs).
        Unknown keys raise ``ValueError`` naming them."""
        own = {f.name for f in dataclasses.fields(cls)}
        win_names = {f.name for f in dataclasses.fields(WindowSettings)}
        window = dict(data.get("window") or {})
        kwargs: dict[str, Any] = {}
        unknown = []
        for k, v in data.items():
            if k == "window":
                continue
            if k in own:
                kwargs[k] = tuple(v) if isinstance(v, list) and k != "splits" else v
            elif k in win_names:
                window[k] = v
            else:
                unknown.append(k)
        if unknown:
            raise ValueError(f"unknown dataset setting(s): {', '.join(sorted(unknown))}")
        if "splits" in kwargs and kwargs["splits"] is not None:
            kwargs["splits"] = tuple(tuple(s) for s in kwargs["splits"])
        return cls(window=WindowSettings.from_dict(window), **kwargs)

    def with_(self, **changes: Any) -> DatasetSettings:
        """A copy with dataset and/or window fields changed (window fields by their own names)."""
        win_names = {f.name for f in dataclasses.fields(WindowSettings)}
        win = {k: v for k, v in changes.items() if k in win_names}
        own = {k: v for k, v in changes.items() if k not in win_names}
        if win:
            own["window"] = dataclasses.replace(self.window, **win)
        return dataclasses.replace(self, **own)

    def radius_km(self, mag: Any) -> np.ndarray:
        """Window radius (km) per magnitude (vectorised :meth:`WindowSettings.radius_km`)."""
        m = np.atleast_1d(np.asarray(mag, dtype=np.float64))
        return np.array([self.window.radius_km(x) for x in m]) if m.size else np.zeros(0)


# ------------------------------------------------------------------------------------------ report


@dataclass
class DatasetReport:
    """What a build did: per split and class the events, the events with samples and the samples; per
    class the events without samples by reason (:data:`core.windows.REASONS`); event-selection counts;
    window-level counters summed over events. Stored as JSON in the dataset's ``report`` attribute."""

    name: str
    satellites: list[str] = field(default_factory=list)
    splits: list[str] = field(default_factory=list)
    cache_key: str = ""
    path: str = ""
    cached: bool = False
    seconds: float = 0.0
    n_catalog_events: int = 0
    n_duplicate_ids: int = 0
    n_outside_splits: int = 0
    n_negatives_not_placed: int = 0
    counts: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)
    windows: dict[str, int] = field(default_factory=dict)

    def n_samples(self, split: str | None = None, cls: str | None = None) -> int:
        """Samples in one split and/or class (None = all)."""
        return sum(
            c.get("samples", 0)
            for s, by_cls in self.counts.items()
            if split is None or s == split
            for k, c in by_cls.items()
            if cls is None or k == cls
        )

    def n_events_without_samples(self) -> int:
        """Events and pseudo-events that gave no sequence (all reasons)."""
        return sum(sum(r.values()) for r in self.reasons.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetReport:
        """Inverse of :meth:`to_dict` (unknown keys ignored, for older files)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def summary(self) -> str:
        """Plain-text report: counts per split and class, then the reasons and the event selection."""
        how = "cached, not rebuilt" if self.cached else f"built in {self.seconds:.1f} s"
        lines = [f"dataset {self.name} ({', '.join(self.satellites)}) — {how}"]
        lines.append(f"{'split':<12}{'class':<10}{'events':>8}{'w/ samples':>12}{'samples':>10}")
        for split in self.splits:
            for c in CLASSES:
                n = self.counts.get(split, {}).get(c, {})
                lines.append(
                    f"{split:<12}{c:<10}{n.get('events', 0):>8}{n.get('events_with_samples', 0):>12}"
                    f"{n.get('samples', 0):>10}"
                )
        for c in CLASSES:
            r = {k: v for k, v in self.reasons.get(c, {}).items() if v}
            if r:
                lines.append(f"{c} events without samples: " + ", ".join(f"{k} {v}" for k, v in r.items()))
        lines.append(
            f"catalog events selected {self.n_catalog_events}, duplicate ids dropped {self.n_duplicate_ids}, "
            f"outside split periods {self.n_outside_splits}, "
            f"negatives not placed {self.n_negatives_not_placed}"
        )
        if self.windows:
            lines.append("windows: " + ", ".join(f"{k} {v}" for k, v in sorted(self.windows.items())))
        return "\n".join(lines)


def dataset_report(ds: xr.Dataset) -> DatasetReport:
    """The :class:`DatasetReport` stored in a samples dataset's attributes."""
    return DatasetReport.from_dict(json.loads(ds.attrs["report"]))


# ------------------------------------------------------------------------------------------ events


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


# ------------------------------------------------------------------------------------------ hashing


def index_hash(index: pd.DataFrame, satellites: Sequence[str] | None = None) -> str:
    """16 hex digits over (path, size, mtime, error) of the index rows of ``satellites`` (None = all)."""
    rows = index if satellites is None else index[index["satellite"].isin(list(satellites))]
    parts = sorted(
        f"{p}|{s}|{m}|{'' if e is None or (isinstance(e, float) and math.isnan(e)) else 'E'}"
        for p, s, m, e in zip(rows["path"], rows["size"], rows["mtime_ns"], rows["error"], strict=True)
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _catalog_fingerprint(catalog: pd.DataFrame) -> str:
    cols = [c for c in ("event_id", "time", "lat", "lon", "depth_km", "mag", "type") if c in catalog.columns]
    frame = pd.DataFrame({c: catalog[c].astype(str) for c in cols})
    h = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.sha256(np.sort(h).tobytes() + ",".join(cols).encode()).hexdigest()[:16]


def cache_key(settings: DatasetSettings, catalog_fp: str, archive_hash: str) -> str:
    """Cache key of a dataset: settings (name and description excluded), catalog, archive, format."""
    d = settings.to_dict()
    d.pop("name", None)
    d.pop("description", None)
    text = json.dumps(
        {"settings": d, "catalog": catalog_fp, "archive": archive_hash, "v": FORMAT_VERSION}, sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------------ running


def _run_batch(
    batch: list[tuple[Target, Selection]], root: str, window: WindowSettings
) -> list[EventWindows]:
    """Worker: window every target of a batch (module-level, so process pools can pickle it)."""
    return [window_event(t, sel, root, window) for t, sel in batch]


def _run_all(
    work: list[tuple[Target, Selection]],
    root: Path,
    window: WindowSettings,
    *,
    scheduler: str | None,
    workers: int,
    progress: bool,
) -> list[EventWindows]:
    """Window every target, in order: serially for small jobs, else batches through dask."""
    if not work:
        return []
    n_batches = max(1, min(len(work), max(workers, 1) * 8))
    size = math.ceil(len(work) / n_batches)
    batches = [work[i : i + size] for i in range(0, len(work), size)]
    if scheduler is None and (workers <= 1 or len(work) < 16):
        from tqdm.auto import tqdm

        results: list[EventWindows] = []
        for b in tqdm(batches, desc="windowing", unit="batch", disable=not progress):
            results.extend(_run_batch(b, str(root), window))
        return results
    import dask
    from dask import delayed

    tasks = [delayed(_run_batch)(b, str(root), window) for b in batches]
    if scheduler is not None:
        from dask.distributed import Client

        with Client(scheduler) as client:
            parts = client.compute(tasks, sync=True)
    else:
        import contextlib
        import multiprocessing as mp

        from dask.diagnostics import ProgressBar

        # fork where available: workers inherit the loaded libraries and space-weather tables
        context = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        with (
            dask.config.set({"multiprocessing.context": context}),
            ProgressBar(minimum=2.0) if progress else contextlib.nullcontext(),
        ):
            parts = dask.compute(*tasks, scheduler="processes", num_workers=workers)
    return [r for part in parts for r in part]


def _assemble(results: list[EventWindows], settings: DatasetSettings, attrs: dict[str, Any]) -> xr.Dataset:
    """Stack the windows of every target into a Samples dataset (targets already in output order)."""
    w = settings.window
    L, F = int(w.length), len(w.features)
    res = [r for r in results if r.n]
    n = sum(r.n for r in res)

    def cat(get: Any, dtype: Any, shape: tuple[int, ...] = ()) -> np.ndarray:
        if not res:
            return np.zeros((0, *shape), dtype=dtype)
        return np.concatenate([np.asarray(get(r), dtype=dtype) for r in res])

    def per(get: Any, dtype: Any) -> np.ndarray:
        if not res:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([np.full(r.n, get(r.target), dtype=dtype) for r in res])

    def strs(values: list[str]) -> np.ndarray:
        # numpy unicode (not object): NetCDF round trips keep the dtype, also for 0 samples
        return np.array(values, dtype=str) if values else np.zeros(0, dtype="U1")

    X = cat(lambda r: r.X, np.float32, (L, F))
    sample = np.arange(n, dtype=np.int64)
    fs = list(w.features)
    ds = xr.Dataset(
        {
            "X": (
                ("sample", "step", "feature"),
                X,
                {"long_name": "feature sequences, each feature in its own units (coordinate feature_units)"},
            )
        },
        coords={
            "sample": sample,
            "step": np.arange(L, dtype=np.int64),
            "feature": strs(list(w.features)),
            "feature_units": (
                "feature",
                strs(
                    [feature_units(f, log_density=w.log_density, background=w.background) for f in w.features]
                ),
            ),
            "feature_long_name": (
                "feature",
                strs([feature_long_name(f, log_density=w.log_density, background=w.background) for f in fs]),
            ),
            "event_id": ("sample", strs([r.target.event_id for r in res for _ in range(r.n)])),
            "source_event_id": ("sample", strs([r.target.source_id for r in res for _ in range(r.n)])),
            "label": ("sample", per(lambda t: t.label, np.int8)),
            "split": ("sample", strs([r.target.split for r in res for _ in range(r.n)])),
            "satellite": ("sample", strs([s for r in res for s in r.satellite])),
            "orbit": ("sample", cat(lambda r: r.orbit, np.int64)),
            "half": ("sample", strs([h for r in res for h in r.half])),
            "t_start": ("sample", cat(lambda r: r.t_start, np.int64).astype("datetime64[ns]")),
            "hours_before": ("sample", cat(lambda r: r.hours_before, np.float64), {"units": "h"}),
            "dist_km": ("sample", cat(lambda r: r.dist_km, np.float64), {"units": "km"}),
            "event_time": ("sample", per(lambda t: t.time_ns, np.int64).astype("datetime64[ns]")),
            "event_mag": ("sample", per(lambda t: t.mag, np.float64)),
            "event_lat": ("sample", per(lambda t: t.lat, np.float64), {"units": "deg"}),
            "event_lon": ("sample", per(lambda t: t.lon, np.float64), {"units": "deg"}),
            "event_depth_km": ("sample", per(lambda t: t.depth_km, np.float64), {"units": "km"}),
            "lat": (("sample", "step"), cat(lambda r: r.lat, np.float64, (L,)), {"units": "deg"}),
            "lon": (("sample", "step"), cat(lambda r: r.lon, np.float64, (L,)), {"units": "deg"}),
        },
        attrs=attrs,
    )
    ds["step"].attrs.update(units="1", long_name="step index; time = t_start + step * cadence_s")
    ds["label"].attrs.update(long_name="1 pre-earthquake, 0 non-seismic")
    _cf_attrs(ds, settings)
    return ds


def _cf_attrs(ds: xr.Dataset, settings: DatasetSettings) -> None:
    """CF-1.10 metadata of a Samples dataset, in place (see ``docs/data-contracts.md``).

    ``X`` mixes units (cm^-3, K, log10 …), so it has **no** ``units`` attribute — ``units = "1"`` would
    claim it is dimensionless, which it is not. Each feature's unit is a UDUNITS string in the auxiliary
    coordinate ``feature_units`` (dim ``feature``; listed in ``X``'s ``coordinates`` on disk) and what was
    done to it in ``feature_long_name``. ``lat``/``lon`` are the observations' positions (``latitude``/
    ``longitude``); the epicentre's ``event_lat``/``event_lon`` keep ``deg`` and no standard name, so that
    ``ds.cf["latitude"]`` finds one variable. ``t_start`` is ``time``. No wall-clock time goes into
    ``history``: equal inputs give equal files.
    """
    from core.passes import CF_CONVENTIONS

    ds["lat"].attrs.update(units="degrees_north", standard_name="latitude", long_name="observation latitude")
    ds["lon"].attrs.update(units="degrees_east", standard_name="longitude", long_name="observation longitude")
    ds["t_start"].attrs.update(standard_name="time", long_name="time of the sequence's first step (UTC)")
    ds["event_time"].attrs.update(long_name="origin time of the (pseudo-)event (UTC)")
    ds["event_lat"].attrs.update(long_name="epicentre latitude (geographic, north positive)")
    ds["event_lon"].attrs.update(long_name="epicentre longitude (geographic, east positive)")
    ds["feature_units"].attrs.update(long_name="units of each feature of X (UDUNITS)")
    ds["feature_long_name"].attrs.update(long_name="what each feature of X is")
    satellites = ", ".join(settings.window.satellites)
    ds.attrs.setdefault("title", f"SeqNetQuake samples: {settings.name}")
    ds.attrs.update(
        Conventions=CF_CONVENTIONS,
        source=f"{satellites} half-orbit passes, windowed by seqnetquake-workbench core.datasets",
        history="built by core.datasets from the settings, catalog and pass index in these attributes",
    )


def _time_encoding() -> dict[str, Any]:
    return {"units": "nanoseconds since 1970-01-01", "calendar": "proleptic_gregorian", "dtype": "int64"}


def write_samples(ds: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write a samples dataset as one NetCDF-4 file (h5netcdf), atomically; returns the path."""
    path = Path(path)
    enc: dict[str, dict[str, Any]] = {
        name: _time_encoding() for name in ("t_start", "event_time") if name in ds
    }
    if "X" in ds:
        enc["X"] = {"zlib": True, "complevel": 4} if ds["X"].size else {}
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf", encoding=enc)
    return path


def load_samples(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read a samples dataset written by :func:`write_samples` fully into memory (the file is closed)."""
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        out = ds.load()
    for name in ("t_start", "event_time"):
        if name in out.coords:
            out[name].encoding.clear()
    out.encoding = {}
    return out


def _peek_key(path: Path) -> str | None:
    try:
        import h5py

        with h5py.File(path, "r") as fh:
            key = fh.attrs.get("cache_key")
        return key.decode() if isinstance(key, bytes) else (str(key) if key is not None else None)
    except Exception:  # an unreadable cache file just means "rebuild"
        return None


# ------------------------------------------------------------------------------------------ building


def _report(
    settings: DatasetSettings,
    results: list[EventWindows],
    counts: dict[str, int],
    not_placed: int,
) -> DatasetReport:
    rep = DatasetReport(
        name=settings.name,
        satellites=list(settings.window.satellites),
        splits=settings.split_names(),
        n_catalog_events=counts.get("n_catalog_events", 0),
        n_duplicate_ids=counts.get("n_duplicate_ids", 0),
        n_outside_splits=counts.get("n_outside_splits", 0),
        n_negatives_not_placed=not_placed,
    )
    rep.counts = {
        s: {c: {"events": 0, "events_with_samples": 0, "samples": 0} for c in CLASSES} for s in rep.splits
    }
    rep.reasons = {c: dict.fromkeys(REASONS, 0) for c in CLASSES}
    windows: dict[str, int] = {}
    for r in results:
        c = CLASSES[0] if r.target.label == 1 else CLASSES[1]
        slot = rep.counts.setdefault(
            r.target.split, {k: {"events": 0, "events_with_samples": 0, "samples": 0} for k in CLASSES}
        )
        slot[c]["events"] += 1
        if r.n:
            slot[c]["events_with_samples"] += 1
            slot[c]["samples"] += r.n
        else:
            rep.reasons[c][r.outcome] = rep.reasons[c].get(r.outcome, 0) + 1
        for k, v in r.counters.items():
            windows[k] = windows.get(k, 0) + int(v)
    # sequences (same half-orbit, same start) used by events of different splits
    where: dict[tuple[str, int, str, int], set[str]] = {}
    for r in results:
        for sat, orb, half, t0 in zip(r.satellite, r.orbit, r.half, r.t_start.tolist(), strict=True):
            where.setdefault((sat, orb, half, t0), set()).add(r.target.split)
    windows["shared_across_splits"] = sum(1 for s in where.values() if len(s) > 1)
    rep.windows = windows
    return rep


def build_dataset(
    config: DatasetSettings | str,
    archive: str | os.PathLike[str],
    *,
    catalog: pd.DataFrame | None = None,
    index: pd.DataFrame | None = None,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> tuple[xr.Dataset, DatasetReport]:
    """Build (or load from cache) the samples dataset of ``config`` over the pass archive ``archive``.

    - ``config``: :class:`DatasetSettings` or a configuration name (:func:`get_config`);
    - ``catalog``: events table (default the built-in ComCat catalog); it also supplies the exclusions;
    - ``index``: the archive's pass index (default: :func:`core.archive.scan_archive`, incremental);
    - ``out``: the NetCDF file (default ``Settings().work_dir/datasets/<name>-<cache key>.nc``); when it
      exists with the same cache key it is loaded, not rebuilt (``force=True`` rebuilds);
    - ``scheduler``: dask.distributed address; else ``workers`` local processes (default all cores).

    Returns ``(dataset, report)``; the report's ``cached`` says whether it was loaded.
    """
    t_begin = time.perf_counter()
    settings = get_config(config) if isinstance(config, str) else config
    root = Path(archive)
    if not root.is_dir():
        raise FileNotFoundError(f"archive folder {root} does not exist")
    workers = int(workers or os.cpu_count() or 1)
    if index is None:
        from core.archive import scan_archive

        index, _ = scan_archive(root, workers=workers, progress=progress)
    if catalog is None:
        from core.catalog import load_default_catalog

        catalog = load_default_catalog()
    from core.catalog import catalog_hash

    cat_fp = _catalog_fingerprint(catalog)
    arch_hash = index_hash(index, settings.window.satellites)
    key = cache_key(settings, cat_fp, arch_hash)
    path = Path(out) if out is not None else Settings().work_dir / "datasets" / f"{settings.name}-{key}.nc"
    if not force and path.exists() and _peek_key(path) == key:
        ds = load_samples(path)
        rep = dataset_report(ds)
        rep.cached, rep.path, rep.seconds = True, str(path), time.perf_counter() - t_begin
        return ds, rep

    events, counts = select_events(catalog, settings)
    positives = [Target.from_row(row, label=1, split=row["split"]) for _, row in events.iterrows()]
    w = settings.window
    sel_pos = select_passes(index, positives, w)
    sat_rows = index[index["error"].isna() & index["satellite"].isin(w.satellites)]
    if len(sat_rows):
        span = (
            int(pd.to_datetime(sat_rows["start"], utc=True).min().as_unit("ns").value),
            int(pd.to_datetime(sat_rows["end"], utc=True).max().as_unit("ns").value),
        )
    else:
        span = (0, 0)
    covered = [t for t, s in zip(positives, sel_pos, strict=True) if s.covered]
    negatives, not_placed = draw_negatives(covered, catalog, settings, span) if len(sat_rows) else ([], 0)
    sel_neg = select_passes(index, negatives, w)
    work = list(zip(positives, sel_pos, strict=True)) + list(zip(negatives, sel_neg, strict=True))
    work.sort(key=lambda ts: (ts[0].time_ns, ts[0].event_id))
    # targets without a quiet crossing pass need no file: their outcome is decided here, the rest is
    # windowed in parallel; results keep the order of ``work``
    results: list[EventWindows | None] = [None] * len(work)
    todo = [i for i, (_, sel) in enumerate(work) if sel.groups]
    for i, (t, sel) in enumerate(work):
        if not sel.groups:
            results[i] = window_event(t, sel, root, w)
    done = _run_all([work[i] for i in todo], root, w, scheduler=scheduler, workers=workers, progress=progress)
    for i, r in zip(todo, done, strict=True):
        results[i] = r
    final = [r for r in results if r is not None]
    rep = _report(settings, final, counts, not_placed)
    rep.cache_key, rep.path = key, str(path)
    rep.seconds = time.perf_counter() - t_begin
    attrs = {
        "title": f"SeqNetQuake samples: {settings.name}",
        "config_name": settings.name,
        "description": settings.description,
        "settings": json.dumps(settings.to_dict(), sort_keys=True),
        "catalog_hash": catalog_hash(catalog) if len(catalog) else "",
        "catalog_fingerprint": cat_fp,
        "archive_index_hash": arch_hash,
        "cache_key": key,
        "format_version": FORMAT_VERSION,
        "cadence_s": json.dumps({s: w.cadence_for(s) for s in w.satellites}),
        # run facts (path, time, cached) stay out of the file: equal inputs give equal files
        "report": json.dumps(
            {k: v for k, v in rep.to_dict().items() if k not in _RUN_FIELDS}, sort_keys=True
        ),
    }
    ds = _assemble(final, settings, attrs)
    write_samples(ds, path)
    return ds, rep


# ------------------------------------------------------------------------------------------ configs


def load_configs(path: str | os.PathLike[str] | None = None) -> dict[str, DatasetSettings]:
    """Named configurations from a TOML file (default :data:`CONFIG_PATH`).

    Layout: a ``[defaults]`` table, then one ``[config.<name>]`` table per configuration with the keys
    it changes (flat: dataset and window settings mixed) and optionally ``base = "<other name>"`` to start
    from another configuration. ``ValueError`` names the configuration with a bad key or base.
    """
    path = Path(path) if path is not None else CONFIG_PATH
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    defaults = dict(data.get("defaults", {}))
    raw = dict(data.get("config", {}))
    resolved: dict[str, dict[str, Any]] = {}

    def resolve(name: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
        if name in resolved:
            return resolved[name]
        if name in chain:
            raise ValueError(f"configuration {name!r}: circular base chain {' → '.join((*chain, name))}")
        if name not in raw:
            raise ValueError(f"configuration {chain[-1]!r}: unknown base {name!r}")
        entry = dict(raw[name])
        base = entry.pop("base", None)
        merged = dict(resolve(base, (*chain, name))) if base else dict(defaults)
        merged.update(entry)
        resolved[name] = merged
        return merged

    out: dict[str, DatasetSettings] = {}
    for name in raw:
        try:
            out[name] = DatasetSettings.from_dict({**resolve(name), "name": name})
        except (TypeError, ValueError) as exc:
            raise ValueError(f"configuration {name!r} in {path.name}: {exc}") from exc
    return out


class UnknownConfigError(ValueError):
    """A configuration name that the TOML file does not define (the message lists the known names)."""


def get_config(name: str, path: str | os.PathLike[str] | None = None) -> DatasetSettings:
    """One named configuration; :class:`UnknownConfigError` listing the known names when it does not exist."""
    configs = load_configs(path)
    if name not in configs:
        raise UnknownConfigError(
            f"unknown dataset configuration {name!r}; known: {', '.join(sorted(configs))}"
        )
    return configs[name]


def samples_from_windows(
    results: Sequence[EventWindows], settings: DatasetSettings, attrs: Mapping[str, Any] | None = None
) -> xr.Dataset:
    """Stack the windows of some targets into a Samples dataset (docs/data-contracts.md) — e.g. the
    sequences of one event for scoring; ``split`` is empty unless the targets carry one."""
    return _assemble(list(results), settings, dict(attrs or {"settings": json.dumps(settings.to_dict())}))
