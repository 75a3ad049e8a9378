"""Earthquake catalogs: read ComCat CSV / GeoJSON / QuakeML into one normalised table; filter; decluster.

Source of the built-in data: **U.S. Geological Survey, ANSS Comprehensive Catalog (ComCat)** — U.S. public
domain (https://earthquake.usgs.gov/data/comcat/); three CSV exports in ``data/catalogs/`` (``SOURCE.md``
there), merged by :func:`load_default_catalog`. The normalised table: :data:`CATALOG_COLUMNS` +
``geometry``; ``time`` UTC, ``lat``/``lon`` degrees (lon in [-180, 180)), ``depth_km`` km, ``mag`` catalog
magnitude. Formats, dropped rows, text encodings and the declustering's distances: ``docs/formats.md``
(section "Earthquake catalogs").
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import hashlib
import io
import json
import os
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.atomic import atomic_path
from core.config import Settings
from core.geo import haversine_km

__all__ = [
    "BUILTIN_CATALOG_FILES",
    "CATALOG_COLUMNS",
    "CATALOG_GAPS",
    "COVERAGE",
    "CREDIT",
    "SATELLITE_ERAS",
    "CatalogCoverage",
    "CatalogError",
    "CatalogGap",
    "CatalogWarning",
    "LoadReport",
    "SatelliteEra",
    "builtin_catalog_paths",
    "catalog_hash",
    "coverage_gaps",
    "decluster_gardner_knopoff",
    "default_events",
    "era_counts",
    "filter_catalog",
    "gardner_knopoff_windows",
    "load_catalog",
    "load_default_catalog",
    "mainshocks",
    "satellite_era",
    "to_csv",
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
_MAX_EXAMPLES = 8


# --------------------------------------------------------------------------------------------------------
# Errors, warnings, report
# --------------------------------------------------------------------------------------------------------


class CatalogError(ValueError):
    """A catalog source cannot be read at all (missing, empty, unknown format, required columns absent)."""


class CatalogWarning(UserWarning):
    """Rows of a catalog were dropped while loading (bad time, non-numeric magnitude, …)."""


@dataclass
class LoadReport:
    """What :func:`load_catalog` did with one source.

    ``dropped`` maps a reason (``"bad time"``, ``"non-numeric mag"``, ``"bad lat/lon"``, ``"duplicate id"``,
    …) to a row count; ``examples`` holds a few lines such as ``"row 17: field 'time' = 'foo' is not a
    time"`` (rows numbered from 1, header excluded); ``notes`` records non-fatal remarks (replaced bytes,
    defaulted columns). Always ``n_read == n_kept + n_dropped``.
    """

    source: str
    fmt: str
    n_read: int
    n_kept: int
    dropped: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def n_dropped(self) -> int:
        """Number of rows dropped, all reasons together."""
        return int(sum(self.dropped.values()))

    def summary(self) -> str:
        """One line of counts, then the examples and notes indented (for logs and the CLI)."""
        name = Path(self.source).name or self.source
        line = f"{name} ({self.fmt}): read {self.n_read}, kept {self.n_kept}, dropped {self.n_dropped}"
        if self.dropped:
            line += " (" + ", ".join(f"{k} {v}" for k, v in self.dropped.items()) + ")"
        lines = [line] + [f"  e.g. {e}" for e in self.examples] + [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _drop(self, reason: str, count: int) -> None:
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(count)
            self.n_kept -= int(count)


# --------------------------------------------------------------------------------------------------------
# Built-in files, coverage, eras
# --------------------------------------------------------------------------------------------------------

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


def _as_utc(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError(f"not a time: {value!r}")
    return ts.tz_localize(_UTC) if ts.tzinfo is None else ts.tz_convert(_UTC)


_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


def _is_date_only(value: Any) -> bool:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return True
    return isinstance(value, str) and bool(_DATE_ONLY.match(value))


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


def _time_index(times: Any) -> pd.DatetimeIndex:
    if isinstance(times, (str, dt.date, pd.Timestamp, np.datetime64)):
        times = [times]
    return pd.DatetimeIndex(pd.to_datetime(times, utc=True, format="ISO8601"))


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


# --------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------

_CSV_ALIASES = {  # normalised name (as written by to_csv) -> ComCat name
    "event_id": "id",
    "lat": "latitude",
    "lon": "longitude",
    "depth_km": "depth",
    "mag_type": "magType",
}
_CSV_REQUIRED = ("time", "latitude", "longitude", "depth", "mag", "id")
_CSV_OPTIONAL = ("magType", "place", "type", "updated")


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise CatalogError(f"catalog file not found: {path}")
    if not path.is_file():
        raise CatalogError(f"catalog source is not a file: {path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"cannot read catalog file {path}: {exc}") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise CatalogError(f"{path}: corrupt gzip file: {exc}") from exc
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    if not data.strip():
        raise CatalogError(f"{path}: catalog file is empty")
    return data


def _decode(data: bytes, notes: list[str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", errors="replace")
        n = text.count("\ufffd")
        notes.append(f"{n} character(s) not valid UTF-8 replaced by U+FFFD (no rows lost)")
        return text


def _sniff(data: bytes, path: Path) -> str:
    head = data[:4096]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    head = head.lstrip()
    suffix = Path(path.name.lower().removesuffix(".gz")).suffix
    if head[:1] in (b"{", b"["):
        return "geojson"
    if head[:1] == b"<":
        return "quakeml"
    first = head.split(b"\n", 1)[0]
    # Binary (an image, UTF-16 without a BOM): NUL or control bytes in the first line. A stray NUL in a row
    # further down is a problem of that row only, not a reason to refuse the whole file.
    printable = all(b >= 9 for b in first)
    if printable and (b"," in first or suffix.endswith(".csv")):
        return "csv"
    hint = f" (extension {suffix!r})" if suffix else ""
    raise CatalogError(
        f"{path}: unknown catalog format{hint} — expected ComCat CSV, GeoJSON or QuakeML 1.2; "
        f"file starts with {head[:16]!r}"
    )


def _normalise(
    raw: pd.DataFrame,
    report: LoadReport,
    *,
    time_kind: str,
    fields: dict[str, str],
    depth_scale: float = 1.0,
) -> pd.DataFrame:
    """Validate and convert raw per-row values; drop bad rows into the report.

    ``raw`` columns: event_id, time, lat, lon, depth, mag, mag_type, place, type, updated (raw values).
    """
    n = len(raw)
    rows = np.arange(1, n + 1)

    def num(col: str) -> pd.Series:
        return pd.to_numeric(raw[col], errors="coerce").astype("float64")

    def blank(col: str) -> np.ndarray:
        s = raw[col]
        return np.asarray(s.isna() | (s.astype(str).str.strip() == ""))

    if time_kind == "ms":
        time = pd.to_datetime(num("time"), unit="ms", utc=True, errors="coerce")
        updated = pd.to_datetime(num("updated"), unit="ms", utc=True, errors="coerce")
    else:
        text = raw["time"].astype(str)
        time = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        # pandas reads the words "now" and "today" as the current time: not an origin time
        time = time.mask(text.str.strip().str.lower().isin(["now", "today"]))
        updated = pd.to_datetime(raw["updated"].astype(str), format="ISO8601", utc=True, errors="coerce")
    # times the nanosecond time base cannot hold (before 1678 or after 2261) are not origin times
    lo, hi = pd.Timestamp("1678-01-01", tz="UTC"), pd.Timestamp("2262-01-01", tz="UTC")
    time = time.where((time > lo) & (time < hi))
    updated = updated.where((updated > lo) & (updated < hi))
    lat, lon, depth, mag = num("lat"), num("lon"), num("depth") * depth_scale, num("mag")
    # "inf", "Infinity", "1e400" parse as ±inf: not a magnitude or a depth (counted as non-numeric below)
    mag = mag.where(np.isfinite(mag))
    depth = depth.where(np.isfinite(depth))
    event_id = raw["event_id"].fillna("").astype(str).str.strip()

    lat_bad = np.asarray(~lat.between(-90.0, 90.0))
    lon_bad = np.asarray(~lon.between(-360.0, 360.0))
    mag_blank = blank("mag")
    checks: list[tuple[str, np.ndarray, str, str]] = [
        ("bad time", np.asarray(time.isna()), "time", "is not a time"),
        ("bad lat/lon", lat_bad, "lat", "is not a latitude in [-90, 90]"),
        ("bad lat/lon", lon_bad & ~lat_bad, "lon", "is not a longitude in [-360, 360]"),
        ("missing mag", np.asarray(mag.isna()) & mag_blank, "mag", "is missing"),
        ("non-numeric mag", np.asarray(mag.isna()) & ~mag_blank, "mag", "is not a finite number"),
        ("non-numeric depth", np.asarray(depth.isna()) & ~blank("depth"), "depth", "is not a finite number"),
        ("missing id", np.asarray(event_id == ""), "event_id", "is missing"),
    ]
    keep = np.ones(n, dtype=bool)
    for reason, bad, col, msg in checks:
        new = bad & keep
        count = int(new.sum())
        if count:
            report._drop(reason, count)
            i = int(np.flatnonzero(new)[0])
            if len(report.examples) < _MAX_EXAMPLES:
                report.examples.append(f"row {rows[i]}: field '{fields[col]}' = {raw[col].iloc[i]!r} {msg}")
            keep &= ~new

    out = pd.DataFrame(
        {
            "event_id": event_id,
            "time": time.astype(TIME_DTYPE),
            "lat": lat,
            "lon": (lon + 180.0) % 360.0 - 180.0,
            "depth_km": depth,
            "mag": mag,
            "mag_type": raw["mag_type"].fillna("").astype(str).str.strip(),
            "place": raw["place"].fillna("").astype(str).str.strip(),
            "type": raw["type"].fillna("").astype(str).str.strip(),
            "_updated": updated.astype(TIME_DTYPE),
            "_row": rows,
        }
    ).loc[keep]

    # Duplicate ids inside one source: keep the most recently updated, the first row on ties.
    order = out.sort_values(["_updated", "_row"], ascending=[False, True], na_position="last", kind="stable")
    dup = order["event_id"].duplicated(keep="first")
    if dup.any():
        first_dup = order.loc[dup].sort_values("_row").iloc[0]
        report._drop("duplicate id", int(dup.sum()))
        if len(report.examples) < _MAX_EXAMPLES:
            report.examples.append(
                f"row {first_dup['_row']}: field '{fields['event_id']}' = {first_dup['event_id']!r} "
                "is a duplicate id (kept the most recently updated row)"
            )
        out = out.drop(index=order.index[dup.to_numpy()])
    return out.drop(columns="_row")


def _csv_by_lines(text: str, header: list[str]) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Fallback CSV reader: one record per physical line (numbered from 1, the header being line 1).
    Returns the records of the header's width as strings, and (line number, why) of the others."""
    rows: list[list[str]] = []
    bad: list[tuple[int, str]] = []
    for k, line in enumerate(text.split("\n")[1:], start=2):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            fields = next(csv.reader([line], strict=True))
        except csv.Error as exc:
            bad.append((k, f"not one CSV record ({exc})"))
            continue
        if len(fields) != len(header):
            bad.append((k, f"{len(fields)} fields instead of {len(header)}"))
            continue
        rows.append([f.lstrip() for f in fields])
    frame = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    return frame, bad


