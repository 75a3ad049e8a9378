"""CSES-01 (Zhangheng-1) Level-2 HDF5 half-orbit files: reader and writer.

One file per payload product and half-orbit, ``CSES_01_<PAY>_<n>_L02_<Ax>_<orbit5><h>_…_000.h5`` (half
digit 0 = descending = day, 1 = ascending = night). LAP_1, PAP_0, HPM_5, HPM_6, EFD_n and SCM_n become
Pass variables in the contract's units (densities cm^-3, temperatures K, fields nT, drifts m/s; spectra
reduced to 8 log-spaced bands). File name, layout, products, the fill / range / unit / time checks and
the sources: ``docs/formats.md`` (section "CSES-01 Level-2 HDF5").
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, overload

import h5py
import numpy as np
import xarray as xr
from h5py import h5a, h5s, h5t
from h5py._hl.base import array_for_new_object

from core.atomic import atomic_path
from core.io.names import DIGIT_OF_HALF, HALF_OF_DIGIT, name_span
from core.passes import (
    VARIABLE_UNITS,
    PassFormatError,
    civil_to_datetime64,
    clean_pass,
    make_pass,
    unit_factor,
)

__all__ = [
    "DEFAULT_AX",
    "HDF5_SIGNATURE",
    "PRODUCTS",
    "CsesFileName",
    "cses_filename",
    "decode_utc_time",
    "encode_utc_time",
    "parse_cses_filename",
    "read_cses",
    "reduce_spectrum",
    "write_cses",
]

SATELLITE = "CSES-01"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
VERSE_EPOCH = np.datetime64("2009-01-01T00:00:00", "ns")
#: ``Ax`` field per payload used by :func:`write_cses` when none is given (only HPM is verified).
DEFAULT_AX: dict[str, str] = {"EFD": "A1", "SCM": "A2", "HPM": "A2", "LAP": "A3", "PAP": "A4"}
_PAYLOAD_ID: dict[str, str] = {"HPM": "146F0101"}
_SAMPLE_PREFIX: dict[str, str] = {"HPM_5": "FMAG", "HPM_6": "CDSM"}
_FREQ_RANGE: dict[str, str] = {"HPM_5": "FMAG:DC~15Hz", "HPM_6": "CDSM:DC~1Hz"}

_NAME_RE = re.compile(
    r"^CSES_01_(?P<pay>[A-Z]{3})_(?P<num>\d)_L(?P<level>[0-9A-Z]{2})_(?P<ax>[A-Z0-9]{2})_"
    r"(?P<orbit>\d{5})(?P<half>[01])_(?P<d0>\d{8})_(?P<t0>\d{6})_(?P<d1>\d{8})_(?P<t1>\d{6})_"
    r"(?P<ver>\d{3})\.h5$"
)


@dataclass(frozen=True)
class CsesFileName:
    """The fields of a CSES-01 Level-2 file name (times UTC, naive)."""

    name: str
    payload: str
    instrument: int
    product: str
    level: str
    ax: str
    orbit: int
    half: str
    start: datetime
    end: datetime
    version: str = "000"


def parse_cses_filename(name: str | os.PathLike[str]) -> CsesFileName:
    """Parse a CSES-01 L2 file name; :class:`PassFormatError` naming it when it does not match."""
    base = Path(os.fspath(name)).name
    m = _NAME_RE.match(base)
    if m is None:
        raise PassFormatError(
            f"{base}: not a CSES-01 Level-2 file name "
            "(CSES_01_<PAY>_<n>_L02_<Ax>_<orbit5><0|1>_<YYYYMMDD>_<hhmmss>_<YYYYMMDD>_<hhmmss>_000.h5)"
        )
    start, end = name_span(base, m)
    return CsesFileName(
        name=base,
        payload=m["pay"],
        instrument=int(m["num"]),
        product=f"{m['pay']}_{m['num']}",
        level=f"L{m['level']}",
        ax=m["ax"],
        orbit=int(m["orbit"]),
        half=HALF_OF_DIGIT[m["half"]],
        start=start,
        end=end,
        version=m["ver"],
    )


def cses_filename(
    product: str, ax: str, orbit: int, half: str, start: datetime, end: datetime, *, version: str = "000"
) -> str:
    """The CSES-01 L2 file name for ``product`` (e.g. ``"LAP_1"``), orbit, half (day/night), start/end."""
    if not re.fullmatch(r"[A-Z]{3}_\d", product):
        raise ValueError(f"product must look like 'LAP_1', got {product!r}")
    if half not in DIGIT_OF_HALF:
        raise ValueError(f"half must be 'day' or 'night', got {half!r}")
    if not 0 <= int(orbit) <= 99999:
        raise ValueError(f"orbit must fit in 5 digits, got {orbit}")
    if not re.fullmatch(r"[A-Z0-9]{2}", ax):
        raise ValueError(f"ax must look like 'A2', got {ax!r}")
    return (
        f"CSES_01_{product}_L02_{ax}_{int(orbit):05d}{DIGIT_OF_HALF[half]}_"
        f"{start:%Y%m%d_%H%M%S}_{end:%Y%m%d_%H%M%S}_{version}.h5"
    )


# --------------------------------------------------------------------------------------------- products
@dataclass(frozen=True)
class _Field:
    """One payload dataset and the Pass variable it becomes."""

    dataset: str
    var: str
    dtype: str
    fill: float
    valid: tuple[float, float]
    long_name: str
    units: str
    required: bool = True
    ncols: int = 1


_F32, _F64, _I32 = "float32", "float64", "int32"
_DENS = (0.0, 1.0e8)
_TEMP = (0.0, 1.0e5)
_VEL = (-1.0e5, 1.0e5)
_BCOMP = (-100000.0, 100000.0)
_PSD = (0.0, 1.0e12)

PRODUCTS: dict[str, tuple[_Field, ...]] = {
    "LAP_1": (
        _Field("A311", "Ne", _F32, -9999.0, _DENS, "Electron density", "cm-3"),
        _Field("A321", "Te", _F32, -9999.0, _TEMP, "Electron temperature", "K"),
    ),
    "PAP_0": (
        _Field("A313", "Ni_H", _F32, -9999.0, _DENS, "H+ density", "cm-3"),
        _Field("A314", "Ni_He", _F32, -9999.0, _DENS, "He+ density", "cm-3"),
        _Field("A315", "Ni_O", _F32, -9999.0, _DENS, "O+ density", "cm-3"),
        _Field("A322", "Ti", _F32, -9999.0, _TEMP, "Ion temperature", "K"),
        _Field("A331", "Vi_x", _F32, -9999.0, _VEL, "Ion drift velocity X", "m/s"),
        _Field("A332", "Vi_y", _F32, -9999.0, _VEL, "Ion drift velocity Y", "m/s"),
        _Field("A333", "Vi_z", _F32, -9999.0, _VEL, "Ion drift velocity Z", "m/s"),
    ),
    "HPM_5": (
        _Field("A221", "B_x", _F64, -999999.0, _BCOMP, "FGM2 Magnetic field X component", "nT"),
        _Field("A222", "B_y", _F64, -999999.0, _BCOMP, "FGM2 Magnetic field Y component", "nT"),
        _Field("A223", "B_z", _F64, -999999.0, _BCOMP, "FGM2 Magnetic field Z component", "nT"),
        _Field(
            "B_FGM",
            "B_fgm",
            _F64,
            -999999.0,
            _BCOMP,
            "FGM2 Data in FGM1 coordinate without interfrece",
            "nT",
            required=False,
            ncols=3,
        ),
        _Field(
            "FLAG_MT",
            "flag_mt",
            _I32,
            -9999.0,
            (0.0, 1.0),
            "1: Magnetorquer interference  0: No",
            "none",
            required=False,
        ),
        _Field(
            "FLAG_SHW",
            "flag_shw",
            _I32,
            -9999.0,
            (0.0, 1.0),
            "1: earth shadow  0: sunlit",
            "none",
            required=False,
        ),
        _Field(
            "FLAG_TBB", "flag_tbb", _I32, -9999.0, (0.0, 1.0), "1: TBB on 0: TBB off", "none", required=False
        ),
    ),
    "HPM_6": (_Field("A211", "B", _F64, -999999.0, (0.0, 100000.0), "CDSM scalar magnetic field", "nT"),),
}
for _n in (1, 2, 3, 4):
    PRODUCTS[f"EFD_{_n}"] = (
        _Field(
            f"A1{_n}1_P",
            "E_spectrum",
            _F32,
            -9999.0,
            _PSD,
            "Electric field power spectrum X",
            "mV^2/m^2/Hz",
            ncols=0,
        ),
    )
for _n in (1, 2, 3):
    PRODUCTS[f"SCM_{_n}"] = (
        _Field(
            f"A2{_n}1_P",
            "B_spectrum",
            _F32,
            -9999.0,
            _PSD,
            "Magnetic field power spectrum X",
            "nT^2/Hz",
            ncols=0,
        ),
    )

_POSITION: tuple[_Field, ...] = (
    _Field("GEO_LAT", "lat", _F32, -9999.0, (-90.0, 90.0), "Geographic coordinate latitude", "deg"),
    _Field("GEO_LON", "lon", _F32, -9999.0, (-180.0, 180.0), "Geographic coordinate longitude", "deg"),
    _Field(
        "ALTITUDE", "alt", _F32, -9999.0, (0.0, 1000.0), "Satellite altitude(Earth radius is 6371.2km)", "km"
    ),
    _Field("MAG_LAT", "mlat", _F32, -9999.0, (-90.0, 90.0), "Dipole coordinates latitude", "deg"),
    _Field(
        "MAG_LON",
        "mlon",
        _F32,
        -9999.0,
        (-180.0, 180.0),
        "Dipole coordinates longitude",
        "deg",
        required=False,
    ),
)
_TIME_FILL = -9999


def _spec(product: str, name: str) -> tuple[_Field, ...]:
    try:
        return PRODUCTS[product]
    except KeyError:
        raise PassFormatError(
            f"{name}: product {product!r} is not supported (supported: {', '.join(sorted(PRODUCTS))})"
        ) from None


# ------------------------------------------------------------------------------------------------ time
def decode_utc_time(value: np.ndarray) -> np.ndarray:
    """CSES ``UTC_TIME`` integers ``YYYYMMDDhhmmssmmm`` → naive UTC ``datetime64[ns]`` (invalid → NaT)."""
    v = np.asarray(value, dtype=np.int64)
    return civil_to_datetime64(
        v // 10**13,
        v // 10**11 % 100,
        v // 10**9 % 100,
        v // 10**7 % 100,
        v // 10**5 % 100,
        v // 10**3 % 100,
        v % 1000,
    )


def encode_utc_time(time: np.ndarray) -> np.ndarray:
    """Naive UTC ``datetime64`` → CSES ``UTC_TIME`` int64 ``YYYYMMDDhhmmssmmm`` (truncated to ms)."""
    t = np.asarray(time).astype("datetime64[ms]")
    day = t.astype("datetime64[D]")
    month = t.astype("datetime64[M]")
    year = t.astype("datetime64[Y]").astype(np.int64) + 1970
    mon = month.astype(np.int64) % 12 + 1
    dom = (day - month.astype("datetime64[D]")).astype(np.int64) + 1
    msd = (t - day.astype("datetime64[ms]")).astype(np.int64)
    hh, rem = np.divmod(msd, 3_600_000)
    mm, rem = np.divmod(rem, 60_000)
    ss, ms = np.divmod(rem, 1000)
    out = year * 10**13 + mon * 10**11 + dom * 10**9 + hh * 10**7 + mm * 10**5 + ss * 10**3 + ms
    return np.where(np.isnat(t), _TIME_FILL, out).astype(np.int64)


# ------------------------------------------------------------------------------------------- spectrum
def reduce_spectrum(
    power: np.ndarray, freq: np.ndarray, n_bands: int = 8
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean power per log-spaced frequency band.

    ``power`` is (N, nfreq) (NaN = missing), ``freq`` (nfreq,) in Hz. Band edges are ``n_bands + 1``
    geometrically spaced values from the lowest positive frequency to the highest; a bin holds
    ``lo <= f < hi`` (the last one also ``f == hi``); zero/negative frequencies are left out. Returns
    ``(band_power (N, n_bands), band_lo_hz, band_hi_hz)``; a band with no valid bin is NaN.
    """
    power = np.asarray(power, dtype=np.float64)
    freq = np.asarray(freq, dtype=np.float64).reshape(-1)
    if power.ndim != 2 or power.shape[1] != freq.size:
        raise ValueError(f"power {power.shape} and freq {freq.shape} do not match")
    positive = freq[np.isfinite(freq) & (freq > 0)]
    if positive.size == 0 or n_bands < 1:
        raise ValueError("reduce_spectrum needs at least one positive frequency and n_bands >= 1")
    lo_f, hi_f = positive.min(), positive.max()
    if hi_f <= lo_f:
        hi_f = lo_f * 1.000001
    edges = np.geomspace(lo_f, hi_f, n_bands + 1)
    idx = np.searchsorted(edges, freq, side="right") - 1
    idx[freq == hi_f] = n_bands - 1
    usable = np.isfinite(freq) & (freq > 0) & (idx >= 0) & (idx < n_bands)
    weights = np.zeros((freq.size, n_bands))
    weights[np.flatnonzero(usable), idx[usable]] = 1.0
    valid = np.isfinite(power)
    total = np.where(valid, power, 0.0) @ weights
    count = valid.astype(np.float64) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    return mean, edges[:-1].copy(), edges[1:].copy()


