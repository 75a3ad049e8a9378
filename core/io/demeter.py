"""DEMETER N1 binary survey products (ISL, IAP): reader and writer.

One big-endian file per half-orbit and product, ``DMT_N1_<APID>_<orbit5><h>_….DAT`` (APID 1144 ISL
survey, 1140 IAP survey; half digit 0 = day, 1 = night), one fixed-size record per time step: 292 bytes
for ISL, 312 for IAP (:data:`RECORD_DTYPES`). The ISL instrument block's layout is defined by this
workbench. Record layouts, the fill convention, units, time checks and sources: ``docs/formats.md``
(section "DEMETER N1 binary").
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from core.atomic import atomic_path
from core.io.names import DIGIT_OF_HALF, HALF_OF_DIGIT, name_span
from core.passes import (
    VARIABLE_UNITS,
    PassFormatError,
    civil_to_datetime64,
    clean_pass,
    make_pass,
    solar_local_time,
    unit_factor,
)

__all__ = [
    "APIDS",
    "FILL",
    "RECORD_DTYPES",
    "DemeterFileName",
    "demeter_filename",
    "parse_demeter_filename",
    "read_demeter",
    "write_demeter",
]

SATELLITE = "DEMETER"
FILL = np.float32(-1.0e31)
_FILL_THRESHOLD = -1.0e30
P_FIELD = 0x4C
EPOCH_1950 = np.datetime64("1950-01-01T00:00:00", "ns")
_MS_PER_DAY = 86_400_000

_HEADER: list[tuple] = [
    ("p_field", "u1"),
    ("days_1950", "u1", (3,)),
    ("ms_of_day", ">u4"),
    ("ut_year", ">u2"),
    ("ut_month", ">u2"),
    ("ut_day", ">u2"),
    ("ut_hour", ">u2"),
    ("ut_minute", ">u2"),
    ("ut_second", ">u2"),
    ("ut_ms", ">u2"),
    ("orbit", ">u2"),
    ("orbit_type", ">u2"),
    ("station", "S8"),
    ("versions", "u1", (4,)),
]
LOCATION_FIELDS: tuple[str, ...] = (
    "lat",
    "lon",
    "alt",
    "lt",
    "mag_lat",
    "mag_lon",
    "mlt",
    "inv_lat",
    "l_shell",
    "conj_lat",
    "conj_lon",
    "conj_n_lat",
    "conj_n_lon",
    "conj_s_lat",
    "conj_s_lon",
    "bmod_x",
    "bmod_y",
    "bmod_z",
    "f_gyro_h",
    "sun_x",
    "sun_y",
    "sun_z",
)
_LOCATION: list[tuple] = [(f, ">f4") for f in LOCATION_FIELDS] + [("loc_versions", "u1", (2,))]
_ATTITUDE: list[tuple] = [
    ("att_sat_to_geo", ">f4", (9,)),
    ("att_geo_to_mag", ">f4", (9,)),
    ("att_quality", ">u2"),
    ("att_versions", "u1", (2,)),
]
_IAP: list[tuple] = [
    ("data_type", "S10"),
    ("status", "u1", (32,)),
    ("time_res", ">f4"),
    ("unit_density", "S6"),
    ("unit_temperature", "S6"),
    ("unit_velocity", "S6"),
    ("unit_potential", "S6"),
    ("unit_angle", "S6"),
    ("n_h", ">f4"),
    ("n_he", ">f4"),
    ("n_o", ">f4"),
    ("t_i", ">f4"),
    ("v_z", ">f4"),
    ("v_theta", ">f4"),
    ("v_phi", ">f4"),
    ("v_sat", ">f4"),
]
_ISL: list[tuple] = [
    ("data_type", "S10"),
    ("status", "u1", (32,)),
    ("time_res", ">f4"),
    ("unit_density", "S6"),
    ("unit_temperature", "S6"),
    ("unit_potential", "S6"),
    ("n_e", ">f4"),
    ("t_e", ">f4"),
    ("n_i", ">f4"),
    ("v_plasma", ">f4"),
    ("v_float", ">f4"),
    ("v_sat", ">f4"),
]

#: One structured big-endian record dtype per APID, shared by the reader and the writer.
RECORD_DTYPES: dict[int, np.dtype] = {
    1140: np.dtype(_HEADER + _LOCATION + _ATTITUDE + _IAP),
    1144: np.dtype(_HEADER + _LOCATION + _ATTITUDE + _ISL),
}
assert RECORD_DTYPES[1140].itemsize == 312 and RECORD_DTYPES[1144].itemsize == 292


@dataclass(frozen=True)
class _Apid:
    instrument: str
    data_type: bytes
    units: dict[str, bytes]
    variables: dict[str, str]  # record field -> Pass variable


APIDS: dict[int, _Apid] = {
    1140: _Apid(
        "IAP",
        b"IAP SURVEY",
        {
            "unit_density": b"cm-3",
            "unit_temperature": b"K",
            "unit_velocity": b"m/s",
            "unit_potential": b"V",
            "unit_angle": b"deg",
        },
        {
            "n_h": "Ni_H",
            "n_he": "Ni_He",
            "n_o": "Ni_O",
            "t_i": "Ti",
            "v_z": "Vi_z",
            "v_theta": "Vi_theta",
            "v_phi": "Vi_phi",
            "v_sat": "V_sat",
        },
    ),
    1144: _Apid(
        "ISL",
        b"ISL SURVEY",
        {"unit_density": b"cm-3", "unit_temperature": b"K", "unit_potential": b"V"},
        {
            "n_e": "Ne",
            "t_e": "Te",
            "n_i": "Ni",
            "v_plasma": "V_plasma",
            "v_float": "V_float",
            "v_sat": "V_sat",
        },
    ),
}
_OPTIONAL_LOCATION = {"mag_lon": "mlon", "mlt": "mlt", "inv_lat": "inv_lat", "l_shell": "l_shell"}

_NAME_RE = re.compile(
    r"^DMT_N1_(?P<apid>\d{4})_(?P<orbit>\d{5})(?P<half>[01])_(?P<d0>\d{8})_(?P<t0>\d{6})_"
    r"(?P<d1>\d{8})_(?P<t1>\d{6})\.(?:DAT|dat)$"
)


@dataclass(frozen=True)
class DemeterFileName:
    """The fields of a DEMETER N1 file name (times UTC, naive)."""

    name: str
    apid: int
    orbit: int
    half: str
    start: datetime
    end: datetime

    @property
    def product(self) -> str:
        """The APID as text (the Pass ``product`` attribute), e.g. ``"1144"``."""
        return f"{self.apid:04d}"


def parse_demeter_filename(name: str | os.PathLike[str]) -> DemeterFileName:
    """Parse a DEMETER N1 file name; :class:`PassFormatError` naming it when it does not match."""
    base = Path(os.fspath(name)).name
    m = _NAME_RE.match(base)
    if m is None:
        raise PassFormatError(
            f"{base}: not a DEMETER N1 file name "
            "(DMT_N1_<APID>_<orbit5><0|1>_<YYYYMMDD>_<HHMMSS>_<YYYYMMDD>_<HHMMSS>.DAT)"
        )
    start, end = name_span(base, m)
    return DemeterFileName(base, int(m["apid"]), int(m["orbit"]), HALF_OF_DIGIT[m["half"]], start, end)


def demeter_filename(apid: int | str, orbit: int, half: str, start: datetime, end: datetime) -> str:
    """The DEMETER N1 file name for an APID (1144/1140), orbit, half (day/night) and start/end (UTC)."""
    if half not in DIGIT_OF_HALF:
        raise ValueError(f"half must be 'day' or 'night', got {half!r}")
    if not 0 <= int(orbit) <= 65535:
        raise ValueError(f"orbit must fit in a uint16 and 5 digits, got {orbit}")
    return (
        f"DMT_N1_{int(apid):04d}_{int(orbit):05d}{DIGIT_OF_HALF[half]}_"
        f"{start:%Y%m%d_%H%M%S}_{end:%Y%m%d_%H%M%S}.DAT"
    )


def _apid(apid: int, name: str) -> _Apid:
    try:
        return APIDS[apid]
    except KeyError:
        raise PassFormatError(
            f"{name}: DEMETER APID {apid} is not supported (supported: {', '.join(map(str, APIDS))})"
        ) from None


def _floats(values: np.ndarray) -> np.ndarray:
    """A big-endian float32 field → native float32 with fill/non-finite → NaN."""
    out = np.asarray(values, dtype=np.float32)
    out = out.copy()
    out[~np.isfinite(out) | (out <= _FILL_THRESHOLD)] = np.nan
    return out


#: Pass contract unit → the instrument block's unit-string field that states it in every record.
_UNIT_FIELD: dict[str, str] = {
    "cm^-3": "unit_density",
    "K": "unit_temperature",
    "m/s": "unit_velocity",
    "V": "unit_potential",
    "deg": "unit_angle",
}


def _unit_factors(rec: np.ndarray, spec: _Apid, name: str) -> dict[str, np.ndarray]:
    """Per instrument value field: the factor from the unit its records state (``unit_*`` strings, may
    differ between records) to the Pass contract unit; :class:`PassFormatError` for an unknown unit."""
    out: dict[str, np.ndarray] = {}
    for field, var in spec.variables.items():
        contract = VARIABLE_UNITS[var]
        ufield = _UNIT_FIELD[contract]
        stated, inverse = np.unique(rec[ufield], return_inverse=True)
        factors = np.array(
            [
                unit_factor(
                    bytes(u).decode("ascii", errors="replace").strip("\x00 "),
                    contract,
                    source=name,
                    dataset=f"{field} (unit field {ufield})",
                )
                for u in stated
            ]
        )
        out[field] = factors[inverse.reshape(-1)]
    return out


def _to_contract(values: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """float32 values times a per-record factor (computed in float64); untouched when every factor is 1."""
    if (factor == 1.0).all():
        return values
    return (values.astype(np.float64) * factor).astype(np.float32)


def _median_or_nan(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


NAME_TIME_SLACK = np.timedelta64(10, "m")
"""How far a record may lie outside the start…end of its file name before it is taken for a bad time."""


def _inside_name_window(time: np.ndarray, fn: DemeterFileName) -> tuple[np.ndarray, int]:
    """Times outside the file name's window (± :data:`NAME_TIME_SLACK`) become NaT (the record is dropped
    by ``clean_pass``); returns the times and their count. :class:`PassFormatError` when no valid time
    is inside: the name and the content describe different half-orbits."""
    lo = np.datetime64(fn.start, "ns") - NAME_TIME_SLACK
    hi = np.datetime64(fn.end, "ns") + NAME_TIME_SLACK
    valid = ~np.isnat(time)
    outside = valid & ((time < lo) | (time > hi))
    if valid.any() and outside.sum() == valid.sum():
        raise PassFormatError(
            f"{fn.name}: the file name says {fn.start:%Y-%m-%d %H:%M:%S} … {fn.end:%Y-%m-%d %H:%M:%S} but "
            f"the record times run {str(time[valid].min())[:19]} … {str(time[valid].max())[:19]} (no record "
            "within 10 min of the name's window)"
        )
    return np.where(outside, np.datetime64("NaT", "ns"), time), int(outside.sum())


# --------------------------------------------------------------------------------------------- reader
def read_demeter(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read a DEMETER N1 ISL (1144) or IAP (1140) survey file into a Pass (docs/data-contracts.md).

    Raises :class:`~core.passes.PassFormatError` (naming the file) for a bad name, an unsupported APID,
    a file without one complete record, record headers whose orbit number, orbit type, data type or times
    contradict the name, or no valid sample. A trailing partial record is dropped
    (``attrs["n_dropped_truncated"]``) and, like duplicate/backwards times, rows without position and
    records timed outside the name's window, reported in one :class:`~core.passes.PassWarning`. Units: see
    docs/formats.md, "DEMETER N1 binary".
    """
    path = Path(path)
    fn = parse_demeter_filename(path.name)
    spec = _apid(fn.apid, fn.name)
    dtype = RECORD_DTYPES[fn.apid]
    size = path.stat().st_size
    n_full, leftover = divmod(size, dtype.itemsize)
    if n_full == 0:
        raise PassFormatError(
            f"{fn.name}: no complete N1 record (file has {size} bytes, an APID {fn.apid} record has "
            f"{dtype.itemsize})"
        )
    rec = np.fromfile(path, dtype=dtype, count=n_full)
    notes = {"n_dropped_truncated": 1 if leftover else 0}

    # The first record's data-type string names the product: a file of the other APID under this name
    # (whose records would be misaligned and read as garbage) is refused by name here.
    kind = bytes(rec["data_type"][0]).decode("ascii", errors="replace").strip("\x00 ")
    for apid, other in APIDS.items():
        if apid != fn.apid and kind.startswith(other.instrument):
            raise PassFormatError(
                f"{fn.name}: the file name says APID {fn.apid} ({spec.data_type.decode()}) but the first "
                f"record's data type is {kind!r} (APID {apid}, {other.instrument})"
            )

    orbits = np.unique(rec["orbit"])
    if orbits.size != 1 or int(orbits[0]) != fn.orbit:
        raise PassFormatError(
            f"{fn.name}: the file name says orbit {fn.orbit} but the record headers say orbit "
            f"{', '.join(str(int(o)) for o in orbits[:5])}"
        )
    types = np.unique(rec["orbit_type"])
    if types.size != 1 or HALF_OF_DIGIT.get(str(int(types[0]))) != fn.half:
        raise PassFormatError(
            f"{fn.name}: the file name says half {fn.half!r} but the record headers say orbit type "
            f"{', '.join(str(int(o)) for o in types[:5])} (0 = day, 1 = night)"
        )

    ut = civil_to_datetime64(
        rec["ut_year"],
        rec["ut_month"],
        rec["ut_day"],
        rec["ut_hour"],
        rec["ut_minute"],
        rec["ut_second"],
        rec["ut_ms"],
    )
    d3 = rec["days_1950"].astype(np.int64)
    days = (d3[:, 0] << 16) | (d3[:, 1] << 8) | d3[:, 2]
    ms = rec["ms_of_day"].astype(np.int64)
    ccsds_ok = (days > 0) & (ms < _MS_PER_DAY)
    ccsds_ns = EPOCH_1950.astype(np.int64) + (days * _MS_PER_DAY + ms) * 1_000_000
    ccsds = np.where(ccsds_ok, ccsds_ns, 0).astype("datetime64[ns]")
    ccsds[~ccsds_ok] = np.datetime64("NaT")
    both = ~np.isnat(ut) & ccsds_ok
    diff = np.abs(ut.astype(np.int64) - ccsds.astype(np.int64))
    notes["n_time_mismatch"] = int((both & (diff > 1_000_000_000)).sum())
    use_ccsds = np.isnat(ut) & ccsds_ok
    notes["n_time_from_ccsds"] = int(use_ccsds.sum())
    time = np.where(use_ccsds, ccsds, ut)
    time, notes["n_time_outside_name"] = _inside_name_window(time, fn)

    lat = _floats(rec["lat"]).astype(np.float64)
    lat[np.abs(lat) > 90] = np.nan
    lon = _floats(rec["lon"]).astype(np.float64)
    lon[np.abs(lon) > 360] = np.nan
    alt = _floats(rec["alt"]).astype(np.float64)
    alt[alt <= 0] = np.nan
    mlat = _floats(rec["mag_lat"]).astype(np.float64)
    lt = _floats(rec["lt"]).astype(np.float64)
    lt[(lt < -1.0) | (lt > 25.0)] = np.nan  # not a local time: computed from UT and lon below
    lt = np.mod(lt, 24.0)
    lt = np.where(lt >= 24.0, 0.0, lt)  # a tiny negative value mods to 24.0
    lt = np.where(np.isfinite(lt), lt, solar_local_time(time, lon))

    factors = _unit_factors(rec, spec, fn.name)
    variables: dict[str, tuple] = {
        var: (_to_contract(_floats(rec[field]), factors[field]), {}) for field, var in spec.variables.items()
    }
    ds = make_pass(
        time,
        lat,
        lon,
        alt,
        mlat,
        variables,
        satellite=SATELLITE,
        instrument=spec.instrument,
        product=fn.product,
        orbit=fn.orbit,
        half=fn.half,
        source_file=fn.name,
        lt=lt,
        attrs={
            "history": f"read from {fn.name} by core.io.demeter.read_demeter (units converted to the Pass "
            "contract)",
            "apid": fn.apid,
            "file_start": fn.start.isoformat(),
            "file_end": fn.end.isoformat(),
            "time_resolution_s": _median_or_nan(_floats(rec["time_res"])),
        },
    )
    ds = clean_pass(ds, fn.name, notes=notes)
    if ds.sizes["time"] == 0:
        raise PassFormatError(f"{fn.name}: no record with a valid time and position")
    return ds


