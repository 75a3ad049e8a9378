"""DEMETER N1 (ISL 1144, IAP 1140) reader/writer: layout, round trips, names, bad input."""

from __future__ import annotations

import shutil
import warnings
from datetime import datetime

import numpy as np
import pytest
import xarray as xr

from core.io import read_pass, write_pass
from core.io.demeter import (
    FILL,
    RECORD_DTYPES,
    DemeterFileName,
    demeter_filename,
    parse_demeter_filename,
    read_demeter,
    write_demeter,
)
from core.passes import PassFormatError, PassWarning
from core.testing import assert_valid_pass
from tests.helpers import DEMETER_ORBIT as ORBIT
from tests.helpers import DEMETER_T0 as T0
from tests.helpers import demeter_pass


def _read_quiet(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PassWarning)
        return read_demeter(path)


# ------------------------------------------------------------------------------------------------ layout
def test_record_layout():
    isl, iap = RECORD_DTYPES[1144], RECORD_DTYPES[1140]
    assert isl.itemsize == 292 and iap.itemsize == 312
    for dt in (isl, iap):
        assert dt.fields["p_field"][1] == 0
        assert dt.fields["days_1950"][1] == 1
        assert dt.fields["ms_of_day"][1] == 4
        assert dt.fields["ut_year"][1] == 8 and dt.fields["ut_ms"][1] == 20
        assert dt.fields["orbit"][1] == 22 and dt.fields["orbit_type"][1] == 24
        assert dt.fields["station"][1] == 26 and dt.fields["versions"][1] == 34
        assert dt.fields["lat"][1] == 38 and dt.fields["sun_z"][1] == 38 + 84
        assert dt.fields["att_sat_to_geo"][1] == 128 and dt.fields["att_quality"][1] == 128 + 72
        assert dt.fields["data_type"][1] == 204
        assert dt.fields["time_res"][1] == 204 + 42
        assert dt.fields["ut_year"][0] == np.dtype(">u2") and dt.fields["lat"][0] == np.dtype(">f4")
    assert isl.fields["n_e"][1] == 204 + 64 and isl.fields["v_sat"][1] == 204 + 84
    assert iap.fields["n_h"][1] == 204 + 76 and iap.fields["v_sat"][1] == 204 + 104


def test_written_bytes(tmp_path):
    ds = demeter_pass(1144)
    path = write_demeter(ds, tmp_path)
    raw = path.read_bytes()
    assert len(raw) == 15 * 292
    rec = raw[:292]
    assert rec[0] == 0x4C
    days = int.from_bytes(rec[1:4], "big")
    assert np.datetime64("1950-01-01") + np.timedelta64(days, "D") == np.datetime64("2006-08-15")
    assert int.from_bytes(rec[4:8], "big") == (22 * 3600 + 10 * 60 + 3) * 1000 + 125
    assert [int.from_bytes(rec[i : i + 2], "big") for i in range(8, 22, 2)] == [2006, 8, 15, 22, 10, 3, 125]
    assert int.from_bytes(rec[22:24], "big") == ORBIT and int.from_bytes(rec[24:26], "big") == 1
    assert rec[204:214] == b"ISL SURVEY"
    assert np.frombuffer(rec[204 + 42 : 204 + 46], ">f4")[0] == pytest.approx(2.0)
    assert rec[204 + 46 : 204 + 52] == b"cm-3  "
    assert np.frombuffer(rec[38:42], ">f4")[0] == pytest.approx(10.0)


# ------------------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("apid", [1144, 1140])
def test_round_trip(tmp_path, apid):
    ds = demeter_pass(apid)
    first = next(iter(ds.data_vars))
    ds[first] = ds[first].copy(data=np.where(np.arange(15) == 4, np.nan, ds[first].values))
    path = write_pass(ds, tmp_path)
    assert path.name == demeter_filename(
        apid, ORBIT, "night", datetime(2006, 8, 15, 22, 10, 3), datetime(2006, 8, 15, 22, 10, 32)
    )
    back = _read_quiet(path)
    assert_valid_pass(back)
    np.testing.assert_array_equal(back["time"].values, ds["time"].values)
    for c in ("lat", "lon", "alt", "mlat", "lt"):
        np.testing.assert_allclose(back[c].values, ds[c].values, rtol=1e-6, atol=1e-4, err_msg=c)
    for v in ds.data_vars:
        np.testing.assert_allclose(back[v].values, ds[v].values, rtol=1e-6, equal_nan=True, err_msg=v)
    assert np.isnan(back[first].values[4])
    rec = np.fromfile(path, dtype=RECORD_DTYPES[apid])
    field = {1144: "n_e", 1140: "n_h"}[apid]
    assert rec[field][4] == FILL
    assert back.attrs["instrument"] == {1144: "ISL", 1140: "IAP"}[apid]
    assert back.attrs["product"] == str(apid) and back.attrs["orbit"] == ORBIT
    assert back.attrs["source_file"] == path.name
    assert back.attrs["time_resolution_s"] == pytest.approx(2.0)
    again = write_demeter(back, tmp_path / "again")
    assert again.name == path.name and again.read_bytes() == path.read_bytes()


