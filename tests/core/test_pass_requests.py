"""The passes an event needs: predicted by the orbit model, generated into a synthetic archive."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core.archive import load_index, passes_near_event
from core.pass_requests import generate_event_passes, generated_archive_spec, needed_passes
from core.synthetic.orbit import half_orbits

# 2021-03-20 M7.0 off Miyagi (Japan), USGS us7000dl6y
EVENT = {
    "event_id": "us7000dl6y",
    "time": pd.Timestamp("2021-03-20 09:09:43.966", tz="UTC"),
    "lat": 38.47,
    "lon": 141.61,
    "mag": 7.0,
}


def test_needed_passes_cross_the_circle_before_the_origin():
    needed = needed_passes(EVENT, satellite="CSES-01", days_before=5, radius_km=1000.0, half="night")
    assert len(needed) and set(needed["product"]) == {"LAP_1", "PAP_0"}
    assert (needed["closest_km"] <= 1000.0).all() and (needed["half"] == "night").all()
    origin = EVENT["time"].tz_localize(None)
    assert (needed["start"] < origin).all() and (needed["start"] >= origin - pd.Timedelta(days=5)).all()
    night = [
        ho.orbit for ho in half_orbits("CSES-01", origin - pd.Timedelta(days=5), origin) if ho.half == "night"
    ]
    assert set(needed["orbit"]) < set(night)  # a subset: the others do not come within 1000 km
    row = needed.iloc[0]
    assert row["pattern"] == f"CSES_01_{row['product']}_L02_*_{row['orbit']:05d}1_*.h5"


def test_needed_passes_outside_the_mission_are_none():
    needed = needed_passes(EVENT, satellite="DEMETER", days_before=5, radius_km=1000.0)
    assert needed.empty and "pattern" in needed.columns


def test_generated_archive_spec_reads_the_demo_and_testbed_stamps(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    assert generated_archive_spec(archive) is None
    (tmp_path / "manifest.json").write_text(json.dumps({"name": "some other tool's manifest"}))
    assert generated_archive_spec(archive) is None  # an unrelated manifest never makes real files synthetic
    (tmp_path / "manifest.json").write_text(
        json.dumps({"spec": {"seed": 7, "difficulty": 0.4}, "chunks": {}})
    )
    assert generated_archive_spec(archive).seed == 7
    assert generated_archive_spec(tmp_path) is None  # the manifest belongs to the testbed's archive/ only
    (archive / "demo.json").write_text(json.dumps({"region": [0, 0, 1, 1]}))
    assert generated_archive_spec(archive).seed == 7  # a demo.json without its seed is no stamp
    (archive / "demo.json").write_text(json.dumps({"seed": 3}))
    spec = generated_archive_spec(archive)
    assert (spec.seed, spec.difficulty) == (3, None)


def test_generate_refuses_an_archive_of_real_files(tmp_path):
    with pytest.raises(ValueError, match="not a generated archive"):
        generate_event_passes(tmp_path, EVENT)


@pytest.mark.slow
def test_generate_event_passes_fills_the_window(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "demo.json").write_text(json.dumps({"seed": 0}))
    steps = []
    summary = generate_event_passes(archive, EVENT, progress=lambda i, n, t: steps.append(i))
    assert steps == [1, 2, 3] and "index" in summary
    hits = passes_near_event(load_index(archive), EVENT, days_before=5, half="night")
    needed = needed_passes(EVENT, satellite="CSES-01", days_before=5, radius_km=float(10 ** (0.43 * 7.0)))
    assert set(hits["orbit"]) == set(needed["orbit"])
    assert (archive / "ground_truth.csv").exists()
