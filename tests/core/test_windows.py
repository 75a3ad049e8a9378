"""Windowing: geometry checkable by hand, the time window, gaps, NaN rules, merging of products.

Every pass here is a straight line written in the real file formats (:func:`core.io.write_pass`): sample k
of the 1 s product lies at ``start + k s`` and latitude ``lat0 + dlat·k``; the 3 s product (CSES LAP_1)
samples the same line every third second. With the ``deg`` radius rule the in-circle test is an exact
angle on the sphere, so along a meridian the in-circle points are simply those with |Δlat| ≤ radius.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.archive import scan_archive
from core.geo import geodesic_distance_km, haversine_km
from core.passes import make_pass
from core.windows import (
    KM_PER_DEG,
    REASONS,
    Target,
    WindowSettings,
    merge_products,
    select_passes,
    window_event,
    windows_for_event,
)
from tests.helpers import LINE_T0 as T0
from tests.helpers import write_line_pass

SECOND = np.timedelta64(1, "s")


def line_lats(n: int = 200, lat0: float = -4.975, dlat: float = 0.05) -> np.ndarray:
    return lat0 + dlat * np.arange(n)


ONE_DAY_AFTER = T0 + np.timedelta64(1, "D")


def target(
    lat: float = 0.0,
    lon: float = 0.0,
    when: np.datetime64 = ONE_DAY_AFTER,
    mag: float = 5.0,
    event_id: str = "ev1",
) -> Target:
    return Target(event_id, int(np.datetime64(when, "ns").astype(np.int64)), lat, lon, mag)


def run(root: Path, tgt: Target, settings: WindowSettings):
    index, _ = scan_archive(root, workers=1, progress=False)
    (sel,) = select_passes(index, [tgt], settings)
    return window_event(tgt, sel, root, settings), sel


DEG1 = WindowSettings(radius_rule="deg", radius_value=1.0, quiet=False, half="both")


# ------------------------------------------------------------------------------------------ geometry


def test_meridian_pass_through_the_centre_gives_the_hand_count(tmp_path) -> None:
    # lat = -4.975 + 0.05 k; |lat| <= 1 deg  <=>  k = 80 … 119: 40 points; L = 20, stride 20 → 2 sequences
    write_line_pass(tmp_path, T0)
    res, sel = run(tmp_path, target(), DEG1)
    assert sel.n_crossing == 1 and res.outcome == "ok"
    assert res.counters["points_in_circle"] == 40
    assert res.n == 2
    assert res.X.shape == (2, 20, 4) and res.X.dtype == np.float32
    np.testing.assert_allclose(res.lat[0], line_lats()[80:100], atol=1e-5)
    np.testing.assert_allclose(res.lat[1], line_lats()[100:120], atol=1e-5)
    assert list(res.t_start) == [
        int((T0 + 80 * SECOND).astype(np.int64)),
        int((T0 + 100 * SECOND).astype(np.int64)),
    ]
    # closest step of each sequence: 0.025 deg from the epicentre (sphere, as the deg rule)
    np.testing.assert_allclose(res.dist_km, [0.025 * KM_PER_DEG] * 2, rtol=1e-4)
    np.testing.assert_allclose(res.hours_before, [24 - 80 / 3600, 24 - 100 / 3600])
    # features: log10 densities, temperatures in K; LAP's 3 s values interpolated onto the 1 s grid
    np.testing.assert_allclose(res.X[..., 0], 5.0, atol=1e-6)  # log10(1e5)
    np.testing.assert_allclose(res.X[..., 1], 1500.0)
    np.testing.assert_allclose(res.X[..., 2], np.log10(8e4), atol=1e-6)
    np.testing.assert_allclose(res.X[..., 3], 1200.0)
    assert res.satellite == ["CSES-01"] * 2 and res.orbit == [100, 100] and res.half == ["night"] * 2


@pytest.mark.parametrize(
    ("length", "stride", "expected"),
    [(20, None, 2), (15, None, 2), (20, 10, 3), (10, 5, 7), (40, None, 1), (41, None, 0)],
)
def test_number_of_sequences_follows_length_and_stride(tmp_path, length, stride, expected) -> None:
    write_line_pass(tmp_path, T0)
    s = WindowSettings(radius_rule="deg", radius_value=1.0, quiet=False, length=length, stride=stride)
    res, _ = run(tmp_path, target(), s)
    assert res.n == expected  # 40 in-circle points: floor((40 - L) / stride) + 1
    assert res.outcome == ("ok" if expected else "too_few_points")


def test_offset_pass_at_known_distance_with_a_fixed_km_radius(tmp_path) -> None:
    # meridian 0.5 deg east of an equatorial epicentre: 55.66 km away. R = 100 km → |Δy| ≤ 83.1 km, i.e.
    # |lat| ≤ 0.7514 deg: lat = ±0.025 … ±0.725 → 30 points (0.775 is 3 km outside); L = 10 → 3 sequences
    write_line_pass(tmp_path, T0, lon0=0.5)
    s = WindowSettings(radius_rule="km", radius_value=100.0, quiet=False, length=10)
    res, _ = run(tmp_path, target(), s)
    assert res.counters["points_in_circle"] == 30 and res.n == 3
    x_km = float(geodesic_distance_km(0.0, 0.0, 0.0, 0.5))
    assert 55.0 < x_km < 56.0
    assert res.dist_km[1] == pytest.approx(float(geodesic_distance_km(0.025, 0.5, 0.0, 0.0)), abs=1e-3)
    assert np.all(res.dist_km >= x_km - 1e-6)


def test_dobrovolsky_radius_scales_with_magnitude(tmp_path) -> None:
    # M5: R = 141.25 km = 1.2775 deg of meridian at the equator (110.57 km/deg): |lat| ≤ 1.2775 →
    # lat ±0.025 … ±1.275 → 52 points; M5 with 2R → |lat| ≤ 2.555 → ±0.025 … ±2.525 → 102 points
    write_line_pass(tmp_path, T0)
    res, _ = run(tmp_path, target(mag=5.0), WindowSettings(quiet=False))
    assert res.counters["points_in_circle"] == 52 and res.n == 2
    res2, _ = run(tmp_path, target(mag=5.0), WindowSettings(quiet=False, radius_value=2.0))
    assert res2.counters["points_in_circle"] == 102 and res2.n == 5


def test_antimeridian_event(tmp_path) -> None:
    # the track runs from 179.0 E over 180 (second 100) to 177.0 W; the epicentre sits at 179.95 E
    write_line_pass(tmp_path, T0, lat0=-22.0, dlat=0.05, lon0=179.0, dlon=0.01)
    tgt = target(lat=-17.0, lon=179.95)
    s = WindowSettings(radius_rule="deg", radius_value=1.0, quiet=False, length=10)
    res, sel = run(tmp_path, tgt, s)
    assert sel.n_crossing == 1 and res.outcome == "ok"
    k = np.arange(200)
    lat, lon = -22.0 + 0.05 * k, (179.0 + 0.01 * k + 180) % 360 - 180
    inside = np.flatnonzero(haversine_km(lat, lon, -17.0, 179.95) <= KM_PER_DEG)
    assert list(inside[[0, -1]]) == [81, 119]  # 39 points, 179.81 E … 179.81 W
    assert res.counters["points_in_circle"] == 39 and res.n == 3
    np.testing.assert_allclose(res.lon[1], lon[91:101], atol=1e-4)
    lons = res.lon.ravel()
    assert (lons > 179.9).any() and (lons < -179.9).any()  # a sequence straddles the antimeridian
    assert np.all((lons >= -180) & (lons < 180))
    assert res.dist_km.min() < 6.0


def test_event_at_64_degrees(tmp_path) -> None:
    # along a meridian the sphere distance is |Δlat| at any latitude: same 40 points as at the equator
    write_line_pass(tmp_path, T0, lat0=64.0 - 4.975, lon0=20.0)
    res, _ = run(tmp_path, target(lat=64.0, lon=20.0), DEG1)
    assert res.counters["points_in_circle"] == 40 and res.n == 2
    # and a pass 1.5 deg of longitude away (73 km at 64 N) crosses an M5 circle (141 km) too
    other = tmp_path / "other"
    write_line_pass(other, T0, lat0=64.0 - 4.975, lon0=21.5, orbit=7)
    res2, _ = run(other, target(lat=64.0, lon=20.0), WindowSettings(quiet=False, length=10))
    lat = 64.0 - 4.975 + 0.05 * np.arange(200)
    expected = int((geodesic_distance_km(lat, 21.5, 64.0, 20.0) <= 10 ** (0.43 * 5)).sum())
    assert res2.counters["points_in_circle"] == expected and expected > 20


# ------------------------------------------------------------------------------------------ time window


def test_nothing_at_or_after_the_origin_time_is_used(tmp_path) -> None:
    origin = T0 + np.timedelta64(1, "D")
    write_line_pass(tmp_path / "at", origin, orbit=1)  # starts exactly at the origin time
    write_line_pass(tmp_path / "after", origin + SECOND, orbit=2)  # one second after
    for sub in ("at", "after"):
        write_line_pass(tmp_path / sub, T0, orbit=9, lon0=90.0)  # elsewhere, in the window: coverage
        res, sel = run(tmp_path / sub, target(when=origin), DEG1)
        assert sel.n_crossing == 0 and res.outcome == "no_pass" and res.n == 0
    # a pass starting 100 s before the shock reaches the circle (second 80…119) partly after it: only
    # seconds 80…99 are before the origin → 20 points → 1 sequence, whose last step is 1 s before the shock
    write_line_pass(tmp_path / "before", origin - 100 * SECOND, orbit=3)
    res, _ = run(tmp_path / "before", target(when=origin), DEG1)
    assert res.counters["points_in_circle"] == 20 and res.n == 1
    assert res.t_start[0] + 19 * 10**9 < int(origin.astype(np.int64))
    # 90 s before: only 10 points before the shock → nothing
    write_line_pass(tmp_path / "late", origin - 90 * SECOND, orbit=4)
    res, _ = run(tmp_path / "late", target(when=origin), DEG1)
    assert res.n == 0 and res.outcome == "too_few_points"


def test_passes_older_than_days_before_are_not_used(tmp_path) -> None:
    origin = T0 + np.timedelta64(5, "D")
    write_line_pass(tmp_path, T0 - SECOND, orbit=1)  # 5 days + 1 s before
    write_line_pass(tmp_path, T0 + SECOND, orbit=2)  # 5 days - 1 s before
    res, sel = run(tmp_path, target(when=origin), DEG1)
    assert sel.n_crossing == 1 and [g.orbit for g in sel.groups] == [2]
    assert res.n == 2 and set(res.orbit) == {2}


def test_no_coverage_vs_no_pass(tmp_path) -> None:
    write_line_pass(tmp_path, T0, lon0=60.0)  # far away from the epicentre
    res, _ = run(tmp_path, target(), DEG1)
    assert res.outcome == "no_pass"
    res, _ = run(tmp_path, target(when=T0 + np.timedelta64(30, "D")), DEG1)
    assert res.outcome == "no_coverage"


# ------------------------------------------------------------------------------------------ half, quiet


def test_half_filter_and_local_time_cross_check(tmp_path) -> None:
    write_line_pass(tmp_path, T0, orbit=1, half="night")  # LT ≈ 0 h at lon 0 (UT midnight): consistent
    write_line_pass(tmp_path, T0 + np.timedelta64(12, "h"), orbit=2, half="night")  # LT ≈ 12 h: mismatch
    res, _ = run(
        tmp_path, target(), WindowSettings(radius_rule="deg", radius_value=1.0, quiet=False, half="day")
    )
    assert res.outcome == "no_pass"
    res, _ = run(tmp_path, target(), WindowSettings(radius_rule="deg", radius_value=1.0, quiet=False))
    assert res.n == 4 and res.counters["lt_mismatch"] == 2  # counted, not dropped


def test_quiet_filter_drops_disturbed_passes(tmp_path) -> None:
    storm = np.datetime64("2021-11-04T12:00:00", "ns")  # Kp 7.7 in the preceding 24 h
    write_line_pass(tmp_path, storm)
    quiet = WindowSettings(radius_rule="deg", radius_value=1.0)
    res, sel = run(tmp_path, target(when=storm + np.timedelta64(1, "D")), quiet)
    assert sel.n_crossing == 1 and sel.n_disturbed == 1 and res.outcome == "disturbed"
    res, _ = run(tmp_path, target(when=storm + np.timedelta64(1, "D")), DEG1)  # filter off
    assert res.n == 2
    calm = tmp_path / "calm"
    write_line_pass(calm, T0)  # 2019-03-10: max Kp 2.3
    res, sel = run(calm, target(), quiet)
    assert sel.n_disturbed == 0 and res.n == 2


# ------------------------------------------------------------------------------------------ gaps, NaN


def test_gap_longer_than_max_gap_steps_splits_the_sequence(tmp_path) -> None:
    # seconds 98…107 missing in both products (10 steps): in-circle track 80…119 splits into 80…97 (18)
    # and 108…119 (12): no 20-step sequence ("gaps"); with L = 10: one from each piece
    write_line_pass(tmp_path, T0, drop=range(98, 108))
    res, _ = run(tmp_path, target(), DEG1)
    assert res.n == 0 and res.outcome == "gaps"
    res, _ = run(
        tmp_path, target(), WindowSettings(radius_rule="deg", radius_value=1.0, quiet=False, length=10)
    )
    assert res.n == 2
    assert [int((t - int(T0.astype(np.int64))) // 10**9) for t in res.t_start] == [80, 108]


def test_short_gap_stays_inside_as_nan_steps(tmp_path) -> None:
    # PAP misses seconds 100, 101; LAP's fill at 99 and 102 leaves Ne/Te valid at 96 and 105 only (9 s
    # apart > 2 cadences): steps 100, 101 have no data at all, a 2-step hole = max_gap_steps → bridged
    write_line_pass(tmp_path, T0, drop=[100, 101], fill={"Ne": [99, 102], "Te": [99, 102]})
    res, _ = run(tmp_path, target(), DEG1)
    assert res.n == 2
    second = res.X[1]  # steps 100…119
    assert np.isnan(second[0]).all() and np.isnan(second[1]).all()
    assert np.isnan(second[2:5, :2]).all() and np.isfinite(second[2:5, 2:]).all()
    # stricter rule: max_gap_steps = 1 splits at the hole: 80…99 (20 steps) and 102…119 (18)
    strict = WindowSettings(radius_rule="deg", radius_value=1.0, quiet=False, max_gap_steps=1)
    res, _ = run(tmp_path, target(), strict)
    assert res.n == 1
    # and a NaN budget of 10 % drops the second window of the first rule (14 / 80 = 17.5 % NaN cells)
    tight = WindowSettings(radius_rule="deg", radius_value=1.0, quiet=False, max_nan_frac=0.1)
    res, _ = run(tmp_path, target(), tight)
    assert res.n == 1 and res.counters["windows_nan"] == 1


def test_all_nan_feature_is_counted(tmp_path) -> None:
    write_line_pass(tmp_path, T0, fill={"Ti": range(200)})
    res, _ = run(tmp_path, target(), DEG1)
    assert res.n == 0 and res.outcome == "all_nan" and res.counters["windows_all_nan"] == 2
    # a half-orbit whose PAP file is missing: Ni_O and Ti have no value
    only_lap = tmp_path / "lap"
    write_line_pass(only_lap, T0, products=["LAP_1"])
    res, _ = run(only_lap, target(), DEG1)
    assert res.outcome == "all_nan" and res.counters["windows_all_nan"] == 2


def test_unreadable_file_is_an_outcome(tmp_path) -> None:
    paths = write_line_pass(tmp_path, T0)
    index, _ = scan_archive(tmp_path, workers=1, progress=False)
    (sel,) = select_passes(index, [target()], DEG1)
    paths[0].write_bytes(paths[0].read_bytes()[:300])  # damaged after indexing
    res = window_event(target(), sel, tmp_path, DEG1)
    assert res.outcome == "unreadable" and res.counters["passes_unreadable"] == 1


# ------------------------------------------------------------------------------------------ merging


def test_merge_interpolates_only_between_close_samples() -> None:
    t = T0 + np.arange(0, 30) * SECOND
    pap = make_pass(
        t,
        np.zeros(30),
        np.zeros(30),
        np.full(30, 507.0),
        np.zeros(30),
        {"Ni_O": (np.arange(30.0), {}), "Ti": (np.full(30, 1000.0), {})},
        satellite="CSES-01",
        instrument="PAP",
        product="PAP_0",
        orbit=1,
        half="night",
        source_file="p",
    )
    k = np.array([0, 3, 6, 9, 21, 24, 27])  # LAP: 9 → 21 is a 12 s hole
    lap = make_pass(
        T0 + k * SECOND,
        np.zeros(7),
        np.zeros(7),
        np.full(7, 507.0),
        np.zeros(7),
        {"Ne": (k * 10.0, {}), "Te": (np.full(7, 2000.0), {})},
        satellite="CSES-01",
        instrument="LAP",
        product="LAP_1",
        orbit=1,
        half="night",
        source_file="l",
    )
    obs = merge_products([lap, pap], ("Ne", "Te", "Ni_O", "Ti"), cadence_s=1.0, log_density=False)
    assert obs is not None and obs.time.size == 30  # the 1 s PAP base
    ne = obs.values[:, 0]
    np.testing.assert_allclose(ne[:10], np.arange(10) * 10.0)  # exact at 0, 3, 6, 9 and linear between
    assert np.isnan(ne[10:21]).all()  # 12 s apart > 2 × 3 s: not bridged
    np.testing.assert_allclose(ne[21:28], np.arange(21, 28) * 10.0)
    assert np.isnan(ne[28:]).all()  # after LAP's last sample
    np.testing.assert_allclose(obs.values[:, 2], np.arange(30.0))
    # on a 3 s base (LAP's own), PAP is sampled at LAP's times
    obs3 = merge_products([lap, pap], ("Ne", "Te", "Ni_O", "Ti"), cadence_s=3.0, log_density=False)
    assert obs3.time.size == 10
    np.testing.assert_allclose(obs3.values[:, 2], np.arange(0, 30, 3.0))


def test_demeter_products_merge_on_the_isl_base(tmp_path) -> None:
    write_line_pass(tmp_path, np.datetime64("2008-03-10T00:00:00", "ns"), satellite="DEMETER")
    s = WindowSettings(satellites=("DEMETER",), radius_rule="deg", radius_value=1.0, quiet=False)
    tgt = target(when=np.datetime64("2008-03-11T00:00:00", "ns"))
    res, _ = run(tmp_path, tgt, s)
    assert res.n == 2 and res.satellite == ["DEMETER", "DEMETER"]
    assert np.isfinite(res.X).all()


def test_background_deviation(tmp_path) -> None:
    # the same place a week before the window, same values → deviations 0; twice the densities in the
    # window → log10(2) for the densities, 2 × the temperatures minus the background in K
    write_line_pass(tmp_path, T0 - np.timedelta64(7, "D"), orbit=1)
    write_line_pass(tmp_path, T0, orbit=2, scale=2.0)
    s = WindowSettings(radius_rule="deg", radius_value=1.0, quiet=False, background="median")
    res, sel = run(tmp_path, target(), s)
    assert [g.orbit for g in sel.background] == [1] and res.n == 2
    np.testing.assert_allclose(res.X[..., 0], math.log10(2.0), atol=1e-5)
    np.testing.assert_allclose(res.X[..., 1], 1500.0, atol=1e-3)
    lonely = tmp_path / "lonely"
    write_line_pass(lonely, T0, orbit=2)
    res, _ = run(lonely, target(), s)
    assert res.outcome == "no_background" and res.n == 0


# ------------------------------------------------------------------------------------------ settings


def test_window_settings_validate_and_round_trip() -> None:
    s = WindowSettings(radius_rule="km", radius_value=500, length=30, stride=10, half="day")
    assert WindowSettings.from_dict(s.to_dict()) == s and hash(s) == hash(
        WindowSettings.from_dict(s.to_dict())
    )
    assert s.step == 10 and WindowSettings().step == 20 and s.radius_km(7.0) == 500
    assert WindowSettings().radius_km(6.0) == pytest.approx(380.19, abs=0.01)
    assert WindowSettings(radius_rule="deg", radius_value=2).radius_km(5) == pytest.approx(
        2 * 111.195, abs=0.01
    )
    for bad in (
        {"radius_rule": "box"},
        {"half": "dusk"},
        {"features": ("Ne", "B_x")},
        {"length": 0},
        {"satellites": ("SWARM",)},
        {"max_nan_frac": 2.0},
        {"background": "mean"},
    ):
        with pytest.raises(ValueError):
            WindowSettings(**bad)
    with pytest.raises(ValueError, match="unknown window setting"):
        WindowSettings.from_dict({"lenght": 3})
    assert set(REASONS) >= {"no_pass", "disturbed", "too_few_points", "gaps", "all_nan"}


def test_windows_for_event_takes_a_catalog_row(tmp_path) -> None:
    write_line_pass(tmp_path, T0)
    index, _ = scan_archive(tmp_path, workers=1, progress=False)
    row = pd.Series(
        {
            "event_id": "us1",
            "time": pd.Timestamp("2019-03-11", tz="UTC"),
            "lat": 0.0,
            "lon": 0.0,
            "mag": 5.0,
            "depth_km": 10.0,
        }
    )
    res = windows_for_event(row, index, tmp_path, DEG1)
    assert res.target.event_id == "us1" and res.target.depth_km == 10.0 and res.n == 2
