"""Datasets: event selection, negatives, splits, the Samples contract, NetCDF round trip, caching, CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

import core.datasets as dsm
from core.archive import scan_archive
from core.catalog import to_csv
from core.cli import app
from core.datasets import (
    DatasetSettings,
    UnknownConfigError,
    assign_splits,
    build_dataset,
    dataset_report,
    draw_negatives,
    get_config,
    load_configs,
    load_samples,
    select_events,
    write_samples,
)
from core.geo import geodesic_distance_km
from core.testing import assert_valid_samples
from core.windows import Target, WindowSettings
from tests.helpers import LINE_T0 as T0
from tests.helpers import write_line_pass

SPLITS = (("train", "2019-01-01", "2019-06-30"), ("validation", "2019-07-01", "2019-12-31"))
DAY = np.timedelta64(1, "D")


def make_catalog(rows: list[tuple]) -> pd.DataFrame:
    """Rows (event_id, time, lat, lon, mag[, depth_km[, type]]) → a catalog in the normalised shape."""
    full = [
        (*r, 10.0, "earthquake")[:7] if len(r) == 5 else (*r, "earthquake")[:7] if len(r) == 6 else r
        for r in rows
    ]
    df = pd.DataFrame(full, columns=["event_id", "time", "lat", "lon", "mag", "depth_km", "type"])
    df["time"] = pd.to_datetime(df["time"], utc=True)
    df["mag_type"] = "mw"
    df["place"] = "test"
    return df


CATALOG = make_catalog(
    [
        ("ev1", "2019-03-11T00:00:00", 0.0, 0.0, 5.0),  # train, passes on 2019-03-10
        ("ev2", "2019-08-11T00:00:00", 0.0, 30.0, 5.2),  # validation, pass on 2019-08-10
        ("far", "2019-03-12T00:00:00", 40.0, 100.0, 5.5),  # no pass anywhere near
        ("ev2", "2019-09-01T00:00:00", 10.0, 10.0, 5.0),  # duplicate id (later row): dropped, counted
        ("small", "2019-03-11T00:00:00", 0.0, 0.0, 4.0),  # below M5
        ("deep", "2019-03-11T00:00:00", 0.0, 0.0, 6.0, 300.0),  # deeper than 40 km
        ("old", "2015-03-11T00:00:00", 0.0, 0.0, 6.0),  # outside every split period
    ]
)


def settings(**changes) -> DatasetSettings:
    base = DatasetSettings(
        name="tiny",
        window=WindowSettings(radius_rule="deg", radius_value=1.0, quiet=False, half="both"),
        splits=SPLITS,
        seed=3,
    )
    return base.with_(**changes)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Passes over (0, 0) every 4 days of the train period, one over ev2 (0, 30) before its origin."""
    root = tmp_path_factory.mktemp("archive")
    start = np.datetime64("2019-01-02T00:00:00", "ns")
    orbit = 1000
    while start < np.datetime64("2019-06-28", "ns"):
        write_line_pass(root, start, orbit=orbit)
        start, orbit = start + 4 * DAY, orbit + 1
    write_line_pass(root, np.datetime64("2019-03-10T00:00:00", "ns"), orbit=1)
    write_line_pass(root, np.datetime64("2019-08-10T00:00:00", "ns"), orbit=2, lon0=30.0)
    scan_archive(root, workers=1, progress=False)
    return root


