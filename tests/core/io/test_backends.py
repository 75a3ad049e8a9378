"""xarray backends: engine="cses"/"demeter" (installed entry points and the classes), open_mfdataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from core.io import read_pass
from core.io.backends import CSESBackendEntrypoint, DemeterBackendEntrypoint
from core.io.cses import write_cses
from core.io.demeter import write_demeter
from core.synthetic.generator import generate_archive
from core.testing import assert_valid_pass
from tests.helpers import cses_pass, demeter_pass, empty_catalog


def test_entry_points_are_installed():
    engines = xr.backends.list_engines()
    missing = {"cses", "demeter"} - set(engines)
    assert not missing, (
        f"engines {missing} not registered: reinstall with `pip install --no-deps -e .` (make)"
    )
    assert isinstance(engines["cses"], CSESBackendEntrypoint)
    assert isinstance(engines["demeter"], DemeterBackendEntrypoint)
    assert engines["cses"].description and engines["cses"].url.endswith("docs/data-contracts.md")


@pytest.mark.parametrize("engine", ["cses", CSESBackendEntrypoint], ids=["name", "class"])
def test_open_dataset_cses_is_read_pass(tmp_path, engine):
    path = write_cses(cses_pass("LAP_1"), tmp_path)
    ds = xr.open_dataset(path, engine=engine)
    xr.testing.assert_identical(ds, read_pass(path))
    assert_valid_pass(ds)
    dropped = xr.open_dataset(path, engine=engine, drop_variables=["Te", "not_there"])
    xr.testing.assert_identical(dropped, read_pass(path).drop_vars("Te"))
    efd = write_cses(cses_pass("EFD_1"), tmp_path)
    spec = xr.open_dataset(efd, engine=engine, keep_spectrum=True, n_bands=4)
    assert "E_spectrum" in spec and spec.sizes["band"] == 4


@pytest.mark.parametrize("engine", ["demeter", DemeterBackendEntrypoint], ids=["name", "class"])
def test_open_dataset_demeter_is_read_pass(tmp_path, engine):
    path = write_demeter(demeter_pass(1144), tmp_path)
    ds = xr.open_dataset(path, engine=engine)
    xr.testing.assert_identical(ds, read_pass(path))
    assert_valid_pass(ds)
    xr.testing.assert_identical(
        xr.open_dataset(path, engine=engine, drop_variables="V_sat"), read_pass(path).drop_vars("V_sat")
    )


def test_guess_can_open(tmp_path):
    cses = write_cses(cses_pass("LAP_1"), tmp_path)
    dmt = write_demeter(demeter_pass(1140), tmp_path)
    c, d = CSESBackendEntrypoint(), DemeterBackendEntrypoint()
    assert c.guess_can_open(cses) and not c.guess_can_open(dmt) and not c.guess_can_open(str(tmp_path))
    assert d.guess_can_open(dmt) and not d.guess_can_open(cses)
    fake = tmp_path / cses.name.replace("17321", "17322")
    fake.write_bytes(b"not an HDF5 file")
    assert not c.guess_can_open(fake) and not c.guess_can_open(object())
    # no engine: xarray finds the DEMETER backend by name (a CSES .h5 is claimed by h5netcdf first)
    xr.testing.assert_identical(xr.open_dataset(dmt), read_pass(dmt))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gen")
    # a day no other test generates: PyIRI grids are memoised per process, and the synthetic tests check
    # that their own cache folder receives the 2020-03-10 grid
    generate_archive(
        "CSES-01",
        "2021-01-05T00:00",
        "2021-01-05T02:00",
        root,
        seed=0,
        catalog=empty_catalog(),
        progress=False,
        cache_dir=root / "pyiri",
    )
    return root / "CSES-01" / "2021" / "01" / "05"


def test_open_mfdataset_over_a_folder_of_generated_passes(generated):
    files = sorted(generated.glob("CSES_01_LAP_1_*.h5"))
    assert len(files) >= 3
    passes = [read_pass(f) for f in files]
    for engine in ("cses", CSESBackendEntrypoint):
        nested = xr.open_mfdataset(files, engine=engine, combine="nested", concat_dim="time")
        expected = xr.concat(passes, dim="time", combine_attrs="override")
        xr.testing.assert_identical(nested.load(), expected)
        by_time = xr.open_mfdataset(files, engine=engine, combine="by_coords", combine_attrs="drop_conflicts")
        t = by_time["time"].values
        assert t.size == sum(p.sizes["time"] for p in passes) and (np.diff(t.astype(np.int64)) > 0).all()
        assert by_time.attrs["product"] == "LAP_1" and "orbit" not in by_time.attrs
        xr.testing.assert_identical(
            by_time.load(), expected.sortby("time").drop_attrs(deep=False).assign_attrs(by_time.attrs)
        )
