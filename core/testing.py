"""Contract assertions for tests, in the style of :mod:`xarray.testing`.

:func:`assert_valid_pass` and :func:`assert_valid_samples` raise an :class:`AssertionError` whose message
names the variable or attribute that breaks the contract (``docs/data-contracts.md``; the Pass contract
is :mod:`core.passes`, the Samples contract :mod:`core.datasets`).
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from core.passes import CF_CONVENTIONS, VARIABLE_UNITS, PassFormatError, validate_pass

__all__ = ["assert_valid_pass", "assert_valid_samples"]

#: Units and CF attributes every Pass coordinate carries.
PASS_COORD_ATTRS: dict[str, dict[str, str]] = {
    "time": {"standard_name": "time"},
    "lat": {"units": "degrees_north", "standard_name": "latitude"},
    "lon": {"units": "degrees_east", "standard_name": "longitude"},
    "alt": {"units": "km", "positive": "up"},
    "mlat": {"units": "deg"},
    "lt": {"units": "h"},
}

SAMPLE_COORDS: tuple[str, ...] = (
    "event_id",
    "source_event_id",
    "label",
    "split",
    "satellite",
    "orbit",
    "half",
    "t_start",
    "hours_before",
    "dist_km",
    "event_time",
    "event_mag",
    "event_lat",
    "event_lon",
    "event_depth_km",
)


def _attrs(obj: xr.DataArray | xr.Dataset, expected: dict[str, str], what: str) -> None:
    for key, value in expected.items():
        got = obj.attrs.get(key)
        assert got == value, f"{what}: attribute {key!r} is {got!r}, expected {value!r}"


def _cf_globals(ds: xr.Dataset) -> None:
    _attrs(ds, {"Conventions": CF_CONVENTIONS}, "dataset")
    for key in ("title", "source"):
        assert ds.attrs.get(key), f"dataset: CF attribute {key!r} is missing or empty"


def assert_valid_pass(ds: xr.Dataset) -> None:
    """Assert ``ds`` is a Pass: :func:`core.passes.validate_pass` (dims, coordinates, strictly increasing
    unique times, lat/lon ranges, attributes), units of the contract (:data:`~core.passes.VARIABLE_UNITS`;
    coordinates in degrees_north/degrees_east/km/deg/h) and the CF attributes."""
    __tracebackhide__ = True
    try:
        validate_pass(ds)
    except PassFormatError as exc:
        raise AssertionError(str(exc)) from None
    for name, expected in PASS_COORD_ATTRS.items():
        _attrs(ds[name], expected, f"coordinate {name!r}")
    for name in map(str, ds.data_vars):
        if name in VARIABLE_UNITS:
            _attrs(ds[name], {"units": VARIABLE_UNITS[name]}, f"variable {name!r}")
    _cf_globals(ds)


def assert_valid_samples(ds: xr.Dataset) -> None:
    """Assert ``ds`` is a Samples dataset: dims, ``X`` (sample, step, feature) float32 without ``units``,
    the per-sample coordinates, ``label`` int8 in {0, 1}, ``split`` among the settings' split names (or
    empty: samples of one event for scoring), ``t_start`` before ``event_time``, ``lat``/``lon`` (sample,
    step) in range, ``feature_units`` per feature as the settings' transforms give, CF attributes."""
    __tracebackhide__ = True
    from core.datasets import DatasetSettings
    from core.features import feature_units

    assert set(ds.dims) == {"sample", "step", "feature"}, f"dims are {sorted(map(str, ds.dims))}"
    X = ds["X"]
    assert X.dims == ("sample", "step", "feature"), f"X has dims {X.dims}"
    assert X.dtype == np.float32, f"X has dtype {X.dtype}, expected float32"
    assert "units" not in X.attrs, "X has a 'units' attribute, but its features have mixed units"
    for name in SAMPLE_COORDS:
        assert name in ds.coords, f"coordinate {name!r} is missing"
        assert ds[name].dims == ("sample",), f"coordinate {name!r} has dims {ds[name].dims}"
    label = ds["label"]
    assert label.dtype == np.int8, f"label has dtype {label.dtype}, expected int8"
    assert set(np.unique(label.values).tolist()) <= {0, 1}, f"label values {np.unique(label.values)}"
    for name in ("t_start", "event_time"):
        assert np.issubdtype(ds[name].dtype, np.datetime64), f"{name} has dtype {ds[name].dtype}"
    assert (ds["t_start"].values < ds["event_time"].values).all(), "t_start is not before event_time"
    for name, lo, hi in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
        assert ds[name].dims == ("sample", "step"), f"coordinate {name!r} has dims {ds[name].dims}"
        v = ds[name].values
        assert not ((v < lo) | (v > hi)).any(), f"{name} outside [{lo}, {hi}]"
    _attrs(ds["lat"], {"units": "degrees_north", "standard_name": "latitude"}, "coordinate 'lat'")
    _attrs(ds["lon"], {"units": "degrees_east", "standard_name": "longitude"}, "coordinate 'lon'")
    _attrs(ds["t_start"], {"standard_name": "time"}, "coordinate 't_start'")
    assert "feature_units" in ds.coords and ds["feature_units"].dims == ("feature",), (
        "coordinate 'feature_units' (dim feature) is missing"
    )
    assert "settings" in ds.attrs, "attribute 'settings' is missing"
    settings = DatasetSettings.from_dict(json.loads(ds.attrs["settings"]))
    w = settings.window
    features = [str(f) for f in ds["feature"].values]
    assert features == list(w.features), f"features {features} differ from the settings' {list(w.features)}"
    for f, unit in zip(features, ds["feature_units"].values, strict=True):
        expected = feature_units(f, log_density=w.log_density, background=w.background)
        assert str(unit) == expected, f"feature_units of {f!r} is {str(unit)!r}, expected {expected!r}"
    splits = {*settings.split_names(), ""}
    bad = sorted(set(ds["split"].values.tolist()) - splits)
    assert not bad, f"split values {bad} are not split names of the settings ({sorted(splits - {''})})"
    _cf_globals(ds)
