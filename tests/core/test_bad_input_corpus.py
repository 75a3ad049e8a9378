"""Bad-input corpus: one table of broken inputs, each with the outcome it must have.

Every case is built by the test itself under ``tmp_path`` (no committed binaries) and ends in exactly one
of two documented ways:

- **refused** — the exception type of the layer (``PassFormatError`` for pass files, ``CatalogError`` for
  catalogs, ``ValueError`` for settings) and a message that starts with the file name or names the setting;
- **repaired** — a counted recovery: the reader's counters (``attrs["n_…"]`` of a pass, ``dropped`` /
  ``notes`` of a catalog's :class:`~core.catalog.LoadReport`) say what was dropped or replaced.

And the rest of the work is kept: a pass file is scanned into the pass index
(:func:`core.archive.scan_archive`) among two good files (a CSES-01 and a DEMETER one), which are indexed
whatever happens to it — a refused file becomes an error row naming it; a catalog keeps its good rows; a
refused setting stops nothing but its own construction (the window settings, flat dataset configs and
``dataclasses.replace`` all refuse it, and sane settings still construct).

Cases that already exist elsewhere and are not repeated here
-------------------------------------------------------------
- ``tests/core/io/test_cses.py``: HDF5 truncated to half its size, a text file with a CSES name, a missing
  dataset, a row-count mismatch, wrong column count, a string payload dtype, a float ``UTC_TIME``, one
  all-fill variable, one duplicate and one backwards time, a fill latitude, names lying about orbit and
  half (``ORBITNUM``/``ORBITTYPE``), ``VERSE_TIME`` mismatch and fallback, out-of-range values, an
  unsupported product, invalid file names, an unknown format through :func:`core.io.read_pass`;
- ``tests/core/io/test_demeter.py``: a trailing partial record, an empty and a 291-byte file, names lying
  about orbit and half, UT vs CCSDS time mismatch and fallback, a fill latitude, duplicate and backwards
  times, an unsupported APID, a missing (all-fill) variable, invalid file names;
- ``tests/core/test_passes.py``: ``make_pass``/``validate_pass`` refusing bad attributes, lengths,
  non-increasing times, missing coordinates and units; ``clean_pass`` counting what it repairs;
- ``tests/core/test_archive.py``: a truncated CSES file among good ones becoming an error row, a damaged
  or missing pass index, a missing archive folder;
- ``tests/core/test_catalog.py``: CSV rows with a bad time, a text magnitude, a latitude out of range;
  missing required columns; empty, blank, binary, plain-text, broken-JSON and HTML files; a missing file;
  non-UTF-8 bytes in a CSV and in a QuakeML place; duplicate ids within and across sources; a GeoJSON text
  magnitude; a header-only CSV;
- ``tests/core/test_windows.py``: ``WindowSettings`` refusing an unknown radius rule, half, feature,
  satellite or background, ``length=0``, ``max_nan_frac=2``, unknown keys; a file damaged after indexing
  ending as the ``"unreadable"`` outcome; gap and NaN rules;
- ``tests/core/test_datasets.py``: bad config files (unknown key, circular base, overlapping splits), a bad
  ``negative_time_window_days`` or ``bbox``, duplicate catalog ids.

Bugs this corpus found (fixed in the same change): a GeoJSON feature whose ``properties`` or ``geometry``
was not an object crashed the reader (AttributeError); GeoJSON ``true`` passed as magnitude 1.0;
magnitudes/depths ``inf``/``1e400`` and the times ``now``/``today`` were kept as values; a stray CSV quote
silently swallowed every later row; one NUL byte in a CSV row rejected the whole file; pass files whose
name gave another date than their content, or single rows timed years off, were indexed at the wrong
time; a DEMETER file of the other product under an ISL/IAP name failed with a misleading orbit message;
DEMETER longitudes/local times of 1e20 became plausible values; ``WindowSettings`` accepted
``days_before=10000`` (and ``1e6``/``inf``: an OverflowError in the selection), infinite radii, a ``km``
radius wider than the Earth, fractional or text ``length``, a NaN ``kp_max`` (every pass "disturbed"), a
``cadence_s`` of 1e-9 s (every pass "unreadable") and ``quiet_window_h``/``background_weeks`` large enough
to hang or overflow the selection; ``DatasetSettings`` accepted a negative exclusion radius or days, a
NaN ``min_mag`` and ``negative_max_tries=0``.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd
import pytest

from core.archive import scan_archive
from core.catalog import CatalogError, CatalogWarning, load_catalog
from core.datasets import DatasetSettings
from core.io import read_pass, write_pass
from core.io.cses import cses_filename, parse_cses_filename
from core.io.demeter import RECORD_DTYPES, demeter_filename, parse_demeter_filename
from core.passes import PassFormatError, PassWarning, solar_local_time, validate_pass
from core.windows import WindowSettings
from tests.helpers import COMCAT_GEOJSON as GEOJSON
from tests.helpers import COMCAT_HEADER as HEADER
from tests.helpers import COMCAT_QUAKEML as QUAKEML
from tests.helpers import comcat_row, cses_pass, demeter_pass

# ------------------------------------------------------------------------------------------ outcomes


@dataclass(frozen=True)
class Refused:
    """A clear error: the layer's exception, the message starting with the file name (files) or naming
    the setting (settings), and matching ``match``."""

    match: str


@dataclass(frozen=True)
class Repaired:
    """A counted recovery. Pass files: ``counts`` are attrs of the pass, ``n`` its samples, ``warns`` the
    PassWarning text. Catalogs: ``counts`` is ``LoadReport.dropped``, ``n`` the rows kept, ``warns`` a
    note of the report."""

    counts: dict[str, int]
    n: int
    warns: str | None = None
    check: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "pass", "catalog", "settings", "dataset_settings"
    build: Any  # pass/catalog: (folder) -> Path of the bad file; settings: dict of values
    expect: Refused | Repaired
    marks: tuple = field(default=())


# ------------------------------------------------------------------------------------------ pass builders


def _lap(folder: Path) -> Path:
    return write_pass(cses_pass("LAP_1"), folder)


def _isl(folder: Path, **kw: Any) -> Path:
    return write_pass(demeter_pass(1144, **kw), folder)


def _h5_replace(path: Path, key: str, data: np.ndarray) -> None:
    """Replace dataset ``key`` by ``data``, keeping its attributes."""
    with h5py.File(path, "r+") as f:
        attrs = dict(f[key].attrs)
        del f[key]
        f.create_dataset(key, data=data)
        for k, v in attrs.items():
            f[key].attrs[k] = v


def _h5_edit(key: str, edit: Callable[[np.ndarray], np.ndarray]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = _lap(folder)
        with h5py.File(path, "r") as f:
            data = f[key][()]
        _h5_replace(path, key, edit(data))
        return path

    return build


def _bytes_edit(
    edit: Callable[[bytes], bytes], base: Callable[[Path], Path] = _lap
) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = base(folder)
        path.write_bytes(edit(path.read_bytes()))
        return path

    return build


def _flip_every(step: int, start: int) -> Callable[[bytes], bytes]:
    def edit(raw: bytes) -> bytes:
        b = bytearray(raw)
        for i in range(start, len(b), step):
            b[i] ^= 0xFF
        return bytes(b)

    return edit


def _cses_named(name: str, content: bytes = b"") -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(content)
        return path

    return build


CSES_NAME = cses_filename("LAP_1", "A3", 4321, "night", datetime(2021, 3, 4, 17), datetime(2021, 3, 4, 18))


def _empty_hdf5(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CSES_NAME
    h5py.File(path, "w").close()
    return path


def _zero_rows(folder: Path) -> Path:
    path = _lap(folder)
    with h5py.File(path, "r") as f:
        shapes = {k: (f[k].dtype, f[k].shape[1]) for k in f}
    for key, (dtype, ncols) in shapes.items():
        _h5_replace(path, key, np.zeros((0, ncols), dtype=dtype))
    return path


def _group_for_dataset(folder: Path) -> Path:
    path = _lap(folder)
    with h5py.File(path, "r+") as f:
        del f["A311"]
        f.create_group("A311")
    return path


def _all_fill_times(folder: Path) -> Path:
    path = _lap(folder)
    _h5_replace(path, "UTC_TIME", np.full((20, 1), -9999, np.int64))
    _h5_replace(path, "VERSE_TIME", np.full((20, 1), -9999, np.int64))
    return path


def _all_fill_payload(folder: Path) -> Path:
    ds = cses_pass("LAP_1")
    return write_pass(ds.assign(Ne=ds["Ne"] * np.nan, Te=ds["Te"] * np.nan), folder)


def _same_time_everywhere(folder: Path) -> Path:
    path = _lap(folder)
    for key in ("UTC_TIME", "VERSE_TIME"):
        with h5py.File(path, "r") as f:
            first = f[key][:1]
        _h5_replace(path, key, np.repeat(first, 20, axis=0))
    return path


def _reversed_times(folder: Path) -> Path:
    path = _lap(folder)
    for key in ("UTC_TIME", "VERSE_TIME"):
        with h5py.File(path, "r") as f:
            data = f[key][()]
        _h5_replace(path, key, data[::-1].copy())
    return path


def _cses_glitch(folder: Path) -> Path:
    """Row 5 timed three years later in both time datasets (a decoder glitch, not a gap)."""
    path = _lap(folder)
    with h5py.File(path, "r+") as f:
        utc, verse = f["UTC_TIME"][()], f["VERSE_TIME"][()]
        utc[5] += 3 * 10**13  # YYYY + 3
        verse[5] += 3 * 365 * 86_400_000
        f["UTC_TIME"][...] = utc
        f["VERSE_TIME"][...] = verse
    return path


def _renamed(base: Callable[[Path], Path], rename: Callable[[Path], str]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = base(folder)
        target = path.with_name(rename(path))
        shutil.move(path, target)
        return target

    return build


def _cses_other_date(path: Path) -> str:
    fn = parse_cses_filename(path.name)
    return cses_filename(
        fn.product, fn.ax, fn.orbit, fn.half, datetime(2015, 1, 1), datetime(2015, 1, 1, 0, 30)
    )


def _cses_as_lap(path: Path) -> str:
    fn = parse_cses_filename(path.name)
    return cses_filename("LAP_1", fn.ax, fn.orbit, fn.half, fn.start, fn.end)


def _dmt_other_date(path: Path) -> str:
    fn = parse_demeter_filename(path.name)
    return demeter_filename(fn.apid, fn.orbit, fn.half, datetime(2009, 1, 1), datetime(2009, 1, 1, 0, 30))


def _dmt_as(apid: int) -> Callable[[Path], str]:
    def rename(path: Path) -> str:
        fn = parse_demeter_filename(path.name)
        return demeter_filename(apid, fn.orbit, fn.half, fn.start, fn.end)

    return rename


def _records(edit: Callable[[np.ndarray], None], **kw: Any) -> Callable[[Path], Path]:
    """A DEMETER ISL file whose records are edited in place."""

    def build(folder: Path) -> Path:
        path = _isl(folder, **kw)
        rec = np.fromfile(path, dtype=RECORD_DTYPES[1144])
        edit(rec)
        rec.tofile(path)
        return path

    return build


def _set(field_name: str, value: Any, rows: Any = slice(None)) -> Callable[[np.ndarray], None]:
    def edit(rec: np.ndarray) -> None:
        rec[field_name][rows] = value

    return edit


def _reverse_records(rec: np.ndarray) -> None:
    rec[:] = rec[::-1].copy()


def _dmt_glitch(rec: np.ndarray) -> None:
    rec["ut_year"][5] += 3  # the CCSDS header time still says 2006 (mismatch counted, UT trusted)


def _dmt_lt_recomputed(ds: Any) -> None:
    expected = solar_local_time(ds["time"].values, ds["lon"].values)
    np.testing.assert_allclose(ds["lt"].values, expected, atol=1e-6)


def _dmt_sorted(ds: Any) -> None:
    np.testing.assert_array_equal(ds["time"].values, demeter_pass(1144)["time"].values)


def _cses_glitch_dropped(ds: Any) -> None:
    expected = np.delete(cses_pass("LAP_1")["time"].values, 5)
    np.testing.assert_array_equal(ds["time"].values, expected)


# ------------------------------------------------------------------------------------------ catalog builders


def _file(name: str, content: bytes | str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return build


def _good_rows(n: int = 3) -> list[str]:
    return [comcat_row(f"2020-0{k + 1}-01T00:00:00.000Z", k, k, 10, 5.5, f"good{k}") for k in range(n)]


def _csv(*bad_rows: str, extra_lines: tuple[str, ...] = ()) -> str:
    """Three good rows with the bad rows (and raw lines) placed between them."""
    good = _good_rows()
    return "\n".join([HEADER, good[0], *bad_rows, good[1], *extra_lines, good[2]]) + "\n"


def _bad(eid: str, **fields: Any) -> str:
    values = {"time": "2020-06-01T00:00:00.000Z", "lat": 1, "lon": 2, "depth": 10, "mag": 5.5, "eid": eid}
    values.update(fields)
    return comcat_row(
        values["time"], values["lat"], values["lon"], values["depth"], values["mag"], values["eid"]
    )


def _geojson(edit: Callable[[dict], None]) -> str:
    doc = json.loads(json.dumps(GEOJSON))
    edit(doc)
    return json.dumps(doc)


def _add_feature(*features: Any) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        doc["features"][1:1] = list(features)

    return edit


def _feature(**over: Any) -> dict:
    feat = json.loads(json.dumps(GEOJSON["features"][0]))
    feat["id"] = "junk"
    for key, value in over.items():
        if key in ("properties", "geometry"):
            feat[key] = value
        else:
            feat["properties"][key] = value
    return feat


QUAKEML_BAD_EVENTS = QUAKEML.replace(
    "</eventParameters>",
    '<event publicID="smi:x/ev-garbage"><origin publicID="o"><time><value>garbage</value></time>'
    "<latitude><value>1</value></latitude><longitude><value>2</value></longitude></origin>"
    '<magnitude publicID="m"><mag><value>5</value></mag></magnitude></event>'
    '<event publicID="smi:x/ev-textmag"><origin publicID="o"><time><value>2020-01-01T00:00:00Z</value>'
    "</time><latitude><value>1</value></latitude><longitude><value>2</value></longitude></origin>"
    '<magnitude publicID="m"><mag><value>five</value></mag></magnitude></event>'
    '<event publicID="smi:x/ev-empty"></event></eventParameters>',
)
GOOD_GEOJSON_IDS = {"us2000d7q6", "us1000h3p4"}
# JSON's non-standard NaN / Infinity literals (Python's json reads them): a NaN time, an infinite magnitude
NAN_GEOJSON = json.dumps(GEOJSON).replace(
    '"features": [',
    '"features": [{"type": "Feature", "id": "nan", "properties": {"time": NaN, "mag": 5}, '
    '"geometry": {"coordinates": [1, 2, 3]}}, {"type": "Feature", "id": "inf", "properties": '
    '{"time": 1577836800000, "mag": Infinity}, "geometry": {"coordinates": [1, 2, 3]}}, ',
    1,
)


# ------------------------------------------------------------------------------------------ the table

PASS = "pass"
CAT = "catalog"
SET = "settings"
DSET = "dataset_settings"
NOT_HDF5 = "not an HDF5 file"
CORRUPT = "truncated or corrupt HDF5 file"
NO_SAMPLE = "no (sample|record) with a valid time and position"

CASES: list[Case] = [
    # --- CSES-01 HDF5: truncated / corrupt / empty --------------------------------------------------
    Case("cses-empty-file", PASS, _cses_named(CSES_NAME), Refused(NOT_HDF5)),
    Case("cses-signature-only", PASS, _cses_named(CSES_NAME, b"\x89HDF\r\n\x1a\n"), Refused(CORRUPT)),
    Case("cses-superblock-only", PASS, _bytes_edit(lambda b: b[:96]), Refused(CORRUPT)),
    Case("cses-bytes-flipped", PASS, _bytes_edit(_flip_every(97, 200)), Refused(CORRUPT)),
    Case(
        "cses-tail-zeroed",
        PASS,
        _bytes_edit(lambda b: b[: len(b) // 2] + bytes(len(b) - len(b) // 2)),
        Refused(CORRUPT),
    ),
    Case("cses-hdf5-without-datasets", PASS, _empty_hdf5, Refused("dataset 'UTC_TIME' is missing")),
    Case("cses-zero-rows", PASS, _zero_rows, Refused("dataset 'UTC_TIME' has no rows")),
    # --- CSES-01: wrong dtypes and shapes ---------------------------------------------------------------
    Case(
        "cses-3d-dataset",
        PASS,
        _h5_edit("A311", lambda d: d.reshape(20, 1, 1)),
        Refused(r"dataset 'A311' has shape \(20, 1, 1\), expected 2-D"),
    ),
    Case("cses-scalar-dataset", PASS, _h5_edit("A311", lambda d: d[0, 0]), Refused(r"'A311' has shape \(\)")),
    Case("cses-group-for-dataset", PASS, _group_for_dataset, Refused("'A311' is not a dataset")),
    Case(
        "cses-complex-dtype",
        PASS,
        _h5_edit("A311", lambda d: d.astype(np.complex64)),
        Refused("'A311' has dtype complex64, expected a numeric type"),
    ),
    Case(
        "cses-compound-dtype",
        PASS,
        _h5_edit("A321", lambda d: np.zeros(d.shape, dtype=[("a", "f4"), ("b", "f4")])),
        Refused("'A321' has dtype .*expected a numeric type"),
    ),
    Case(
        "cses-bool-dtype",
        PASS,
        _h5_edit("GEO_LAT", lambda d: d > 0),
        Refused("'GEO_LAT' has dtype bool, expected a numeric type"),
    ),
    Case(
        "cses-int16-payload-is-numeric",
        PASS,
        _h5_edit("A311", lambda d: np.full(d.shape, 1000, np.int16)),
        Repaired({}, 20, None, lambda ds: np.testing.assert_array_equal(ds["Ne"].values, 1000.0)),
    ),
    # --- CSES-01: all-fill variables ----------------------------------------------------------------------
    Case(
        "cses-every-payload-variable-fill",
        PASS,
        _all_fill_payload,
        Repaired({"all_fill_variables": "Ne,Te"}, 20, "all-fill variables: Ne, Te"),
    ),
    Case(
        "cses-all-positions-fill",
        PASS,
        _h5_edit("GEO_LAT", lambda d: np.full_like(d, -9999)),
        Refused(NO_SAMPLE),
    ),
    Case("cses-all-times-fill", PASS, _all_fill_times, Refused(NO_SAMPLE)),
    Case(
        "cses-one-longitude-out-of-range",
        PASS,
        _h5_edit("GEO_LON", lambda d: np.where(np.arange(20)[:, None] == 4, 500.0, d).astype(np.float32)),
        Repaired({"n_out_of_range": 1, "n_dropped_position": 1}, 19, "n_dropped_position=1"),
    ),
    # --- CSES-01: duplicate and backwards timestamps ------------------------------------------------------
    Case(
        "cses-every-time-identical",
        PASS,
        _same_time_everywhere,
        Repaired({"n_dropped_duplicate": 19}, 1, "n_dropped_duplicate=19"),
    ),
    Case(
        "cses-whole-file-backwards",
        PASS,
        _reversed_times,
        Repaired(
            {"n_backwards": 19},
            20,
            "n_backwards=19",
            lambda ds: np.testing.assert_array_equal(ds["time"].values, cses_pass("LAP_1")["time"].values),
        ),
    ),
    Case(
        "cses-one-row-timed-years-off",
        PASS,
        _cses_glitch,
        Repaired(
            {"n_time_outside_name": 1, "n_dropped_time": 1}, 19, "n_time_outside_name=1", _cses_glitch_dropped
        ),
    ),
    # --- CSES-01: names that lie ----------------------------------------------------------------------
    Case(
        "cses-name-says-another-date",
        PASS,
        _renamed(_lap, _cses_other_date),
        Refused(r"the file name says 2015-01-01 00:00:00 … 2015-01-01 00:30:00 but UTC_TIME runs 2021-03-04"),
    ),
    Case(
        "cses-name-says-another-product",
        PASS,
        _renamed(lambda folder: write_pass(cses_pass("PAP_0"), folder), _cses_as_lap),
        Refused("dataset 'A311' is missing"),
    ),
    Case(
        "cses-name-not-parseable",
        PASS,
        _cses_named("CSES_01_LAP_1_whatever.h5", b"\x89HDF\r\n\x1a\n"),
        Refused("not a CSES-01 Level-2 file name"),
    ),
    # --- DEMETER N1: corrupt / empty records --------------------------------------------------------------
    Case(
        "dmt-records-of-zeros",
        PASS,
        _bytes_edit(lambda b: bytes(len(b)), base=_isl),
        Refused("the file name says orbit 11250 but the record headers say orbit 0"),
    ),
    Case(
        "dmt-bytes-flipped",
        PASS,
        _bytes_edit(_flip_every(7, 50), base=_isl),
        Refused("the file name says orbit 11250 but the record headers say orbit"),
    ),
    Case(
        "dmt-every-variable-fill",
        PASS,
        _records(
            lambda r: [
                _set(f, np.float32(-1e31))(r) for f in ("n_e", "t_e", "n_i", "v_plasma", "v_float", "v_sat")
            ]
        ),
        Repaired({}, 15, "all-fill variables: Ne, Te, Ni, V_plasma, V_float, V_sat"),
    ),
    Case("dmt-all-positions-fill", PASS, _records(_set("lat", np.float32(-1e31))), Refused(NO_SAMPLE)),
    Case(
        "dmt-all-times-invalid",
        PASS,
        _records(lambda r: (_set("ut_month", 13)(r), _set("days_1950", 0)(r))),
        Refused(NO_SAMPLE),
    ),
    Case(
        "dmt-longitude-absurd",
        PASS,
        _records(_set("lon", np.float32(1e20), 3)),
        Repaired({"n_dropped_position": 1}, 14, "n_dropped_position=1"),
    ),
    Case(
        "dmt-local-time-absurd",
        PASS,
        _records(_set("lt", np.float32(1e20))),
        Repaired({}, 15, None, _dmt_lt_recomputed),
    ),
    # --- DEMETER N1: duplicate and backwards timestamps ---------------------------------------------------
    Case(
        "dmt-whole-file-backwards",
        PASS,
        _records(_reverse_records),
        Repaired({"n_backwards": 14}, 15, "n_backwards=14", _dmt_sorted),
    ),
    Case(
        "dmt-every-record-identical",
        PASS,
        _records(lambda r: r.__setitem__(slice(None), r[0])),
        Repaired({"n_dropped_duplicate": 14}, 1, "n_dropped_duplicate=14"),
    ),
    Case(
        "dmt-one-record-timed-years-off",
        PASS,
        _records(_dmt_glitch),
        Repaired(
            {"n_time_outside_name": 1, "n_time_mismatch": 1}, 14, "n_time_mismatch=1.*n_time_outside_name=1"
        ),
    ),
    # --- DEMETER N1: names that lie -----------------------------------------------------------------------
    Case(
        "dmt-name-says-another-date",
        PASS,
        _renamed(_isl, _dmt_other_date),
        Refused(
            r"the file name says 2009-01-01 00:00:00 … 2009-01-01 00:30:00 but the record times run 2006"
        ),
    ),
    Case(
        "dmt-iap-file-named-isl",
        PASS,
        _renamed(lambda folder: write_pass(demeter_pass(1140), folder), _dmt_as(1144)),
        Refused(
            r"the file name says APID 1144 \(ISL SURVEY\) but the first record's data type is 'IAP SURVEY'"
        ),
    ),
    Case(
        "dmt-isl-file-named-iap",
        PASS,
        _renamed(lambda folder: _isl(folder, n=78), _dmt_as(1140)),  # 78 ISL records = 73 IAP records
        Refused(
            r"the file name says APID 1140 \(IAP SURVEY\) but the first record's data type is 'ISL SURVEY'"
        ),
    ),
    Case(
        "dmt-name-not-parseable",
        PASS,
        _cses_named("DMT_N1_1144_garbage.DAT", bytes(292)),
        Refused("not a DEMETER N1 file name"),
    ),
    # --- catalogs: bad times, text magnitudes, missing columns, duplicates, bytes ----------------------
    Case(
        "csv-times-now-and-today",
        CAT,
        _file("words.csv", _csv(_bad("now", time="now"), _bad("today", time=" Today "))),
        Repaired({"bad time": 2}, 3),
    ),
    Case(
        "csv-infinite-magnitudes",
        CAT,
        _file("inf.csv", _csv(_bad("a", mag="inf"), _bad("b", mag="-Infinity"), _bad("c", mag="1e400"))),
        Repaired({"non-numeric mag": 3}, 3),
    ),
    Case(
        "csv-infinite-depth",
        CAT,
        _file("deep.csv", _csv(_bad("a", depth="inf"))),
        Repaired({"non-numeric depth": 1}, 3),
    ),
    Case(
        "csv-blank-magnitude-and-id",
        CAT,
        _file("blank.csv", _csv(_bad("a", mag=""), _bad(""))),
        Repaired({"missing mag": 1, "missing id": 1}, 3),
    ),
    Case(
        "csv-longitude-out-of-range",
        CAT,
        _file("lon.csv", _csv(_bad("a", lon=400))),
        Repaired({"bad lat/lon": 1}, 3),
    ),
    Case(
        "csv-short-row",
        CAT,
        _file("short.csv", _csv("2020-06-01T00:00:00.000Z,1,2")),
        Repaired({"missing mag": 1}, 3),
    ),
    Case(
        "csv-unterminated-quote",
        CAT,
        _file("quote.csv", _csv('"unterminated, place')),
        Repaired({"malformed line": 1}, 3),
    ),
    Case(
        "csv-quote-closed-lines-later",
        CAT,
        _file("span.csv", _csv('x,"opens here', extra_lines=('closes here",y',))),
        Repaired({"malformed line": 2}, 3),
    ),
    Case(
        "csv-nul-byte-in-a-row",
        CAT,
        _file("nul.csv", _csv().replace("good1,", "good1,\x00")),
        Repaired({}, 3),
    ),
    Case(
        "csv-duplicate-column",
        CAT,
        _file(
            "dupcol.csv", "time,latitude,longitude,depth,mag,id,mag\n2020-01-01T00:00:00Z,1,2,3,5,good0,6\n"
        ),
        Repaired({}, 1, "no 'type' column"),
    ),
    Case(
        "csv-only-some-columns",
        CAT,
        _file("cols.csv", "time,mag,id\n2020-01-01T00:00:00Z,5,x\n"),
        Refused("missing required column.*latitude, longitude, depth"),
    ),
    Case(
        "csv-corrupt-gzip",
        CAT,
        _file("cat.csv.gz", gzip.compress(_csv().encode())[:40]),
        Refused("corrupt gzip"),
    ),
    Case("csv-utf16-with-bom", CAT, _file("u16.csv", _csv().encode("utf-16")), Repaired({}, 3)),
    Case(
        "geojson-properties-not-an-object",
        CAT,
        _file("props.geojson", _geojson(_add_feature(_feature(properties=[1, 2])))),
        Repaired({"bad time": 1}, 2),
    ),
    Case(
        "geojson-geometry-not-an-object",
        CAT,
        _file("geom.geojson", _geojson(_add_feature(_feature(geometry=[142.0, -6.0])))),
        Repaired({"bad lat/lon": 1}, 2),
    ),
    Case(
        "geojson-boolean-and-object-magnitudes",
        CAT,
        _file(
            "bool.geojson",
            _geojson(_add_feature(_feature(mag=True), {**_feature(mag={"v": 5}), "id": "junk2"})),
        ),
        Repaired({"non-numeric mag": 2}, 2),
    ),
    Case(
        "geojson-nan-and-infinity-literals",
        CAT,
        _file("nan.geojson", NAN_GEOJSON),
        Repaired({"bad time": 1, "non-numeric mag": 1}, 2),
    ),
    Case(
        "geojson-features-not-a-list",
        CAT,
        _file("fd.geojson", '{"type": "FeatureCollection", "features": {"a": 1}}'),
        Refused("'features' is not a list"),
    ),
    Case(
        "geojson-duplicate-ids",
        CAT,
        _file(
            "dup.geojson", _geojson(lambda d: d["features"].append(json.loads(json.dumps(d["features"][0]))))
        ),
        Repaired({"duplicate id": 1}, 2),
    ),
    Case(
        "geojson-non-utf8-bytes",
        CAT,
        _file("latin.geojson", _geojson(lambda d: None).encode().replace(b"Porgera", b"P\xf6rgera")),
        Repaired({}, 2, r"U\+FFFD"),
    ),
    Case(
        "quakeml-bad-values",
        CAT,
        _file("bad.xml", QUAKEML_BAD_EVENTS),
        Repaired({"bad time": 2, "non-numeric mag": 1}, 2),
    ),
    Case(
        "quakeml-wrong-namespace",
        CAT,
        _file(
            "ns.xml",
            '<?xml version="1.0"?><q:quakeml xmlns:q="http://quakeml.org/xmlns/quakeml/1.2"><eventParameters/></q:quakeml>',
        ),
        Refused("not QuakeML 1.2"),
    ),
    Case(
        "quakeml-truncated",
        CAT,
        _file("cut.xml", QUAKEML[: len(QUAKEML) // 2]),
        Refused("XML cannot be parsed"),
    ),
    # --- absurd settings ----------------------------------------------------------------------------------
    Case("settings-length-zero", SET, {"length": 0}, Refused("length must be a whole number >= 1")),
    Case("settings-length-fractional", SET, {"length": 2.5}, Refused("length must be a whole number")),
    Case("settings-length-text", SET, {"length": "20"}, Refused("length must be a whole number")),
    Case("settings-stride-boolean", SET, {"stride": True}, Refused("stride must be a whole number")),
    Case(
        "settings-negative-radius",
        SET,
        {"radius_value": -1.0},
        Refused("radius_value must be a finite number > 0"),
    ),
    Case(
        "settings-infinite-radius",
        SET,
        {"radius_value": float("inf")},
        Refused("radius_value must be a finite"),
    ),
    Case(
        "settings-radius-wider-than-the-earth",
        SET,
        {"radius_rule": "km", "radius_value": 50_000.0},
        Refused("radius_value must be <= 19900 km"),
    ),
    Case(
        "settings-T-10000-days",
        SET,
        {"days_before": 10_000},
        Refused(r"days_before must be a finite number in \(0, 365\]"),
    ),
    Case("settings-T-infinite", SET, {"days_before": float("inf")}, Refused("days_before")),
    Case("settings-T-negative", SET, {"days_before": -5}, Refused("days_before")),
    Case(
        "settings-kp-nan",
        SET,
        {"kp_max": float("nan")},
        Refused(r"kp_max must be a finite number in \[0, 9\]"),
    ),
    Case("settings-quiet-window-negative", SET, {"quiet_window_h": -5.0}, Refused("quiet_window_h")),
    Case("settings-quiet-window-huge", SET, {"quiet_window_h": 1e9}, Refused("quiet_window_h")),
    Case("settings-background-weeks-huge", SET, {"background_weeks": 1e9}, Refused("background_weeks")),
    Case("settings-cadence-tiny", SET, {"cadence_s": 1e-9}, Refused("cadence_s")),
    Case(
        "settings-interp-infinite", SET, {"interp_max_cadences": float("inf")}, Refused("interp_max_cadences")
    ),
    Case(
        "dataset-negative-exclusion-radius",
        DSET,
        {"exclusion_radius_factor": -1.0},
        Refused("exclusion_radius_factor"),
    ),
    Case(
        "dataset-negative-exclusion-days",
        DSET,
        {"exclusion_days": -3.0},
        Refused("exclusion_days"),
    ),
    Case(
        "dataset-nan-min-mag",
        DSET,
        {"min_mag": float("nan")},
        Refused("min_mag"),
    ),
    Case(
        "dataset-zero-tries",
        DSET,
        {"negative_max_tries": 0},
        Refused("negative_max_tries"),
    ),
]


# ------------------------------------------------------------------------------------------ runners


@pytest.fixture(scope="module")
def good_passes(tmp_path_factory) -> dict[str, bytes]:
    """Bytes of two good pass files (a CSES-01 HPM_6 and a DEMETER IAP), copied next to every bad file."""
    folder = tmp_path_factory.mktemp("good")
    return {
        p.name: p.read_bytes()
        for p in (write_pass(cses_pass("HPM_6"), folder), write_pass(demeter_pass(1140), folder))
    }


def _run_pass(case: Case, tmp_path: Path, good: dict[str, bytes]) -> None:
    root = tmp_path / "archive"
    (root / "good").mkdir(parents=True)
    for name, raw in good.items():
        (root / "good" / name).write_bytes(raw)
    bad = case.build(root / "bad")
    expect = case.expect
    if isinstance(expect, Refused):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PassWarning)
            with pytest.raises(PassFormatError) as err:
                read_pass(bad)
        message = str(err.value)
        assert message.startswith(f"{bad.name}: "), message
        assert re.search(expect.match, message), message
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds = read_pass(bad)
        texts = [str(w.message) for w in caught if issubclass(w.category, PassWarning)]
        if expect.warns is None:
            assert not texts, texts
        else:
            assert len(texts) == 1 and texts[0].startswith(f"{bad.name}: "), texts
            assert re.search(expect.warns, texts[0]), texts[0]
        validate_pass(ds)
        assert ds.sizes["time"] == expect.n
        for key, value in expect.counts.items():
            assert ds.attrs[key] == value, (key, ds.attrs[key])
        if expect.check is not None:
            expect.check(ds)
    # the rest of the work is kept: the scan indexes the good files and lists the bad one
    index, report = scan_archive(root, workers=1, progress=False)
    rows = index.set_index("path")
    assert len(rows) == 3
    for name in good:
        row = rows.loc[f"good/{name}"]
        assert pd.isna(row["error"]) and row["geometry"] is not None and row["n_samples"] > 0
    rel = bad.relative_to(root).as_posix()
    row = rows.loc[rel]
    if isinstance(expect, Refused):
        assert report.errors == {rel: row["error"]}
        assert row["error"].startswith(f"PassFormatError: {bad.name}: ") and row["geometry"] is None
    else:
        assert report.errors == {} and pd.isna(row["error"]) and row["n_samples"] == expect.n
        assert row["start"].tz_convert(None).to_datetime64() == ds["time"].values[0]
        assert row["end"].tz_convert(None).to_datetime64() == ds["time"].values[-1]


def _run_catalog(case: Case, tmp_path: Path) -> None:
    path = case.build(tmp_path / "catalogs")
    expect = case.expect
    if isinstance(expect, Refused):
        with pytest.raises(CatalogError) as err:
            load_catalog(path)
        message = str(err.value)
        assert path.name in message and re.search(expect.match, message), message
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gdf = load_catalog(path)
    rep = gdf.attrs["load_report"]
    assert rep.dropped == expect.counts
    assert rep.n_kept == expect.n == len(gdf) and rep.n_read == rep.n_kept + rep.n_dropped
    drops = [str(w.message) for w in caught if issubclass(w.category, CatalogWarning)]
    assert len(drops) == (1 if expect.counts else 0), drops
    if expect.counts:
        assert path.name in drops[0] and rep.examples
    if expect.warns is not None:
        assert any(re.search(expect.warns, note) for note in rep.notes), rep.notes
    # the rest of the work is kept: every good row is there, with its values
    good_ids = {i for i in gdf["event_id"] if i.startswith("good")} | (
        set(gdf["event_id"]) & GOOD_GEOJSON_IDS
    )
    assert len(good_ids) == expect.n, list(gdf["event_id"])
    assert gdf["time"].notna().all() and np.isfinite(gdf[["lat", "lon", "mag"]].to_numpy()).all()


def _run_settings(case: Case) -> None:
    values = case.build
    makers: list[Callable[[], Any]] = [lambda: DatasetSettings.from_dict(values)]
    if case.kind == SET:
        makers += [lambda: WindowSettings(**values), lambda: dataclasses.replace(WindowSettings(), **values)]
    for make in makers:
        with pytest.raises(ValueError) as err:
            make()
        message = str(err.value)
        assert re.search(case.expect.match, message) and any(k in message for k in values), message
    # refused before any work: the defaults and a sane variant still construct
    assert WindowSettings().length == 20 and DatasetSettings.from_dict({"length": 10}).window.length == 10


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=c.marks) for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, good_passes: dict[str, bytes]) -> None:
    if case.kind == PASS:
        _run_pass(case, tmp_path, good_passes)
    elif case.kind == CAT:
        _run_catalog(case, tmp_path)
    else:
        _run_settings(case)


def test_the_table_is_consistent() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert {c.kind for c in CASES} == {PASS, CAT, SET, DSET}
    assert all(isinstance(c.expect, Refused | Repaired) for c in CASES)