def _read_csv(text: str, path: Path, report: LoadReport) -> pd.DataFrame:
    first_line = text.split("\n", 1)[0]
    try:
        header = next(csv.reader([first_line]))
    except (csv.Error, StopIteration) as exc:
        raise CatalogError(f"{path}: cannot read the CSV header: {exc}") from exc
    header = [h.strip() for h in header]
    present = {_CSV_ALIASES.get(h, h): h for h in header}
    missing = [c for c in _CSV_REQUIRED if c not in present]
    if missing:
        raise CatalogError(
            f"{path}: not a ComCat CSV — missing required column(s): {', '.join(missing)} "
            f"(header has: {', '.join(header[:12])}{', …' if len(header) > 12 else ''})"
        )
    wanted = [present[c] for c in (*_CSV_REQUIRED, *_CSV_OPTIONAL) if c in present]
    kwargs: dict[str, Any] = dict(dtype=str, keep_default_na=False, na_filter=False, skipinitialspace=True)
    try:
        df = pd.read_csv(io.StringIO(text), usecols=wanted, **kwargs)
        if len(df) < sum(1 for line in text.split("\n")[1:] if line.strip()):
            # Fewer records than lines: a quoted field ran over line ends and took the lines between
            # with it (a stray quote). ComCat fields never hold a line break: read line by line instead.
            raise pd.errors.ParserError("a quoted field spans several lines")
    except pd.errors.ParserError:
        # The tokenizer gave up (e.g. a quote opened and never closed, which would swallow every later
        # line into one field): read one record per physical line, skip and count the lines that are not
        # one record of the header's width on their own.
        df, bad_lines = _csv_by_lines(text, header)
        df = df[wanted]
        if bad_lines:
            report.n_read += len(bad_lines)
            report.dropped["malformed line"] = len(bad_lines)
            line_no, why = bad_lines[0]
            report.examples.append(f"line {line_no}: {why}")
    except (ValueError, UnicodeError) as exc:
        raise CatalogError(f"{path}: CSV cannot be parsed: {exc}") from exc

    n = len(df)
    empty = pd.Series([""] * n, index=df.index, dtype=object)
    if "type" not in present:
        report.notes.append("no 'type' column: every row taken as 'earthquake'")
    raw = pd.DataFrame(
        {
            "event_id": df[present["id"]],
            "time": df[present["time"]],
            "lat": df[present["latitude"]],
            "lon": df[present["longitude"]],
            "depth": df[present["depth"]],
            "mag": df[present["mag"]],
            "mag_type": df[present["magType"]] if "magType" in present else empty,
            "place": df[present["place"]] if "place" in present else empty,
            "type": df[present["type"]] if "type" in present else empty.replace("", "earthquake"),
            "updated": df[present["updated"]] if "updated" in present else empty,
        }
    )
    report.n_read += n
    report.n_kept = n
    fields = {
        "event_id": present["id"],
        "time": present["time"],
        "lat": present["latitude"],
        "lon": present["longitude"],
        "depth": present["depth"],
        "mag": present["mag"],
    }
    return _normalise(raw, report, time_kind="iso", fields=fields)


