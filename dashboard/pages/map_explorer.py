"""Map explorer: the world map of the catalog with filters; a click selects an event.

State (filters and the selected event) lives in the URL query, so reloads and shared links restore it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from dash import Dash, Input, Output, Patch, State, dcc, html, no_update

from core.catalog import SATELLITE_ERAS, coverage_gaps
from core.config import Settings
from dashboard.components.event_card import event_card, message
from dashboard.components.export_bar import export_bar
from dashboard.data import (
    MAP_MODELS,
    MAX_BATCH_EVENTS,
    catalog_table,
    covered_event_ids,
    default_card,
    filtered_events,
    find_event,
    gap_notice,
    map_defaults,
    map_score_caveat,
    map_scores,
    pass_index,
    score_events,
)
from dashboard.exports import map_export_query
from dashboard.figures import (
    CIRCLE_TRACE,
    EPICENTRE_TRACE,
    EVENT_TRACES,
    catalog_coverage_figure,
    catalog_map_figure,
    lonlat_bounds,
    selection_traces,
)
from dashboard.state import (
    COLOR_BY,
    COVERAGE,
    DATE_RANGE,
    DEPTH_RANGE_KM,
    MAG_RANGE,
    EventState,
    MapState,
    map_query,
)

GRAPH_CONFIG: dcc.Graph.Config = {
    "topojsonURL": "/topojson/",  # the vendored files, simplified to their own precision (app.topojson)
    "scrollZoom": True,
    "displaylogo": False,
    "responsive": True,
}
_ARIA_LIVE: dict[str, Any] = {"aria-live": "polite"}  # not a keyword argument: passed as ** (any type)
_COLOR_LABELS = {"mag": "Magnitude", "depth": "Depth", "era": "Satellite era", "score": "SeqNetQuake score"}
_COVERAGE_LABELS = {
    "all": "All events",
    "era": "In a satellite era",
    "passes": "With passes in the archive",
}


def layout(state: MapState, problems: list[str], settings: Settings) -> html.Div:
    """The page for ``state``; ``problems`` are messages about URL values that were ignored."""
    controls = html.Div(
        [
            html.Label("Dates (UTC)", htmlFor="f-dates"),
            dcc.DatePickerRange(
                id="f-dates",
                start_date=state.start,
                end_date=state.end,
                display_format="YYYY-MM-DD",
                min_date_allowed=DATE_RANGE[0],
                max_date_allowed=DATE_RANGE[1],
            ),
            html.Label("Magnitude", htmlFor="f-mag"),
            dcc.RangeSlider(
                id="f-mag",
                min=MAG_RANGE[0],
                max=MAG_RANGE[1],
                step=0.1,
                value=[state.mag_min, state.mag_max],
                marks={m: str(m) for m in range(5, 10)},
                tooltip={"placement": "bottom"},
            ),
            html.Label("Depth (km)", htmlFor="f-depth"),
            dcc.RangeSlider(
                id="f-depth",
                min=DEPTH_RANGE_KM[0],
                max=DEPTH_RANGE_KM[1],
                step=5,
                value=[state.depth_min, state.depth_max],
                marks={d: str(d) for d in (0, 100, 300, 700)},
                tooltip={"placement": "bottom"},
            ),
            html.Label("Place contains", htmlFor="f-place"),
            dcc.Input(
                id="f-place",
                type="search",
                value=state.q,
                debounce=True,
                placeholder="e.g. Japan",
                className="text-input",
            ),
            html.Label("Colour by", htmlFor="f-color"),
            dcc.RadioItems(
                id="f-color",
                options=[{"label": _COLOR_LABELS[c], "value": c} for c in COLOR_BY],
                value=state.color,
                inline=True,
            ),
            html.Label("Satellite coverage", htmlFor="f-coverage"),
            dcc.RadioItems(
                id="f-coverage",
                options=[{"label": _COVERAGE_LABELS[c], "value": c} for c in COVERAGE],
                value=state.coverage,
                inline=True,
            ),
            html.P(id="map-summary", className="summary", **_ARIA_LIVE),
            html.Div(
                [
                    html.Span(id="covered-hint-text"),
                    html.Button(id="show-covered", className="button", hidden=True),
                ],
                id="covered-hint",
                className="notice notice-warning",
                role="status",
                hidden=True,
            ),
            dcc.Store(id="covered-target"),
            html.Div(id="map-notice"),
            html.Label("SeqNetQuake scores", htmlFor="score-run"),
            html.P(map_score_caveat(settings), id="score-caveat", className="summary"),
            html.P(
                f"Score the events shown (at most {MAX_BATCH_EVENTS}; the event view's default window, "
                f"{_window_text()}, on the satellite flying at each event's time), then colour by score.",
                className="summary",
            ),
            html.Div(
                [
                    html.Button("Score shown events", id="score-run", className="button"),
                    html.Button("Cancel", id="score-cancel", className="button", disabled=True),
                    html.Progress(id="score-progress", value="0", max="1"),
                ],
                className="progress-row",
            ),
            html.Div(id="score-status", className="status"),
            dcc.Store(id="scores-version", data=0),
        ],
        className="controls",
    )
    event = find_event(settings, state.event)
    return html.Div(
        [
            html.Div([message(p, "warning") for p in problems], id="url-messages"),
            html.Div(
                [
                    controls,
                    html.Div(
                        [
                            dcc.Loading(
                                dcc.Graph(
                                    id="catalog-map",
                                    config=GRAPH_CONFIG,
                                    className="map-graph",
                                    style={"height": "72vh"},
                                ),
                                type="dot",
                                delay_show=300,
                                parent_className="map-cell",
                            ),
                            html.Div(_map_exports(state), id="map-export"),
                            dcc.Graph(
                                id="events-timeline",
                                config={**GRAPH_CONFIG, "scrollZoom": False},
                                className="timeline-graph",
                            ),
                            html.P(id="timeline-summary", className="summary"),
                        ],
                        className="map-cell",
                    ),
                    html.Aside(event_card(event, state.event), id="event-details", className="details"),
                ],
                className="map-layout",
            ),
            dcc.Store(id="selected-event", data=state.event),
            dcc.Store(id="map-view-sync"),
        ]
    )


def _window_text() -> str:
    """The event view's default window in words (from the dataset configuration it comes from)."""
    w = EventState()
    circle = "Dobrovolsky" if w.rule == "dobrovolsky" else f"{w.radius_km:g} km"
    return f"{w.half}, {circle}, {w.days:g} days, L = {w.L}"


