"""CF conventions of a Pass written to NetCDF: read back with cf_xarray by standard names."""

from __future__ import annotations

import cf_xarray  # noqa: F401 — registers the .cf accessor
import h5py
import numpy as np
import pytest
import xarray as xr

from core.io import read_pass
from core.io.cses import write_cses
from core.io.demeter import write_demeter
from core.passes import CF_CONVENTIONS
from core.testing import assert_valid_pass
from tests.helpers import cses_pass, demeter_pass


@pytest.mark.parametrize("which", ["cses", "demeter"])
def test_pass_netcdf_is_found_by_cf_standard_names(tmp_path, which):
    src = (
        write_cses(cses_pass("PAP_0"), tmp_path)
        if which == "cses"
        else write_demeter(demeter_pass(1140), tmp_path)
    )
    ds = read_pass(src)
    nc = tmp_path / "pass.nc"
    ds.to_netcdf(nc, engine="h5netcdf")
    with xr.open_dataset(nc, engine="h5netcdf") as back:
        assert back.attrs["Conventions"] == CF_CONVENTIONS
        assert back.attrs["title"] and back.attrs["source"] and back.attrs["history"]
        assert back.cf["latitude"].name == "lat" and back.cf["longitude"].name == "lon"
        assert back.cf["time"].name == "time" and back.cf["T"].name == "time"
        assert back.cf["vertical"].name == "alt" and back["alt"].attrs["positive"] == "up"
        assert back.cf.standard_names == {"latitude": ["lat"], "longitude": ["lon"], "time": ["time"]}
        assert back["lat"].attrs["units"] == "degrees_north" and back["lon"].attrs["units"] == "degrees_east"
        np.testing.assert_array_equal(back["time"].values, ds["time"].values)
        assert_valid_pass(back.load())
    with h5py.File(nc, "r") as f:  # time is CF-encoded: a number with "<unit> since <epoch>" and a calendar
        assert f["time"].dtype.kind in "iuf"
        assert " since " in str(f["time"].attrs["units"]) and "calendar" in f["time"].attrs