def _json_number(value: Any) -> Any:
    """A JSON value meant as a number: booleans, objects and arrays become their text, which then fails
    the numeric conversion (and is counted) instead of passing as 1.0 / 0.0 or raising."""
    return json.dumps(value) if isinstance(value, bool | dict | list) else value


def _read_geojson(text: str, path: Path, report: LoadReport) -> pd.DataFrame:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{path}: not valid JSON: {exc}") from exc
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        features = [doc]
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        features = doc.get("features") or []
    else:
        raise CatalogError(f"{path}: JSON but not a GeoJSON FeatureCollection of earthquake events")
    if not isinstance(features, list):
        raise CatalogError(f"{path}: GeoJSON 'features' is not a list")

    cols: dict[str, list[Any]] = {
        k: []
        for k in ("event_id", "time", "lat", "lon", "depth", "mag", "mag_type", "place", "type", "updated")
    }
    for feat in features:
        # Any member of the wrong JSON type counts as absent (the row is then dropped with its reason).
        feat = feat if isinstance(feat, dict) else {}
        props = feat.get("properties")
        props = props if isinstance(props, dict) else {}
        geometry = feat.get("geometry")
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        coords = [_json_number(c) for c in coords[:3]] if isinstance(coords, list) else []
        coords = coords + [None] * (3 - len(coords))
        eid = feat.get("id")
        if not eid and props.get("net") and props.get("code"):
            eid = f"{props['net']}{props['code']}"
        if not eid and props.get("ids"):
            eid = next((i for i in str(props["ids"]).split(",") if i), "")
        cols["event_id"].append("" if eid is None else str(eid))
        cols["time"].append(_json_number(props.get("time")))
        cols["lon"].append(coords[0])
        cols["lat"].append(coords[1])
        cols["depth"].append(coords[2])
        cols["mag"].append(_json_number(props.get("mag")))
        cols["mag_type"].append(props.get("magType"))
        cols["place"].append(props.get("place"))
        cols["type"].append(props.get("type") or "earthquake")
        cols["updated"].append(props.get("updated"))
    raw = pd.DataFrame(cols, dtype=object)
    report.n_read = report.n_kept = len(raw)
    fields = {
        "event_id": "id",
        "time": "properties.time",
        "lat": "geometry.coordinates[1]",
        "lon": "geometry.coordinates[0]",
        "depth": "geometry.coordinates[2]",
        "mag": "properties.mag",
    }
    return _normalise(raw, report, time_kind="ms", fields=fields)