def _map_exports(state: MapState) -> list:
    query = map_export_query(state)
    return [export_bar("catalog-map", query, label="Map"), export_bar("catalog", query, label="Events")]


def _state(
    dates_start: str,
    dates_end: str,
    mag: list[float],
    depth: list[float],
    q: str | None,
    color: str,
    coverage: str,
    event: str | None,
) -> MapState:
    return MapState(
        start=(dates_start or DATE_RANGE[0])[:10],
        end=(dates_end or DATE_RANGE[1])[:10],
        mag_min=float(mag[0]),
        mag_max=float(mag[1]),
        depth_min=float(depth[0]),
        depth_max=float(depth[1]),
        q=(q or "").strip(),
        color=color if color in COLOR_BY else "mag",
        coverage=coverage if coverage in COVERAGE else "all",
        event=event,
    )


def _deg_lat(lat: float) -> str:
    return f"{abs(lat):.0f}°{'N' if lat > 0 else 'S' if lat < 0 else ''}"


def _deg_lon(lon: float) -> str:
    lon = float(np.mod(lon + 180.0, 360.0) - 180.0)
    if abs(lon) >= 179.5 or abs(lon) < 0.5:
        return f"{abs(lon):.0f}°"
    return f"{abs(lon):.0f}°{'E' if lon > 0 else 'W'}"


