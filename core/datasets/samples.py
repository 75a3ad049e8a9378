"""The Samples dataset: the windows of the targets stacked into one ``xarray.Dataset`` with its CF-1.10
metadata, written as one NetCDF-4 file (h5netcdf, atomically) and read back fully into memory.

The contract: ``docs/data-contracts.md`` (section "Samples"). Times datetime64[ns] UTC, distances km,
positions degrees; each feature in its own units (coordinate ``feature_units``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from core.atomic import atomic_path
from core.datasets.settings import DatasetSettings
from core.features import feature_long_name, feature_units
from core.windows import EventWindows

__all__ = [
    "load_samples",
    "samples_from_windows",
    "write_samples",
]


def _assemble(results: list[EventWindows], settings: DatasetSettings, attrs: dict[str, Any]) -> xr.Dataset:
    """Stack the windows of every target into a Samples dataset (targets already in output order)."""
    w = settings.window
    L, F = int(w.length), len(w.features)
    res = [r for r in results if r.n]
    n = sum(r.n for r in res)

    def cat(get: Any, dtype: Any, shape: tuple[int, ...] = ()) -> np.ndarray:
        if not res:
            return np.zeros((0, *shape), dtype=dtype)
        return np.concatenate([np.asarray(get(r), dtype=dtype) for r in res])

    def per(get: Any, dtype: Any) -> np.ndarray:
        if not res:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([np.full(r.n, get(r.target), dtype=dtype) for r in res])

    def strs(values: list[str]) -> np.ndarray:
        # numpy unicode (not object): NetCDF round trips keep the dtype, also for 0 samples
        return np.array(values, dtype=str) if values else np.zeros(0, dtype="U1")

    X = cat(lambda r: r.X, np.float32, (L, F))
    sample = np.arange(n, dtype=np.int64)
    fs = list(w.features)
    ds = xr.Dataset(
        {
            "X": (
                ("sample", "step", "feature"),
                X,
                {"long_name": "feature sequences, each feature in its own units (coordinate feature_units)"},
            )
        },
        coords={
            "sample": sample,
            "step": np.arange(L, dtype=np.int64),
            "feature": strs(list(w.features)),
            "feature_units": (
                "feature",
                strs(
                    [feature_units(f, log_density=w.log_density, background=w.background) for f in w.features]
                ),
            ),
            "feature_long_name": (
                "feature",
                strs([feature_long_name(f, log_density=w.log_density, background=w.background) for f in fs]),
            ),
            "event_id": ("sample", strs([r.target.event_id for r in res for _ in range(r.n)])),
            "source_event_id": ("sample", strs([r.target.source_id for r in res for _ in range(r.n)])),
            "label": ("sample", per(lambda t: t.label, np.int8)),
            "split": ("sample", strs([r.target.split for r in res for _ in range(r.n)])),
            "satellite": ("sample", strs([s for r in res for s in r.satellite])),
            "orbit": ("sample", cat(lambda r: r.orbit, np.int64)),
            "half": ("sample", strs([h for r in res for h in r.half])),
            "t_start": ("sample", cat(lambda r: r.t_start, np.int64).astype("datetime64[ns]")),
            "hours_before": ("sample", cat(lambda r: r.hours_before, np.float64), {"units": "h"}),
            "dist_km": ("sample", cat(lambda r: r.dist_km, np.float64), {"units": "km"}),
            "event_time": ("sample", per(lambda t: t.time_ns, np.int64).astype("datetime64[ns]")),
            "event_mag": ("sample", per(lambda t: t.mag, np.float64)),
            "event_lat": ("sample", per(lambda t: t.lat, np.float64), {"units": "deg"}),
            "event_lon": ("sample", per(lambda t: t.lon, np.float64), {"units": "deg"}),
            "event_depth_km": ("sample", per(lambda t: t.depth_km, np.float64), {"units": "km"}),
            "lat": (("sample", "step"), cat(lambda r: r.lat, np.float64, (L,)), {"units": "deg"}),
            "lon": (("sample", "step"), cat(lambda r: r.lon, np.float64, (L,)), {"units": "deg"}),
        },
        attrs=attrs,
    )
    ds["step"].attrs.update(units="1", long_name="step index; time = t_start + step * cadence_s")
    ds["label"].attrs.update(long_name="1 pre-earthquake, 0 non-seismic")
    _cf_attrs(ds, settings)
    return ds


def _cf_attrs(ds: xr.Dataset, settings: DatasetSettings) -> None:
    """CF-1.10 metadata of a Samples dataset, in place (see ``docs/data-contracts.md``).

    ``X`` mixes units (cm^-3, K, log10 …), so it has **no** ``units`` attribute — ``units = "1"`` would
    claim it is dimensionless, which it is not. Each feature's unit is a UDUNITS string in the auxiliary
    coordinate ``feature_units`` (dim ``feature``; listed in ``X``'s ``coordinates`` on disk) and what was
    done to it in ``feature_long_name``. ``lat``/``lon`` are the observations' positions (``latitude``/
    ``longitude``); the epicentre's ``event_lat``/``event_lon`` keep ``deg`` and no standard name, so that
    ``ds.cf["latitude"]`` finds one variable. ``t_start`` is ``time``. No wall-clock time goes into
    ``history``: equal inputs give equal files.
    """
    from core.passes import CF_CONVENTIONS

    ds["lat"].attrs.update(units="degrees_north", standard_name="latitude", long_name="observation latitude")
    ds["lon"].attrs.update(units="degrees_east", standard_name="longitude", long_name="observation longitude")
    ds["t_start"].attrs.update(standard_name="time", long_name="time of the sequence's first step (UTC)")
    ds["event_time"].attrs.update(long_name="origin time of the (pseudo-)event (UTC)")
    ds["event_lat"].attrs.update(long_name="epicentre latitude (geographic, north positive)")
    ds["event_lon"].attrs.update(long_name="epicentre longitude (geographic, east positive)")
    ds["feature_units"].attrs.update(long_name="units of each feature of X (UDUNITS)")
    ds["feature_long_name"].attrs.update(long_name="what each feature of X is")
    satellites = ", ".join(settings.window.satellites)
    ds.attrs.setdefault("title", f"SeqNetQuake samples: {settings.name}")
    ds.attrs.update(
        Conventions=CF_CONVENTIONS,
        source=f"{satellites} half-orbit passes, windowed by seqnetquake-workbench core.datasets",
        history="built by core.datasets from the settings, catalog and pass index in these attributes",
    )


def _time_encoding() -> dict[str, Any]:
    return {"units": "nanoseconds since 1970-01-01", "calendar": "proleptic_gregorian", "dtype": "int64"}


def write_samples(ds: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write a samples dataset as one NetCDF-4 file (h5netcdf), atomically; returns the path."""
    path = Path(path)
    enc: dict[str, dict[str, Any]] = {
        name: _time_encoding() for name in ("t_start", "event_time") if name in ds
    }
    if "X" in ds:
        enc["X"] = {"zlib": True, "complevel": 4} if ds["X"].size else {}
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf", encoding=enc)
    return path


def load_samples(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read a samples dataset written by :func:`write_samples` fully into memory (the file is closed)."""
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        out = ds.load()
    for name in ("t_start", "event_time"):
        if name in out.coords:
            out[name].encoding.clear()
    out.encoding = {}
    return out


def _peek_key(path: Path) -> str | None:
    try:
        import h5py

        with h5py.File(path, "r") as fh:
            key = fh.attrs.get("cache_key")
        return key.decode() if isinstance(key, bytes) else (str(key) if key is not None else None)
    except Exception:  # an unreadable cache file just means "rebuild"
        return None


def samples_from_windows(
    results: Sequence[EventWindows], settings: DatasetSettings, attrs: Mapping[str, Any] | None = None
) -> xr.Dataset:
    """Stack the windows of some targets into a Samples dataset (docs/data-contracts.md) — e.g. the
    sequences of one event for scoring; ``split`` is empty unless the targets carry one."""
    return _assemble(list(results), settings, dict(attrs or {"settings": json.dumps(settings.to_dict())}))