# --------------------------------------------------------------------------------------------- helpers
def _attr_text(value: Any) -> str:
    """Decode an HDF5 attribute (bytes, np.bytes_, str, 1-element array, Empty) to text."""
    if isinstance(value, h5py.Empty) or value is None:
        return ""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return " ".join(_attr_text(v) for v in value.reshape(-1))
        value = value.reshape(-1)[0]
    if isinstance(value, bytes | np.bytes_):
        return bytes(value).decode("utf-8", errors="replace").strip("\x00 ").strip()
    return str(value).strip("\x00 ").strip()


def _attr_numbers(value: Any) -> np.ndarray | None:
    """An attribute as a float64 array, or None when it is not numeric (e.g. ``b'--'``)."""
    if value is None or isinstance(value, h5py.Empty):
        return None
    arr = np.asarray(value)
    if arr.dtype.kind in "iuf":
        return arr.astype(np.float64).reshape(-1)
    text = _attr_text(value)
    try:
        return np.array([float(x) for x in text.replace(",", " ").split()], dtype=np.float64)
    except ValueError:
        return None


class _Reader:
    """Reads datasets of one open file with the checks shared by every product."""

    def __init__(self, f: h5py.File, name: str) -> None:
        self.f, self.name = f, name
        self.n: int | None = None
        self.n_out_of_range = 0

    def fail(self, msg: str) -> PassFormatError:
        return PassFormatError(f"{self.name}: {msg}")

    @overload
    def raw(self, key: str, *, required: Literal[True], kinds: str = ...) -> np.ndarray: ...
    @overload
    def raw(self, key: str, *, required: bool, kinds: str = ...) -> np.ndarray | None: ...
    def raw(self, key: str, *, required: bool, kinds: str = "iuf") -> np.ndarray | None:
        if key not in self.f:
            if required:
                raise self.fail(f"dataset {key!r} is missing")
            return None
        obj = self.f[key]
        if not isinstance(obj, h5py.Dataset):
            raise self.fail(f"{key!r} is not a dataset")
        if obj.dtype.kind not in kinds:
            raise self.fail(f"dataset {key!r} has dtype {obj.dtype}, expected {_KIND_NAMES[kinds]}")
        if obj.ndim not in (1, 2):
            raise self.fail(f"dataset {key!r} has shape {obj.shape}, expected 2-D (rows = samples)")
        data = obj[()]
        return data.reshape(-1, 1) if data.ndim == 1 else data

    def rows(self, key: str, data: np.ndarray, ncols: int) -> np.ndarray:
        if self.n is not None and data.shape[0] != self.n:
            raise self.fail(f"dataset {key!r} has {data.shape[0]} rows, UTC_TIME has {self.n}")
        if ncols and data.shape[1] != ncols:
            raise self.fail(f"dataset {key!r} has shape {data.shape}, expected (N, {ncols})")
        return data

    def values(self, fld: _Field) -> np.ndarray | None:
        data = self.raw(fld.dataset, required=fld.required)
        if data is None:
            return None
        data = self.rows(fld.dataset, data, fld.ncols)
        attrs = self.f[fld.dataset].attrs
        out = data.astype(np.float32 if data.dtype == np.float32 else np.float64)
        bad = ~np.isfinite(out)
        fill = _attr_numbers(attrs.get("FillValue"))
        if fill is not None:
            for fv in fill:
                bad |= out == out.dtype.type(fv)
        valid = _attr_numbers(attrs.get("ValidRange"))
        if valid is not None and valid.size == 2:
            with np.errstate(invalid="ignore"):
                outside = ~bad & ((out < valid[0]) | (out > valid[1]))
            self.n_out_of_range += int(outside.sum())
            bad |= outside
        out[bad] = np.nan
        factor = self.factor(fld.dataset, _contract_unit(fld))
        if factor != 1.0:  # FillValue and ValidRange are in the file's units: masked before converting
            out = (out.astype(np.float64) * factor).astype(out.dtype)
        return out[:, 0] if fld.ncols == 1 else out

    def factor(self, key: str, contract: str) -> float:
        """Factor from the ``Units`` attribute of dataset ``key`` to the contract unit (unknown: refused)."""
        unit = _attr_text(self.f[key].attrs.get("Units"))
        return unit_factor(unit, contract, source=self.name, dataset=key)

    def check_time_units(self, key: str) -> None:
        """Refuse a time dataset whose ``Units`` is not the layout the decoder assumes."""
        unit = _attr_text(self.f[key].attrs.get("Units"))
        ok = (
            re.sub(r"[^a-z]", "", unit.lower()) == "yyyymmddhhmmssmmm"
            if key == "UTC_TIME"
            else unit in ("ms", "millisecond", "milliseconds")
        )
        if not ok:
            expected = "YYYYMMDDHHMMSS.mmm" if key == "UTC_TIME" else "ms"
            raise self.fail(f"dataset {key!r} has units {unit!r}, expected {expected!r}")