def archive_text(settings: Settings) -> str:
    """What the loaded pass archive holds, in words: satellites and UTC period of its readable passes, and
    where the catalog events with passes lie ("" without an archive)."""
    index = pass_index(settings)
    if index is None:
        return ""
    ok = index[index["error"].isna()]
    if ok.empty:
        return "The pass archive holds no readable pass."
    first = pd.to_datetime(ok["start"], utc=True).min()
    last = pd.to_datetime(ok["end"], utc=True).max()
    satellites = ", ".join(sorted(ok["satellite"].unique()))
    text = f"The archive holds {satellites} passes of {first:%Y-%m-%d} … {last:%Y-%m-%d}"
    covered = covered_event_ids(settings)
    cat = catalog_table(settings)
    where = cat.loc[cat["event_id"].isin(covered)]
    bounds = lonlat_bounds(where["lat"], where["lon"])
    if bounds is None:
        return text + ", but no catalog earthquake has a pass crossing its circle in the days before it."
    west, south, east, north = bounds
    who = (
        "its catalog event with passes lies"
        if len(where) == 1
        else f"its {len(where):,} catalog events with passes lie"
    )
    if east - west < 1.0 and north - south < 1.0:
        return f"{text}; {who} near {_deg_lat(south)}, {_deg_lon(west)}."
    return f"{text}; {who} in {_deg_lat(south)}–{_deg_lat(north)}, {_deg_lon(west)}–{_deg_lon(east)}."


@dataclass(frozen=True)
class CoverageOverview:
    """How the shown events meet the pass archive: ``covered`` ids (None: no archive), how many of the
    shown events have passes, and — when none has — a ``hint`` in words with the filters (``target``)
    that show the events with passes and the ``button`` label that applies them (None: no such event)."""

    covered: frozenset[str] | None
    n_shown_covered: int = 0
    hint: str | None = None
    target: MapState | None = None
    button: str | None = None


def coverage_overview(settings: Settings, state: MapState, events: pd.DataFrame) -> CoverageOverview:
    """The archive's side of the map for ``events`` (the earthquakes shown under ``state``)."""
    if pass_index(settings) is None:
        return CoverageOverview(None)
    covered = covered_event_ids(settings)
    n = int(events["event_id"].isin(covered).sum())
    if n:
        return CoverageOverview(covered, n)
    if len(events):
        noun = "earthquake" if len(events) == 1 else "earthquakes"
        first = f"None of the {len(events):,} {noun} shown has passes in the archive."
    else:
        first = "No earthquake with passes in the archive matches these filters."
    hint = f"{first} {archive_text(settings)}"
    # the events with passes: no place text, all dates; all magnitudes and depths when those hide them all
    target = replace(state, q="", start=DATE_RANGE[0], end=DATE_RANGE[1], coverage="passes", event=None)
    k = len(filtered_events(settings, target)) if covered else 0
    if covered and not k:
        target = replace(
            target,
            mag_min=MAG_RANGE[0],
            mag_max=MAG_RANGE[1],
            depth_min=DEPTH_RANGE_KM[0],
            depth_max=DEPTH_RANGE_KM[1],
        )
        k = len(filtered_events(settings, target))
    if not k:
        return CoverageOverview(covered, 0, hint)
    button = f"Show the {k:,} earthquake{'' if k == 1 else 's'} with passes"
    return CoverageOverview(covered, 0, hint, target, button)


def _timeline(events, state: MapState) -> tuple[Any, str]:
    """Events shown per month (per year over spans longer than five years), eras shaded, gaps marked;
    with its text summary."""
    start, end = pd.Timestamp(state.start), pd.Timestamp(state.end)
    per = "year" if (end - start).days > 5 * 366 else "month"
    gaps = coverage_gaps(start.tz_localize("UTC"), end.tz_localize("UTC"))
    eras = [(e.name, e.start, e.end) for e in SATELLITE_ERAS]
    fig = catalog_coverage_figure(events, gaps, eras, per=per, span=(start, end), height=170)
    in_era = [
        f"{e.name} {max(e.start.tz_localize(None), start):%Y-%m-%d} … "
        f"{min(e.end.tz_localize(None), end) if e.end is not None else end:%Y-%m-%d}"
        for e in SATELLITE_ERAS
        if e.start.tz_localize(None) <= end and (e.end is None or e.end.tz_localize(None) >= start)
    ]
    text = f"Shaded: satellite eras in the chosen dates ({'; '.join(in_era) or 'none'})."
    return fig, text


