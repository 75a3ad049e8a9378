"""Disturbances: red noise, storm scaling with real indices, plasma bubbles, instrument behaviour."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.synthetic import disturbances as dist
from core.synthetic.generator import simulate_truth
from core.synthetic.orbit import half_orbits


def test_red_noise_is_seeded_and_unit_variance() -> None:
    a = dist.red_noise(np.random.default_rng(1), 20000, 20.0)
    b = dist.red_noise(np.random.default_rng(1), 20000, 20.0)
    assert np.array_equal(a, b)
    assert 0.8 < a.std() < 1.2
    lag = np.corrcoef(a[:-20], a[20:])[0, 1]
    assert 0.25 < lag < 0.5  # exp(-1) at one correlation time


def test_storm_activity_grows_with_kp_and_negative_rc() -> None:
    assert dist.storm_activity(np.array([2.0]), np.array([-10.0]))[0] == 0.0
    a = dist.storm_activity(np.array([4.0, 6.0, 9.0]), np.array([-20.0, -20.0, -20.0]))
    assert (np.diff(a) > 0).all()
    b = dist.storm_activity(np.array([5.0, 5.0]), np.array([-50.0, -150.0]))
    assert b[1] > b[0]
    assert dist.storm_activity(np.array([9.0]), np.array([-500.0]))[0] == 0.9
    assert dist.storm_boundary_mlat(np.array([9.0]))[0] < dist.storm_boundary_mlat(np.array([2.0]))[0]


def test_bubbles_only_at_night_and_deep() -> None:
    assert dist.bubble_probability(80, -20.0, 14.0, 150.0, 1.0) == 0.0
    p_night = dist.bubble_probability(80, -20.0, 22.5, 150.0, 0.0)
    assert 0.3 < p_night <= 0.9
    assert dist.bubble_probability(172, 120.0, 2.0, 70.0, 0.0) < p_night  # solstice, Pacific, late
    dip = np.linspace(-40, 40, 3000)
    dlog, shape, vz = dist.plasma_bubbles(np.random.default_rng(3), dip, 1.0)
    assert dlog.min() < np.log(0.5) and (dlog <= 0).all() and (vz >= 0).all()
    assert (dlog[np.abs(dip) > 25] == 0).all()
    none, _, _ = dist.plasma_bubbles(np.random.default_rng(3), dip, 0.0)
    assert (none == 0).all()


def test_instrument_gaps_fill_and_bad_records() -> None:
    model = dist.InstrumentModel(p_gap=1.0, p_fill=1.0, p_bad_record=0.01)
    rng = np.random.default_rng(5)
    keep = dist.gap_keep_mask(rng, 2000, 1.0, model)
    assert 30 <= (~keep).sum() <= 300
    assert (np.diff(np.flatnonzero(~keep)) == 1).all()  # one contiguous gap
    arrays = {"Ne": np.full(2000, 1e4), "Te": np.full(2000, 1500.0)}
    n_fill = dist.apply_fill_block(rng, arrays, model)
    assert 5 <= n_fill <= 60 and np.isnan(arrays["Ne"]).sum() == n_fill
    n_bad = dist.apply_bad_records(rng, arrays, {"Ne": "density", "Te": "temperature"}, model)
    assert n_bad > 0
    ne = arrays["Ne"][np.isfinite(arrays["Ne"])]
    te = arrays["Te"][np.isfinite(arrays["Te"])]
    assert ((ne >= 1e5) | (ne <= 1e3)).sum() + (te > 5000).sum() > 0


def _storm_spread(day: str, cache: Path) -> float:
    halves = list(half_orbits("CSES-01", day, np.datetime64(day) + np.timedelta64(1, "D")))
    spread = []
    for ho in halves[::4]:
        truth = simulate_truth(ho, seed=0, cache_dir=cache)
        spread.append(np.std(np.log(truth.ne / truth.ne_background)))
    return float(np.mean(spread))


def test_storm_day_is_more_disturbed_than_quiet_day(pyiri_cache: Path) -> None:
    quiet = _storm_spread("2024-05-08", pyiri_cache)  # Kp ≤ 2, RC ≥ -13 nT
    storm = _storm_spread("2024-05-11", pyiri_cache)  # Kp 9, RC -430 nT (the May 2024 superstorm)
    assert storm > 2.0 * quiet