_POSITION_UNITS: dict[str, str] = {
    "lat": "degrees_north",
    "lon": "degrees_east",
    "alt": "km",
    "mlat": "deg",
    "mlon": "deg",
}


def _contract_unit(fld: _Field) -> str:
    """The Pass contract unit of a field (:data:`core.passes.VARIABLE_UNITS`, positions as in a Pass)."""
    return _POSITION_UNITS.get(fld.var) or VARIABLE_UNITS[fld.var]


_KIND_NAMES = {"iuf": "a numeric type", "iu": "an integer type"}


def _check_signature(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head != HDF5_SIGNATURE:
        raise PassFormatError(f"{path.name}: not an HDF5 file (no HDF5 signature at offset 0)")


def _file_orbit_check(f: h5py.File, fn: CsesFileName) -> None:
    orbit_txt = _attr_text(f.attrs.get("ORBITNUM"))
    if orbit_txt.isdigit() and int(orbit_txt) != fn.orbit:
        raise PassFormatError(
            f"{fn.name}: the file name says orbit {fn.orbit} but the file attribute ORBITNUM is "
            f"{orbit_txt!r} ({int(orbit_txt)})"
        )
    type_txt = _attr_text(f.attrs.get("ORBITTYPE"))
    if type_txt in HALF_OF_DIGIT and HALF_OF_DIGIT[type_txt] != fn.half:
        raise PassFormatError(
            f"{fn.name}: the file name says half {fn.half!r} but the file attribute ORBITTYPE is "
            f"{type_txt!r} ({HALF_OF_DIGIT[type_txt]})"
        )


NAME_TIME_SLACK = np.timedelta64(10, "m")
"""How far a sample may lie outside the start…end of its file name before it is taken for a bad time."""


def _inside_name_window(time: np.ndarray, fn: CsesFileName) -> tuple[np.ndarray, int]:
    """Times outside the file name's window (± :data:`NAME_TIME_SLACK`) become NaT (the row is dropped
    by ``clean_pass``); returns the times and their count. :class:`PassFormatError` when no valid time
    is inside: the name and the content describe different half-orbits."""
    lo = np.datetime64(fn.start, "ns") - NAME_TIME_SLACK
    hi = np.datetime64(fn.end, "ns") + NAME_TIME_SLACK
    valid = ~np.isnat(time)
    outside = valid & ((time < lo) | (time > hi))
    if valid.any() and outside.sum() == valid.sum():
        raise PassFormatError(
            f"{fn.name}: the file name says {fn.start:%Y-%m-%d %H:%M:%S} … {fn.end:%Y-%m-%d %H:%M:%S} but "
            f"UTC_TIME runs {str(time[valid].min())[:19]} … {str(time[valid].max())[:19]} (no sample within "
            "10 min of the name's window)"
        )
    return np.where(outside, np.datetime64("NaT", "ns"), time), int(outside.sum())


# --------------------------------------------------------------------------------------------- reader
def read_cses(path: str | os.PathLike[str], *, keep_spectrum: bool = False, n_bands: int = 8) -> xr.Dataset:
    """Read a CSES-01 Level-2 HDF5 half-orbit file into a Pass (docs/data-contracts.md).

    Raises :class:`~core.passes.PassFormatError` (naming the file and the dataset) for a bad name, a
    non-HDF5/truncated/corrupt file, an unsupported product, missing datasets, wrong shapes or dtypes, a
    file whose ``ORBITNUM``/``ORBITTYPE`` or times contradict its name, or no valid sample. Repairable
    problems (duplicate or backwards times, rows without position, rows timed outside the name's window,
    all-fill columns, ``VERSE_TIME`` mismatches) give one :class:`~core.passes.PassWarning` and a cleaned
    pass. Units: docs/formats.md, "CSES-01 Level-2 HDF5".
    """
    path = Path(path)
    fn = parse_cses_filename(path.name)
    fields = _spec(fn.product, fn.name)
    _check_signature(path)
    try:
        with h5py.File(path, "r") as f:
            return _read_open(f, fn, fields, keep_spectrum=keep_spectrum, n_bands=n_bands)
    except PassFormatError:
        raise
    except (OSError, RuntimeError, KeyError) as exc:
        raise PassFormatError(f"{fn.name}: truncated or corrupt HDF5 file ({exc})") from exc


def _read_open(
    f: h5py.File, fn: CsesFileName, fields: tuple[_Field, ...], *, keep_spectrum: bool, n_bands: int
) -> xr.Dataset:
    name = fn.name
    _file_orbit_check(f, fn)
    r = _Reader(f, name)
    utc_raw = r.raw("UTC_TIME", required=True, kinds="iu")
    r.check_time_units("UTC_TIME")
    r.n = int(utc_raw.shape[0])
    utc_raw = r.rows("UTC_TIME", utc_raw, 1)[:, 0]
    if r.n == 0:
        raise PassFormatError(f"{name}: dataset 'UTC_TIME' has no rows")
    time = decode_utc_time(utc_raw)
    notes: dict[str, int] = {}
    verse_raw = r.raw("VERSE_TIME", required=False, kinds="iu")
    if verse_raw is not None:
        r.check_time_units("VERSE_TIME")
        verse_ms = r.rows("VERSE_TIME", verse_raw, 1)[:, 0].astype(np.int64)
        verse_ok = verse_ms >= 0
        verse = VERSE_EPOCH + np.where(verse_ok, verse_ms, 0).astype("timedelta64[ms]")
        verse = np.where(verse_ok, verse, np.datetime64("NaT"))
        both = ~np.isnat(time) & verse_ok
        diff = np.abs(time.astype(np.int64) - verse.astype(np.int64))
        notes["n_time_mismatch"] = int((both & (diff > 1_000_000_000)).sum())
        use_verse = np.isnat(time) & verse_ok
        notes["n_time_from_verse"] = int(use_verse.sum())
        time = np.where(use_verse, verse, time)
    time, notes["n_time_outside_name"] = _inside_name_window(time, fn)
    pos = {fld.var: r.values(fld) for fld in _POSITION}
    variables: dict[str, tuple] = {}
    extra_coords: dict[str, tuple] = {}
    for fld in fields:
        vals = r.values(fld)
        if vals is None:
            continue
        if fld.var in ("E_spectrum", "B_spectrum"):
            freq_raw = r.raw("FREQ", required=True)
            freq = freq_raw.reshape(-1).astype(np.float64) * r.factor("FREQ", "Hz")
            if freq.size != vals.shape[1]:
                raise PassFormatError(
                    f"{name}: dataset 'FREQ' has {freq.size} values, {fld.dataset!r} has {vals.shape[1]} "
                    "frequency columns"
                )
            try:
                band, lo, hi = reduce_spectrum(vals, freq, n_bands)
            except ValueError as exc:
                raise PassFormatError(f"{name}: dataset 'FREQ': {exc}") from exc
            psd = "E_psd" if fld.var == "E_spectrum" else "B_psd"
            variables[psd] = (("time", "band"), band.astype(np.float32), {})
            extra_coords["band_lo_hz"] = ("band", lo, {"units": "Hz", "long_name": "band lower edge"})
            extra_coords["band_hi_hz"] = ("band", hi, {"units": "Hz", "long_name": "band upper edge"})
            if keep_spectrum:
                variables[fld.var] = (("time", "freq"), vals, {})
                extra_coords["freq_hz"] = ("freq", freq, {"units": "Hz", "long_name": "frequency"})
        elif fld.var == "B_fgm":
            variables[fld.var] = (("time", "component"), vals, {})
            extra_coords["component"] = ("component", np.array(["x", "y", "z"]), {})
        else:
            variables[fld.var] = (vals, {})
    if fn.product == "HPM_5":
        b = np.sqrt(variables["B_x"][0] ** 2 + variables["B_y"][0] ** 2 + variables["B_z"][0] ** 2)
        variables["B"] = (b, {"long_name": "magnetic field magnitude |(B_x, B_y, B_z)|"})
    ds = make_pass(
        time,
        pos["lat"],
        pos["lon"],
        pos["alt"],
        pos["mlat"],
        variables,
        satellite=SATELLITE,
        instrument=fn.payload,
        product=fn.product,
        orbit=fn.orbit,
        half=fn.half,
        source_file=name,
        extra_coords=extra_coords,
        attrs={
            "history": f"read from {name} by core.io.cses.read_cses (units converted to the Pass contract)",
            "ax": fn.ax,
            "file_start": fn.start.isoformat(),
            "file_end": fn.end.isoformat(),
            "n_out_of_range": r.n_out_of_range,
        },
    )
    ds = clean_pass(ds, name, notes=notes)
    if ds.sizes["time"] == 0:
        raise PassFormatError(f"{name}: no sample with a valid time and position")
    return ds


# --------------------------------------------------------------------------------------------- writer
def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=None)
    ms = np.datetime64(value, "ms").astype(np.int64)
    return datetime(1970, 1, 1) + timedelta(milliseconds=int(ms))


