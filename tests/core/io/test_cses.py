"""CSES-01 Level-2 HDF5 reader/writer: round trips, names, the genuine file, bad input."""

from __future__ import annotations

import shutil
import time as _time
import warnings
from datetime import datetime
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

from core.config import REPO_ROOT
from core.io import read_pass, write_pass
from core.io.cses import (
    HDF5_SIGNATURE,
    CsesFileName,
    cses_filename,
    decode_utc_time,
    encode_utc_time,
    parse_cses_filename,
    read_cses,
    reduce_spectrum,
    write_cses,
)
from core.passes import PassFormatError, PassWarning
from core.testing import assert_valid_pass
from tests.helpers import CSES_FREQ as FREQ
from tests.helpers import CSES_ORBIT as ORBIT
from tests.helpers import CSES_T0 as T0
from tests.helpers import cses_pass

SAMPLES = REPO_ROOT.parent / "shared" / "data" / "cses_samples"
GENUINE = SAMPLES / "CSES_01_HPM_5_L02_A2_096791_20191101_001933_20191101_005555_000.h5"
def _read_quiet(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PassWarning)
        return read_cses(path, **kw)


# ------------------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("product", ["LAP_1", "PAP_0", "HPM_5", "HPM_6", "EFD_1", "SCM_1"])
def test_round_trip(tmp_path, product):
    ds = cses_pass(product)
    first_var = (
        next(v for v in ds.data_vars if ds[v].ndim == 1) if product not in ("EFD_1", "SCM_1") else None
    )
    if first_var:
        vals = ds[first_var].values.copy()
        vals[3] = np.nan
        ds[first_var] = ds[first_var].copy(data=vals)
    path = write_cses(ds, tmp_path)
    assert path.parent == tmp_path and path.name == parse_cses_filename(path.name).name
    back = _read_quiet(path, keep_spectrum=True)
    assert_valid_pass(back)
    np.testing.assert_array_equal(back["time"].values, ds["time"].values)  # times at ms resolution
    for c in ("lat", "lon", "alt", "mlat"):
        np.testing.assert_allclose(back[c].values, ds[c].values, rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(back["lt"].values, ds["lt"].values, atol=1e-5)
    for v in ds.data_vars:
        np.testing.assert_allclose(back[v].values, ds[v].values, rtol=1e-6, equal_nan=True, err_msg=v)
    assert back.attrs["orbit"] == ORBIT and back.attrs["half"] == "night"
    assert back.attrs["product"] == product and back.attrs["source_file"] == path.name
    if first_var:
        assert np.isnan(back[first_var].values[3])
        with h5py.File(path, "r") as f:
            key = {"Ne": "A311", "Ni_H": "A313", "B_x": "A221", "B": "A211"}[first_var]
            fill = f[key].attrs["FillValue"][0]
            assert f[key][3, 0] == fill
    if product == "HPM_5":
        np.testing.assert_allclose(back["B"].values[4:], np.linalg.norm(ds["B_fgm"].values - 1.0, axis=1)[4:])
        assert back["B_fgm"].dims == ("time", "component")
    if product in ("EFD_1", "SCM_1"):
        psd = "E_psd" if product == "EFD_1" else "B_psd"
        spec = "E_spectrum" if product == "EFD_1" else "B_spectrum"
        assert back[psd].dims == ("time", "band") and back.sizes["band"] == 8
        expected, lo, hi = reduce_spectrum(ds[spec].values, FREQ)
        np.testing.assert_allclose(back[psd].values, expected, rtol=1e-5)
        np.testing.assert_allclose(back["band_lo_hz"].values, lo, rtol=1e-6)
        np.testing.assert_allclose(back["band_hi_hz"].values, hi, rtol=1e-6)


def test_written_layout_matches_genuine_style(tmp_path):
    path = write_cses(cses_pass("HPM_5"), tmp_path)
    assert path.name.startswith(f"CSES_01_HPM_5_L02_A2_{ORBIT:05d}1_20210304_172000_")
    assert path.read_bytes()[:8] == HDF5_SIGNATURE
    with h5py.File(path, "r") as f:
        assert f.attrs["ORBITNUM"] == np.bytes_(b"017321")
        assert f.attrs["ORBITTYPE"] == np.bytes_(b"1")
        assert f.attrs["SAMPLERATE"] == "FMAG:1Hz"
        for key in ("GEO_LAT", "GEO_LON", "ALTITUDE", "MAG_LAT", "MAG_LON"):
            assert f[key].dtype == np.float32 and f[key].shape == (20, 1)
        for key in ("UTC_TIME", "VERSE_TIME"):
            assert f[key].dtype == np.int64 and f[key].shape == (20, 1)
        assert f["A221"].dtype == np.float64 and f["B_FGM"].shape == (20, 3)
        assert f["FLAG_MT"].dtype == np.int32
        a = f["A221"].attrs
        assert isinstance(a["LongName"], np.bytes_) and isinstance(a["Units"], np.bytes_)
        assert a["FillValue"].shape == (1,) and a["ValidRange"].shape == (2,)
        assert f["UTC_TIME"][0, 0] == 20210304172000250
        assert f["VERSE_TIME"][0, 0] == 384110400250  # (4445 days + 17:20:00.250) since 2009-01-01
    path = write_cses(cses_pass("LAP_1"), tmp_path)
    with h5py.File(path, "r") as f:
        assert f["A311"].dtype == np.float32 and f["A311"].attrs["FillValue"][0] == -9999.0


def test_byte_identical_rewrite(tmp_path):
    ds = cses_pass("PAP_0")
    a = write_cses(ds, tmp_path / "a")
    _time.sleep(1.1)  # any HDF5 object timestamp would now differ
    b = write_cses(ds, tmp_path / "b")
    assert a.name == b.name
    assert a.read_bytes() == b.read_bytes()


def test_read_write_read_keeps_name_and_values(tmp_path):
    first = _read_quiet(write_cses(cses_pass("LAP_1"), tmp_path / "1"))
    path = write_cses(first, tmp_path / "2")
    assert path.name == first.attrs["source_file"]
    second = _read_quiet(path)
    np.testing.assert_array_equal(second["Ne"].values, first["Ne"].values)


def test_spectrum_product_needs_full_spectrum(tmp_path):
    ds = cses_pass("EFD_1").drop_vars("E_spectrum")
    with pytest.raises(ValueError, match="full spectrum"):
        write_cses(ds, tmp_path)


# ------------------------------------------------------------------------------------------- names/time
def test_filename_both_ways():
    fn = parse_cses_filename(GENUINE.name)
    assert fn == CsesFileName(
        name=GENUINE.name,
        payload="HPM",
        instrument=5,
        product="HPM_5",
        level="L02",
        ax="A2",
        orbit=9679,
        half="night",
        start=datetime(2019, 11, 1, 0, 19, 33),
        end=datetime(2019, 11, 1, 0, 55, 55),
    )
    assert cses_filename("HPM_5", "A2", 9679, "night", fn.start, fn.end) == GENUINE.name
    day = cses_filename("LAP_1", "A3", 123, "day", fn.start, fn.end)
    assert day == "CSES_01_LAP_1_L02_A3_001230_20191101_001933_20191101_005555_000.h5"
    assert parse_cses_filename(Path("/x") / day).half == "day"


@pytest.mark.parametrize(
    "name",
    [
        "CSES_01_HPM_5_L02_A2_096791_20191101_001933_20191101_005555_000.nc",
        "CSES_01_HPM_5_L02_A2_09679_20191101_001933_20191101_005555_000.h5",
        "CSES_01_HPM_5_L02_A2_096792_20191101_001933_20191101_005555_000.h5",
        "CSES_01_HPM_5_L02_A2_096791_20191341_001933_20191101_005555_000.h5",
        "CSES_01_HPM_5_L02_A2_096791_20191101_011933_20191101_005555_000.h5",
        "random.h5",
    ],
)
def test_invalid_names(name):
    with pytest.raises(PassFormatError, match=name.replace(".", r"\.")):
        parse_cses_filename(name)


def test_utc_time_codec():
    t = np.array(["2019-11-01T00:21:08.000", "2024-02-29T23:59:59.999"], dtype="datetime64[ns]")
    enc = encode_utc_time(t)
    assert enc.tolist() == [20191101002108000, 20240229235959999]
    np.testing.assert_array_equal(decode_utc_time(enc), t)
    bad = decode_utc_time(np.array([-9999, 20190230000000000, 20191101246000000, 0]))
    assert np.isnat(bad).all()


def test_reduce_spectrum():
    freq = np.array([0.0, 1.0, 2.0, 4.0, 8.0])
    power = np.array([[9.0, 1.0, 2.0, 4.0, 8.0], [9.0, np.nan, 2.0, np.nan, np.nan]])
    mean, lo, hi = reduce_spectrum(power, freq, n_bands=3)
    np.testing.assert_allclose(lo, [1.0, 2.0, 4.0])
    np.testing.assert_allclose(hi, [2.0, 4.0, 8.0])
    np.testing.assert_allclose(mean, [[1.0, 2.0, 6.0], [np.nan, 2.0, np.nan]])


# ------------------------------------------------------------------------------------------- genuine file
@pytest.mark.skipif(not GENUINE.exists(), reason="genuine CSES HPM_5 sample not present")
def test_genuine_hpm5_conformance():
    ds = _read_quiet(GENUINE)
    assert_valid_pass(ds)
    assert ds.sizes["time"] == 2079
    assert ds.attrs["half"] == "night" and ds.attrs["orbit"] == 9679 and ds.attrs["product"] == "HPM_5"
    assert ds["lat"].values[0] == pytest.approx(-64.85, abs=0.01)
    assert ds["lon"].values[0] == pytest.approx(39.25, abs=0.01)
    assert ds["alt"].values[0] == pytest.approx(520.5, abs=0.1)
    assert ds["time"].values[0] == np.datetime64("2019-11-01T00:21:08")
    with h5py.File(GENUINE, "r") as f:
        verse = np.datetime64("2009-01-01") + f["VERSE_TIME"][:, 0].astype("timedelta64[ms]")
    np.testing.assert_array_equal(ds["time"].values, verse.astype("datetime64[ns]"))
    assert ds.attrs["n_time_mismatch"] == 0
    b = ds["B"].values
    assert np.isfinite(b).all() and (b > 20_000).all() and (b < 65_000).all()
    steps = np.diff(ds["time"].values) / np.timedelta64(1, "s")
    assert np.allclose(steps, 1.0, atol=0.01)
    assert ds["lt"].values[0] == pytest.approx(0.35 + 39.25 / 15, abs=0.01)
    # the units the genuine file states are the ones read (nothing converted, nothing refused)
    with h5py.File(GENUINE, "r") as f:
        units = {k: f[k].attrs["Units"] for k in f if k != "q_SIM_ECI"}
    assert units == {
        **dict.fromkeys(("A221", "A222", "A223", "B_FGM"), b"nT"),
        **dict.fromkeys(("GEO_LAT", "GEO_LON", "MAG_LAT", "MAG_LON"), b"deg"),
        "ALTITUDE": b"km",
        **dict.fromkeys(("FLAG_MT", "FLAG_SHW", "FLAG_TBB"), b"none"),
        "UTC_TIME": b"YYYYMMDDHHMMSS.mmm",
        "VERSE_TIME": b"ms",
    }


# ------------------------------------------------------------------------------------------------ units
@pytest.mark.parametrize(
    ("product", "units"),
    [
        ("LAP_1", {"Ne": "m^-3", "Te": "eV"}),
        ("PAP_0", {"Ni_H": "m-3", "Ni_He": "/m3", "Ni_O": "m-3", "Vi_x": "km/s", "alt": "m"}),
        ("HPM_5", {"B_x": "T", "B_fgm": "uT", "flag_mt": "1", "lat": "rad", "lon": "degrees_east"}),
    ],
)
def test_other_units_read_back_as_the_contract_units(tmp_path, product, units):
    ds = cses_pass(product)
    ref = _read_quiet(write_cses(ds, tmp_path / "ref"))
    path = write_cses(ds, tmp_path / "other", units=units)
    with h5py.File(path, "r") as f:
        written = {a: f[d].attrs["Units"].decode() for a, d in _DATASET.items() if a in units}
    assert written == units
    back = _read_quiet(path)
    assert_valid_pass(back)
    converted = [v for v in units if units[v] not in ("1", "degrees_east")]
    xr.testing.assert_identical(back.drop_vars(converted), ref.drop_vars(converted))
    for v in converted:  # values cross float32 twice (file unit, contract unit): equal to float32 rounding
        xr.testing.assert_allclose(back[v], ref[v], rtol=3e-7, atol=0)
        assert back[v].attrs == ref[v].attrs and back[v].dtype == ref[v].dtype


_DATASET = {
    "Ne": "A311",
    "Te": "A321",
    "Ni_H": "A313",
    "Ni_He": "A314",
    "Ni_O": "A315",
    "Vi_x": "A331",
    "alt": "ALTITUDE",
    "lat": "GEO_LAT",
    "lon": "GEO_LON",
    "B_x": "A221",
    "B_fgm": "B_FGM",
    "flag_mt": "FLAG_MT",
}


def test_m3_file_rewritten_by_hand_reads_as_cm3(lap_file):
    """A file whose LAP density says m^-3 (as public plots of genuine LAP files do) is divided by 10^6."""
    ref = _read_quiet(lap_file)
    with h5py.File(lap_file, "r+") as f:
        f["A311"][...] = f["A311"][...] * np.float32(1e6)  # fill (-9999) becomes -9.999e9: still invalid
        f["A311"].attrs["Units"] = np.bytes_(b"m-3")
        f["A311"].attrs["ValidRange"] = np.array([0.0, 1e14])
    back = read_cses(lap_file)  # the scaled fill lies outside ValidRange: counted, not a fill
    np.testing.assert_allclose(back["Ne"].values, ref["Ne"].values, rtol=3e-7, equal_nan=True)
    assert back["Ne"].attrs["units"] == "cm^-3"


@pytest.mark.parametrize(
    ("dataset", "unit"), [("A311", b"cm-2"), ("A321", b"degC"), ("GEO_LAT", b"grad"), ("ALTITUDE", b"")]
)
def test_unknown_unit_is_refused_naming_file_dataset_and_unit(lap_file, dataset, unit):
    with h5py.File(lap_file, "r+") as f:
        f[dataset].attrs["Units"] = np.bytes_(unit)
    with pytest.raises(PassFormatError) as exc:
        read_cses(lap_file)
    msg = str(exc.value)
    assert lap_file.name in msg and repr(dataset) in msg and repr(unit.decode()) in msg


@pytest.mark.parametrize(("dataset", "unit"), [("UTC_TIME", b"s"), ("VERSE_TIME", b"s")])
def test_time_datasets_in_another_layout_are_refused(lap_file, dataset, unit):
    with h5py.File(lap_file, "r+") as f:
        f[dataset].attrs["Units"] = np.bytes_(unit)
    with pytest.raises(PassFormatError, match=rf"{lap_file.name}: dataset '{dataset}' has units 's'"):
        read_cses(lap_file)


def test_writer_refuses_unknown_units_and_names(tmp_path):
    with pytest.raises(PassFormatError, match="'furlong'"):
        write_cses(cses_pass("LAP_1"), tmp_path, units={"Ne": "furlong"})
    with pytest.raises(ValueError, match="Ni_O"):
        write_cses(cses_pass("LAP_1"), tmp_path, units={"Ni_O": "m-3"})


# ------------------------------------------------------------------------------------------- bad input
@pytest.fixture
def lap_file(tmp_path):
    return write_cses(cses_pass("LAP_1"), tmp_path)


def _rewrite(path: Path, key: str, data) -> None:
    with h5py.File(path, "r+") as f:
        attrs = dict(f[key].attrs)
        del f[key]
        f.create_dataset(key, data=data)
        for k, v in attrs.items():
            f[key].attrs[k] = v


def test_truncated_hdf5(lap_file):
    data = lap_file.read_bytes()
    lap_file.write_bytes(data[: len(data) // 2])
    with pytest.raises(PassFormatError, match=f"{lap_file.name}.*truncated or corrupt"):
        read_cses(lap_file)


def test_not_hdf5(tmp_path):
    path = tmp_path / cses_filename("LAP_1", "A3", 1, "day", datetime(2020, 1, 1), datetime(2020, 1, 1, 1))
    path.write_bytes(b"this is not an HDF5 file at all")
    with pytest.raises(PassFormatError, match=f"{path.name}.*not an HDF5 file"):
        read_cses(path)
    with pytest.raises(PassFormatError, match="not an HDF5 file"):
        read_pass(path)


def test_missing_dataset(lap_file):
    with h5py.File(lap_file, "r+") as f:
        del f["A321"]
    with pytest.raises(PassFormatError, match=f"{lap_file.name}.*'A321' is missing"):
        read_cses(lap_file)


def test_rows_mismatch(lap_file):
    _rewrite(lap_file, "A321", np.ones((7, 1), dtype=np.float32))
    with pytest.raises(PassFormatError, match=r"'A321' has 7 rows, UTC_TIME has 20"):
        read_cses(lap_file)


def test_wrong_columns(lap_file):
    _rewrite(lap_file, "GEO_LAT", np.ones((20, 2), dtype=np.float32))
    with pytest.raises(PassFormatError, match=r"'GEO_LAT' has shape \(20, 2\)"):
        read_cses(lap_file)


def test_string_dtype(lap_file):
    _rewrite(lap_file, "A311", np.array([[b"1.0e5"]] * 20))
    with pytest.raises(PassFormatError, match=f"{lap_file.name}.*'A311' has dtype .*expected a numeric"):
        read_cses(lap_file)


def test_float_time_dtype(lap_file):
    _rewrite(lap_file, "UTC_TIME", np.ones((20, 1)))
    with pytest.raises(PassFormatError, match="'UTC_TIME' has dtype float64, expected an integer"):
        read_cses(lap_file)


def test_all_fill_column_warns(tmp_path):
    ds = cses_pass("LAP_1")
    ds["Te"] = ds["Te"] * np.nan
    path = write_cses(ds, tmp_path)
    with pytest.warns(PassWarning, match=f"{path.name}.*all-fill variables: Te"):
        back = read_cses(path)
    assert back.sizes["time"] == 20 and np.isnan(back["Te"].values).all()
    assert np.isfinite(back["Ne"].values).all()


def test_duplicate_and_backwards_times(tmp_path):
    offsets = np.array([0, 1, 2, 2, 4, 3, 6, 7, 8, 9], dtype="timedelta64[s]")
    ds = cses_pass("PAP_0", n=10, times=(T0 + offsets).astype("datetime64[ns]"))
    path = write_cses(ds, tmp_path, start=datetime(2021, 3, 4, 17, 19), end=datetime(2021, 3, 4, 17, 30))
    with pytest.warns(PassWarning, match=f"{path.name}.*n_dropped_duplicate=1.*n_backwards=1"):
        back = read_cses(path)
    assert_valid_pass(back)
    assert back.sizes["time"] == 9
    assert back.attrs["n_dropped_duplicate"] == 1 and back.attrs["n_backwards"] == 1
    np.testing.assert_allclose(back["Ti"].values[:5], ds["Ti"].values[[0, 1, 2, 5, 4]], rtol=1e-6)


def test_fill_positions_dropped(tmp_path):
    ds = cses_pass("LAP_1")
    ds = ds.assign_coords(lat=ds["lat"].where(np.arange(20) != 5))
    path = write_cses(ds, tmp_path)
    with pytest.warns(PassWarning, match="n_dropped_position=1"):
        back = read_cses(path)
    assert back.sizes["time"] == 19


@pytest.mark.parametrize("which", ["orbit", "half"])
def test_name_lies(lap_file, which):
    fn = parse_cses_filename(lap_file.name)
    liar = cses_filename(
        "LAP_1",
        fn.ax,
        fn.orbit + 1 if which == "orbit" else fn.orbit,
        "day" if which == "half" else fn.half,
        fn.start,
        fn.end,
    )
    lied = lap_file.with_name(liar)
    shutil.move(lap_file, lied)
    expected = (
        rf"says orbit {fn.orbit + 1} but .*ORBITNUM is '0{fn.orbit}'"
        if which == "orbit"
        else r"says half 'day' but .*ORBITTYPE is '1' \(night\)"
    )
    with pytest.raises(PassFormatError, match=rf"{liar}: .*{expected}"):
        read_cses(lied)


def test_verse_time_mismatch_and_fallback(lap_file):
    with h5py.File(lap_file, "r+") as f:
        verse = f["VERSE_TIME"][()]
        verse[2:4] += 5000
        f["VERSE_TIME"][...] = verse
        utc = f["UTC_TIME"][()]
        utc[7] = -9999
        f["UTC_TIME"][...] = utc
    with pytest.warns(PassWarning, match=r"n_time_mismatch=2; n_time_from_verse=1"):
        back = read_cses(lap_file)
    assert back.sizes["time"] == 20  # UTC trusted; row 7 from VERSE_TIME
    expected = T0 + np.arange(20) * np.timedelta64(3000, "ms")
    np.testing.assert_array_equal(back["time"].values, expected)


def test_out_of_range_becomes_nan(tmp_path):
    ds = cses_pass("LAP_1")
    ds["Te"] = ds["Te"].copy(data=np.where(np.arange(20) == 0, 2.0e6, ds["Te"].values))
    back = _read_quiet(write_cses(ds, tmp_path))
    assert np.isnan(back["Te"].values[0]) and back.attrs["n_out_of_range"] == 1


def test_unsupported_product(tmp_path):
    path = tmp_path / cses_filename("XYZ_1", "A1", 1, "day", datetime(2020, 1, 1), datetime(2020, 1, 1, 1))
    path.write_bytes(HDF5_SIGNATURE)
    with pytest.raises(PassFormatError, match="product 'XYZ_1' is not supported"):
        read_cses(path)


# ------------------------------------------------------------------------------------------- dispatch
def test_read_pass_and_write_pass_dispatch(tmp_path):
    ds = cses_pass("HPM_6")
    path = write_pass(ds, tmp_path)
    assert path.suffix == ".h5"
    back = read_pass(path)
    assert back.attrs["satellite"] == "CSES-01" and "B" in back


def test_read_pass_unknown(tmp_path):
    other = tmp_path / "SW_OPER_EFIA_LP_1B_20200101.cdf"
    other.write_bytes(b"\x00" * 32)
    with pytest.raises(PassFormatError, match="SW_OPER_EFIA_LP_1B_20200101.cdf: unknown pass file format"):
        read_pass(other)
    with pytest.raises(ValueError, match="SWARM"):
        write_pass(cses_pass("LAP_1").assign_attrs(satellite="SWARM"), tmp_path)