def test_day_half_and_missing_variable(tmp_path):
    ds = demeter_pass(1144, half="day").drop_vars("V_plasma")
    path = write_demeter(ds, tmp_path)
    assert parse_demeter_filename(path.name).half == "day"
    with pytest.warns(PassWarning, match="all-fill variables: V_plasma"):
        back = read_demeter(path)
    assert back.attrs["half"] == "day"


# ------------------------------------------------------------------------------------------------ units
def _rewrite_units(path, apid, unit_field, unit, fields, factor, rows=slice(None)):
    """Rewrite records ``rows`` of ``path``: ``unit_field`` says ``unit``, ``fields`` are times ``factor``."""
    rec = np.fromfile(path, dtype=RECORD_DTYPES[apid])
    rec[unit_field][rows] = unit.ljust(6)
    for f in fields:
        rec[f][rows] = rec[f][rows] * np.float32(factor)
    rec.tofile(path)


@pytest.mark.parametrize("rows", [slice(None), slice(0, 7)], ids=["all records", "some records"])
def test_density_in_m3_reads_as_cm3(tmp_path, rows):
    """Unit strings are read per record: a file (or some of its records) in m^-3 reads as the cm^-3 one."""
    path = write_demeter(demeter_pass(1144), tmp_path)
    ref = _read_quiet(path)
    _rewrite_units(path, 1144, "unit_density", b"m-3", ("n_e", "n_i"), 1e6, rows)
    _rewrite_units(path, 1144, "unit_temperature", b"eV", ("t_e",), 1 / 11604.51812, rows)
    back = _read_quiet(path)
    assert_valid_pass(back)
    converted = ["Ne", "Ni", "Te"]
    xr.testing.assert_identical(back.drop_vars(converted), ref.drop_vars(converted))
    for v in converted:  # values cross float32 twice: equal to float32 rounding
        xr.testing.assert_allclose(back[v], ref[v], rtol=3e-7, atol=0)
        assert back[v].attrs == ref[v].attrs


@pytest.mark.parametrize(
    ("apid", "unit_field", "unit"),
    [(1144, "unit_density", b"cm-2"), (1140, "unit_angle", b"grad"), (1140, "unit_velocity", b"")],
)
def test_unknown_unit_string_is_refused_naming_file_field_and_unit(tmp_path, apid, unit_field, unit):
    path = write_demeter(demeter_pass(apid), tmp_path)
    _rewrite_units(path, apid, unit_field, unit, (), 1.0, slice(3, 4))
    with pytest.raises(PassFormatError) as exc:
        read_demeter(path)
    msg = str(exc.value)
    assert path.name in msg and unit_field in msg and repr(unit.decode()) in msg


