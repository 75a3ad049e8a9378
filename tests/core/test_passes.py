"""The Pass contract: make_pass, clean_pass, validate_pass (docs/data-contracts.md)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from core.passes import (
    FEATURE_UNITS,
    HALVES,
    PASS_COORDS,
    SATELLITES,
    VARIABLE_UNITS,
    PassFormatError,
    PassWarning,
    civil_to_datetime64,
    clean_pass,
    make_pass,
    solar_local_time,
    validate_pass,
    wrap_lon,
)

T0 = np.datetime64("2020-06-01T01:00:00.000", "ns")


def _pass(n: int = 10, *, times=None, lat=None, variables=None, **kw):
    t = T0 + np.arange(n) * np.timedelta64(1, "s") if times is None else times
    lat = np.linspace(-30, 30, n) if lat is None else lat
    args = dict(
        satellite="CSES-01",
        instrument="LAP",
        product="LAP_1",
        orbit=1234,
        half="night",
        source_file="/some/dir/CSES_01_LAP_1_L02_A3_012341_20200601_010000_20200601_013000_000.h5",
    )
    args.update(kw)
    if variables is None:
        variables = {"Ne": (np.linspace(1e4, 2e4, n).astype(np.float32), {}), "Te": (np.full(n, 1500.0), {})}
    return make_pass(t, lat, np.linspace(170, 190, n), np.full(n, 507.0), lat - 5, variables, **args)


def test_vocabulary():
    assert PASS_COORDS == ("lat", "lon", "alt", "mlat", "lt")
    assert SATELLITES == ("CSES-01", "DEMETER")
    assert HALVES == ("day", "night")
    for name, unit in {
        "Ne": "cm^-3",
        "Te": "K",
        "Ni_O": "cm^-3",
        "Ti": "K",
        "Vi_z": "m/s",
        "B": "nT",
        "V_sat": "V",
        "flag_mt": "1",
    }.items():
        assert FEATURE_UNITS[name] == unit
    assert set(FEATURE_UNITS) <= set(VARIABLE_UNITS)
    assert issubclass(PassFormatError, ValueError) and issubclass(PassWarning, UserWarning)


def test_make_pass_shape_and_attrs():
    ds = _pass()
    validate_pass(ds)
    assert ds["time"].dtype == np.dtype("datetime64[ns]")
    assert set(PASS_COORDS) <= set(ds.coords)
    assert ds.attrs["source_file"].startswith("CSES_01_LAP_1") and "/" not in ds.attrs["source_file"]
    assert isinstance(ds.attrs["orbit"], int)
    assert ds["Ne"].attrs["units"] == "cm^-3" and ds["Ne"].attrs["long_name"] == "electron density"
    assert ds["Ne"].dtype == np.float32
    lon = ds["lon"].values
    assert lon.min() >= -180 and lon.max() < 180
    assert lon[-1] == pytest.approx(-170.0)
    # lt = UT + lon/15 mod 24 at 01:00 UT, lon 170 → 12.33 h
    assert ds["lt"].values[0] == pytest.approx((1.0 + 170 / 15) % 24)


def test_make_pass_2d_and_int_and_tz():
    n = 4
    times = pd.date_range("2020-06-01T03:00", periods=n, freq="s", tz="Asia/Shanghai")
    ds = make_pass(
        times,
        np.zeros(n),
        np.zeros(n),
        np.full(n, 500.0),
        np.zeros(n),
        {"B_fgm": (np.ones((n, 3)), {}), "flag_mt": (np.array([0, 1, 0, 1]), {})},
        satellite="CSES-01",
        instrument="HPM",
        product="HPM_5",
        orbit=1,
        half="day",
        source_file="x.h5",
        lt=np.full(n, 12.0),
        extra_coords={"component": ("component", np.array(["x", "y", "z"]), {})},
    )
    assert ds["B_fgm"].dims == ("time", "component")
    assert ds["flag_mt"].dtype == np.float64
    assert str(ds["time"].values[0]) == "2020-05-31T19:00:00.000000000"  # converted to UTC, naive
    assert (ds["lt"].values == 12.0).all()


@pytest.mark.parametrize(
    "kw, match",
    [({"satellite": "SWARM"}, "satellite"), ({"half": "dusk"}, "half")],
)
def test_make_pass_rejects_bad_attrs(kw, match):
    with pytest.raises(ValueError, match=match):
        _pass(**kw)


def test_make_pass_rejects_length_mismatch():
    with pytest.raises(ValueError, match="lat"):
        _pass(lat=np.zeros(3))


def test_clean_pass_noop_does_not_warn():
    ds = _pass()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = clean_pass(ds, "file.h5")
    assert out.sizes["time"] == 10
    assert out.attrs["n_dropped_duplicate"] == 0 and out.attrs["all_fill_variables"] == ""


def test_clean_pass_repairs_and_counts():
    t = T0 + np.array([0, 1, 1, 3, 2, 5, 6, 7], dtype="timedelta64[s]")
    t = t.astype("datetime64[ns]")
    t[6] = np.datetime64("NaT")
    lat = np.linspace(-10, 10, 8)
    lat[7] = np.nan
    ds = _pass(8, times=t, lat=lat)
    with pytest.warns(PassWarning, match=r"file\.h5.*n_dropped_time=1.*n_dropped_position=1"):
        out = clean_pass(ds, "/x/file.h5", notes={"n_time_mismatch": 2})
    validate_pass(out)
    assert out.attrs["n_dropped_time"] == 1
    assert out.attrs["n_dropped_position"] == 1
    assert out.attrs["n_dropped_duplicate"] == 1
    assert out.attrs["n_backwards"] == 1
    assert out.attrs["n_time_mismatch"] == 2
    secs = (out["time"].values - T0) / np.timedelta64(1, "s")
    assert secs.tolist() == [0, 1, 2, 3, 5]
    # first of the duplicates kept: original rows 0,1,4,3,5 → Ne values in that order
    ne = ds["Ne"].values
    np.testing.assert_array_equal(out["Ne"].values, ne[[0, 1, 4, 3, 5]])


def test_clean_pass_keeps_all_fill_variable_with_warning():
    ds = _pass(variables={"Ne": (np.full(10, np.nan), {}), "Te": (np.ones(10), {})})
    with pytest.warns(PassWarning, match="all-fill variables: Ne"):
        out = clean_pass(ds, "f.h5")
    assert np.isnan(out["Ne"].values).all() and out.sizes["time"] == 10
    assert out.attrs["all_fill_variables"] == "Ne"


@pytest.mark.parametrize(
    "breaker, match",
    [
        (lambda ds: ds.isel(time=[1, 0, 2]), "strictly increasing"),
        (lambda ds: ds.drop_vars("mlat"), "mlat"),
        (lambda ds: ds.assign_attrs(half="dusk"), "half"),
        (lambda ds: ds.assign_attrs(source_file="/abs/path.h5"), "source_file"),
        (lambda ds: ds.assign_attrs(orbit="12"), "orbit"),
        (lambda ds: ds.drop_attrs(deep=False), "missing"),
        (lambda ds: ds.assign(Ne=ds["Ne"].assign_attrs(units=None).drop_attrs()), "units"),
        (lambda ds: ds.assign_coords(lat=ds["lat"] * 10), "lat"),
        (lambda ds: ds.assign_coords(lon=ds["lon"].where(ds["lon"] > 0)), "lon"),
    ],
)
def test_validate_pass_rejects(breaker, match):
    ds = _pass()
    with pytest.raises(PassFormatError, match=match):
        validate_pass(breaker(ds))


def test_civil_time_and_helpers():
    t = civil_to_datetime64(
        [2019, 2019, 2019, 2021],
        [2, 2, 12, 1],
        [28, 29, 31, 1],
        [23, 0, 23, 24],
        [59, 0, 59, 0],
        [59, 0, 59, 0],
        [999, 0, 999, 0],
    )
    assert str(t[0]) == "2019-02-28T23:59:59.999000000"
    assert np.isnat(t[1]) and np.isnat(t[3])
    assert str(t[2]) == "2019-12-31T23:59:59.999000000"
    np.testing.assert_allclose(wrap_lon(np.array([180.0, -180.0, 359.0, -181.0])), [-180, -180, -1, 179])
    lt = solar_local_time(np.array(["2020-01-01T06:00"], dtype="datetime64[ns]"), np.array([-90.0]))
    assert lt[0] == pytest.approx(0.0)
