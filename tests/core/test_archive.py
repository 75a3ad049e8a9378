"""Pass archive index: scan, incremental re-scan, unreadable files, spatial/time queries."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import shapely

from core.archive import (
    ScanReport,
    events_with_passes,
    find_pass_files,
    load_index,
    load_passes,
    passes_crossing,
    passes_near_event,
    scan_archive,
)
from core.geo import geodesic_circle
from core.io import write_pass
from tests.helpers import straight_pass

T0 = np.datetime64("2021-03-01T00:00:00", "ns")


@pytest.fixture()
def archive(tmp_path):
    root = tmp_path / "archive"
    write_pass(straight_pass(100, T0, 10.0), root / "2021" / "03")
    write_pass(straight_pass(101, T0 + np.timedelta64(2, "D"), 30.0, half="day"), root / "2021" / "03")
    write_pass(straight_pass(102, T0 + np.timedelta64(4, "D"), 170.0), root / "2021" / "03")  # crosses ±180
    write_pass(straight_pass(5000, T0 + np.timedelta64(1, "D"), 12.0, satellite="DEMETER"), root / "dmt")
    return root


def test_scan_indexes_every_file_with_its_track(archive) -> None:
    index, report = scan_archive(archive, workers=1, progress=False)
    assert isinstance(report, ScanReport) and report.n_files == 4 and report.n_indexed == 4
    assert report.errors == {}
    assert list(index["orbit"]) == sorted(
        index["orbit"], key=lambda o: index.set_index("orbit").loc[o, "path"]
    )
    row = index.set_index("orbit").loc[102]
    assert row["satellite"] == "CSES-01" and row["half"] == "night" and row["n_samples"] == 200
    assert row["start"] == pd.Timestamp("2021-03-05T00:00:00Z")
    assert row.geometry.geom_type == "MultiLineString"  # split at the antimeridian
    assert all(-180 <= x <= 180 for part in row.geometry.geoms for x, _ in part.coords)
    again = load_index(archive)
    assert len(again) == 4 and again.crs.to_epsg() == 4326


def test_rescan_skips_unchanged_and_sees_changes(archive) -> None:
    scan_archive(archive, workers=1, progress=False)
    _, report = scan_archive(archive, workers=1, progress=False)
    assert (report.n_reused, report.n_indexed) == (4, 0)
    victim = find_pass_files(archive)[0]
    victim.unlink()
    write_pass(straight_pass(103, T0 + np.timedelta64(5, "D"), 50.0), archive / "2021" / "03")
    index, report = scan_archive(archive, workers=1, progress=False)
    assert (report.n_reused, report.n_indexed, report.n_removed) == (3, 1, 1)
    assert 103 in set(index["orbit"]) and len(index) == 4


def test_unreadable_file_is_reported_and_never_stops_the_scan(archive) -> None:
    good = find_pass_files(archive)[0]
    bad = good.with_name(good.name.replace("_00100", "_00999"))
    bad.write_bytes(good.read_bytes()[:500])  # truncated HDF5
    index, report = scan_archive(archive, workers=1, progress=False)
    assert len(index) == 5 and len(report.errors) == 1
    ((path, error),) = report.errors.items()
    assert path.endswith(bad.name) and error.startswith("PassFormatError") and bad.name in error
    assert index.set_index("path").loc[path, "geometry"] is None
    assert "1 unreadable" in report.summary()


def test_parallel_scan_matches_serial(archive, tmp_path) -> None:
    serial, _ = scan_archive(archive, index_path=tmp_path / "a.parquet", workers=1, progress=False)
    for i in range(16):  # enough files to go through dask's process pool
        write_pass(straight_pass(200 + i, T0 + np.timedelta64(i, "h"), -60.0 + i), archive / "more")
    parallel, report = scan_archive(archive, index_path=tmp_path / "b.parquet", workers=2, progress=False)
    assert report.n_indexed == 20
    merged = parallel.set_index("path").loc[serial["path"]]
    assert list(merged["orbit"]) == list(serial["orbit"])
    assert all(a.equals(b) for a, b in zip(merged.geometry, serial.geometry, strict=True))


def test_passes_crossing_space_time_and_filters(archive) -> None:
    index, _ = scan_archive(archive, workers=1, progress=False)
    # pass 100: lon 10 → 30 over lat -60 → 60, at lat 0 near lon 20; DEMETER 5000 two degrees east
    circle = geodesic_circle(0.0, 20.0, 300.0)
    hits = passes_crossing(index, circle, "2021-02-28", "2021-03-10")
    assert set(hits["orbit"]) == {100, 5000}
    assert set(passes_crossing(index, circle, "2021-02-28", "2021-03-10", satellite="CSES-01")["orbit"]) == {
        100
    }
    assert passes_crossing(index, circle, "2021-03-01T00:00:01", "2021-03-10", satellite="CSES-01").empty
    assert passes_crossing(index, circle, "2021-02-28", "2021-03-10", half="day").empty
    far = geodesic_circle(0.0, -100.0, 300.0)
    assert passes_crossing(index, far, "2021-01-01", "2022-01-01").empty
    # across the antimeridian: pass 102 runs lon 170 → -170, at lat 0 near lon 180
    dateline = geodesic_circle(0.0, 179.0, 300.0)
    assert set(passes_crossing(index, dateline, "2021-03-01", "2021-03-10")["orbit"]) == {102}


def test_passes_near_event_never_uses_the_origin_time_or_after(archive) -> None:
    index, _ = scan_archive(archive, workers=1, progress=False)
    event = {"time": pd.Timestamp("2021-03-05T00:00:00Z"), "lat": 0.0, "lon": -179.0, "mag": 6.0}
    assert passes_near_event(index, event).empty  # pass 102 starts exactly at the origin time
    later = {**event, "time": pd.Timestamp("2021-03-05T00:00:01Z")}
    hits = passes_near_event(index, later)
    assert list(hits["orbit"]) == [102]
    (ds,) = load_passes(hits, archive)
    assert ds.attrs["orbit"] == 102 and ds.sizes["time"] == 200


def test_events_with_passes_agrees_with_passes_near_event(archive) -> None:
    index, _ = scan_archive(archive, workers=1, progress=False)
    rng = np.random.default_rng(3)
    n = 120
    events = pd.DataFrame(
        {
            "time": pd.Timestamp("2021-02-27", tz="UTC") + pd.to_timedelta(rng.uniform(0, 12, n), unit="D"),
            "lat": rng.uniform(-70, 70, n),
            "lon": rng.choice([15.0, 20.0, 35.0, 179.5, -179.0, -100.0], n) + rng.normal(0, 3, n),
            "mag": rng.uniform(5.0, 7.0, n),
        }
    )
    events.loc[0] = [pd.Timestamp("2021-03-05T00:00:00Z"), 0.0, -179.0, 6.0]  # pass 102 starts at origin
    events.loc[1] = [pd.Timestamp("2021-03-05T00:00:01Z"), 0.0, -179.0, 6.0]  # one second later: covered
    for kwargs in ({}, {"satellite": "CSES-01", "half": "night"}, {"days_before": 1.0, "radius_km": 800.0}):
        covered = events_with_passes(index, events, **kwargs)
        expected = [not passes_near_event(index, row, **kwargs).empty for _, row in events.iterrows()]
        assert list(covered) == expected
        assert 0 < covered.sum() < n
    assert not events_with_passes(index, events)[0] and events_with_passes(index, events)[1]
    assert not events_with_passes(index, events, satellite="DEMETER", half="day").any()
    assert events_with_passes(index, events.iloc[:0]).shape == (0,)


def test_load_index_errors_are_clear(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="python -m core index"):
        load_index(tmp_path)
    (tmp_path / "pass_index.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match="re-scan"):
        load_index(tmp_path)
    with pytest.raises(FileNotFoundError):
        scan_archive(tmp_path / "missing")


def test_damaged_index_is_rebuilt(archive) -> None:
    (archive / "pass_index.parquet").write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="rebuilding"):
        index, report = scan_archive(archive, workers=1, progress=False)
    assert report.n_indexed == 4 and len(index) == 4
    assert os.path.getsize(archive / "pass_index.parquet") > 100
    assert shapely.get_num_geometries(index.geometry.iloc[0]) >= 1
