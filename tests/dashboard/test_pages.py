"""Page layouts and their data, without a browser: empty states and a tiny archive."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from core.config import Settings
from dashboard.data import covered_event_ids, event_passes, filtered_events, find_event, pass_index
from dashboard.pages import data_coverage, event_view
from dashboard.state import EventState, MapState
from tests.helpers import build_tiny_archive

HAITI = "us6000f65h"  # 2021-08-14 12:29:08 UTC, M7.2, 18.433°N 73.482°W


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=str)


@pytest.fixture()
def empty_settings(tmp_path) -> Settings:
    return Settings(work_dir=tmp_path / "work")


@pytest.fixture()
def archive_settings(tmp_path) -> Settings:
    settings = Settings(work_dir=tmp_path / "work")
    build_tiny_archive(settings.work_dir)
    return settings


def test_pages_without_archive_say_so(empty_settings) -> None:
    assert pass_index(empty_settings) is None
    assert "no-archive" in _text(data_coverage.layout(empty_settings))
    event = find_event(empty_settings, HAITI)
    assert event_passes(empty_settings, event, EventState()) is None


def test_event_passes_from_the_index(archive_settings) -> None:
    event = find_event(archive_settings, HAITI)
    passes = event_passes(archive_settings, event, EventState(half="night", days=5))
    assert list(passes["orbit"]) == [1]  # the pass after the origin time and the far one are not used
    assert passes["hours_before"].iloc[0] == pytest.approx(30.0 + 300 / 3600, abs=1e-3)  # origin at .454 s
    assert not passes["in_circle"].iloc[0].is_empty
    assert event_passes(archive_settings, event, EventState(half="day")).empty


def test_event_page_layout_and_unknown_event(archive_settings) -> None:
    page = _text(event_view.layout(HAITI, EventState(), [], archive_settings))
    assert "event-map" in page and "ev-half" in page and "Nippes" in page
    unknown = _text(event_view.layout("nope", EventState(), [], archive_settings))
    assert "event-unknown" in unknown


def test_data_page_lists_the_archive(archive_settings) -> None:
    page = _text(data_coverage.layout(archive_settings))
    assert "4 files indexed (4 readable, 0 unreadable)" in page
    assert "2023-11-05" in page  # the catalog gap is named
    assert "unreadable-none" in page
    figure = data_coverage.layout(archive_settings).children[1].children[3].figure
    assert sum(pd.Series(t.y).sum() for t in figure.data) == 3


def test_map_coverage_filters(archive_settings, tmp_path) -> None:
    assert covered_event_ids(archive_settings) == {HAITI}  # the only catalog event the night pass reaches
    no_archive = Settings(work_dir=tmp_path / "elsewhere")
    assert covered_event_ids(no_archive) == frozenset()
    year = MapState(start="2021-01-01", end="2021-12-31")
    shown = filtered_events(archive_settings, year)
    in_era = filtered_events(archive_settings, MapState(start="2003-01-01", end="2021-12-31", coverage="era"))
    assert set(in_era["era"]) == {"DEMETER", "CSES-01"} and (in_era["time"].dt.year != 2012).all()
    with_passes = filtered_events(archive_settings, replace(year, coverage="passes"))
    assert list(with_passes["event_id"]) == [HAITI] and HAITI in set(shown["event_id"]) and len(shown) > 100
    assert filtered_events(no_archive, MapState(coverage="passes")).empty


def test_empty_window_on_a_real_archive_lists_the_files_needed(archive_settings) -> None:
    """The tiny archive holds no stamp of the generator: a window without passes names the files (satellite,
    product, orbit, half, times) the orbit model puts over the circle, instead of offering to generate."""
    page = _text(event_view.layout(HAITI, EventState(days=1.0), [], archive_settings))
    assert "no-passes" in page and "needed-files" in page and "gen-run" not in page
    assert "CSES_01_LAP_1_L02_" in page and "python -m core index" in page


def test_empty_window_on_a_generated_archive_offers_generation(archive_settings) -> None:
    (archive_settings.work_dir / "archive" / "demo.json").write_text(json.dumps({"seed": 0}))
    page = _text(event_view.layout(HAITI, EventState(days=1.0), [], archive_settings))
    assert (
        "gen-run" in page and "Generate testbed passes for this event" in page and "needed-files" not in page
    )


def test_make_run_installs_chromium_for_exports() -> None:
    """`make run` (dry run) installs Debian's Chromium before serving: kaleido's PNG/SVG/PDF exports
    need it."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        ["make", "-n", "-B", "run"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert "apt-get install -y -qq chromium" in out
    assert out.index("chromium") < out.index("python -m dashboard")


def test_empty_window_outside_every_mission_says_no_satellite_flew(archive_settings) -> None:
    """2013-05-24 Sea of Okhotsk (M8.3): after DEMETER, before CSES-01 — said instead of listing files."""
    page = _text(event_view.layout("usb000h4jh", EventState(), [], archive_settings))
    assert "no-orbit" in page and "No satellite of the workbench was flying then" in page


def test_map_defaults_to_every_event_without_an_archive(empty_settings) -> None:
    from dashboard.data import map_defaults

    assert map_defaults(empty_settings) == MapState()


def test_map_defaults_to_the_events_with_passes_of_an_archive(archive_settings) -> None:
    from dashboard.data import map_defaults

    assert map_defaults(archive_settings) == MapState(coverage="passes")
