"""URL state of the map explorer: round trip, defaults, and clear messages for bad values."""

from __future__ import annotations

import pytest

from dashboard.routes import event_path, resolve
from dashboard.state import MapState, map_query, parse_map_query


def test_default_state_has_empty_query() -> None:
    assert map_query(MapState()) == ""
    assert parse_map_query("") == (MapState(), [])


def test_round_trip_restores_every_field() -> None:
    state = MapState(
        start="2018-02-02",
        end="2019-12-31",
        mag_min=6.1,
        mag_max=8.0,
        depth_min=5.0,
        depth_max=70.0,
        q="Japan",
        color="era",
        coverage="passes",
        event="us1000778i",
    )
    parsed, problems = parse_map_query(map_query(state))
    assert parsed == state and problems == []


def test_bad_values_fall_back_with_a_message_each() -> None:
    state, problems = parse_map_query("?mmin=banana&dmax=-4&color=rainbow&start=notadate&mmax=7&cov=some")
    assert state.mag_min == MapState().mag_min and state.depth_max == MapState().depth_max
    assert state.color == "mag" and state.start == MapState().start and state.mag_max == 7.0
    assert state.coverage == "all" and len(problems) == 5
    assert any("mmin='banana'" in p for p in problems)


def test_reversed_ranges_are_swapped() -> None:
    state, problems = parse_map_query("?mmin=8&mmax=6")
    assert (state.mag_min, state.mag_max) == (6.0, 8.0)
    assert problems


def test_routes() -> None:
    assert resolve("/") == ("map", {})
    assert resolve("/event/us1000778i") == ("event", {"event_id": "us1000778i"})
    assert resolve(event_path("a/b c")) == ("event", {"event_id": "a/b c"})
    assert resolve("/nope/nothing") == ("not_found", {})


def test_event_state_round_trip_and_bad_values() -> None:
    from dashboard.state import EventState, event_query, parse_event_query

    state = EventState(satellite="DEMETER", half="both", rule="km", radius_km=750.0, days=2.0, L=30)
    assert parse_event_query(event_query(state)) == (state, [])
    assert event_query(EventState()) == ""
    parsed, problems = parse_event_query("?L=0&days=10000&radius_km=-5&half=dusk&satellite=SWARM")
    assert parsed == EventState() and len(problems) == 5


def test_event_state_defaults_are_the_default_configuration_window(monkeypatch) -> None:
    """One source: the event view's default window is cses-default's (core/configs/datasets.toml)."""
    from core.datasets import get_config
    from dashboard import state

    w = get_config("cses-default").window
    default = state.EventState()
    assert (default.satellite, default.half, default.rule) == (w.satellites[0], w.half, w.radius_rule)
    assert (default.days, default.L) == (w.days_before, w.length) and default.L in state.L_CHOICES
    # a configuration with another window gives other defaults (a fixed radius in km, degrees → km)
    other = get_config("cses-1000km").with_(half="day", days_before=3.0, length=30)
    monkeypatch.setattr(state, "get_config", lambda name: other)
    assert state._window_defaults() == {
        "satellite": "CSES-01",
        "half": "day",
        "rule": "km",
        "radius_km": 1000.0,
        "days": 3.0,
        "L": 30,
    }
    five_deg = get_config("cses-5deg")
    monkeypatch.setattr(state, "get_config", lambda name: five_deg)
    assert state._window_defaults()["radius_km"] == pytest.approx(5 * 111.19, abs=0.1)


def test_event_state_from_the_browser_keys_the_same_cached_analysis(tmp_path) -> None:
    """A state sent through the browser comes back as JSON numbers (500 for 500.0): the analysis the
    background job caches under it must be the one the page looks up."""
    import json
    from dataclasses import asdict

    from core.config import Settings
    from dashboard.data import analysis_key
    from dashboard.state import EventState

    settings = Settings(work_dir=tmp_path)
    state = EventState(days=3.0)
    through_js = json.loads(json.dumps(asdict(state)).replace(".0,", ",").replace(".0}", "}"))
    assert through_js["radius_km"] == 500 and isinstance(through_js["radius_km"], int)
    again = EventState(**through_js)
    assert again == state
    assert analysis_key(settings, "us6000f65h", again) == analysis_key(settings, "us6000f65h", state)


def test_map_defaults_can_come_from_the_archive() -> None:
    """With an archive the map defaults to the events with passes: the URL then states "all" and omits
    "passes", and both parse back."""
    from dataclasses import replace

    passes = MapState(coverage="passes")
    assert map_query(passes, passes) == "" and map_query(MapState(), passes) == "?cov=all"
    assert parse_map_query("", passes) == (passes, [])
    assert parse_map_query("?cov=all", passes)[0] == MapState()
    assert parse_map_query("?q=Japan", passes)[0] == replace(passes, q="Japan")


def test_event_view_defaults_to_the_satellite_of_the_events_era() -> None:
    import pandas as pd

    from dashboard.data import event_defaults
    from dashboard.state import EventState, event_query, parse_event_query

    demeter = event_defaults({"time": pd.Timestamp("2008-05-07 16:45", tz="UTC")})
    assert demeter == EventState(satellite="DEMETER")
    assert event_defaults({"time": pd.Timestamp("2022-09-01", tz="UTC")}) == EventState()
    assert event_defaults({"time": pd.Timestamp("2014-04-01", tz="UTC")}) == EventState()  # none flew
    # the URL states what differs from the event's defaults, and parses back against them
    cses = EventState()
    assert event_query(demeter, demeter) == "" and event_query(cses, demeter) == "?satellite=CSES-01"
    assert parse_event_query("?satellite=CSES-01", demeter)[0] == cses
    assert parse_event_query("", demeter)[0] == demeter