def _default_window(ds: xr.Dataset, start: Any, end: Any) -> tuple[datetime, datetime]:
    t = ds["time"].values
    if start is None:
        start = ds.attrs.get("file_start")
    if end is None:
        end = ds.attrs.get("file_end")
    if start is None:
        start = _as_datetime(t[0].astype("datetime64[s]"))
    if end is None:
        last = t[-1]
        end_s = last.astype("datetime64[s]")
        if end_s < last:
            end_s = end_s + np.timedelta64(1, "s")
        end = _as_datetime(end_s)
    return _as_datetime(start), _as_datetime(end)


def _sample_rate(product: str, payload: str, t: np.ndarray) -> str:
    prefix = _SAMPLE_PREFIX.get(product, payload)
    if t.size < 2:
        return f"{prefix}:unknown"
    dt = float(np.median(np.diff(t.astype(np.int64)))) / 1e9
    if dt <= 0:
        return f"{prefix}:unknown"
    return f"{prefix}:{1.0 / dt:g}Hz" if dt <= 1.0 else f"{prefix}:{dt:g}s"


def _put(
    f: h5py.File,
    key: str,
    data: np.ndarray,
    *,
    long_name: str,
    units: str,
    fill: float,
    valid: tuple[float, float] | bytes,
    generation: bytes,
) -> None:
    dset = f.create_dataset(key, data=data, track_times=False)
    oid = dset.id
    _new_attr(oid, b"FillValue", np.array([fill], dtype=np.float64))
    _new_attr(oid, b"GenerationDate", np.bytes_(generation))
    _new_attr(oid, b"LongName", np.bytes_(long_name.encode("ascii")))
    _new_attr(oid, b"Units", np.bytes_(units.encode("ascii")))
    if isinstance(valid, bytes):
        _new_attr(oid, b"ValidRange", np.bytes_(valid))
    else:
        _new_attr(oid, b"ValidRange", np.array(valid, dtype=np.float64))