_FILTERS = [
    Input("f-dates", "start_date"),
    Input("f-dates", "end_date"),
    Input("f-mag", "value"),
    Input("f-depth", "value"),
    Input("f-place", "value"),
    Input("f-color", "value"),
    Input("f-coverage", "value"),
]


#: plotly.js applies a new ``map`` view as setCenter, then setZoom: MapLibre clamps the centre's latitude
#: at the old zoom first (at the world view, to about ±20°), so a view fitted to, say, Japan would land
#: 15° too far south. After each redraw this moves the WebGL map to the figure's centre and zoom in one
#: ``jumpTo`` when they differ (never while the user drags or zooms; their moves update the figure's view).
_MAP_VIEW_SYNC_JS = """
function (figure) {
    const sync = (gd) => {
        const opts = gd._fullLayout && gd._fullLayout.map;
        const sub = opts && opts._subplot;
        if (!sub || !sub.map || sub.dragging || sub.wheeling) { return; }
        const c = sub.map.getCenter();
        if (Math.abs(c.lat - opts.center.lat) > 1e-4 || Math.abs(c.lng - opts.center.lon) > 1e-4
                || Math.abs(sub.map.getZoom() - opts.zoom) > 1e-4) {
            sub.map.jumpTo({center: [opts.center.lon, opts.center.lat], zoom: opts.zoom});
        }
    };
    const install = (tries) => {
        const gd = document.querySelector('#catalog-map .js-plotly-plot');
        if (!gd || !gd.on) {
            if (tries > 0) { setTimeout(() => install(tries - 1), 200); }
            return;
        }
        if (!gd._seqnetquakeViewSync) {
            gd._seqnetquakeViewSync = true;
            gd.on('plotly_afterplot', () => sync(gd));
        }
        sync(gd);
    };
    install(100);
    return window.dash_clientside.no_update;
}
"""


