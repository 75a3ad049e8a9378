"""Tests of core.catalog: readers (CSV / GeoJSON / QuakeML), row-level drops, built-in catalog, filters,
Gardner–Knopoff declustering. Tiny data are written into tmp_path by the tests themselves."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from core import catalog as cat_mod
from core.catalog import (
    CATALOG_COLUMNS,
    CatalogError,
    CatalogWarning,
    LoadReport,
    catalog_hash,
    coverage_gaps,
    decluster_gardner_knopoff,
    default_events,
    era_counts,
    filter_catalog,
    gardner_knopoff_windows,
    load_catalog,
    load_default_catalog,
    mainshocks,
    satellite_era,
    to_csv,
)
from core.config import Settings
from tests.helpers import COMCAT_GEOJSON as GEOJSON
from tests.helpers import COMCAT_HEADER as HEADER
from tests.helpers import COMCAT_QUAKEML as QUAKEML
from tests.helpers import comcat_row


def write_csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


FOUR_ROWS = [
    comcat_row(
        "2019-07-06T03:19:53.040Z",
        35.7695,
        -117.5993,
        8.0,
        7.1,
        "ci38457511",
        "2019 Ridgecrest Earthquake Sequence",
    ),
    comcat_row(
        "2011-03-11T05:46:24.120Z",
        38.297,
        142.373,
        29.0,
        9.1,
        "official20110311054624120_30",
        "2011 Great Tohoku Earthquake, Japan",
    ),
    comcat_row(
        "2025-03-28T06:20:52.715Z",
        22.0011,
        95.9251,
        10.0,
        7.7,
        "us7000pn9s",
        "2025 Mandalay, Burma (Myanmar) Earthquake",
        updated="2025-05-01T00:00:00.000Z",
    ),
    comcat_row(
        "2015-04-25T06:11:25.950Z",
        28.2305,
        84.7314,
        8.22,
        7.8,
        "us20002926",
        "36 km E of Khudi, Nepal",
        mag_type="mww",
    ),
]


@pytest.fixture
def four_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "four.csv", FOUR_ROWS)


def _load_quiet(source):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CatalogWarning)
        return load_catalog(source)


# ----------------------------------------------------------------------------------------------- CSV


def test_csv_four_rows_exact(four_csv: Path) -> None:
    gdf = _load_quiet(four_csv)
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert tuple(gdf.columns) == (*CATALOG_COLUMNS, "geometry")
    assert isinstance(gdf.index, pd.RangeIndex) and len(gdf) == 4
    assert str(gdf["time"].dtype) == "datetime64[ns, UTC]"
    assert gdf.crs.to_epsg() == 4326
    # sorted by time
    assert list(gdf["event_id"]) == ["official20110311054624120_30", "us20002926", "ci38457511", "us7000pn9s"]
    first = gdf.iloc[0]
    assert first["time"] == pd.Timestamp("2011-03-11T05:46:24.120Z")
    assert (first["lat"], first["lon"], first["depth_km"], first["mag"]) == (38.297, 142.373, 29.0, 9.1)
    assert first["mag_type"] == "mww" and first["type"] == "earthquake"
    assert first["place"] == "2011 Great Tohoku Earthquake, Japan"
    assert first["geometry"].x == 142.373 and first["geometry"].y == 38.297
    rep = gdf.attrs["load_report"]
    assert isinstance(rep, LoadReport)
    assert (rep.fmt, rep.n_read, rep.n_kept, rep.n_dropped, rep.dropped) == ("csv", 4, 4, 0, {})
    assert "four.csv" in rep.summary()


def test_csv_bad_rows_dropped_counted_and_warned_once(tmp_path: Path) -> None:
    rows = [
        *FOUR_ROWS,
        comcat_row("not-a-time", 10, 10, 10, 5.0, "bad1"),
        comcat_row("2020-01-01T00:00:00.000Z", 10, 10, 10, "big", "bad2"),
        comcat_row("2020-01-02T00:00:00.000Z", 95.5, 10, 10, 5.0, "bad3"),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.warns(CatalogWarning) as record:
        gdf = load_catalog(path)
    assert len([w for w in record if issubclass(w.category, CatalogWarning)]) == 1
    assert "bad.csv" in str(record[0].message)
    assert len(gdf) == 4 and not {"bad1", "bad2", "bad3"} & set(gdf["event_id"])
    rep = gdf.attrs["load_report"]
    assert rep.dropped == {"bad time": 1, "non-numeric mag": 1, "bad lat/lon": 1}
    assert (rep.n_read, rep.n_kept, rep.n_dropped) == (7, 4, 3)
    assert "row 5: field 'time' = 'not-a-time' is not a time" in rep.examples
    assert any("row 6" in e and "'mag'" in e and "'big'" in e for e in rep.examples)
    assert any("row 7" in e and "'latitude'" in e for e in rep.examples)
    assert "bad time 1" in rep.summary()


def test_csv_missing_columns_names_file_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "partial.csv"
    path.write_text("time,latitude,longitude,place\n2020-01-01T00:00:00Z,1,2,x\n", encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    msg = str(err.value)
    assert "partial.csv" in msg and "depth" in msg and "mag" in msg and "id" in msg
    assert "latitude" not in msg.split("missing required column(s):")[1].split("(")[0]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.csv", b""),
        ("blank.csv", b"   \n\n"),
        ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
        ("notes.txt", b"hello world\nthis is not a catalog\n"),
        ("broken.json", b"{not json"),
        ("page.xml", b"<html><body>not quakeml</body></html>"),
    ],
)
def test_fatal_problems_raise_catalog_error_naming_the_file(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CatalogError, match=name.replace(".", r"\.")):
        load_catalog(path)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="nowhere.csv"):
        load_catalog(tmp_path / "nowhere.csv")


def test_non_utf8_bytes_in_place_do_not_crash(tmp_path: Path) -> None:
    text = "\n".join([HEADER, comcat_row("2020-01-01T00:00:00.000Z", 5, 5, 10, 5.5, "us1", "PLACEHOLDER")])
    data = text.encode("utf-8").replace(b"PLACEHOLDER", b"C\xf4te d'Ivoire \xff")
    path = tmp_path / "latin.csv"
    path.write_bytes(data + b"\n")
    gdf = _load_quiet(path)
    assert len(gdf) == 1
    assert gdf["place"].iloc[0] == "C\ufffdte d'Ivoire \ufffd"
    rep = gdf.attrs["load_report"]
    assert rep.n_dropped == 0 and any("U+FFFD" in n for n in rep.notes)


def test_duplicate_ids_keep_most_recent_and_count(tmp_path: Path) -> None:
    rows = [
        comcat_row("2020-01-01T00:00:00.000Z", 1, 1, 10, 5.0, "dup", updated="2020-01-02T00:00:00.000Z"),
        comcat_row("2020-01-01T00:00:01.000Z", 1, 1, 10, 5.3, "dup", updated="2021-06-01T00:00:00.000Z"),
        comcat_row("2020-01-01T00:00:00.000Z", 1, 1, 10, 5.1, "dup", updated="2020-03-01T00:00:00.000Z"),
        comcat_row("2020-02-01T00:00:00.000Z", 2, 2, 10, 6.0, "other"),
    ]
    path = write_csv(tmp_path / "dups.csv", rows)
    with pytest.warns(CatalogWarning, match="duplicate id"):
        gdf = load_catalog(path)
    assert sorted(gdf["event_id"]) == ["dup", "other"]
    assert gdf.set_index("event_id").loc["dup", "mag"] == 5.3
    assert gdf.attrs["load_report"].dropped == {"duplicate id": 2}


def test_several_sources_are_merged_and_deduplicated(tmp_path: Path, four_csv: Path) -> None:
    extra = write_csv(
        tmp_path / "extra.csv",
        [FOUR_ROWS[0], comcat_row("2021-01-01T00:00:00.000Z", -10, 190.0, 5, 6.1, "us_wrap")],
    )
    with pytest.warns(CatalogWarning):
        gdf = load_catalog([four_csv, extra])
    assert len(gdf) == 5 and gdf["event_id"].is_unique
    assert gdf["time"].is_monotonic_increasing
    reports = gdf.attrs["load_report"]
    assert isinstance(reports, list) and len(reports) == 2
    assert reports[1].dropped == {"duplicate id (other source)": 1}
    assert gdf.set_index("event_id").loc["us_wrap", "lon"] == pytest.approx(-170.0)


def test_to_csv_round_trip(tmp_path: Path, four_csv: Path) -> None:
    gdf = _load_quiet(four_csv)
    out = to_csv(gdf, tmp_path / "sub" / "norm.csv")
    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(CATALOG_COLUMNS)
    back = _load_quiet(out)
    pd.testing.assert_frame_equal(back.drop(columns="geometry"), gdf.drop(columns="geometry"))
    assert catalog_hash(back) == catalog_hash(gdf)
    assert len(catalog_hash(gdf)) == 16
    assert catalog_hash(gdf.iloc[::-1]) == catalog_hash(gdf)
    assert catalog_hash(gdf.iloc[1:]) != catalog_hash(gdf)


# ------------------------------------------------------------------------------------- GeoJSON / QuakeML

TWO_CSV_ROWS = [
    comcat_row(
        "2018-02-25T17:44:44.070Z",
        -6.0699,
        142.7536,
        35.0,
        7.5,
        "us2000d7q6",
        "89 km SW of Porgera, Papua New Guinea",
        updated="2022-01-01T00:00:00.000Z",
    ),
    comcat_row(
        "2018-09-28T10:02:43.480Z",
        -0.2559,
        119.8462,
        20.0,
        7.5,
        "us1000h3p4",
        "78 km N of Palu, Indonesia",
        updated="2022-01-01T00:00:00.000Z",
    ),
]


@pytest.fixture
def two_csv(tmp_path: Path) -> gpd.GeoDataFrame:
    return _load_quiet(write_csv(tmp_path / "two.csv", TWO_CSV_ROWS))


def _table(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    return pd.DataFrame(gdf.drop(columns="geometry"))


def test_geojson_equals_csv(tmp_path: Path, two_csv: gpd.GeoDataFrame) -> None:
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps(GEOJSON), encoding="utf-8")
    gdf = _load_quiet(path)
    assert gdf.attrs["load_report"].fmt == "geojson"
    pd.testing.assert_frame_equal(_table(gdf), _table(two_csv))
    assert gdf.geometry.geom_equals(two_csv.geometry).all()


def test_quakeml_equals_csv_and_uses_preferred_origin(tmp_path: Path, two_csv: gpd.GeoDataFrame) -> None:
    path = tmp_path / "events.xml"
    path.write_text(QUAKEML, encoding="utf-8")
    gdf = _load_quiet(path)
    assert gdf.attrs["load_report"].fmt == "quakeml"
    pd.testing.assert_frame_equal(_table(gdf), _table(two_csv))
    palu = gdf.set_index("event_id").loc["us1000h3p4"]
    assert palu["depth_km"] == 20.0 and palu["lat"] == -0.2559 and palu["mag_type"] == "mww"


def test_quakeml_falls_back_to_first_origin(tmp_path: Path) -> None:
    doc = QUAKEML.replace("quakeml:us/origin/final</preferredOriginID>", "dangling</preferredOriginID>")
    doc = doc.replace("<preferredMagnitudeID>quakeml:us/mag/mww</preferredMagnitudeID>", "")
    path = tmp_path / "fallback.quakeml"
    path.write_text(doc, encoding="utf-8")
    palu = _load_quiet(path).set_index("event_id").loc["us1000h3p4"]
    assert palu["time"] == pd.Timestamp("2018-09-28T10:02:40Z")
    assert (palu["depth_km"], palu["mag"], palu["mag_type"]) == (10.0, 6.9, "mb")


def test_geojson_bad_feature_dropped(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(GEOJSON))
    doc["features"][1]["properties"]["mag"] = "n/a"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.warns(CatalogWarning):
        gdf = load_catalog(path)
    assert list(gdf["event_id"]) == ["us2000d7q6"]
    assert gdf.attrs["load_report"].dropped == {"non-numeric mag": 1}


# -------------------------------------------------------------------------------------- built-in catalog


@pytest.fixture(scope="module")
def builtin() -> gpd.GeoDataFrame:
    paths = cat_mod.builtin_catalog_paths()
    if not all(p.exists() for p in paths):
        pytest.skip("built-in catalogs not present")
    return load_default_catalog()


def test_builtin_catalog_merged(builtin: gpd.GeoDataFrame) -> None:
    assert 41_000 <= len(builtin) <= 43_000
    assert builtin["event_id"].is_unique
    assert builtin["time"].is_monotonic_increasing
    assert builtin["lon"].between(-180, 180, inclusive="left").all()
    assert builtin["lat"].between(-90, 90).all()
    reports = builtin.attrs["load_report"]
    assert [Path(r.source).name for r in reports] == list(cat_mod.BUILTIN_CATALOG_FILES)
    assert sum(r.n_kept for r in reports) == len(builtin)
    # memoised, but callers get their own copy
    again = load_default_catalog()
    assert again is not builtin and len(again) == len(builtin)


def test_builtin_default_events_per_era(builtin: gpd.GeoDataFrame) -> None:
    events = default_events(builtin, Settings())
    assert (events["mag"] >= 5.0).all() and (events["depth_km"] <= 40).all()
    assert (events["type"] == "earthquake").all()
    counts = era_counts(events)["n_events"]
    assert list(counts.index) == ["DEMETER", "CSES-01", "none"]
    assert 8_000 <= counts["DEMETER"] <= 10_500
    assert counts["CSES-01"] > 3_000
    assert counts.sum() == len(events)
    main = default_events(builtin, Settings(mainshocks_only=True))
    assert 0 < len(main) < len(events)


def test_coverage_gaps() -> None:
    gaps = coverage_gaps("2023-01-01", "2025-06-01")
    assert (pd.Timestamp("2023-11-05", tz="UTC"), pd.Timestamp("2024-12-31", tz="UTC")) in gaps
    assert gaps == [(pd.Timestamp("2023-11-05", tz="UTC"), pd.Timestamp("2024-12-31", tz="UTC"))]
    assert coverage_gaps("2005-01-01", "2006-01-01") == []
    assert coverage_gaps("2010-11-15", "2011-01-10") == [
        (pd.Timestamp("2010-12-01", tz="UTC"), pd.Timestamp("2011-01-10", tz="UTC"))
    ]
    assert any(g.start == pd.Timestamp("2023-11-05", tz="UTC") for g in cat_mod.CATALOG_GAPS)


def test_satellite_era_vectorised() -> None:
    times = pd.Series(
        pd.to_datetime(
            [
                "2004-06-30T23:59:59",
                "2004-07-01",
                "2010-12-09T23:00",
                "2010-12-10",
                "2018-02-02T01:00",
                "2025-06-01",
            ],
            utc=True,
            format="ISO8601",
        )
    )
    assert list(satellite_era(times)) == ["", "DEMETER", "DEMETER", "", "CSES-01", "CSES-01"]
    assert list(satellite_era(["2008-01-01"])) == ["DEMETER"]


# ------------------------------------------------------------------------------------------------ filters


@pytest.fixture
def small() -> gpd.GeoDataFrame:
    rows = pd.DataFrame(
        {
            "event_id": ["a", "b", "c", "d", "e", "f"],
            "time": pd.to_datetime(
                ["2005-03-01", "2009-12-31T23:00", "2015-06-01", "2019-01-01", "2021-05-05", "2025-02-02"],
                utc=True,
                format="ISO8601",
            ).as_unit("ns"),
            "lat": [10.0, -20.0, 35.0, -15.0, 60.0, 0.0],
            "lon": [179.5, -179.0, 140.0, 20.0, -150.0, 0.0],
            "depth_km": [10.0, 35.0, 100.0, 5.0, 40.0, np.nan],
            "mag": [5.0, 6.2, 7.0, 4.6, 5.5, 5.1],
            "mag_type": ["mb"] * 6,
            "place": [
                "Fiji region",
                "south of the FIJI Islands",
                "Honshu, Japan",
                "Angola",
                "Alaska",
                "Gulf",
            ],
            "type": ["earthquake", "earthquake", "earthquake", "quarry blast", "earthquake", "earthquake"],
        }
    )
    gdf = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(rows.lon, rows.lat), crs="EPSG:4326")
    gdf.attrs["load_report"] = "kept"
    return gdf


def _ids(gdf: gpd.GeoDataFrame) -> list[str]:
    return list(gdf["event_id"])


def test_filters(small: gpd.GeoDataFrame) -> None:
    assert _ids(filter_catalog(small)) == ["a", "b", "c", "e", "f"]
    assert _ids(filter_catalog(small, types=None)) == ["a", "b", "c", "d", "e", "f"]
    assert _ids(filter_catalog(small, types=["quarry blast"])) == ["d"]
    assert _ids(filter_catalog(small, min_mag=5.5)) == ["b", "c", "e"]
    assert _ids(filter_catalog(small, max_mag=5.1)) == ["a", "f"]
    assert _ids(filter_catalog(small, max_depth_km=40)) == ["a", "b", "e"]
    assert _ids(filter_catalog(small, min_depth_km=35)) == ["b", "c", "e"]
    assert _ids(filter_catalog(small, start="2009-12-31T23:00", end="2021-05-05")) == ["b", "c", "e"]
    assert _ids(filter_catalog(small, end=pd.Timestamp("2021-05-04T23:59:59", tz="UTC"))) == ["a", "b", "c"]
    assert _ids(filter_catalog(small, place="fiji")) == ["a", "b"]
    assert _ids(filter_catalog(small, era="DEMETER")) == ["a", "b"]
    assert _ids(filter_catalog(small, era="CSES-01")) == ["e", "f"]
    assert _ids(filter_catalog(small, era="none")) == ["c"]
    with pytest.raises(ValueError, match="era"):
        filter_catalog(small, era="SWARM")
    out = filter_catalog(small, min_mag=5.5)
    assert out.attrs["load_report"] == "kept" and isinstance(out.index, pd.RangeIndex)
    assert out is not small and len(small) == 6


def test_bbox_and_region_filters(small: gpd.GeoDataFrame) -> None:
    # ordinary box
    assert _ids(filter_catalog(small, types=None, bbox=(100, 20, 160, 50))) == ["c"]
    # antimeridian-crossing box: 170°E … 170°W
    assert _ids(filter_catalog(small, types=None, bbox=(170, -30, -170, 30))) == ["a", "b"]
    # polygon region (boundary included)
    region = Polygon([(-10, -10), (30, -20), (30, 10), (-10, 10)])
    assert _ids(filter_catalog(small, types=None, region=region)) == ["d", "f"]
    assert _ids(filter_catalog(small, types=None, region=box(0, 0, 1, 1))) == ["f"]


# ---------------------------------------------------------------------------------------- Gardner–Knopoff


def test_gardner_knopoff_windows_formula() -> None:
    d, t = gardner_knopoff_windows([5.0, 6.0, 7.0])
    assert d == pytest.approx(
        [10 ** (0.1238 * 5 + 0.983), 10 ** (0.1238 * 6 + 0.983), 10 ** (0.1238 * 7 + 0.983)]
    )
    assert t == pytest.approx(
        [10 ** (0.5409 * 5 - 0.547), 10 ** (0.5409 * 6 - 0.547), 10 ** (0.032 * 7 + 2.7389)]
    )
    assert d == pytest.approx([39.99, 53.18, 70.72], abs=0.01)
    assert t == pytest.approx([143.7, 499.4, 918.1], abs=0.1)


def _sequence() -> gpd.GeoDataFrame:
    ev = [
        # id, time, lat, lon, mag
        ("fore", "2011-03-09T02:45:00", 38.40, 142.80, 5.2),  # foreshock, 2 days before, ~40 km
        ("main", "2011-03-11T05:46:00", 38.30, 142.37, 7.0),
        ("af1", "2011-03-11T08:00:00", 38.50, 142.60, 5.5),  # ~30 km
        ("af2", "2011-03-12T10:00:00", 38.00, 142.10, 4.8),  # ~40 km
        ("af3", "2011-03-15T00:00:00", 38.70, 142.40, 4.5),  # ~45 km
        ("far", "2011-03-13T00:00:00", -33.0, -72.0, 6.0),  # unrelated, Chile
        ("year", "2012-03-11T00:00:00", 38.30, 142.37, 5.0),  # a year later, still in the M7 window (918 d)
        ("late", "2014-06-01T00:00:00", 38.30, 142.37, 5.0),  # ~3.2 years later: outside, new mainshock
        ("edge", "2011-03-12T00:00:00", 38.30, 143.40, 4.9),  # ~90 km: outside the 71 km window
    ]
    df = pd.DataFrame(ev, columns=["event_id", "time", "lat", "lon", "mag"])
    df["time"] = pd.to_datetime(df["time"], utc=True).dt.as_unit("ns")
    df["depth_km"], df["mag_type"], df["place"], df["type"] = 10.0, "mw", "", "earthquake"
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326")


def test_gardner_knopoff_sequence() -> None:
    seq = _sequence()
    flags = decluster_gardner_knopoff(seq)
    assert flags.dtype == bool and len(flags) == len(seq)
    assert set(seq.loc[flags, "event_id"]) == {"main", "far", "late", "edge"}
    assert set(mainshocks(seq)["event_id"]) == {"main", "far", "late", "edge"}
    # order of rows does not matter
    shuffled = seq.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert set(shuffled.loc[decluster_gardner_knopoff(shuffled), "event_id"]) == {
        "main",
        "far",
        "late",
        "edge",
    }


def test_gardner_knopoff_equal_magnitudes_and_empty() -> None:
    seq = _sequence().iloc[[1, 2]].reset_index(drop=True)
    seq.loc[1, "mag"] = 7.0  # a doublet: the earlier one is the mainshock
    assert list(decluster_gardner_knopoff(seq)) == [True, False]
    assert decluster_gardner_knopoff(seq.iloc[:0]).shape == (0,)


def test_default_events_mainshocks_only() -> None:
    seq = _sequence()
    plain = default_events(seq, Settings())
    assert set(plain["event_id"]) == {"fore", "main", "af1", "far", "year", "late"}
    main = default_events(seq, Settings(mainshocks_only=True))
    assert set(main["event_id"]) == {"main", "far", "late"}


def test_header_only_csv_gives_empty_table(tmp_path: Path) -> None:
    gdf = _load_quiet(write_csv(tmp_path / "none.csv", []))
    assert len(gdf) == 0 and tuple(gdf.columns) == (*CATALOG_COLUMNS, "geometry")
    assert str(gdf["time"].dtype) == "datetime64[ns, UTC]"


def test_quakeml_with_invalid_utf8_does_not_crash(tmp_path: Path, two_csv: gpd.GeoDataFrame) -> None:
    path = tmp_path / "latin.xml"
    path.write_bytes(QUAKEML.encode("utf-8").replace(b"78 km N of Palu", b"78 km N of P\xe1lu"))
    gdf = _load_quiet(path)
    assert list(gdf["event_id"]) == list(two_csv["event_id"])
    assert gdf["place"].iloc[1] == "78 km N of P\ufffdlu, Indonesia"
    assert any("U+FFFD" in n for n in gdf.attrs["load_report"].notes)