_ATTR_TYPES: dict[str, tuple[Any, Any]] = {}


def _new_attr(oid: Any, name: bytes, value: Any) -> None:
    """What ``obj.attrs[name] = value`` does for a new attribute of a plain (fixed-length bytes or
    numeric) value — the same HDF5 type, dataspace and data, so the same file bytes — without
    h5py's high-level overhead (HDF5 types cached per dtype)."""
    data = array_for_new_object(value)
    if data.dtype.metadata:  # tagged h5py dtypes (vlen strings …): the high-level path
        h5py.AttributeManager(h5py.Dataset(oid))[name.decode("ascii")] = value
        return
    types = _ATTR_TYPES.get(data.dtype.str)
    if types is None:
        types = _ATTR_TYPES[data.dtype.str] = (
            h5t.py_create(data.dtype, logical=True),
            h5t.py_create(data.dtype),
        )
    attr = h5a.create(oid, name, types[0], h5s.create_simple(data.shape))
    try:
        attr.write(data, mtype=types[1])
    finally:
        attr.close()


def _time_first(ds: xr.Dataset, name: str) -> np.ndarray:
    """Values of variable ``name`` with ``time`` as first axis (``ds[name].transpose("time", ...)``)."""
    var = ds.variables[name]
    if var.dims[:1] == ("time",):
        return var.values
    return var.transpose("time", ...).values