# --------------------------------------------------------------------------------------------- writer
def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=None)
    ms = np.datetime64(value, "ms").astype(np.int64)
    return datetime(1970, 1, 1) + timedelta(milliseconds=int(ms))


def _window(ds: xr.Dataset, start: Any, end: Any) -> tuple[datetime, datetime]:
    t = ds["time"].values
    start = start if start is not None else ds.attrs.get("file_start")
    end = end if end is not None else ds.attrs.get("file_end")
    if start is None:
        start = t[0].astype("datetime64[s]")
    if end is None:
        end_s = t[-1].astype("datetime64[s]")
        end = end_s + np.timedelta64(1, "s") if end_s < t[-1] else end_s
    return _as_datetime(start), _as_datetime(end)


def _fill_f4(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(arr), arr, FILL).astype(np.float32)


def write_demeter(
    ds: xr.Dataset,
    out_dir: str | os.PathLike[str],
    *,
    start: Any = None,
    end: Any = None,
    station: str | None = None,
) -> Path:
    """Write a Pass as a DEMETER N1 file (APID from ``ds.attrs["product"]``, "1144" or "1140").

    The name's start/end come from ``start``/``end``, else ``attrs["file_start"/"file_end"]``, else the
    first/last sample (floored/ceiled to the second). Variables absent from ``ds`` and NaN values are
    written as :data:`FILL`; times are written to the millisecond. The write is atomic and the bytes
    depend only on the input. Returns the file path.
    """
    apid = int(str(ds.attrs.get("product", "")) or -1)
    spec = APIDS.get(apid)
    if spec is None:
        raise ValueError(
            f"ds.attrs['product'] must be one of {sorted(APIDS)}, got {ds.attrs.get('product')!r}"
        )
    n = int(ds.sizes.get("time", 0))
    if n == 0:
        raise ValueError("cannot write a DEMETER file for a pass without samples")
    orbit, half = int(ds.attrs["orbit"]), str(ds.attrs["half"])
    t0, t1 = _window(ds, start, end)
    name = demeter_filename(apid, orbit, half, t0, t1)

    t = ds["time"].values.astype("datetime64[ms]")
    if np.isnat(t).any():
        raise ValueError("cannot write a DEMETER file with NaT times")
    rec = np.zeros(n, dtype=RECORD_DTYPES[apid])
    # general header
    ms_total = (t - EPOCH_1950.astype("datetime64[ms]")).astype(np.int64)
    days, ms_of_day = np.divmod(ms_total, _MS_PER_DAY)
    rec["p_field"] = P_FIELD
    rec["days_1950"] = np.stack([(days >> 16) & 0xFF, (days >> 8) & 0xFF, days & 0xFF], axis=1)
    rec["ms_of_day"] = ms_of_day
    day = t.astype("datetime64[D]")
    month = t.astype("datetime64[M]")
    rec["ut_year"] = t.astype("datetime64[Y]").astype(np.int64) + 1970
    rec["ut_month"] = month.astype(np.int64) % 12 + 1
    rec["ut_day"] = (day - month.astype("datetime64[D]")).astype(np.int64) + 1
    hh, rem = np.divmod(ms_of_day, 3_600_000)
    mm, rem = np.divmod(rem, 60_000)
    ss, ms = np.divmod(rem, 1000)
    rec["ut_hour"], rec["ut_minute"], rec["ut_second"], rec["ut_ms"] = hh, mm, ss, ms
    rec["orbit"] = orbit
    rec["orbit_type"] = int(DIGIT_OF_HALF[half])
    rec["station"] = (station or str(ds.attrs.get("station", "TOULOUSE"))).encode("ascii")[:8].ljust(8)
    rec["versions"] = (1, 0, 1, 0)
    # location block
    for field in LOCATION_FIELDS:
        rec[field] = FILL
    rec["lat"] = _fill_f4(ds["lat"].values)
    rec["lon"] = _fill_f4(ds["lon"].values)
    rec["alt"] = _fill_f4(ds["alt"].values)
    rec["lt"] = _fill_f4(ds["lt"].values)
    rec["mag_lat"] = _fill_f4(ds["mlat"].values)
    for field, var in _OPTIONAL_LOCATION.items():
        if var in ds.variables:
            rec[field] = _fill_f4(ds[var].values)
    rec["loc_versions"] = (1, 0)
    # attitude block (not carried by a Pass)
    rec["att_sat_to_geo"] = FILL
    rec["att_geo_to_mag"] = FILL
    rec["att_versions"] = (1, 0)
    # instrument block
    rec["data_type"] = spec.data_type
    for field, unit in spec.units.items():
        rec[field] = unit.ljust(6)
    time_res = ds.attrs.get("time_resolution_s")
    if time_res is None or not np.isfinite(time_res):
        steps = np.diff(t.astype(np.int64))
        time_res = float(np.median(steps)) / 1000.0 if steps.size else 0.0
    rec["time_res"] = np.float32(time_res)
    for field, var in spec.variables.items():
        rec[field] = _fill_f4(ds[var].values) if var in ds else FILL

    target = Path(out_dir) / name
    with atomic_path(target) as tmp:
        rec.tofile(tmp)
    return target
