"""Archive of half-orbit pass files: scan a folder tree into a pass index, query it, load passes.

The **pass index** (docs/data-contracts.md) is a GeoDataFrame stored as GeoParquet, one row per file: ``path``
(relative to the archive root), ``satellite``, ``instrument``, ``product``, ``orbit``, ``half``, ``start``
and ``end`` (UTC), ``n_samples``, ``size`` (bytes), ``mtime_ns``, ``error`` (None when the file was read)
and ``geometry``: the ground track in lon/lat degrees (EPSG:4326) as a LineString, or a MultiLineString
split at the antimeridian, simplified to within 0.02° of the samples. A file that cannot be read keeps
its row with its error and no geometry, so the scan never stops and the report lists it.

:func:`passes_crossing` answers "which passes cross this circle between t0 and t1" with the index's
R-tree, without opening any file. Scans are incremental: a file whose size and modification time are
unchanged is not read again. The unit of parallel work is one file, run through dask — a local process
pool by default, a ``dask.distributed`` cluster when a scheduler address is given (whose workers must see
the archive at the same absolute path: :mod:`core.cluster` checks it first).
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xarray as xr

from core.atomic import atomic_path
from core.geo import dobrovolsky_radius_km, geodesic_circle, split_antimeridian
from core.io import read_pass

__all__ = [
    "INDEX_COLUMNS",
    "INDEX_NAME",
    "PASS_FILE_PATTERNS",
    "ScanReport",
    "events_with_passes",
    "find_pass_files",
    "index_pass_file",
    "load_index",
    "load_passes",
    "passes_crossing",
    "passes_near_event",
    "scan_archive",
]

INDEX_NAME = "pass_index.parquet"
PASS_FILE_PATTERNS: tuple[str, ...] = ("CSES_01_*.h5", "DMT_N1_*.DAT")
INDEX_COLUMNS: tuple[str, ...] = (
    "path",
    "satellite",
    "instrument",
    "product",
    "orbit",
    "half",
    "start",
    "end",
    "n_samples",
    "size",
    "mtime_ns",
    "error",
)
TRACK_TOLERANCE_DEG = 0.02


@dataclass
class ScanReport:
    """What one scan did: files seen, read anew, reused unchanged, removed, and unreadable (path → error)."""

    root: str
    n_files: int = 0
    n_indexed: int = 0
    n_reused: int = 0
    n_removed: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for a terminal or a log."""
        return (
            f"{self.n_files} pass files: {self.n_indexed} indexed, {self.n_reused} unchanged, "
            f"{self.n_removed} gone, {len(self.errors)} unreadable ({self.seconds:.1f} s)"
        )


def find_pass_files(root: str | os.PathLike[str]) -> list[Path]:
    """Every CSES-01 / DEMETER pass file under ``root``, sorted by path."""
    root = Path(root)
    return sorted({p for pattern in PASS_FILE_PATTERNS for p in root.rglob(pattern) if p.is_file()})


def _track(ds: xr.Dataset) -> shapely.Geometry | None:
    lon, lat = ds["lon"].to_numpy(), ds["lat"].to_numpy()
    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.sum() < 2:
        return None
    track = split_antimeridian(lon[ok], lat[ok])
    return shapely.simplify(track, TRACK_TOLERANCE_DEG)