def _column(values: np.ndarray | None, n: int, dtype: str, fill: float, ncols: int = 1) -> np.ndarray:
    if values is None:
        arr = np.full((n, ncols), fill, dtype=np.float64)
    else:
        arr = np.asarray(values, dtype=np.float64).reshape(n, -1)
        arr = np.where(np.isfinite(arr), arr, fill)
    if np.dtype(dtype).kind == "i":
        arr = np.rint(arr)
    return arr.astype(dtype)


def write_cses(
    ds: xr.Dataset,
    out_dir: str | os.PathLike[str],
    *,
    ax: str | None = None,
    start: Any = None,
    end: Any = None,
    generation_date: str | None = None,
    units: Mapping[str, str] | None = None,
) -> Path:
    """Write a Pass as a CSES-01 Level-2 HDF5 file (real name and layout) into ``out_dir``; return its path.

    ``ds.attrs["product"]`` (e.g. ``"LAP_1"``), ``orbit`` and ``half`` choose the name and datasets.
    The name's start/end come from ``start``/``end``, else ``attrs["file_start"/"file_end"]``, else the
    first/last sample (floored/ceiled to the second). ``ax`` defaults to ``attrs["ax"]`` or
    :data:`DEFAULT_AX`. Payload datasets absent from ``ds`` are written all-fill when the product
    requires them and left out when optional (``B_FGM``, flags); spectrum products need the full
    spectrum (``E_spectrum``/``B_spectrum`` with coordinate ``freq_hz``). NaN → ``FillValue``.
    ``GenerationDate`` is ``generation_date``, else ``attrs["generation_date"]``, else the name's end
    time, so identical input gives byte-identical files (no HDF5 timestamps). The write is atomic.
    ``units`` maps a Pass variable or coordinate name (``"Ne"``, ``"alt"``) to the ``Units`` spelling to
    write instead of the product's default (any spelling of :data:`core.passes.UNIT_SPELLINGS`); its
    values and ``ValidRange`` are converted from the contract unit (e.g. ``{"Ne": "m-3"}`` writes m^-3).
    """
    product = str(ds.attrs.get("product", ""))
    fields = _spec(product, f"pass {ds.attrs.get('source_file', '?')}")
    payload = product.split("_")[0]
    n = int(ds.sizes.get("time", 0))
    if n == 0:
        raise ValueError("cannot write a CSES file for a pass without samples")
    orbit, half = int(ds.attrs["orbit"]), str(ds.attrs["half"])
    t0, t1 = _default_window(ds, start, end)
    ax = ax or ds.attrs.get("ax") or DEFAULT_AX.get(payload, "A2")
    name = cses_filename(product, str(ax), orbit, half, t0, t1)
    if generation_date is None:
        generation_date = ds.attrs.get("generation_date") or f"{t1:%Y-%m-%d %H:%M:%S}"
    gen = str(generation_date).encode("ascii")
    t = ds["time"].values.astype("datetime64[ns]")
    target = Path(out_dir) / name
    with atomic_path(target) as tmp:
        with h5py.File(tmp, "w", libver="earliest") as f:
            _write_open(f, ds, fields, product, payload, orbit, half, t, n, gen, dict(units or {}))
    return target