def test_byte_identical_rewrite(tmp_path):
    ds = demeter_pass(1140)
    a = write_demeter(ds, tmp_path / "a")
    b = write_demeter(ds, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()


# ----------------------------------------------------------------------------------------------- names
def test_filename_both_ways():
    name = "DMT_N1_1144_112501_20060815_221003_20060815_224500.DAT"
    fn = parse_demeter_filename(name)
    assert fn == DemeterFileName(
        name, 1144, 11250, "night", datetime(2006, 8, 15, 22, 10, 3), datetime(2006, 8, 15, 22, 45)
    )
    assert fn.product == "1144"
    assert demeter_filename(1144, 11250, "night", fn.start, fn.end) == name
    assert demeter_filename("1140", 7, "day", fn.start, fn.end).startswith("DMT_N1_1140_000070_")


@pytest.mark.parametrize(
    "name",
    [
        "DMT_N1_1144_112501_20060815_221003_20060815_224500.CDF",
        "DMT_N1_1144_11250_20060815_221003_20060815_224500.DAT",
        "DMT_N1_1144_112503_20060815_221003_20060815_224500.DAT",
        "DMT_N1_1144_112501_20060832_221003_20060815_224500.DAT",
        "DMT_N2_1144_112501_20060815_221003_20060815_224500.DAT",
    ],
)
def test_invalid_names(name):
    with pytest.raises(PassFormatError, match=name.replace(".", r"\.")):
        parse_demeter_filename(name)


# ------------------------------------------------------------------------------------------- bad input
def test_truncated_record(tmp_path):
    path = write_demeter(demeter_pass(1144), tmp_path)
    raw = path.read_bytes()
    path.write_bytes(raw[: 292 * 10 + 100])
    with pytest.warns(PassWarning, match=f"{path.name}.*n_dropped_truncated=1"):
        back = read_demeter(path)
    assert back.sizes["time"] == 10 and back.attrs["n_dropped_truncated"] == 1
    np.testing.assert_array_equal(back["time"].values, demeter_pass(1144)["time"].values[:10])


@pytest.mark.parametrize("size", [0, 291])
def test_empty_file(tmp_path, size):
    path = tmp_path / "DMT_N1_1144_112501_20060815_221003_20060815_224500.DAT"
    path.write_bytes(b"\x00" * size)
    with pytest.raises(PassFormatError, match=f"{path.name}: no complete N1 record"):
        read_demeter(path)


@pytest.mark.parametrize("which", ["orbit", "half"])
def test_name_lies(tmp_path, which):
    path = write_demeter(demeter_pass(1140), tmp_path)
    fn = parse_demeter_filename(path.name)
    liar = demeter_filename(
        1140,
        fn.orbit + 1 if which == "orbit" else fn.orbit,
        "day" if which == "half" else fn.half,
        fn.start,
        fn.end,
    )
    shutil.move(path, tmp_path / liar)
    expected = (
        rf"says orbit {fn.orbit + 1} but the record headers say orbit {fn.orbit}"
        if which == "orbit"
        else r"says half 'day' but the record headers say orbit type 1"
    )
    with pytest.raises(PassFormatError, match=rf"{liar}: the file name {expected}"):
        read_demeter(tmp_path / liar)


def test_time_cross_check_and_fallback(tmp_path):
    path = write_demeter(demeter_pass(1144), tmp_path)
    rec = np.fromfile(path, dtype=RECORD_DTYPES[1144])
    rec["ms_of_day"][1] += 5000  # header CCSDS time disagrees → UT trusted
    rec["ut_month"][2] = 13  # invalid UT → CCSDS time used
    rec["lat"][3] = FILL  # no position → row dropped
    rec.tofile(path)
    with pytest.warns(PassWarning, match=r"n_dropped_position=1.*n_time_mismatch=1; n_time_from_ccsds=1"):
        back = read_demeter(path)
    expected = np.delete(demeter_pass(1144)["time"].values, 3)
    np.testing.assert_array_equal(back["time"].values, expected)


def test_duplicate_times_cleaned(tmp_path):
    offsets = np.array([0, 2, 2, 6, 4, 10], dtype="timedelta64[s]")
    ds = demeter_pass(1140, n=6, times=(T0 + offsets).astype("datetime64[ns]"))
    path = write_demeter(ds, tmp_path)
    with pytest.warns(PassWarning, match="n_dropped_duplicate=1; n_backwards=1"):
        back = read_demeter(path)
    assert_valid_pass(back)
    assert back.sizes["time"] == 5


def test_unsupported_apid(tmp_path):
    path = tmp_path / "DMT_N1_1132_112501_20060815_221003_20060815_224500.DAT"
    path.write_bytes(b"\x00" * 1000)
    with pytest.raises(PassFormatError, match="APID 1132 is not supported"):
        read_demeter(path)
    with pytest.raises(ValueError, match="product"):
        write_demeter(demeter_pass(1144).assign_attrs(product="1132"), tmp_path)


def test_read_pass_dispatch(tmp_path):
    path = write_pass(demeter_pass(1144), tmp_path)
    back = read_pass(path)
    assert back.attrs["satellite"] == "DEMETER" and "Ne" in back