def index_pass_file(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> dict[str, Any]:
    """One index row for ``path``: metadata and ground track, or the error that kept it from being read."""
    path, root = Path(path), Path(root)
    stat = path.stat()
    row: dict[str, Any] = {
        "path": path.relative_to(root).as_posix(),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "error": None,
        "geometry": None,
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cleaned-pass warnings: the reader recovered, the row is kept
            ds = read_pass(path)
        time = ds["time"].to_numpy()
        row.update(
            satellite=ds.attrs["satellite"],
            instrument=ds.attrs.get("instrument", ""),
            product=str(ds.attrs.get("product", "")),
            orbit=int(ds.attrs["orbit"]),
            half=ds.attrs["half"],
            start=pd.Timestamp(time[0], tz="UTC") if len(time) else pd.NaT,
            end=pd.Timestamp(time[-1], tz="UTC") if len(time) else pd.NaT,
            n_samples=int(ds.sizes["time"]),
            geometry=_track(ds),
        )
    except Exception as exc:  # any unreadable file becomes a report row, never a crash
        row["error"] = f"{type(exc).__name__}: {exc}"
    return row


def _empty_index() -> gpd.GeoDataFrame:
    return _as_index([])


def _as_index(rows: Sequence[dict[str, Any]]) -> gpd.GeoDataFrame:
    """The index of ``rows``, typed alike whether it holds passes or none (times UTC, integers Int64)."""
    frame = pd.DataFrame(list(rows), columns=None if rows else [*INDEX_COLUMNS, "geometry"])
    for column in INDEX_COLUMNS:
        if column not in frame:
            frame[column] = None
    frame["start"] = pd.to_datetime(frame["start"], utc=True)
    frame["end"] = pd.to_datetime(frame["end"], utc=True)
    for column in ("orbit", "n_samples", "size", "mtime_ns"):
        frame[column] = frame[column].astype("Int64")
    gdf = gpd.GeoDataFrame(frame[list(INDEX_COLUMNS)], geometry=list(frame["geometry"]), crs="EPSG:4326")
    return gdf.sort_values("path", ignore_index=True)


def load_index(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """Read a pass index (GeoParquet) written by :func:`scan_archive`."""
    path = Path(path)
    if path.is_dir():
        path = path / INDEX_NAME
    try:
        return gpd.read_parquet(path)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no pass index at {path}: run `python -m core index <archive>` first"
        ) from None
    except Exception as exc:  # a damaged index is reported, and a re-scan rebuilds it
        raise ValueError(f"pass index {path.name} cannot be read ({exc}); delete it and re-scan") from exc


def _map(
    func: Callable[..., dict],
    items: list[Path],
    root: Path,
    scheduler: str | None,
    workers: int,
    progress: bool,
) -> list[dict[str, Any]]:
    """Run ``func(item, root)`` over items: serially for few files, else through dask."""
    if not items:
        return []
    if scheduler is None and (workers <= 1 or len(items) < 16):
        from tqdm import tqdm

        return [func(p, root) for p in tqdm(items, desc="indexing", unit="file", disable=not progress)]
    if scheduler is not None:
        from core.cluster import map_on_cluster

        # every worker must see the archive at the client's absolute path: checked before submitting
        return map_on_cluster(
            scheduler,
            func,
            items,
            (root,),
            paths=[root],
            tasks_per_thread=4,
            desc="indexing",
            unit="file",
            progress=progress,
        )
    import dask.bag as db

    bag = db.from_sequence(items, npartitions=min(len(items), max(workers, 1) * 4)).map(func, root)
    from dask.diagnostics import ProgressBar

    with ProgressBar(minimum=2.0) if progress else contextlib.nullcontext():
        return list(bag.compute(scheduler="processes", num_workers=workers))


def scan_archive(
    root: str | os.PathLike[str],
    *,
    index_path: str | os.PathLike[str] | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> tuple[gpd.GeoDataFrame, ScanReport]:
    """Index every pass file under ``root`` into ``index_path`` (default ``root/pass_index.parquet``).

    Files whose size and mtime match the previous index are reused without being opened; rows of files
    that disappeared are dropped. Unreadable files keep a row with their ``error``. The index is written
    atomically. ``scheduler`` is a dask.distributed address (every worker must see ``root`` at its absolute
    path here, else :class:`core.cluster.SharedPathError`); otherwise ``workers`` local processes
    (default: all cores).
    """
    t0 = time.perf_counter()
    root = Path(root).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"archive folder {root} does not exist")
    index_path = Path(index_path) if index_path else root / INDEX_NAME
    previous = _empty_index()
    if index_path.exists():
        try:
            previous = load_index(index_path)
        except ValueError as exc:
            warnings.warn(f"{exc}; rebuilding it", stacklevel=2)
    files = find_pass_files(root)
    report = ScanReport(root=root.name, n_files=len(files))
    known = {r.path: (r.size, r.mtime_ns) for r in previous[["path", "size", "mtime_ns"]].itertuples()}
    todo, keep = [], set()
    for f in files:
        rel, stat = f.relative_to(root).as_posix(), f.stat()
        if known.get(rel) == (stat.st_size, stat.st_mtime_ns):
            keep.add(rel)
        else:
            todo.append(f)
    rows = _map(index_pass_file, todo, root, scheduler, workers or os.cpu_count() or 1, progress)
    reused = previous[previous["path"].isin(keep)]
    report.n_reused, report.n_indexed = len(reused), len(rows)
    report.n_removed = len(set(known) - {f.relative_to(root).as_posix() for f in files})
    fresh = _as_index(rows)
    index = (
        _as_index([])
        if not len(reused) and not len(fresh)
        else (pd.concat([reused, fresh], ignore_index=True).sort_values("path", ignore_index=True))
    )
    index = gpd.GeoDataFrame(index, geometry="geometry", crs="EPSG:4326")
    report.errors = {r.path: r.error for r in index.itertuples() if isinstance(r.error, str)}
    with atomic_path(index_path) as tmp:
        index.to_parquet(tmp, index=False)
    report.seconds = time.perf_counter() - t0
    return index, report


def passes_crossing(
    index: gpd.GeoDataFrame,
    region: shapely.Geometry,
    t0: Any,
    t1: Any,
    *,
    satellite: str | Iterable[str] | None = None,
    half: str | None = None,
    product: str | Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Passes whose ground track intersects ``region`` (lon/lat degrees) and that start in [t0, t1) UTC.

    Uses the index's spatial R-tree (bounding boxes), the attribute filters, then the exact intersection
    on the few remaining tracks — never the files. ``half`` is ``"day"``/``"night"`` (None = both);
    ``satellite`` and ``product`` take one name or several. Rows come sorted by start time.
    """
    t0, t1 = pd.Timestamp(t0), pd.Timestamp(t1)
    t0 = t0.tz_localize("UTC") if t0.tzinfo is None else t0.tz_convert("UTC")
    t1 = t1.tz_localize("UTC") if t1.tzinfo is None else t1.tz_convert("UTC")
    keep = index["error"].isna().to_numpy().copy()
    starts = pd.to_datetime(index["start"], utc=True).dt.tz_convert(None).to_numpy()
    keep &= (starts >= t0.tz_convert(None).to_datetime64()) & (starts < t1.tz_convert(None).to_datetime64())
    if satellite is not None:
        keep &= (
            index["satellite"].isin([satellite] if isinstance(satellite, str) else list(satellite)).to_numpy()
        )
    if product is not None:
        keep &= index["product"].isin([product] if isinstance(product, str) else list(product)).to_numpy()
    if half is not None:
        keep &= (index["half"] == half).to_numpy()
    candidates = index.sindex.query(region)  # R-tree: bounding boxes that meet the region's
    candidates = candidates[keep[candidates]]
    exact = shapely.intersects(index.geometry.to_numpy()[candidates], region)
    return index.iloc[np.sort(candidates[exact])].sort_values("start")


def passes_near_event(
    index: gpd.GeoDataFrame,
    event: Any,
    *,
    days_before: float = 5.0,
    radius_km: float | None = None,
    **filters: Any,
) -> gpd.GeoDataFrame:
    """Passes that start within ``days_before`` days before ``event``'s origin time (never at or after
    it) and cross its circle (default the Dobrovolsky radius 10^(0.43·M) km). ``event`` is a catalog row
    with ``time``, ``lat``, ``lon``, ``mag``; ``filters`` go to :func:`passes_crossing`."""
    radius = float(dobrovolsky_radius_km(event["mag"])) if radius_km is None else float(radius_km)
    circle = geodesic_circle(float(event["lat"]), float(event["lon"]), radius)
    origin = pd.Timestamp(event["time"])
    return passes_crossing(index, circle, origin - pd.Timedelta(days=days_before), origin, **filters)


def events_with_passes(
    index: gpd.GeoDataFrame,
    events: pd.DataFrame,
    *,
    days_before: float = 5.0,
    radius_km: float | None = None,
    satellite: str | None = None,
    half: str | None = None,
) -> np.ndarray:
    """Per event (rows with ``time``, ``lat``, ``lon``, ``mag``): whether :func:`passes_near_event` would
    find at least one readable pass — a pass starting within ``days_before`` days before the origin time
    that crosses the event's circle (Dobrovolsky 10^(0.43·M) km unless ``radius_km``).

    One bulk R-tree query for all events at once, the time filter, then the exact ``intersects`` on the
    remaining pairs; only events with a pass starting in their window build a circle. Returns a boolean
    array aligned with ``events``.
    """
    out = np.zeros(len(events), dtype=bool)
    keep = index["error"].isna().to_numpy().copy()
    if satellite is not None:
        keep &= (index["satellite"] == satellite).to_numpy()
    if half is not None:
        keep &= (index["half"] == half).to_numpy()
    if not keep.any() or not len(events):
        return out
    starts = pd.to_datetime(index["start"], utc=True).dt.tz_convert(None).to_numpy()
    origins = pd.to_datetime(events["time"], utc=True).dt.tz_convert(None).to_numpy()
    window = np.timedelta64(int(days_before * 86400e9), "ns")
    # only events with a kept pass starting in [origin - window, origin) can have one crossing: a sorted
    # search per event (an archive of disjoint spans, e.g. DEMETER 2008 + CSES-01 2022, leaves the years
    # between out instead of building a circle for each of their events)
    span = np.sort(starts[keep])
    in_window = np.searchsorted(span, origins, side="left") - np.searchsorted(
        span, origins - window, side="left"
    )
    candidates = np.flatnonzero(in_window > 0)
    if not len(candidates):
        return out
    rows = events.iloc[candidates]
    mags = rows["mag"].to_numpy(float)
    radii = np.asarray(
        dobrovolsky_radius_km(mags) if radius_km is None else np.full(len(rows), float(radius_km))
    )
    circles = np.asarray(
        [
            geodesic_circle(float(lat), float(lon), float(r))
            for lat, lon, r in zip(rows["lat"], rows["lon"], radii, strict=True)
        ],
        dtype=object,
    )
    which, passes = index.sindex.query(circles)  # bounding boxes first, then time, then exact shapes
    origin = origins[candidates][which]
    timely = keep[passes] & (starts[passes] >= origin - window) & (starts[passes] < origin)
    which, passes = which[timely], passes[timely]
    shapely.prepare(circles)
    hit = shapely.intersects(circles[which], index.geometry.to_numpy()[passes])
    out[candidates[np.unique(which[hit])]] = True
    return out


def load_passes(rows: pd.DataFrame, root: str | os.PathLike[str]) -> list[xr.Dataset]:
    """Read the pass files of index ``rows`` (paths relative to the archive ``root``)."""
    return [read_pass(Path(root) / p) for p in rows["path"]]