def _write_open(
    f: h5py.File,
    ds: xr.Dataset,
    fields: tuple[_Field, ...],
    product: str,
    payload: str,
    orbit: int,
    half: str,
    t: np.ndarray,
    n: int,
    gen: bytes,
    units: dict[str, str],
) -> None:
    f.attrs["FREQRANGE"] = _FREQ_RANGE.get(product, f"{payload}:unknown")
    f.attrs["ORBITNUM"] = np.bytes_(f"{orbit:06d}".encode("ascii"))
    f.attrs["ORBITTYPE"] = np.bytes_(DIGIT_OF_HALF[half].encode("ascii"))
    f.attrs["PAYLOADID"] = _PAYLOAD_ID.get(payload, payload)
    f.attrs["SAMPLERATE"] = _sample_rate(product, payload, t)
    f.attrs["SOFTVERSION"] = "V1.0"
    common: Mapping[str, Any] = {"generation": gen}
    _put(
        f,
        "UTC_TIME",
        encode_utc_time(t).reshape(n, 1),
        long_name="Coordinated Universal Time",
        units="YYYYMMDDHHMMSS.mmm",
        fill=_TIME_FILL,
        valid=b"20150101000000.000-20500101000000.000",
        **common,
    )
    verse = (t - VERSE_EPOCH).astype("timedelta64[ms]").astype(np.int64)
    verse = np.where(np.isnat(t), _TIME_FILL, verse)
    _put(
        f,
        "VERSE_TIME",
        verse.reshape(n, 1).astype(np.int64),
        long_name="2009-1-1 0:0:0",
        units="ms",
        fill=_TIME_FILL,
        valid=b"--",
        **common,
    )
    unknown = set(units) - {fld.var for fld in (*_POSITION, *fields)}
    if unknown:
        raise ValueError(f"units given for {sorted(unknown)}, which {product} files do not hold")
    for fld in _POSITION:
        src = ds.variables[fld.var].values if fld.var in ds.variables else None
        src, unit, valid = _in_units(fld, src, units)
        _put(
            f,
            fld.dataset,
            _column(src, n, fld.dtype, fld.fill),
            long_name=fld.long_name,
            units=unit,
            fill=fld.fill,
            valid=valid,
            **common,
        )
    for fld in fields:
        if fld.var in ("E_spectrum", "B_spectrum"):
            if fld.var not in ds or "freq_hz" not in ds.coords:
                raise ValueError(
                    f"writing {product} needs the full spectrum {fld.var!r} (time, freq) and coordinate "
                    "'freq_hz'"
                )
            full = _time_first(ds, fld.var)
            spec, unit, valid = _in_units(fld, full, units)
            _put(
                f,
                fld.dataset,
                _column(spec, n, fld.dtype, fld.fill, full.shape[1]),
                long_name=fld.long_name,
                units=unit,
                fill=fld.fill,
                valid=valid,
                **common,
            )
            freq = np.asarray(ds["freq_hz"].values, dtype=np.float32).reshape(1, -1)
            _put(
                f,
                "FREQ",
                freq,
                long_name="Frequency",
                units="Hz",
                fill=fld.fill,
                valid=(0.0, float(math.ceil(float(freq.max())))),
                **common,
            )
            continue
        if fld.var not in ds:
            if not fld.required:
                continue
            src = None
        else:
            src = _time_first(ds, fld.var)
        src, unit, valid = _in_units(fld, src, units)
        _put(
            f,
            fld.dataset,
            _column(src, n, fld.dtype, fld.fill, max(fld.ncols, 1)),
            long_name=fld.long_name,
            units=unit,
            fill=fld.fill,
            valid=valid,
            **common,
        )


def _in_units(
    fld: _Field, src: np.ndarray | None, units: Mapping[str, str]
) -> tuple[np.ndarray | None, str, tuple[float, float]]:
    """Values, ``Units`` and ``ValidRange`` of a field as written: the product's default spelling
    (values untouched), or ``units[fld.var]`` with values and valid range converted from the contract."""
    unit = units.get(fld.var)
    if unit is None or unit == fld.units:
        return src, fld.units, fld.valid
    factor = unit_factor(unit, _contract_unit(fld), source="write_cses", dataset=fld.dataset)
    conv = None if src is None else np.asarray(src, dtype=np.float64) / factor
    return conv, unit, (fld.valid[0] / factor, fld.valid[1] / factor)