_BED = "{http://quakeml.org/xmlns/bed/1.2}"
_ANSS = "{http://anss.org/xmlns/catalog/0.1}"


def _quakeml_event_id(ev: ET.Element) -> str:
    source, code = ev.get(f"{_ANSS}eventsource"), ev.get(f"{_ANSS}eventid")
    if source and code:
        return f"{source}{code}"
    public_id = (ev.get("publicID") or "").strip()
    m = re.search(r"[?&]eventid=([^&]+)", public_id)
    if m:
        return m.group(1)
    return public_id.rstrip("/").rsplit("/", 1)[-1]


def _pick(ev: ET.Element, tag: str, preferred_tag: str) -> ET.Element | None:
    items = ev.findall(_BED + tag)
    if not items:
        return None
    wanted = (ev.findtext(_BED + preferred_tag) or "").strip()
    return next((it for it in items if it.get("publicID") == wanted), items[0])


def _value(elem: ET.Element | None, name: str) -> str | None:
    if elem is None:
        return None
    return elem.findtext(f"{_BED}{name}/{_BED}value")


def _read_quakeml(data: bytes, path: Path, report: LoadReport) -> pd.DataFrame:
    def parse(buffer: bytes) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        seen_bed = False
        for event, elem in ET.iterparse(io.BytesIO(buffer), events=("start", "end")):
            if event == "start":
                seen_bed = seen_bed or elem.tag.startswith(_BED)
                continue
            if elem.tag != _BED + "event":
                continue
            origin = _pick(elem, "origin", "preferredOriginID")
            magnitude = _pick(elem, "magnitude", "preferredMagnitudeID")
            descs = elem.findall(_BED + "description")
            place = ""
            for kind in ("region name", "Flinn-Engdahl region", None):
                hit = next((d for d in descs if kind is None or d.findtext(_BED + "type") == kind), None)
                if hit is not None:
                    place = hit.findtext(_BED + "text") or ""
                    break
            rows.append(
                {
                    "event_id": _quakeml_event_id(elem),
                    "time": _value(origin, "time"),
                    "lat": _value(origin, "latitude"),
                    "lon": _value(origin, "longitude"),
                    "depth": _value(origin, "depth"),
                    "mag": _value(magnitude, "mag"),
                    "mag_type": magnitude.findtext(_BED + "type") if magnitude is not None else "",
                    "place": place,
                    "type": (elem.findtext(_BED + "type") or "earthquake").strip(),
                    "updated": elem.findtext(f"{_BED}creationInfo/{_BED}creationTime"),
                }
            )
            elem.clear()
        if not seen_bed:
            raise CatalogError(
                f"{path}: XML but not QuakeML 1.2 (no element in namespace http://quakeml.org/xmlns/bed/1.2)"
            )
        return rows

    try:
        rows = parse(data)
    except ET.ParseError as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            # Invalid UTF-8 bytes: replace them (documented policy) and parse once more.
            text = _decode(data, report.notes)
            text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
            try:
                rows = parse(text.encode("utf-8"))
            except ET.ParseError as exc2:
                raise CatalogError(f"{path}: XML cannot be parsed: {exc2}") from exc2
        else:
            raise CatalogError(f"{path}: XML cannot be parsed: {exc}") from exc
    cols = ("event_id", "time", "lat", "lon", "depth", "mag", "mag_type", "place", "type", "updated")
    raw = pd.DataFrame(rows, columns=list(cols), dtype=object)
    report.n_read = report.n_kept = len(raw)
    fields = {
        "event_id": "event@publicID",
        "time": "origin/time/value",
        "lat": "origin/latitude/value",
        "lon": "origin/longitude/value",
        "depth": "origin/depth/value",
        "mag": "magnitude/mag/value",
    }
    return _normalise(raw, report, time_kind="iso", fields=fields, depth_scale=1e-3)


