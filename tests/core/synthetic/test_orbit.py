"""Orbits: inclination, node local times, half labels, periods, numbering, cadences."""

from __future__ import annotations

import numpy as np
import pytest

from core.synthetic.orbit import (
    INSTRUMENT_LAT_LIMIT_DEG,
    half_orbit_at,
    half_orbits,
    master_times,
    mission,
    position,
    revolutions,
    track,
)


def _equator_crossing(ho):
    tr = track(ho, 1.0)
    i = int(np.argmin(np.abs(tr.lat)))
    return tr, i


@pytest.mark.parametrize(("satellite", "inc"), [("CSES-01", 97.4), ("DEMETER", 98.23)])
def test_max_latitude_matches_inclination(satellite: str, inc: float) -> None:
    day = "2019-06-01" if satellite == "CSES-01" else "2007-06-01"
    t = np.datetime64(day, "ns") + np.arange(0, 2 * 86400, 5).astype("timedelta64[s]")
    lat = position(satellite, t).lat
    assert lat.max() == pytest.approx(180.0 - inc, abs=0.05)
    assert lat.min() == pytest.approx(-(180.0 - inc), abs=0.05)


@pytest.mark.parametrize(
    ("satellite", "day", "night_lt", "day_lt"),
    [("CSES-01", "2020-03-10", 2.0, 14.0), ("DEMETER", "2006-03-10", 22.5, 10.5)],
)
def test_node_local_times_and_half_labels(satellite: str, day: str, night_lt: float, day_lt: float) -> None:
    halves = list(half_orbits(satellite, day, np.datetime64(day) + np.timedelta64(1, "D")))
    assert 28 <= len(halves) <= 32
    labels = [h.half for h in halves]
    assert all(a != b for a, b in zip(labels, labels[1:], strict=False))  # alternate
    for ho in halves[:4]:
        tr, i = _equator_crossing(ho)
        lt = tr.lt[i]
        expected = night_lt if ho.half == "night" else day_lt
        assert abs((lt - expected + 12) % 24 - 12) < 0.05
        going_north = tr.lat[-1] > tr.lat[0]
        assert going_north == (ho.half == "night")  # ascending = night for both missions
        # a whole half-orbit with the instruments on spans ±65°
        assert abs(tr.lat).max() == pytest.approx(INSTRUMENT_LAT_LIMIT_DEG, abs=0.1)
        assert abs(tr.lat).max() <= INSTRUMENT_LAT_LIMIT_DEG


def test_periods_altitudes_and_demeter_lowering() -> None:
    cses = list(half_orbits("CSES-01", "2021-01-01", "2021-01-02"))
    nights = [h for h in cses if h.half == "night"]
    dt_min = float((nights[1].t_start - nights[0].t_start) / np.timedelta64(1, "s")) / 60.0
    assert dt_min == pytest.approx(94.6, abs=1.0 / 60 + 1e-9)
    assert 495 < track(nights[0], 3).alt.mean() < 520
    before = list(half_orbits("DEMETER", "2005-06-01", "2005-06-02"))
    after = list(half_orbits("DEMETER", "2007-06-01", "2007-06-02"))
    assert track(before[0], 4).alt.mean() == pytest.approx(710, abs=10)
    assert track(after[0], 4).alt.mean() == pytest.approx(660, abs=10)
    for halves, period in ((before, 98.3), (after, 97.26)):
        n = [h for h in halves if h.half == "night"]
        p = float((n[1].t_start - n[0].t_start) / np.timedelta64(1, "s")) / 60.0
        assert p == pytest.approx(period, abs=0.02)


def test_orbit_numbers_are_revolutions_since_launch() -> None:
    # the genuine CSES-01 sample file of 2019-11-01 00:19 UTC is orbit 09679 (night)
    ho = next(h for h in half_orbits("CSES-01", "2019-11-01", "2019-11-02") if h.half == "night")
    assert abs(ho.orbit - 9679) < 0.01 * 9679
    assert half_orbit_at("CSES-01", ho.orbit, "night") == ho
    n = revolutions("CSES-01", ho.t_start)
    assert int(np.floor(n + 0.25)) + 1 == ho.orbit
    assert list(half_orbits("CSES-01", "2017-01-01", "2017-01-02")) == []  # before launch
    assert list(half_orbits("DEMETER", "2011-01-01", "2011-01-02")) == []  # after the mission


def test_days_partition_an_interval() -> None:
    whole = list(half_orbits("CSES-01", "2022-02-01", "2022-02-04"))
    parts = []
    for d in ("2022-02-01", "2022-02-02", "2022-02-03"):
        parts += list(half_orbits("CSES-01", d, np.datetime64(d) + np.timedelta64(1, "D")))
    assert [h.key for h in whole] == [h.key for h in parts]
    assert len({h.key for h in whole}) == len(whole)


def test_track_cadence_and_master_grid() -> None:
    ho = next(half_orbits("CSES-01", "2020-01-01", "2020-01-02"))
    lap, pap = track(ho, 3), track(ho, 1)
    assert lap.time.size == ho.duration_s // 3 + 1
    assert np.array_equal(pap.time, master_times(ho))
    assert np.array_equal(lap.time, pap.time[::3])
    assert (np.diff(lap.time) == np.timedelta64(3, "s")).all()
    assert ((lap.lon >= -180) & (lap.lon < 180)).all() and ((lap.lt >= 0) & (lap.lt < 24)).all()
    assert (pap.time.astype("datetime64[s]") == pap.time).all()  # whole seconds


def test_unknown_satellite() -> None:
    with pytest.raises(ValueError, match="unknown satellite"):
        mission("SWARM-A")


def test_integer_nanoseconds_and_memoised_halves_change_nothing() -> None:
    from core.synthetic import orbit

    ns = np.array([1_600_000_000_123_456_789, 1_262_304_000_000_000_000], dtype=np.int64)
    assert np.array_equal(orbit._ns(ns), orbit._ns(ns.astype("datetime64[ns]")))
    assert np.array_equal(
        orbit.revolutions("CSES-01", ns), orbit.revolutions("CSES-01", ns.astype("datetime64[ns]"))
    )
    m = orbit.mission("DEMETER")
    for k in (1, 8000, 30000):
        for half in ("day", "night"):
            assert orbit._make_half(m, k, half) == orbit._compute_half(m, k, half)
