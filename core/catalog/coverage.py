"""The built-in ComCat files: what each covers (:data:`COVERAGE`), the satellites' science periods
(:data:`SATELLITE_ERAS`) and the gaps no file covers inside them (:data:`CATALOG_GAPS`); the three files
merged and memoised (:func:`load_default_catalog`). Whole UTC days, inclusive.

Source: U.S. Geological Survey, ANSS Comprehensive Catalog (ComCat), U.S. public domain; ``data/catalogs/``
(``SOURCE.md`` there).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from core.catalog.readers import load_catalog
from core.catalog.schema import _UTC, CatalogError, _as_utc, _time_index
from core.config import Settings

__all__ = [
    "BUILTIN_CATALOG_FILES",
    "CATALOG_GAPS",
    "COVERAGE",
    "SATELLITE_ERAS",
    "CatalogCoverage",
    "CatalogGap",
    "SatelliteEra",
    "builtin_catalog_paths",
    "coverage_gaps",
    "era_counts",
    "load_default_catalog",
    "satellite_era",
]


BUILTIN_CATALOG_FILES: tuple[str, ...] = (
    "usgs_comcat_global_m4.8_depth-le40km_2004-07-01_2010-11-30.csv",
    "usgs_comcat_global_m5.0_2013-01-01_2023-11-04.csv",
    "usgs_comcat_global_m4.5_2025-01-01_2025-12-30.csv",
)


def _day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=_UTC)


@dataclass(frozen=True)
class CatalogCoverage:
    """What one built-in file covers: whole UTC days ``start``…``end`` (inclusive), M ≥ ``min_mag``,
    depth ≤ ``max_depth_km`` km (``None`` = all depths)."""

    name: str
    start: pd.Timestamp
    end: pd.Timestamp
    min_mag: float
    max_depth_km: float | None


COVERAGE: tuple[CatalogCoverage, ...] = (
    CatalogCoverage(BUILTIN_CATALOG_FILES[0], _day("2004-07-01"), _day("2010-11-30"), 4.8, 40.0),
    CatalogCoverage(BUILTIN_CATALOG_FILES[1], _day("2013-01-01"), _day("2023-11-04"), 5.0, None),
    CatalogCoverage(BUILTIN_CATALOG_FILES[2], _day("2025-01-01"), _day("2025-12-30"), 4.5, None),
)


@dataclass(frozen=True)
class SatelliteEra:
    """Science-data period of a satellite: whole UTC days ``start``…``end`` inclusive (``end=None``: open)."""

    name: str
    start: pd.Timestamp
    end: pd.Timestamp | None


SATELLITE_ERAS: tuple[SatelliteEra, ...] = (
    # DEMETER: launched 2004-06-29, science data from July 2004, mission ended 2010-12-09.
    SatelliteEra("DEMETER", _day("2004-07-01"), _day("2010-12-09")),
    # CSES-01 (Zhangheng-1): launched 2018-02-02, still flying.
    SatelliteEra("CSES-01", _day("2018-02-02"), None),
)


_ERA_NAMES = tuple(e.name for e in SATELLITE_ERAS)


@dataclass(frozen=True)
class CatalogGap:
    """Whole UTC days ``start``…``end`` (inclusive; ``end=None``: open) inside a satellite era that no
    built-in catalog file covers."""

    start: pd.Timestamp
    end: pd.Timestamp | None
    era: str
    note: str


CATALOG_GAPS: tuple[CatalogGap, ...] = (
    CatalogGap(
        _day("2010-12-01"), _day("2010-12-09"), "DEMETER", "last days of DEMETER after the 2004–2010 file"
    ),
    CatalogGap(_day("2023-11-05"), _day("2024-12-31"), "CSES-01", "no built-in catalog covers this period"),
    CatalogGap(_day("2025-12-31"), None, "CSES-01", "after the last built-in catalog (2025-12-30)"),
)


def builtin_catalog_paths(settings: Settings | None = None) -> list[Path]:
    """Paths of the three built-in ComCat CSV files in ``settings.catalog_dir``."""
    settings = settings or Settings()
    return [settings.catalog_dir / name for name in BUILTIN_CATALOG_FILES]


def coverage_gaps(start: Any, end: Any) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Parts of [start, end] not covered by any built-in catalog file.

    Works in whole UTC days: ``start`` and ``end`` are floored to their day and every gap is returned as
    ``(first uncovered day, last uncovered day)``, both inclusive, as UTC-midnight Timestamps.
    E.g. ``coverage_gaps("2023-01-01", "2025-06-01") == [(2023-11-05, 2024-12-31)]``.
    """
    lo, hi = _as_utc(start).floor("D"), _as_utc(end).floor("D")
    one = pd.Timedelta(days=1)
    gaps: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    cursor = lo
    for cov in sorted(COVERAGE, key=lambda c: c.start):
        if cursor > hi:
            break
        if cov.end < cursor:
            continue
        if cov.start > cursor:
            gaps.append((cursor, min(cov.start - one, hi)))
        cursor = max(cursor, cov.end + one)
    if cursor <= hi:
        gaps.append((cursor, hi))
    return gaps


def satellite_era(times: Any) -> np.ndarray:
    """Satellite era per time: ``"DEMETER"``, ``"CSES-01"`` or ``""`` (vectorised; naive times are UTC).

    Accepts a Series/Index/array/list of datetimes (or one time) and returns a unicode array of the same
    length. Era bounds are :data:`SATELLITE_ERAS` (whole days, inclusive).
    """
    idx = _time_index(times)
    out = np.full(len(idx), "", dtype="<U7")
    one = pd.Timedelta(days=1)
    for era in SATELLITE_ERAS:
        inside = np.asarray(idx >= era.start)
        if era.end is not None:
            inside &= np.asarray(idx < era.end + one)
        out[inside] = era.name
    return out


def _stamp(paths: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    out = []
    for p in paths:
        try:
            st = p.stat()
        except OSError as exc:
            raise CatalogError(f"built-in catalog file not found: {p}") from exc
        out.append((p.name, st.st_mtime_ns, st.st_size))
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _load_default_cached(directory: str, stamp: tuple[tuple[str, int, int], ...]) -> gpd.GeoDataFrame:
    return load_catalog([Path(directory) / name for name, _, _ in stamp])


def load_default_catalog(settings: Settings | None = None) -> gpd.GeoDataFrame:
    """The three built-in ComCat files merged and de-duplicated (≈ 42k events, 2004–2025), as a copy.

    Memoised per catalog directory and file modification times; ``attrs["load_report"]`` holds one
    :class:`LoadReport` per file. Thresholds differ per file (see :data:`COVERAGE`): use
    :func:`default_events` for a selection that is consistent across eras.
    """
    paths = builtin_catalog_paths(settings)
    cached = _load_default_cached(str(paths[0].parent), _stamp(paths))
    return cached.copy()


def era_counts(cat: pd.DataFrame) -> pd.DataFrame:
    """Events per satellite era: rows ``DEMETER``, ``CSES-01``, ``none``; columns ``n_events`` and the
    ``first``/``last`` event time (UTC, NaT when none)."""
    eras = satellite_era(cat["time"]) if len(cat) else np.zeros(0, dtype="<U7")
    rows = []
    for name in (*_ERA_NAMES, "none"):
        sel = cat["time"][eras == ("" if name == "none" else name)]
        rows.append({"era": name, "n_events": int(len(sel)), "first": sel.min(), "last": sel.max()})
    out = pd.DataFrame(rows).set_index("era")
    out["first"] = pd.to_datetime(out["first"], utc=True)
    out["last"] = pd.to_datetime(out["last"], utc=True)
    return out