def _load_one(path: Path) -> tuple[pd.DataFrame, LoadReport]:
    data = _read_bytes(path)
    fmt = _sniff(data, path)
    report = LoadReport(source=str(path), fmt=fmt, n_read=0, n_kept=0)
    if fmt == "quakeml":
        frame = _read_quakeml(data, path, report)
    else:
        text = _decode(data, report.notes)
        frame = _read_csv(text, path, report) if fmt == "csv" else _read_geojson(text, path, report)
    return frame, report


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": pd.Series([], dtype=str),
            "time": pd.Series([], dtype=TIME_DTYPE),
            **{c: pd.Series([], dtype="float64") for c in ("lat", "lon", "depth_km", "mag")},
            **{c: pd.Series([], dtype=str) for c in ("mag_type", "place", "type")},
        }
    )


def _to_geodataframe(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    frame = frame.loc[:, list(CATALOG_COLUMNS)].reset_index(drop=True)
    geometry = gpd.points_from_xy(frame["lon"].to_numpy(), frame["lat"].to_numpy(), crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _warn_drops(reports: list[LoadReport]) -> None:
    dropping = [r for r in reports if r.n_dropped]
    if not dropping:
        return
    text = "; ".join(r.summary().split("\n", 1)[0] for r in dropping)
    examples = [e for r in dropping for e in r.examples][:3]
    if examples:
        text += " — e.g. " + "; ".join(examples)
    warnings.warn(f"catalog rows dropped: {text}", CatalogWarning, stacklevel=3)


def load_catalog(
    source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
) -> gpd.GeoDataFrame:
    """Read one catalog file, or several (concatenated, then de-duplicated by ``event_id``).

    Formats: ComCat CSV, ComCat GeoJSON, QuakeML 1.2 (docs/formats.md), detected from the content.
    Returns columns :data:`CATALOG_COLUMNS` + ``geometry``: ``time`` ``datetime64[ns, UTC]``, ``lat``/``lon``
    degrees (lon in [-180, 180)), ``depth_km`` km, ``mag`` catalog magnitude; sorted by time; RangeIndex.

    Fatal problems (missing/empty file, unknown format, required columns absent, unparseable content)
    raise :class:`CatalogError` naming the file. Bad rows are dropped and counted per reason in a
    :class:`LoadReport` at ``gdf.attrs["load_report"]`` (a list when several sources were given); when any
    row was dropped one :class:`CatalogWarning` summarises it. Among duplicate ids the most recently
    ``updated`` row is kept (the earlier row / earlier source on ties).
    """
    several = not isinstance(source, (str, os.PathLike))
    paths = [Path(source)] if isinstance(source, (str, os.PathLike)) else [Path(p) for p in source]
    if several and not paths:
        raise CatalogError("load_catalog: no catalog source given")
    frames: list[pd.DataFrame] = []
    reports: list[LoadReport] = []
    for k, path in enumerate(paths):
        frame, report = _load_one(path)
        frames.append(frame.assign(_src=k))
        reports.append(report)

    frames = [f for f in frames if len(f)]
    merged = (
        pd.concat(frames, ignore_index=True) if frames else _empty_frame().assign(_updated=pd.NaT, _src=0)
    )
    if len(paths) > 1 and len(merged):
        merged["_pos"] = np.arange(len(merged))
        order = merged.sort_values(
            ["_updated", "_src", "_pos"], ascending=[False, True, True], na_position="last", kind="stable"
        )
        dup = order["event_id"].duplicated(keep="first").to_numpy()
        if dup.any():
            for k, count in order.loc[dup, "_src"].value_counts().items():
                reports[int(k)]._drop("duplicate id (other source)", int(count))
            merged = merged.drop(index=order.index[dup])
    merged = merged.sort_values(["time", "event_id"], kind="stable")
    gdf = _to_geodataframe(merged)
    gdf.attrs["load_report"] = reports if several else reports[0]
    gdf.attrs["credit"] = CREDIT
    _warn_drops(reports)
    return gdf


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


# --------------------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------
# Gardner–Knopoff declustering
# --------------------------------------------------------------------------------------------------------


def gardner_knopoff_windows(mag: Any) -> tuple[np.ndarray, np.ndarray]:
    """Gardner & Knopoff (1974) space and time windows for magnitude(s) ``mag``.

    Returns ``(distance_km, time_days)``: d = 10^(0.1238·M + 0.983) km; t = 10^(0.032·M + 2.7389) days for
    M ≥ 6.5, else 10^(0.5409·M − 0.547) days (e.g. M5: 40 km / 144 d; M6: 53 km / 499 d; M7: 71 km / 918 d).
    """
    m = np.asarray(mag, dtype=float)
    distance = 10.0 ** (0.1238 * m + 0.983)
    time = np.where(m >= 6.5, 10.0 ** (0.032 * m + 2.7389), 10.0 ** (0.5409 * m - 0.547))
    return distance, time


def decluster_gardner_knopoff(cat: pd.DataFrame) -> np.ndarray:
    """Gardner–Knopoff (1974) window declustering; True marks a mainshock (positional, aligned with ``cat``).

    Variant (the plain "window" method of ZMAP / pyCSEP-like tools, no cluster linking): events are taken
    by decreasing magnitude (earlier first on ties). Each event not yet assigned to a cluster is a
    mainshock; it claims every still-unassigned event within its windows of :func:`gardner_knopoff_windows`
    — epicentral (haversine) distance ≤ d(M) and origin time within [t − T(M), t + T(M)] (aftershocks after
    it, foreshocks before it). Claimed events are never larger than the mainshock (larger ones were
    processed first); an equal-magnitude event in the window joins the earlier one's cluster. Claimed events
    do not claim others. Events with an unknown magnitude claim nothing but may be claimed.
    """
    n = len(cat)
    if n == 0:
        return np.zeros(0, dtype=bool)
    t_ns = _time_index(cat["time"]).as_unit("ns").asi8
    t = t_ns.astype("float64") / 86_400e9  # days
    lat, lon = cat["lat"].to_numpy(float), cat["lon"].to_numpy(float)
    mag = cat["mag"].to_numpy(float)
    dist_w, time_w = gardner_knopoff_windows(mag)

    by_time = np.argsort(t, kind="stable")
    t_sorted = t[by_time]
    lat_s, lon_s = lat[by_time], lon[by_time]
    assigned_s = np.zeros(n, dtype=bool)  # in time order
    rank = np.empty(n, dtype=np.int64)
    rank[by_time] = np.arange(n)
    mainshock = np.zeros(n, dtype=bool)

    order = np.lexsort((t, np.where(np.isnan(mag), -np.inf, -mag)))  # magnitude desc, time asc
    for i in order:
        r = rank[i]
        if assigned_s[r]:
            continue
        mainshock[i] = True
        assigned_s[r] = True
        if np.isnan(mag[i]):
            continue
        lo = np.searchsorted(t_sorted, t[i] - time_w[i], side="left")
        hi = np.searchsorted(t_sorted, t[i] + time_w[i], side="right")
        free = ~assigned_s[lo:hi]
        if not free.any():
            continue
        idx = lo + np.flatnonzero(free)
        near = haversine_km(lat[i], lon[i], lat_s[idx], lon_s[idx]) <= dist_w[i]
        assigned_s[idx[near]] = True
    return mainshock


def mainshocks(cat: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The Gardner–Knopoff mainshocks of ``cat`` (see :func:`decluster_gardner_knopoff`), attrs kept."""
    out = cat.loc[decluster_gardner_knopoff(cat)].reset_index(drop=True)
    out.attrs = dict(cat.attrs)
    out.attrs["filters"] = [*cat.attrs.get("filters", []), "mainshocks=gardner-knopoff-1974"]
    return out


# --------------------------------------------------------------------------------------------------------
# Summaries, hashing, writing
# --------------------------------------------------------------------------------------------------------


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


def catalog_hash(cat: pd.DataFrame) -> str:
    """First 16 hex digits of the SHA-256 of the sorted ``event_id|time_ns|mag`` lines (order-independent)."""
    t_ns = _time_index(cat["time"]).as_unit("ns").asi8
    lines = (
        cat["event_id"].astype(str).to_numpy(dtype=object)
        + "|"
        + t_ns.astype(str).astype(object)
        + "|"
        + np.char.mod("%.3f", cat["mag"].to_numpy(float)).astype(object)
    )
    text = "\n".join(sorted(lines.tolist()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def to_csv(cat: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the normalised columns (no geometry) as CSV, atomically; times ISO 8601 UTC (µs, ``Z``).

    The file reads back with :func:`load_catalog`. Returns the path.
    """
    out = pd.DataFrame({c: cat[c] for c in CATALOG_COLUMNS})
    out["time"] = pd.to_datetime(out["time"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    return Path(path)