@pytest.fixture(scope="module")
def built(archive, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "tiny.nc"
    ds, rep = build_dataset(settings(), archive, catalog=CATALOG, out=out, workers=1, progress=False)
    return ds, rep, out


# ------------------------------------------------------------------------------------------ contract


def test_samples_contract(built) -> None:
    ds, rep, _ = built
    assert_valid_samples(ds)
    assert list(ds["feature"].values) == ["Ne", "Te", "Ni_O", "Ti"]
    assert list(ds["feature_units"].values) == ["lg(re 1 cm^-3)", "K", "lg(re 1 cm^-3)", "K"]
    assert ds.sizes["step"] == 20
    hours = (ds["event_time"].values - ds["t_start"].values) / np.timedelta64(1, "h")
    np.testing.assert_allclose(ds["hours_before"].values, hours)
    assert (ds["hours_before"].values <= 5 * 24).all()
    attrs = ds.attrs
    assert json.loads(attrs["settings"])["window"]["length"] == 20
    assert attrs["catalog_hash"] and attrs["archive_index_hash"] and attrs["cache_key"] == rep.cache_key
    assert dataset_report(ds).counts == rep.counts
    # samples in event-time order
    assert (np.diff(ds["event_time"].values.astype(np.int64)) >= 0).all()


def test_counts_report(built) -> None:
    _, rep, _ = built
    pos_train = rep.counts["train"]["positive"]
    # ev1: the passes of 03-07 and 03-10 cross its circle, 2 sequences each; "far" has none
    assert pos_train == {"events": 2, "events_with_samples": 1, "samples": 4}
    pos_val = rep.counts["validation"]["positive"]
    assert pos_val == {"events": 1, "events_with_samples": 1, "samples": 2}  # ev2
    assert rep.reasons["positive"]["no_pass"] == 1  # "far"
    assert rep.n_catalog_events == 5  # ev1, ev2, far, ev2 (dup), old — small and deep filtered out
    assert rep.n_duplicate_ids == 1 and rep.n_outside_splits == 1
    # negatives: one per positive whose window the archive covers (all three here), placed or counted
    neg_events = sum(rep.counts[s]["negative"]["events"] for s in rep.splits)
    assert neg_events + rep.n_negatives_not_placed == 3
    assert rep.counts["train"]["negative"]["events_with_samples"] >= 1
    assert rep.n_samples() == sum(rep.n_samples(s) for s in rep.splits)
    text = rep.summary()
    assert "train" in text and "duplicate ids dropped 1" in text and "no_pass 1" in text


def test_no_event_in_two_splits_and_negatives_inherit_their_time(built) -> None:
    ds, _, _ = built
    frame = pd.DataFrame({"event_id": ds["event_id"].values, "split": ds["split"].values})
    assert (frame.groupby("event_id")["split"].nunique() == 1).all()
    expected = assign_splits(ds["event_time"].values.astype(np.int64), settings())
    assert list(ds["split"].values) == list(expected)
    neg = ds.where(ds["label"] == 0, drop=True)
    assert all(
        e.startswith(s + "-neg")
        for e, s in zip(neg["event_id"].values, neg["source_event_id"].values, strict=True)
    )


def test_written_then_read_is_identical(built, tmp_path) -> None:
    ds, _, out = built
    again = load_samples(out)
    xr.testing.assert_identical(ds, again)
    for name in ds.variables:
        assert ds[name].dtype == again[name].dtype, name
    # and an empty dataset survives the trip too
    empty = ds.isel(sample=slice(0, 0))
    write_samples(empty, tmp_path / "empty.nc")
    back = load_samples(tmp_path / "empty.nc")
    xr.testing.assert_identical(empty, back)
    assert back["X"].shape == (0, 20, 4)


def test_written_file_is_cf(built) -> None:
    """CF-1.10, read back with cf_xarray; X has no units, its features' units are a coordinate."""
    import cf_xarray  # noqa: F401 — registers the .cf accessor
    import h5py

    _, _, out = built
    with xr.open_dataset(out, engine="h5netcdf") as back:
        assert back.attrs["Conventions"] == "CF-1.10" and back.attrs["title"] and back.attrs["source"]
        assert back.cf["latitude"].name == "lat" and back.cf["longitude"].name == "lon"
        assert back.cf["time"].name == "t_start"
        assert back.cf.standard_names == {"latitude": ["lat"], "longitude": ["lon"], "time": ["t_start"]}
        assert "units" not in back["X"].attrs and "feature_units" in back["X"].coords
        assert back["X"].cf["latitude"].name == "lat"
    with h5py.File(out, "r") as f:  # on disk, X names feature_units among its (auxiliary) coordinates
        assert "feature_units" in str(f["X"].attrs["coordinates"]).split()


def test_files_written_before_cf_still_load(built, tmp_path) -> None:
    """A Samples file of the earlier layout (X units "see feature_units", free-text feature units) loads."""
    ds, _, _ = built
    old = ds.copy()
    old["X"].attrs = {"long_name": "feature sequences", "units": "see feature_units"}
    old = old.assign_coords(feature_units=("feature", np.array(["log10(cm^-3)", "K", "log10(cm^-3)", "K"])))
    for name in ("lat", "lon"):
        old[name].attrs = {"units": "deg"}
    old.attrs = {k: v for k, v in old.attrs.items() if k not in ("Conventions", "source", "history")}
    write_samples(old, tmp_path / "old.nc")
    back = load_samples(tmp_path / "old.nc")
    xr.testing.assert_identical(back, old)
    from dashboard.figures import sequences_figure

    fig = sequences_figure(back.isel(sample=slice(0, 2)))
    assert any("log10(cm^-3)" in str(a.text) for a in fig.layout.annotations)  # the old unit text shows


# ------------------------------------------------------------------------------------------ caching


def test_unchanged_dataset_is_not_rebuilt(archive, built, monkeypatch) -> None:
    ds, rep, out = built

    def boom(*args, **kwargs):
        raise AssertionError("rebuilt although nothing changed")

    monkeypatch.setattr(dsm.build, "_run_all", boom)
    ds2, rep2 = build_dataset(settings(), archive, catalog=CATALOG, out=out, workers=1, progress=False)
    assert rep2.cached and not rep.cached
    xr.testing.assert_identical(ds, ds2)
    # a changed setting, a changed catalog or force=True rebuilds
    for kwargs in ({"config": settings(length=10)}, {"catalog": CATALOG.iloc[:3]}, {"force": True}):
        args = {"config": settings(), "catalog": CATALOG, **kwargs}
        with pytest.raises(AssertionError, match="rebuilt"):
            build_dataset(args.pop("config"), archive, out=out, workers=1, progress=False, **args)


def test_cache_key_depends_on_archive_files(archive, tmp_path) -> None:
    index, _ = scan_archive(archive, workers=1, progress=False)
    h1 = dsm.index_hash(index, ["CSES-01"])
    assert dsm.index_hash(index.iloc[1:], ["CSES-01"]) != h1
    assert dsm.index_hash(index, ["DEMETER"]) != h1  # only the dataset's satellites count


# ------------------------------------------------------------------------------------------ events


def test_duplicate_ids_are_an_explicit_outcome() -> None:
    events, counts = select_events(CATALOG, settings())
    assert counts == {"n_catalog_events": 5, "n_duplicate_ids": 1, "n_outside_splits": 1}
    assert list(events["event_id"]) == ["ev1", "far", "ev2"]
    assert events.set_index("event_id").loc["ev2", "lat"] == 0.0  # the first row of the id wins
    assert list(events["split"]) == ["train", "train", "validation"]


def test_mainshocks_only_drops_aftershocks() -> None:
    cat = make_catalog([("main", "2019-03-01", 0.0, 0.0, 6.5), ("after", "2019-03-05", 0.1, 0.1, 5.2)])
    events, _ = select_events(cat, settings(mainshocks_only=True))
    assert list(events["event_id"]) == ["main"]


# ------------------------------------------------------------------------------------------ negatives


def _dense_catalog(n: int = 150, seed: int = 1) -> pd.DataFrame:
    """Dense enough that about half of all random (place, time) candidates are excluded."""
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2019-01-01", tz="UTC")
    rows = [
        (
            f"e{i}",
            t0 + pd.Timedelta(seconds=float(rng.uniform(0, 365 * 86400))),
            float(rng.uniform(-30, 30)),
            float(rng.uniform(-60, 60)),
            float(rng.choice([4.6, 5.0, 5.5, 6.0])),
        )
        for i in range(n)
    ]
    return make_catalog(rows)


@pytest.mark.parametrize("window", [90.0, None])
@pytest.mark.parametrize("radius_of", ["pseudo_event", "larger"])
@pytest.mark.parametrize("mode", ["same_place", "random_place"])
def test_negatives_never_fall_in_an_exclusion_window(mode, radius_of, window) -> None:
    cat = _dense_catalog()
    s = settings(
        negatives=mode,
        negative_ratio=2.0,
        random_place_max_lat=30.0,
        radius_rule="dobrovolsky",
        exclusion_radius_of=radius_of,
        negative_time_window_days=window,
    )
    events, _ = select_events(cat, s)
    positives = [Target.from_row(r, split=r["split"]) for _, r in events.iterrows()]
    span = (pd.Timestamp("2019-01-01").value, pd.Timestamp("2020-01-01").value)
    neg, not_placed = draw_negatives(positives, cat, s, span)
    assert len(neg) + not_placed == 2 * len(positives) and len(neg) > 0
    big = cat[cat["mag"] >= 4.5]
    t_cat = big["time"].dt.tz_convert(None).astype("datetime64[ns]").astype(np.int64).to_numpy()
    r_cat = 10 ** (0.43 * big["mag"].to_numpy())
    for t in neg:
        near_t = np.abs(t_cat - t.time_ns) <= s.exclusion_days * 86_400 * 10**9
        d = geodesic_distance_km(big["lat"].to_numpy()[near_t], big["lon"].to_numpy()[near_t], t.lat, t.lon)
        r_own = 10 ** (0.43 * t.mag)
        limit = 3 * (np.maximum(r_cat[near_t], r_own) if radius_of == "larger" else r_own)
        assert not (np.atleast_1d(d) <= limit).any(), t
        assert t.label == 0 and assign_splits(np.array([t.time_ns]), s)[0] == t.split
        if mode == "same_place":
            src = events.set_index("event_id").loc[t.source_id]
            assert (t.lat, t.lon) == (src["lat"], src["lon"])
            if window is not None:
                assert abs(t.time_ns - src["_t"]) <= window * 86_400 * 10**9, t
    again, _ = draw_negatives(positives, cat, s, span)
    assert again == neg  # seeded: the same every time


def _clustered_catalog() -> pd.DataFrame:
    """30 events in June 2019 and 30 spread over the year, each at its own place (> 3 R apart)."""
    rng = np.random.default_rng(5)
    june, t0 = pd.Timestamp("2019-06-01", tz="UTC"), pd.Timestamp("2019-01-01", tz="UTC")
    rows = [
        (
            f"c{i}",
            june + pd.Timedelta(days=float(rng.uniform(0, 30))),
            20.0 * (i % 5) - 40,
            -170.0 + 11 * i,
            5.0,
        )
        for i in range(30)
    ] + [
        (f"s{i}", t0 + pd.Timedelta(days=12.0 * i + 3), 20.0 * (i % 5) - 30, -164.0 + 11 * i, 5.0)
        for i in range(30)
    ]
    return make_catalog(rows)


def test_same_place_negatives_follow_the_season_of_their_positives() -> None:
    cat = _clustered_catalog()
    s = settings(
        radius_rule="dobrovolsky",
        splits=(("train", "2019-01-01", "2019-12-31"),),
        negative_ratio=2.0,
        exclusion_days=30.0,  # longer than the default 10: a one-month cluster blocks its whole month
    )
    assert s.negative_time_window_days == 90.0  # the default
    events, _ = select_events(cat, s)
    positives = [Target.from_row(r, split=r["split"]) for _, r in events.iterrows()]
    t_pos = {p.event_id: p.time_ns for p in positives}
    day = 86_400 * 10**9

    def season_share(targets: list[Target]) -> float:  # share in March…September, the cluster's season
        t = np.array([x.time_ns for x in targets])
        return float(
            np.mean((t >= pd.Timestamp("2019-03-01").value) & (t < pd.Timestamp("2019-10-01").value))
        )

    neg, not_placed = draw_negatives(positives, cat, s)
    assert not_placed == 0 and len(neg) == 120
    gap = np.array([abs(t.time_ns - t_pos[t.source_id]) for t in neg]) / day
    # within ± 90 days of its positive, and never within its own ± 30-day exclusion (hence never in the same
    # month as a positive of a one-month cluster: season-matched, not month-matched)
    assert (gap <= 90).all() and (gap > 30).all(), gap
    assert abs(season_share(neg) - season_share(positives)) < 0.1
    # None: uniform over the split period, as before — the season of the cluster is under-represented
    old, not_placed = draw_negatives(positives, cat, s.with_(negative_time_window_days=None))
    assert not_placed == 0 and len(old) == 120
    assert season_share(positives) - season_share(old) > 0.15
    assert old == draw_negatives(positives, cat, s.with_(negative_time_window_days=1e5))[0]
    month = pd.DatetimeIndex(pd.to_datetime([t.time_ns for t in old])).month
    assert np.bincount(month, minlength=13)[1:].min() > 0  # spread over the whole year
    with pytest.raises(ValueError, match="negative_time_window_days"):
        settings(negative_time_window_days=0.0)
    assert settings(negative_time_window_days=False).negative_time_window_days is None  # TOML `false`


def test_negative_ratio_and_none() -> None:
    s = settings(negative_ratio=0.5)
    pos = [
        Target(
            f"p{i}",
            int(pd.Timestamp("2019-03-01").value) + i * 10**12,
            0.0,
            float(i),
            5.0,
            split="train",
            source_id=f"p{i}",
        )
        for i in range(200)
    ]
    neg, not_placed = draw_negatives(pos, make_catalog([]), s)
    assert 70 < len(neg) + not_placed < 130
    assert draw_negatives(pos, make_catalog([]), settings(negatives="none")) == ([], 0)


# ------------------------------------------------------------------------------------------ parallel


CAT20 = make_catalog(
    [(f"e{i:02d}", f"2019-0{1 + i // 10}-{5 + 2 * (i % 10):02d}T00:00:00", 0.0, 0.0, 5.0) for i in range(20)]
)


def test_dask_processes_give_the_serial_result(archive, tmp_path) -> None:
    s = settings(negatives="none")
    par, rep = build_dataset(s, archive, catalog=CAT20, out=tmp_path / "p.nc", workers=2, progress=False)
    serial, _ = build_dataset(s, archive, catalog=CAT20, out=tmp_path / "s.nc", workers=1, progress=False)
    assert rep.counts["train"]["positive"]["events"] == 20 and par.sizes["sample"] > 20
    xr.testing.assert_identical(par, serial)


def test_local_processes_or_a_scheduler_address(archive, monkeypatch, tmp_path) -> None:
    import dask

    calls = []
    real = dask.compute

    def spy(*args, **kwargs):
        calls.append(kwargs.get("scheduler"))
        return real(*args, **{**kwargs, "scheduler": "sync"})

    monkeypatch.setattr(dask, "compute", spy)
    build_dataset(
        settings(negatives="none"), archive, catalog=CAT20, out=tmp_path / "d.nc", workers=2, progress=False
    )
    assert calls == ["processes"]
    clients = []

    def on_cluster(scheduler, func, items, args=(), **kwargs):  # a real cluster: tests/core/test_cluster.py
        clients.append(scheduler)
        return [func(item, *args) for item in items]

    import core.cluster

    monkeypatch.setattr(core.cluster, "map_on_cluster", on_cluster)
    build_dataset(
        settings(negatives="none", seed=9),
        archive,
        catalog=CAT20,
        out=tmp_path / "e.nc",
        scheduler="tcp://10.0.0.1:8786",
        progress=False,
    )
    assert clients == ["tcp://10.0.0.1:8786"]


# ------------------------------------------------------------------------------------------ configs


def test_named_configs_load() -> None:
    configs = load_configs()
    assert {
        "cses-default",
        "cses-L10",
        "cses-L30",
        "cses-L40",
        "cses-day",
        "cses-500km",
        "demeter-default",
    } <= set(configs)
    d = configs["cses-default"]
    assert d.window.satellites == ("CSES-01",) and d.window.half == "night" and d.window.length == 20
    assert d.window.radius_rule == "dobrovolsky" and d.window.days_before == 5.0 and d.window.quiet
    assert [s[0] for s in d.split_table()] == ["train", "validation", "test", "test2"]
    assert configs["cses-L40"].window.length == 40 and configs["cses-L40"].window.half == "night"
    assert (
        configs["demeter-day"].window.satellites == ("DEMETER",)
        and configs["demeter-day"].window.half == "day"
    )
    assert [s[0] for s in configs["demeter-default"].split_table()] == ["train", "validation"]
    assert DatasetSettings.from_dict(d.to_dict()) == d
    with pytest.raises(UnknownConfigError, match="known: .*cses-default"):
        get_config("cses-nope")


def test_bad_config_files(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[defaults]\nlength = 20\n[config.a]\nlenght = 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'a'.*lenght"):
        load_configs(bad)
    bad.write_text('[config.a]\nbase = "b"\n[config.b]\nbase = "a"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="circular"):
        load_configs(bad)
    with pytest.raises(ValueError, match="overlap"):
        DatasetSettings(splits=(("train", "2019-01-01", "2019-12-31"), ("test", "2019-06-01", "2020-01-01")))


# ------------------------------------------------------------------------------------------ CLI


def test_cli_dataset_builds_and_reports(tmp_path) -> None:
    root = tmp_path / "archive"
    write_line_pass(root, T0, orbit=1)  # 2019-03-10, a quiet night (max Kp 2.3)
    cat_path = to_csv(make_catalog([("us1", "2019-03-11T00:00:00", 0.0, 0.0, 5.0)]), tmp_path / "cat.csv")
    out = tmp_path / "d.nc"
    runner = CliRunner()
    args = [
        "dataset",
        "--config",
        "cses-default",
        "--archive",
        str(root),
        "--catalog",
        str(cat_path),
        "--out",
        str(out),
        "--workers",
        "1",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "train" in result.output and "positive" in result.output
    ds = load_samples(out)
    assert ds.sizes["sample"] == 2 and set(ds["event_id"].values) == {"us1"}  # M5: 52 points → 2 × 20
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "cache" in again.output


def test_cli_unknown_config_fails_cleanly(tmp_path) -> None:
    result = CliRunner().invoke(app, ["dataset", "--config", "nope", "--archive", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown dataset configuration 'nope'" in result.output and "cses-default" in result.output
    assert "Traceback" not in result.output
    listing = CliRunner().invoke(app, ["dataset", "--list"])
    assert listing.exit_code == 0 and "demeter-default" in listing.output


def test_same_place_negatives_use_the_free_time_exactly() -> None:
    # events at the place every 70 days block ±30 days each: the only free time of the year is the
    # 10-day gap 30…40 days after each; every pseudo-event must land in one of those gaps
    t0 = pd.Timestamp("2019-01-01", tz="UTC")
    cat = make_catalog([(f"b{i}", t0 + pd.Timedelta(days=70 * i), 0.0, 0.0, 5.0) for i in range(6)])
    s = settings(
        radius_rule="dobrovolsky",
        splits=(("train", "2019-01-01", "2019-12-31"),),
        negative_ratio=3.0,
        exclusion_days=30.0,
    )
    events, _ = select_events(cat, s)
    positives = [Target.from_row(r, split=r["split"]) for _, r in events.iterrows()]
    neg, not_placed = draw_negatives(positives, cat, s)
    assert not_placed == 0 and len(neg) == 18
    days = np.array([(t.time_ns - t0.value) / 86_400e9 for t in neg])
    assert (((days % 70) > 30) & ((days % 70) < 40)).all(), days
    # every 40 days: the ±30-day blocks overlap, no free time at all → counted, never placed
    dense = make_catalog([(f"c{i}", t0 + pd.Timedelta(days=40 * i), 0.0, 0.0, 5.0) for i in range(11)])
    events, _ = select_events(dense, s)
    positives = [Target.from_row(r, split=r["split"]) for _, r in events.iterrows()]
    neg, not_placed = draw_negatives(positives, dense, s)
    assert neg == [] and not_placed == 3 * len(positives)


def test_bbox_keeps_only_epicentres_in_the_region() -> None:
    t = pd.Timestamp("2019-03-01", tz="UTC")
    cat = make_catalog(
        [("in", t, 10.0, 120.0, 5.5), ("out", t, 10.0, -60.0, 5.5), ("edge", t, -50.0, 95.0, 5.0)]
    )
    events, _ = select_events(cat, settings(bbox=(95.0, -50.0, 180.0, 55.0)))
    assert sorted(events["event_id"]) == ["edge", "in"]
    with pytest.raises(ValueError, match="bbox"):
        settings(bbox=(1.0, 2.0))