def register_callbacks(app: Dash, settings: Settings) -> None:
    """Wire the page's callbacks; each one calls ``core`` through ``dashboard.data`` and a figure builder."""

    app.clientside_callback(
        _MAP_VIEW_SYNC_JS, Output("map-view-sync", "data"), Input("catalog-map", "figure")
    )

    @app.callback(
        Output("catalog-map", "figure"),
        Output("map-summary", "children"),
        Output("map-notice", "children"),
        Output("events-timeline", "figure"),
        Output("timeline-summary", "children"),
        Output("covered-hint", "hidden"),
        Output("covered-hint-text", "children"),
        Output("show-covered", "children"),
        Output("show-covered", "hidden"),
        Output("covered-target", "data"),
        *_FILTERS,
        Input("scores-version", "data"),
        State("selected-event", "data"),
    )
    def update_map(start, end, mag, depth, q, color, coverage, _version, selected):
        state = _state(start, end, mag, depth, q, color, coverage, selected)
        events = filtered_events(settings, state)
        if state.color == "score":
            events = events.assign(score=events["event_id"].map(map_scores(settings)))
        event = find_event(settings, selected)
        center = (event["lat"], event["lon"]) if event else None
        overview = coverage_overview(settings, state, events)
        fig = catalog_map_figure(
            events,
            color_by=state.color,
            selected=event,
            covered=overview.covered,
            fit=state.filtered,
            center=center,
            zoom=2.5 if event else 0.6,
        )
        counts = events["era"].value_counts()
        noun = "earthquake" if len(events) == 1 else "earthquakes"
        summary = (
            f"{len(events):,} {noun} shown — DEMETER era {counts.get('DEMETER', 0):,}, "
            f"CSES-01 era {counts.get('CSES-01', 0):,}, no satellite {counts.get('', 0):,}."
        )
        if overview.covered is not None:
            n = overview.n_shown_covered
            summary += (
                f" {n:,} with passes in the archive (coloured on the map)."
                if n
                else " None with passes in the archive."
            )
        notices = [message(text, "warning", id="gap-notice") if (text := gap_notice(state)) else None]
        if state.coverage == "passes" and overview.covered is None:
            notices.append(message("No pass archive yet: no event has passes.", "warning", id="no-archive"))
        timeline, timeline_text = _timeline(events, state)
        target = overview.target
        return (
            fig,
            summary,
            notices,
            timeline,
            timeline_text,
            overview.hint is None,
            overview.hint,
            overview.button,
            target is None,
            None if target is None else asdict(target),
        )

    @app.callback(
        Output("f-place", "value"),
        Output("f-dates", "start_date"),
        Output("f-dates", "end_date"),
        Output("f-mag", "value"),
        Output("f-depth", "value"),
        Output("f-coverage", "value"),
        Input("show-covered", "n_clicks"),
        State("covered-target", "data"),
        prevent_initial_call=True,
    )
    def show_covered(clicks, target):
        """Apply the filters that show the events with passes in the archive (the hint's button)."""
        if not clicks or not target:
            return (no_update,) * 6
        return (
            target["q"],
            target["start"],
            target["end"],
            [target["mag_min"], target["mag_max"]],
            [target["depth_min"], target["depth_max"]],
            target["coverage"],
        )

    @app.callback(
        Output("selected-event", "data"), Input("catalog-map", "clickData"), prevent_initial_call=True
    )
    def select_event(click):
        points = (click or {}).get("points") or []
        if not points or points[0].get("curveNumber") not in EVENT_TRACES or not points[0].get("customdata"):
            return no_update
        return points[0]["customdata"]

    @app.callback(
        Output("event-details", "children"),
        Output("catalog-map", "figure", allow_duplicate=True),
        Input("selected-event", "data"),
        prevent_initial_call=True,
    )
    def show_selection(event_id):
        event = find_event(settings, event_id)
        patch = Patch()
        circle, epicentre = selection_traces(event)
        patch["data"][CIRCLE_TRACE] = circle.to_plotly_json()
        patch["data"][EPICENTRE_TRACE] = epicentre.to_plotly_json()
        return event_card(event, event_id), patch

    @app.callback(
        Output("url", "search"),
        Output("map-export", "children"),
        *_FILTERS,
        Input("selected-event", "data"),
        prevent_initial_call=True,
    )
    def sync_url(start, end, mag, depth, q, color, coverage, selected):
        state = _state(start, end, mag, depth, q, color, coverage, selected)
        return map_query(state, map_defaults(settings)), _map_exports(state)

    @app.callback(
        Output("score-status", "children"),
        Output("scores-version", "data"),
        Input("score-run", "n_clicks"),
        *[State(i.component_id, i.component_property) for i in _FILTERS],
        State("scores-version", "data"),
        background=True,
        prevent_initial_call=True,
        progress=[Output("score-progress", "value"), Output("score-progress", "max")],
        running=[
            (Output("score-run", "disabled"), True, False),
            (Output("score-cancel", "disabled"), False, True),
        ],
        cancel=[Input("score-cancel", "n_clicks")],
    )
    def score_shown(set_progress, _clicks, start, end, mag, depth, q, color, coverage, version):
        events = filtered_events(settings, _state(start, end, mag, depth, q, color, coverage, None))
        if len(events) > MAX_BATCH_EVENTS:
            text = f"{len(events):,} events shown: narrow the filters to ≤ {MAX_BATCH_EVENTS} to score them."
            return message(text, "warning", id="score-too-many"), no_update
        if pass_index(settings) is None:
            return message(
                "No pass archive yet: nothing to score.", "warning", id="score-no-archive"
            ), no_update
        scores = score_events(
            settings, list(events["event_id"]), progress=lambda k, n: set_progress((str(k), str(n)))
        )
        scored = [e for e in events["event_id"] if np.isfinite(scores.get(e, np.nan))]
        cards = [c for name in MAP_MODELS if (c := default_card(settings, name)) is not None]
        seen = sum(1 for e in scored if any(c.seen_in(e) is not None for c in cards))
        text = (
            f"Scored {len(events)} events: {len(scored)} have sequences and a SeqNetQuake score (colour by "
            f"score); {seen} of them were in its training or validation split (not predictions)."
        )
        return html.Span(text, id="score-done"), (version or 0) + 1
