"""Catalog readers: ComCat CSV, ComCat GeoJSON and QuakeML 1.2 (detected from the content) into the
normalised table (:mod:`core.catalog.schema`), bad rows dropped and counted in a :class:`LoadReport`;
the normalised table written back as CSV (:func:`to_csv`) and fingerprinted (:func:`catalog_hash`).

Formats, dropped rows and text encodings: ``docs/formats.md`` (section "Earthquake catalogs").
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from core.atomic import atomic_path
from core.catalog.schema import (
    CATALOG_COLUMNS,
    CREDIT,
    TIME_DTYPE,
    CatalogError,
    CatalogWarning,
    _time_index,
)

__all__ = [
    "LoadReport",
    "catalog_hash",
    "load_catalog",
    "to_csv",
]


_MAX_EXAMPLES = 8


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
