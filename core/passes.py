"""The Pass contract: one half-orbit of one instrument as an :class:`xarray.Dataset`.

Dimension ``time`` (naive UTC ``datetime64[ns]``, strictly increasing); coordinates ``lat``, ``lon``
(degrees, lon in [-180, 180)), ``alt`` (km), ``mlat`` (deg), ``lt`` (h); data variables named by physics,
each with ``units`` (:data:`VARIABLE_UNITS`); fill values NaN. Every reader returns it and every writer
accepts it; source units are converted through :data:`UNIT_SPELLINGS`. Specification (attributes, CF
metadata, cleaning, validation): ``docs/data-contracts.md`` (section "Pass").

Public API: :func:`make_pass` (build), :func:`clean_pass` (repair what can be kept, warn once),
:func:`validate_pass` (raise :class:`PassFormatError` when the contract is broken).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

__all__ = [
    "CF_CONVENTIONS",
    "FEATURE_UNITS",
    "HALVES",
    "LONG_NAMES",
    "PASS_COORDS",
    "SATELLITES",
    "UNIT_SPELLINGS",
    "VARIABLE_UNITS",
    "PassFormatError",
    "PassWarning",
    "civil_to_datetime64",
    "clean_pass",
    "make_pass",
    "solar_local_time",
    "unit_factor",
    "validate_pass",
    "wrap_lon",
]

PASS_COORDS: tuple[str, ...] = ("lat", "lon", "alt", "mlat", "lt")
SATELLITES: tuple[str, ...] = ("CSES-01", "DEMETER")
HALVES: tuple[str, ...] = ("day", "night")

#: Units of the scalar per-sample physics variables (the feature vocabulary shared by both satellites).
FEATURE_UNITS: dict[str, str] = {
    "Ne": "cm^-3",
    "Te": "K",
    "Ni": "cm^-3",
    "Ni_H": "cm^-3",
    "Ni_He": "cm^-3",
    "Ni_O": "cm^-3",
    "Ti": "K",
    "Vi_x": "m/s",
    "Vi_y": "m/s",
    "Vi_z": "m/s",
    "Vi_theta": "deg",
    "Vi_phi": "deg",
    "B_x": "nT",
    "B_y": "nT",
    "B_z": "nT",
    "B": "nT",
    "V_plasma": "V",
    "V_float": "V",
    "V_sat": "V",
    "flag_mt": "1",
    "flag_shw": "1",
    "flag_tbb": "1",
}

#: Units of every variable a reader may return (features plus the 2-D ones).
VARIABLE_UNITS: dict[str, str] = {
    **FEATURE_UNITS,
    "B_fgm": "nT",
    "E_psd": "mV^2/m^2/Hz",
    "B_psd": "nT^2/Hz",
    "E_spectrum": "mV^2/m^2/Hz",
    "B_spectrum": "nT^2/Hz",
}

LONG_NAMES: dict[str, str] = {
    "Ne": "electron density",
    "Te": "electron temperature",
    "Ni": "total ion density",
    "Ni_H": "H+ density",
    "Ni_He": "He+ density",
    "Ni_O": "O+ density",
    "Ti": "ion temperature",
    "Vi_x": "ion drift velocity, x component",
    "Vi_y": "ion drift velocity, y component",
    "Vi_z": "ion drift velocity, z component",
    "Vi_theta": "ion velocity angle theta",
    "Vi_phi": "ion velocity angle phi",
    "B_x": "magnetic field, x component",
    "B_y": "magnetic field, y component",
    "B_z": "magnetic field, z component",
    "B": "magnetic field magnitude",
    "V_plasma": "plasma potential",
    "V_float": "floating potential",
    "V_sat": "satellite potential",
    "flag_mt": "magnetorquer interference flag (1 = on)",
    "flag_shw": "earth shadow flag (1 = shadow, 0 = sunlit)",
    "flag_tbb": "TBB flag (1 = on)",
    "B_fgm": "magnetic field vector (FGM)",
    "E_psd": "electric field power spectral density, band mean",
    "B_psd": "magnetic field power spectral density, band mean",
    "E_spectrum": "electric field power spectral density",
    "B_spectrum": "magnetic field power spectral density",
}

#: The CF version the NetCDF-ready datasets (Pass, Samples) follow (global attribute ``Conventions``).
CF_CONVENTIONS = "CF-1.10"

#: Contract unit → {spelling accepted in a source file: factor converting a value to the contract unit}.
#: Spellings are matched exactly after stripping blanks (units are case-sensitive: ``mV`` ≠ ``MV``).
#: Readers refuse any other spelling (:func:`unit_factor`). Offset units (°C) are deliberately absent.
_DEG = {"deg": 1.0, "degree": 1.0, "degrees": 1.0, "°": 1.0, "rad": 180.0 / np.pi}
UNIT_SPELLINGS: dict[str, dict[str, float]] = {
    "cm^-3": {
        **dict.fromkeys(("cm^-3", "cm-3", "cm**-3", "/cm3", "/cm^3", "1/cm3", "1/cm^3", "cm^{-3}"), 1.0),
        **dict.fromkeys(("m^-3", "m-3", "m**-3", "/m3", "/m^3", "1/m3", "1/m^3", "m^{-3}"), 1.0e-6),
    },
    "K": {"K": 1.0, "kelvin": 1.0, "eV": 11604.51812},  # 1 eV / k_B (CODATA 2018)
    "m/s": {"m/s": 1.0, "m s-1": 1.0, "m s^-1": 1.0, "m.s-1": 1.0, "km/s": 1.0e3, "km s-1": 1.0e3},
    "deg": _DEG,
    "degrees_north": {**_DEG, "degrees_north": 1.0, "degree_north": 1.0, "degrees_N": 1.0, "degree_N": 1.0},
    "degrees_east": {**_DEG, "degrees_east": 1.0, "degree_east": 1.0, "degrees_E": 1.0, "degree_E": 1.0},
    "km": {"km": 1.0, "m": 1.0e-3},
    "h": {"h": 1.0, "hour": 1.0, "hours": 1.0, "hr": 1.0},
    "nT": {"nT": 1.0, "nanotesla": 1.0, "gamma": 1.0, "uT": 1.0e3, "µT": 1.0e3, "T": 1.0e9},
    "V": {"V": 1.0, "volt": 1.0, "mV": 1.0e-3},
    "1": {"1": 1.0, "": 1.0, "none": 1.0, "None": 1.0, "-": 1.0},
    "Hz": {"Hz": 1.0, "kHz": 1.0e3},
    "mV^2/m^2/Hz": {"mV^2/m^2/Hz": 1.0, "mV2/m2/Hz": 1.0, "(mV/m)^2/Hz": 1.0, "V^2/m^2/Hz": 1.0e6},
    "nT^2/Hz": {"nT^2/Hz": 1.0, "nT2/Hz": 1.0, "nT^2 Hz^-1": 1.0},
}


def unit_factor(unit: str, contract: str, *, source: str, dataset: str) -> float:
    """Factor converting values stated in ``unit`` (a source file's spelling) to the contract unit.

    ``PassFormatError`` naming the file (``source``), the dataset and the unit when ``unit`` is not a
    known spelling of ``contract`` (:data:`UNIT_SPELLINGS`).
    """
    spellings = UNIT_SPELLINGS.get(contract)
    if spellings is None:  # pragma: no cover — a programming error, not a file problem
        raise KeyError(f"{contract!r} is not a contract unit of UNIT_SPELLINGS")
    factor = spellings.get(unit.strip())
    if factor is None:
        known = ", ".join(repr(k) for k in spellings if k)
        raise PassFormatError(
            f"{source}: dataset {dataset!r} has units {unit!r}, not a known spelling of {contract!r} "
            f"(known: {known})"
        )
    return factor


_TIME_ATTRS: dict[str, str] = {"standard_name": "time", "long_name": "time (UTC)", "axis": "T"}

_COORD_ATTRS: dict[str, dict[str, str]] = {
    "lat": {"units": "degrees_north", "standard_name": "latitude", "long_name": "geographic latitude"},
    "lon": {"units": "degrees_east", "standard_name": "longitude", "long_name": "geographic longitude"},
    "alt": {
        "units": "km",
        "long_name": "altitude",
        "positive": "up",
        "comment": "CSES-01: above a sphere of radius 6371.2 km; DEMETER: as given by the N1 location block",
    },
    "mlat": {"units": "deg", "long_name": "magnetic latitude"},
    "lt": {"units": "h", "long_name": "local solar time"},
}

_SECOND_DIM: dict[str, str] = {
    "B_fgm": "component",
    "E_psd": "band",
    "B_psd": "band",
    "E_spectrum": "freq",
    "B_spectrum": "freq",
}

_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_DAY = 24 * _NS_PER_HOUR


class PassFormatError(ValueError):
    """A pass file (or Pass dataset) breaks its format; the message names the file and the field."""


class PassWarning(UserWarning):
    """A pass file had problems that were repaired (cleaned rows, fill-only columns, time mismatches)."""


def _as_utc_ns(time: Any) -> np.ndarray:
    """Times as naive UTC ``datetime64[ns]`` (tz-aware inputs are converted to UTC first)."""
    if isinstance(time, pd.DatetimeIndex | pd.Series) or (
        isinstance(time, np.ndarray) and time.dtype == object
    ):
        idx = pd.DatetimeIndex(time)
        if idx.tz is not None:
            idx = idx.tz_convert("UTC").tz_localize(None)
        return idx.to_numpy().astype("datetime64[ns]")
    arr = np.asarray(time)
    if arr.dtype.kind != "M":
        arr = pd.DatetimeIndex(arr).to_numpy()
    return arr.astype("datetime64[ns]")


def wrap_lon(lon: np.ndarray) -> np.ndarray:
    """Longitudes wrapped to [-180, 180) degrees (NaN stays NaN)."""
    lon = np.asarray(lon, dtype=np.float64)
    out = (lon + 180.0) % 360.0 - 180.0
    return np.where(out >= 180.0, -180.0, out)  # (-1e-14) % 360 rounds to 360


def solar_local_time(time: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Local solar time in hours, ``UT + lon/15 mod 24`` (NaN where the time is NaT or lon is NaN)."""
    t = np.asarray(time, dtype="datetime64[ns]")
    ns = t.astype(np.int64) % _NS_PER_DAY
    ut_h = ns / _NS_PER_HOUR
    ut_h = np.where(np.isnat(t), np.nan, ut_h)
    lt = np.mod(ut_h + np.asarray(lon, dtype=np.float64) / 15.0, 24.0)
    return np.where(lt >= 24.0, 0.0, lt)


def civil_to_datetime64(
    year: Any, month: Any, day: Any, hour: Any, minute: Any, second: Any, millisecond: Any
) -> np.ndarray:
    """UTC calendar fields (integer arrays) → naive ``datetime64[ns]``; invalid combinations → NaT.

    Vectorised integer arithmetic (no strings, no Python loop). Valid: year 1900–2199, month 1–12, day
    within the month, hour < 24, minute < 60, second < 60 (no leap second), millisecond < 1000.
    """
    y, mo, d, h, mi, s, ms = (
        np.asarray(a, dtype=np.int64) for a in (year, month, day, hour, minute, second, millisecond)
    )
    y, mo, d, h, mi, s, ms = np.broadcast_arrays(y, mo, d, h, mi, s, ms)
    ok = (
        (y >= 1900)
        & (y < 2200)
        & (mo >= 1)
        & (mo <= 12)
        & (d >= 1)
        & (h >= 0)
        & (h < 24)
        & (mi >= 0)
        & (mi < 60)
        & (s >= 0)
        & (s < 60)
        & (ms >= 0)
        & (ms < 1000)
    )
    months = np.where(ok, (y - 1970) * 12 + (mo - 1), 0)
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    month_len = ((months + 1).astype("datetime64[M]").astype("datetime64[D]") - first).astype(np.int64)
    ok &= d <= month_len
    days = first.astype(np.int64) + np.where(ok, d - 1, 0)
    ns = days * _NS_PER_DAY + (((h * 60 + mi) * 60 + s) * 1000 + ms) * 1_000_000
    out = ns.astype("datetime64[ns]")
    out[~ok] = np.datetime64("NaT")
    return out


def make_pass(
    time: Any,
    lat: Any,
    lon: Any,
    alt: Any,
    mlat: Any,
    variables: Mapping[str, tuple],
    *,
    satellite: str,
    instrument: str,
    product: str,
    orbit: int,
    half: str,
    source_file: str | os.PathLike[str],
    lt: Any = None,
    extra_coords: Mapping[str, tuple] | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Build a Pass dataset (docs/data-contracts.md) from arrays.

    ``variables`` maps a physics name to ``(values, attrs)`` or ``(dims, values, attrs)``; 1-D values
    lie along ``time``; a 2-D value gets the second dimension named in ``dims`` or the default for its
    name (``B_fgm`` → ``component``, ``E_psd``/``B_psd`` → ``band``, ``*_spectrum`` → ``freq``).
    Missing ``units``/``long_name`` attributes are filled from the vocabulary. Integer values become
    float64. ``extra_coords`` maps a name to ``(dims, values, attrs)`` for non-time coordinates (e.g.
    ``band_lo_hz``). Units: lat degrees_north, lon degrees_east, mlat deg, alt km, lt hours (computed
    from UT and lon when ``None``). Coordinates get their CF attributes and the dataset ``Conventions``,
    ``title`` and ``source`` (``attrs`` may override them).
    ``source_file`` is reduced to its name. Times, positions and values are not cleaned here — see
    :func:`clean_pass`.
    """
    if satellite not in SATELLITES:
        raise ValueError(f"satellite must be one of {SATELLITES}, got {satellite!r}")
    if half not in HALVES:
        raise ValueError(f"half must be one of {HALVES}, got {half!r}")
    t = _as_utc_ns(time).reshape(-1)
    n = t.size
    coords: dict[str, Any] = {"time": ("time", t, dict(_TIME_ATTRS))}
    lon_w = wrap_lon(np.asarray(lon, dtype=np.float64).reshape(-1))
    lt_arr = solar_local_time(t, lon_w) if lt is None else np.asarray(lt, dtype=np.float64).reshape(-1)
    for name, values in (("lat", lat), ("lon", lon_w), ("alt", alt), ("mlat", mlat), ("lt", lt_arr)):
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
        if arr.size != n:
            raise ValueError(f"coordinate {name!r} has {arr.size} values, time has {n}")
        coords[name] = ("time", arr, dict(_COORD_ATTRS[name]))
    for name, spec in (extra_coords or {}).items():
        coords[name] = spec
    data_vars: dict[str, Any] = {}
    for name, spec in variables.items():
        if len(spec) == 3:
            dims, values, var_attrs = spec
        else:
            values, var_attrs = spec
            dims = None
        arr = np.asarray(values)
        if arr.dtype.kind in "iub":
            arr = arr.astype(np.float64)
        elif arr.dtype.kind != "f":
            raise ValueError(f"variable {name!r} must be numeric, got dtype {arr.dtype}")
        if dims is None:
            if arr.ndim == 1:
                dims = ("time",)
            elif arr.ndim == 2:
                dims = ("time", _SECOND_DIM.get(name, f"{name}_dim"))
            else:
                raise ValueError(f"variable {name!r} must be 1-D or 2-D, got shape {arr.shape}")
        dims = tuple(dims)
        if arr.shape[0] != n or dims[0] != "time":
            raise ValueError(f"variable {name!r} has shape {arr.shape}; its first dim must be time ({n})")
        full_attrs = dict(var_attrs or {})
        full_attrs.setdefault("units", VARIABLE_UNITS.get(name, "1"))
        full_attrs.setdefault("long_name", LONG_NAMES.get(name, name))
        data_vars[name] = (dims, arr, full_attrs)
    ds = xr.Dataset(data_vars=data_vars, coords=coords)
    ds.attrs.update(
        {
            "satellite": satellite,
            "instrument": str(instrument),
            "product": str(product),
            "orbit": int(orbit),
            "half": half,
            "source_file": Path(os.fspath(source_file)).name,
            "Conventions": CF_CONVENTIONS,
            "title": f"{satellite} {instrument} {product} half-orbit {int(orbit)} ({half})",
            "source": f"{satellite} {instrument} {product} file {Path(os.fspath(source_file)).name}",
        }
    )
    if attrs:
        ds.attrs.update(attrs)
    return ds


def clean_pass(
    ds: xr.Dataset, source: str | os.PathLike[str], *, notes: Mapping[str, int] | None = None
) -> xr.Dataset:
    """Repair what can be kept: sort backwards times, drop duplicate times and rows without time/position.

    Rows whose time is NaT or whose ``lat``/``lon``/``alt`` is NaN are dropped; times are sorted (stable)
    when they ever step backwards; of duplicate times the first row is kept. Variables that are all NaN
    stay (all NaN). The counts go to ``ds.attrs``: ``n_dropped_time``, ``n_dropped_position``,
    ``n_dropped_duplicate``, ``n_backwards`` (backward steps that were sorted), ``all_fill_variables``
    (comma-separated names) — and so do the reader's own counts passed in ``notes`` (e.g.
    ``{"n_time_mismatch": 3}``). When anything was changed or noted, one :class:`PassWarning` naming the
    file (``source``) and the counts is issued.
    """
    name = Path(os.fspath(source)).name
    t = ds["time"].values
    keep_time = ~np.isnat(t)
    keep_pos = np.ones(t.size, dtype=bool)
    for c in ("lat", "lon", "alt"):
        if c in ds.coords:
            keep_pos &= np.isfinite(ds[c].values)
    n_bad_time = int((~keep_time).sum())
    n_bad_pos = int((keep_time & ~keep_pos).sum())
    keep = keep_time & keep_pos
    if not keep.all():
        ds = ds.isel(time=np.flatnonzero(keep))
    t = ds["time"].values
    ti = t.astype(np.int64)
    n_back = int((np.diff(ti) < 0).sum())
    if n_back:
        order = np.argsort(ti, kind="stable")
        ds = ds.isel(time=order)
        ti = ti[order]
    dup = np.zeros(ti.size, dtype=bool)
    dup[1:] = ti[1:] == ti[:-1]
    n_dup = int(dup.sum())
    if n_dup:
        ds = ds.isel(time=np.flatnonzero(~dup))
    all_fill = [
        str(v)
        for v in ds.data_vars
        if ds[v].size > 0 and ds[v].dtype.kind == "f" and bool(np.isnan(ds[v].values).all())
    ]
    counts = {
        "n_dropped_time": n_bad_time,
        "n_dropped_position": n_bad_pos,
        "n_dropped_duplicate": n_dup,
        "n_backwards": n_back,
    }
    extra = {k: int(v) for k, v in (notes or {}).items()}
    ds.attrs.update(counts)
    ds.attrs.update(extra)
    ds.attrs["all_fill_variables"] = ",".join(all_fill)
    problems = [f"{k}={v}" for k, v in {**counts, **extra}.items() if v]
    if all_fill:
        problems.append(f"all-fill variables: {', '.join(all_fill)}")
    if problems:
        warnings.warn(
            f"{name}: cleaned pass ({ds.sizes['time']} samples kept): " + "; ".join(problems),
            PassWarning,
            stacklevel=2,
        )
    return ds


def validate_pass(ds: xr.Dataset) -> None:
    """Raise :class:`PassFormatError` when ``ds`` breaks the Pass contract (docs/data-contracts.md).

    Checks: a ``time`` dimension of naive ``datetime64[ns]`` without NaT, strictly increasing; the five
    coordinates along time, finite lat/lon/alt in range (lat [-90, 90], lon [-180, 180), lt [0, 24));
    data variables along time with ``units``; the attributes satellite, instrument, product, orbit (int),
    half and source_file (a bare file name).
    """
    src = ds.attrs.get("source_file", "<pass>")

    def fail(msg: str) -> None:
        raise PassFormatError(f"{src}: {msg}")

    if "time" not in ds.dims:
        fail("no 'time' dimension")
    t = ds["time"].values
    if t.dtype != np.dtype("datetime64[ns]"):
        fail(f"time has dtype {t.dtype}, expected datetime64[ns]")
    if np.isnat(t).any():
        fail("time contains NaT")
    if t.size > 1 and not (np.diff(t.astype(np.int64)) > 0).all():
        fail("time is not strictly increasing")
    for c in PASS_COORDS:
        if c not in ds.coords:
            fail(f"coordinate {c!r} is missing")
        if ds[c].dims != ("time",):
            fail(f"coordinate {c!r} has dims {ds[c].dims}, expected ('time',)")
        if ds[c].dtype.kind != "f":
            fail(f"coordinate {c!r} has dtype {ds[c].dtype}, expected float")
    for c in ("lat", "lon", "alt"):
        if not np.isfinite(ds[c].values).all():
            fail(f"coordinate {c!r} has NaN values")
    lat, lon = ds["lat"].values, ds["lon"].values
    if ((lat < -90) | (lat > 90)).any():
        fail("lat outside [-90, 90]")
    if ((lon < -180) | (lon >= 180)).any():
        fail("lon outside [-180, 180)")
    lt = ds["lt"].values
    if ((lt < 0) | (lt >= 24)).any():
        fail("lt outside [0, 24)")
    for v in ds.data_vars:
        if not ds[v].dims or ds[v].dims[0] != "time":
            fail(f"variable {v!r} does not lie along time (dims {ds[v].dims})")
        if "units" not in ds[v].attrs:
            fail(f"variable {v!r} has no 'units' attribute")
    for key in ("satellite", "instrument", "product", "orbit", "half", "source_file"):
        if key not in ds.attrs:
            fail(f"attribute {key!r} is missing")
    if ds.attrs["satellite"] not in SATELLITES:
        fail(f"satellite {ds.attrs['satellite']!r} not in {SATELLITES}")
    if ds.attrs["half"] not in HALVES:
        fail(f"half {ds.attrs['half']!r} not in {HALVES}")
    orbit = ds.attrs["orbit"]
    if isinstance(orbit, bool) or not isinstance(orbit, int | np.integer) or orbit < 0:
        fail(f"orbit {orbit!r} is not a non-negative integer")
    sf = str(ds.attrs["source_file"])
    if not sf or Path(sf).name != sf:
        fail(f"source_file {sf!r} must be a bare file name")
