"""Catalog filters: a filtered copy by type, magnitude, depth (km), time (UTC), box or region (degrees),
place and satellite era; the protocol's event selection (:func:`default_events`, ``docs/datasets.md``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.catalog.coverage import _ERA_NAMES, load_default_catalog, satellite_era
from core.catalog.decluster import mainshocks
from core.catalog.schema import _as_utc
from core.config import Settings

__all__ = [
    "default_events",
    "filter_catalog",
]


_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


def _is_date_only(value: Any) -> bool:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return True
    return isinstance(value, str) and bool(_DATE_ONLY.match(value))


def filter_catalog(
    cat: gpd.GeoDataFrame,
    *,
    types: Sequence[str] | None = ("earthquake",),
    min_mag: float | None = None,
    max_mag: float | None = None,
    min_depth_km: float | None = None,
    max_depth_km: float | None = None,
    start: Any = None,
    end: Any = None,
    bbox: tuple[float, float, float, float] | None = None,
    region: shapely.Geometry | None = None,
    place: str | None = None,
    era: str | None = None,
) -> gpd.GeoDataFrame:
    """A filtered copy of a catalog (attrs kept, RangeIndex); every bound is inclusive.

    - ``types``: event types to keep (``None``: all);
    - ``min_mag``/``max_mag`` magnitude; ``min_depth_km``/``max_depth_km`` km (an unknown depth fails a
      depth bound);
    - ``start``/``end``: times (naive = UTC); an ``end`` given as a date (``"2010-11-30"`` or a
      ``datetime.date``) includes that whole day;
    - ``bbox``: ``(lon_min, lat_min, lon_max, lat_max)`` degrees; ``lon_min > lon_max`` crosses the
      antimeridian (e.g. ``(170, -50, -170, -10)``);
    - ``region``: shapely geometry in lon/lat degrees (boundary included);
    - ``place``: case-insensitive substring of ``place``;
    - ``era``: ``"DEMETER"``, ``"CSES-01"`` or ``"none"`` (outside both).
    """
    keep = np.ones(len(cat), dtype=bool)
    applied: list[str] = []
    if types is not None:
        types = (types,) if isinstance(types, str) else tuple(types)
        keep &= cat["type"].isin(types).to_numpy()
        applied.append(f"types={list(types)}")
    mag, depth = cat["mag"].to_numpy(float), cat["depth_km"].to_numpy(float)
    for name, value, arr, op in (
        ("min_mag", min_mag, mag, np.greater_equal),
        ("max_mag", max_mag, mag, np.less_equal),
        ("min_depth_km", min_depth_km, depth, np.greater_equal),
        ("max_depth_km", max_depth_km, depth, np.less_equal),
    ):
        if value is not None:
            with np.errstate(invalid="ignore"):
                keep &= op(arr, float(value))
            applied.append(f"{name}={value}")
    if start is not None:
        keep &= (cat["time"] >= _as_utc(start)).to_numpy()
        applied.append(f"start={start}")
    if end is not None:
        bound = _as_utc(end)
        if _is_date_only(end):
            keep &= (cat["time"] < bound + pd.Timedelta(days=1)).to_numpy()
        else:
            keep &= (cat["time"] <= bound).to_numpy()
        applied.append(f"end={end}")
    lon, lat = cat["lon"].to_numpy(float), cat["lat"].to_numpy(float)
    if bbox is not None:
        lon_min, lat_min, lon_max, lat_max = (float(v) for v in bbox)
        if lat_min > lat_max:
            raise ValueError(f"bbox lat_min {lat_min} > lat_max {lat_max}")
        in_lon = (
            (lon >= lon_min) & (lon <= lon_max) if lon_min <= lon_max else (lon >= lon_min) | (lon <= lon_max)
        )
        keep &= in_lon & (lat >= lat_min) & (lat <= lat_max)
        applied.append(f"bbox={tuple(bbox)}")
    if region is not None:
        keep &= shapely.intersects_xy(region, lon, lat)
        applied.append(f"region={region.geom_type}")
    if place:
        keep &= cat["place"].str.contains(place, case=False, regex=False, na=False).to_numpy()
        applied.append(f"place={place!r}")
    if era is not None:
        wanted = "" if era.lower() in ("none", "") else era
        if wanted and wanted not in _ERA_NAMES:
            raise ValueError(f"unknown era {era!r}: expected one of {_ERA_NAMES} or 'none'")
        keep &= satellite_era(cat["time"]) == wanted
        applied.append(f"era={era}")
    out = cat.loc[keep].reset_index(drop=True)
    out.attrs = dict(cat.attrs)
    out.attrs["filters"] = [*cat.attrs.get("filters", []), *applied]
    return out


def default_events(cat: gpd.GeoDataFrame | None = None, settings: Settings | None = None) -> gpd.GeoDataFrame:
    """The protocol's event selection (docs/datasets.md) from ``cat`` (default: the built-in catalog).

    ``type`` in ``settings.event_types``, depth ≤ ``settings.max_depth_km`` km, M ≥ ``settings.min_mag``;
    with ``settings.mainshocks_only`` only Gardner–Knopoff mainshocks. Declustering runs after the type and
    depth filters but before the magnitude cut, so every kept event is judged against all larger shallow
    events (smaller ones never claim a larger one, so the cut does not change the result).
    """
    settings = settings or Settings()
    if cat is None:
        cat = load_default_catalog(settings)
    out = filter_catalog(cat, types=settings.event_types, max_depth_km=settings.max_depth_km)
    if settings.mainshocks_only:
        out = mainshocks(out)
    return filter_catalog(out, types=None, min_mag=settings.min_mag)
