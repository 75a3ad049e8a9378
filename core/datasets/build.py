"""Building a dataset: :func:`build_dataset` selects the events, draws the negatives, windows every target
(serially or through dask), assembles and writes the Samples file, and reloads it instead when its
cache key (:func:`cache_key`: settings, catalog fingerprint, pass-index hash, :data:`FORMAT_VERSION`)
is unchanged; :class:`DatasetReport` counts what the build did.

Parallelism and caching: ``docs/datasets.md``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from core.config import Settings
from core.datasets.events import draw_negatives, select_events
from core.datasets.samples import _assemble, _peek_key, load_samples, write_samples
from core.datasets.settings import DatasetSettings, get_config
from core.windows import REASONS, EventWindows, Selection, Target, WindowSettings, select_passes, window_event

__all__ = [
    "FORMAT_VERSION",
    "DatasetReport",
    "build_dataset",
    "cache_key",
    "dataset_report",
    "index_hash",
]


FORMAT_VERSION = 1
"""Bumped whenever the windowing or the file layout changes, so cached datasets are rebuilt."""


CLASSES: tuple[str, ...] = ("positive", "negative")


_RUN_FIELDS = ("path", "cached", "seconds")


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
    if scheduler is not None:
        from core.cluster import map_on_cluster

        # workers open the files by the client's absolute paths: every worker must see the archive and
        # the files the selections name (checked before submitting)
        absolute = root.resolve()
        files = sorted(
            {absolute / rel for _, sel in work for g in (*sel.groups, *sel.background) for _, rel in g.paths}
        )
        parts = map_on_cluster(
            scheduler,
            _run_batch,
            batches,
            (str(absolute), window),
            paths=[absolute, *files],
            desc="windowing",
            unit="batch",
            progress=progress,
        )
        return [r for part in parts for r in part]
    import dask
    from dask import delayed

    tasks = [delayed(_run_batch)(b, str(root), window) for b in batches]
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
    - ``scheduler``: dask.distributed address, whose workers must see the archive and its files at their
      absolute paths here (else :class:`core.cluster.SharedPathError`); else ``workers`` local processes
      (default all cores).

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
