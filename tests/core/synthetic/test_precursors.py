"""Precursors: p(M), seeded draws, injection only before the shock and within R, ground truth."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.io import read_pass
from core.synthetic.disturbances import InstrumentModel
from core.synthetic.generator import generate_archive
from core.synthetic.orbit import half_orbits, track
from core.synthetic.precursors import (
    DEFAULT_DIFFICULTY,
    PrecursorModel,
    draw_precursors,
    haversine_km,
    select_events,
    write_ground_truth,
)
from tests.helpers import empty_catalog, make_catalog


def test_probability_rises_with_magnitude() -> None:
    model = PrecursorModel()
    mags = np.arange(5.0, 8.01, 0.1)
    p = model.probability(mags)
    assert (np.diff(p) >= 0).all() and p[-1] > p[0]
    assert 0.0 < p.min() and p.max() < 1.0


def _events(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [
        {
            "event_id": f"ev{i:04d}",
            "time": pd.Timestamp("2020-01-01", tz="UTC") + pd.Timedelta(hours=int(h)),
            "lat": float(la),
            "lon": float(lo),
            "depth_km": 10.0,
            "mag": float(m),
            "mag_type": "mww",
            "place": "",
            "type": "earthquake",
        }
        for i, (h, la, lo, m) in enumerate(
            zip(
                rng.integers(0, 24 * 300, n),
                rng.uniform(-60, 60, n),
                rng.uniform(-180, 180, n),
                rng.uniform(5.0, 7.5, n),
                strict=True,
            )
        )
    ]
    return make_catalog(rows)


def test_draws_are_per_event_and_scaled_by_difficulty() -> None:
    cat = _events()
    ev = select_events(cat, "2019-12-01", "2021-01-01")
    full = {p.event_id: p for p in draw_precursors(ev, seed=7)}
    part = {p.event_id: p for p in draw_precursors(ev.iloc[::7], seed=7)}
    for key, p in part.items():
        assert repr(p) == repr(full[key])  # independent of the other events (NaN-safe)
    hard = {p.event_id: p for p in draw_precursors(ev, seed=7, difficulty=2.0 * DEFAULT_DIFFICULTY)}
    for key, p in full.items():
        assert hard[key].injected == p.injected
        assert hard[key].amplitude == pytest.approx(p.amplitude / 2.0)
    inj = [p for p in full.values() if p.injected]
    assert 0.5 < len(inj) / len(full) < 0.95
    lo, hi = 0.08 / DEFAULT_DIFFICULTY, 0.30 / DEFAULT_DIFFICULTY  # U(0.08, 0.30) / difficulty
    assert all(lo <= p.amplitude <= hi and 1.0 <= p.lead_days <= 5.0 for p in inj)
    big = np.mean([p.injected for p in full.values() if p.mag >= 6.5])
    small = np.mean([p.injected for p in full.values() if p.mag < 5.5])
    assert big > small
    with pytest.raises(ValueError):
        draw_precursors(ev, difficulty=0.0)


def test_select_events_applies_the_protocol_filters() -> None:
    rows = [
        {
            "event_id": "a",
            "time": "2020-01-02",
            "lat": 0,
            "lon": 0,
            "depth_km": 10,
            "mag": 5.5,
            "mag_type": "mw",
            "place": "",
            "type": "earthquake",
        },
        {
            "event_id": "deep",
            "time": "2020-01-02",
            "lat": 0,
            "lon": 0,
            "depth_km": 100,
            "mag": 6,
            "mag_type": "mw",
            "place": "",
            "type": "earthquake",
        },
        {
            "event_id": "small",
            "time": "2020-01-02",
            "lat": 0,
            "lon": 0,
            "depth_km": 10,
            "mag": 4.9,
            "mag_type": "mw",
            "place": "",
            "type": "earthquake",
        },
        {
            "event_id": "blast",
            "time": "2020-01-02",
            "lat": 0,
            "lon": 0,
            "depth_km": 0,
            "mag": 5.1,
            "mag_type": "mw",
            "place": "",
            "type": "explosion",
        },
        {
            "event_id": "late",
            "time": "2020-03-02",
            "lat": 0,
            "lon": 0,
            "depth_km": 10,
            "mag": 5.5,
            "mag_type": "mw",
            "place": "",
            "type": "earthquake",
        },
    ]
    ev = select_events(make_catalog(rows), "2020-01-01", "2020-02-01")
    assert list(ev["event_id"]) == ["a"]


FORCED = PrecursorModel(p_base=1.0, p_slope=0.0, p_min=1.0, p_max=1.0, lead_min_days=3.0, lead_max_days=3.0)
NO_OFF = InstrumentModel(p_off=0.0)


def test_injection_only_before_origin_and_within_radius(tmp_path: Path, pyiri_cache: Path) -> None:
    # an M6.5 under a CSES night pass, 2 days after that pass
    ho = next(h for h in half_orbits("CSES-01", "2020-03-10", "2020-03-11") if h.half == "night")
    tr = track(ho, 1)
    i = int(np.argmin(np.abs(tr.lat - 35.0)))
    lat, lon = float(tr.lat[i]), float(tr.lon[i])
    t0 = pd.Timestamp(ho.t_start) + pd.Timedelta(days=2, hours=1)
    mag = 6.5
    radius = 10 ** (0.43 * mag)
    cat = make_catalog(
        [
            {
                "event_id": "synthq1",
                "time": t0,
                "lat": lat,
                "lon": lon,
                "depth_km": 10.0,
                "mag": mag,
                "mag_type": "mww",
                "place": "test",
                "type": "earthquake",
            }
        ]
    )
    span = (t0 - pd.Timedelta(days=3.5), t0 + pd.Timedelta(days=1))
    region = (lon - 8, lat - 6, lon + 8, lat + 6)
    kw = dict(
        products=["LAP_1"],
        region=region,
        seed=3,
        progress=False,
        cache_dir=pyiri_cache,
        precursor_model=FORCED,
        instrument_model=NO_OFF,
    )
    with_eq = generate_archive("CSES-01", *span, tmp_path / "a", catalog=cat, **kw)
    without = generate_archive("CSES-01", *span, tmp_path / "b", catalog=empty_catalog(), **kw)
    assert with_eq.n_files == without.n_files > 4
    changed, after = [], 0
    for fa in with_eq.files:
        fb = tmp_path / "b" / fa.relative_to(tmp_path / "a")
        same = filecmp.cmp(fa, fb, shallow=False)
        a, b = read_pass(fa), read_pass(fb)
        start = pd.Timestamp(a["time"].values[0])
        dmin = haversine_km(lat, lon, a["lat"].values, a["lon"].values).min()
        if start >= t0:
            after += 1
        if not same:
            changed.append(fa.name)
            assert t0 - pd.Timedelta(days=3) <= start < t0  # lead window, before the shock
            assert dmin <= radius
            rel = a["Ne"].values / b["Ne"].values - 1.0
            ok = np.isfinite(rel)
            assert np.nanmax(np.abs(rel)) <= 0.30 / DEFAULT_DIFFICULTY * 1.3 + 1e-3
            late = a["time"].values >= np.datetime64(t0.tz_localize(None))
            assert np.all(rel[ok & late] == 0)  # never at or after the origin time
            peak = np.nanargmax(np.abs(rel))
            assert haversine_km(lat, lon, a["lat"].values[peak], a["lon"].values[peak]) < radius
        elif t0 - pd.Timedelta(days=3) <= start < t0:
            assert dmin > radius  # every pass in the window that comes within R is changed
    assert after > 0 and len(changed) >= 2
    gt = pd.read_csv(with_eq.ground_truth)
    row = gt.loc[gt["event_id"] == "synthq1"].iloc[0]
    assert bool(row["injected"]) and row["satellite"] == "CSES-01"
    assert row["lead_days"] == pytest.approx(3.0)
    assert 0.08 / DEFAULT_DIFFICULTY <= row["amplitude"] <= 0.30 / DEFAULT_DIFFICULTY
    # the ground truth counts every half-orbit reached, the region run wrote them all
    assert row["n_passes_affected"] == len(changed)
    assert with_eq.n_events == 1 and with_eq.n_events_with_precursor == 1
    gt_b = pd.read_csv(without.ground_truth)
    assert len(gt_b) == 0


def test_ground_truth_merges_satellites(tmp_path: Path) -> None:
    cols = ["event_id", "time", "satellite", "injected"]
    a = pd.DataFrame([["e1", "2020-01-01T00:00:00.000000Z", "CSES-01", True]], columns=cols)
    b = pd.DataFrame([["e1", "2008-01-01T00:00:00.000000Z", "DEMETER", False]], columns=cols)
    write_ground_truth(a, tmp_path)
    path = write_ground_truth(b, tmp_path)
    again = write_ground_truth(a, tmp_path)
    gt = pd.read_csv(again)
    assert path == again and sorted(gt["satellite"]) == ["CSES-01", "DEMETER"] and len(gt) == 2


def test_coarse_screens_agree_with_the_exact_test() -> None:
    """precursor_perturbation and count_affected_passes screen on a 30 s track first: the passes they
    keep must be exactly those pass_hits (1 s master grid) accepts."""
    from core.synthetic.orbit import master_times, position
    from core.synthetic.precursors import Precursor, count_affected_passes, pass_hits, precursor_perturbation

    ho = next(h for h in half_orbits("CSES-01", "2020-03-10T12:00", "2020-03-11") if h.half == "night")
    tr = position("CSES-01", master_times(ho))
    rng = np.random.default_rng(5)
    precursors = []
    for k in range(60):
        i = int(rng.integers(tr.lat.size))
        radius = float(rng.uniform(100.0, 600.0))
        # epicentres from on the track to well beyond R (around the screen's R + 250 km)
        off = float(rng.uniform(0.0, 2.0)) * radius / 111.2
        lat = float(np.clip(tr.lat[i] + off * rng.choice([-1, 1]) * 0.3, -89, 89))
        lon = float((tr.lon[i] + off * rng.choice([-1, 1]) + 180.0) % 360.0 - 180.0)
        t = ho.t_start + np.timedelta64(int(rng.uniform(-600, 3 * 86400)), "s")
        precursors.append(Precursor(f"e{k}", t, lat, lon, 6.0, 10.0, radius, True, 0.2, -1, 4.0, lat, lon))
    _, ids = precursor_perturbation(precursors, ho, tr.time, tr.lat, tr.lon, seed=0)
    exact = [p.event_id for p in precursors if pass_hits(p, ho, tr.time, tr.lat, tr.lon)]
    assert ids == exact and 0 < len(exact) < len(precursors)
    for p in precursors[:15]:
        brute = sum(
            pass_hits(p, h, *position("CSES-01", master_times(h))[:3])
            for h in half_orbits("CSES-01", p.window_start, p.time)
        )
        assert count_affected_passes(p, "CSES-01") == brute
