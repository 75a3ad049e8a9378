"""The normalised catalog table every reader returns: its columns, time dtype and credit, the error and
warning of catalog loading, and UTC time parsing (naive times are UTC).

Columns: :data:`CATALOG_COLUMNS` + ``geometry``; ``time`` UTC, ``lat``/``lon`` degrees (lon in
[-180, 180)), ``depth_km`` km, ``mag`` catalog magnitude (``docs/formats.md``, "Earthquake catalogs").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CATALOG_COLUMNS",
    "CREDIT",
    "TIME_DTYPE",
    "CatalogError",
    "CatalogWarning",
]


CREDIT = "U.S. Geological Survey, ANSS Comprehensive Catalog (ComCat)"


CATALOG_COLUMNS: tuple[str, ...] = (
    "event_id",
    "time",
    "lat",
    "lon",
    "depth_km",
    "mag",
    "mag_type",
    "place",
    "type",
)


TIME_DTYPE = "datetime64[ns, UTC]"


_UTC = "UTC"


class CatalogError(ValueError):
    """A catalog source cannot be read at all (missing, empty, unknown format, required columns absent)."""


class CatalogWarning(UserWarning):
    """Rows of a catalog were dropped while loading (bad time, non-numeric magnitude, …)."""


def _as_utc(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError(f"not a time: {value!r}")
    return ts.tz_localize(_UTC) if ts.tzinfo is None else ts.tz_convert(_UTC)


def _time_index(times: Any) -> pd.DatetimeIndex:
    if isinstance(times, (str, dt.date, pd.Timestamp, np.datetime64)):
        times = [times]
    return pd.DatetimeIndex(pd.to_datetime(times, utc=True, format="ISO8601"))
