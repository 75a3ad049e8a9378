"""Event view (``/event/<id>``): facts, the circle with the satellite passes before the shock, space weather.

Window settings (satellite, half-orbit, circle rule, days before, L) live in the URL query.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import pandas as pd
from dash import Dash, Input, Output, State, dcc, html, no_update

from core.catalog import SATELLITE_ERAS, satellite_era
from core.config import Settings
from core.geo import line_length_km
from core.model_cards import ModelCard
from core.pass_requests import generate_event_passes, generated_archive_spec, needed_passes
from core.spaceweather import SpaceWeatherCoverageError, index_table
from core.windows import describe_outcome
from dashboard.components.event_card import event_card, message
from dashboard.components.export_bar import export_bar
from dashboard.data import (
    analysis_key,
    archive_root,
    cached_event_analysis,
    dataset_settings_for,
    event_analysis,
    event_defaults,
    event_passes,
    find_event,
    pass_index,
    window_radius_km,
)
from dashboard.exports import event_export_query
from dashboard.figures import (
    event_tracks_figure,
    scores_figure,
    sequences_figure,
    space_weather_figure,
)
from dashboard.pages.map_explorer import GRAPH_CONFIG
from dashboard.state import (
    DAYS_RANGE,
    HALF_CHOICES,
    L_CHOICES,
    RADIUS_KM_RANGE,
    RADIUS_RULES,
    SATELLITE_CHOICES,
    EventState,
    event_query,
)

_VIEW_CACHE: OrderedDict[tuple[str, str], tuple] = OrderedDict()
_VIEW_CACHE_SIZE = 64
_view_lock = threading.Lock()


def _memo(kind: str, key: str, build: Callable[[], tuple]) -> tuple:
    """The built panels of ``kind`` for ``key`` (:func:`dashboard.data.analysis_key`), from a small
    per-process LRU: returning to an event rebuilds no figure. The components are only serialised, never
    changed, so one object can serve several requests."""
    with _view_lock:
        hit = _VIEW_CACHE.get((kind, key))
        if hit is not None:
            _VIEW_CACHE.move_to_end((kind, key))
            return hit
    value = build()
    with _view_lock:
        _VIEW_CACHE[kind, key] = value
        while len(_VIEW_CACHE) > _VIEW_CACHE_SIZE:
            _VIEW_CACHE.popitem(last=False)
    return value


_RULE_LABELS = {"dobrovolsky": "Dobrovolsky 10^(0.43·M) km", "km": "fixed radius (km)"}


def _settings_bar(state: EventState) -> html.Div:
    def radio(id_: str, options: tuple, value: Any, labels: dict | None = None) -> dcc.RadioItems:
        opts = [{"label": (labels or {}).get(o, str(o)), "value": o} for o in options]
        return dcc.RadioItems(id=id_, options=opts, value=value, inline=True, className="radio")

    return html.Div(
        [
            html.Div([html.Label("Satellite"), radio("ev-satellite", SATELLITE_CHOICES, state.satellite)]),
            html.Div([html.Label("Half-orbit"), radio("ev-half", HALF_CHOICES, state.half)]),
            html.Div(
                [
                    html.Label("Circle"),
                    radio("ev-rule", RADIUS_RULES, state.rule, _RULE_LABELS),
                    dcc.Input(
                        id="ev-radius",
                        type="number",
                        value=state.radius_km,
                        min=RADIUS_KM_RANGE[0],
                        max=RADIUS_KM_RANGE[1],
                        step=10,
                        debounce=True,
                        className="num-input",
                    ),
                ]
            ),
            html.Div(
                [
                    html.Label("Days before", htmlFor="ev-days"),
                    dcc.Input(
                        id="ev-days",
                        type="number",
                        value=state.days,
                        min=DAYS_RANGE[0],
                        max=DAYS_RANGE[1],
                        step=0.5,
                        debounce=True,
                        className="num-input",
                    ),
                ]
            ),
            html.Div([html.Label("Sequence length L"), radio("ev-L", L_CHOICES, state.L)]),
        ],
        className="settings-bar",
    )


def layout(event_id: str, state: EventState, problems: list[str], settings: Settings) -> html.Div:
    """The page of ``event_id``; an unknown id gives a clear message and a way back.

    The page arrives drawn: the window's panels (and the analysis, when cached) are computed here, so a
    visit costs one request and each chart is drawn once. Only an analysis not cached yet is asked of the
    background job (``an-pending``); changing a setting recomputes through the callbacks below.
    """
    event = find_event(settings, event_id)
    back = dcc.Link("← Back to the map", href=f"/?event={event_id}" if event else "/", className="back")
    if event is None:
        return html.Div([back, event_card(None, event_id)])
    (
        tracks_fig,
        passes_summary,
        sw_fig,
        sw_notice,
        tracks_export,
        passes_export,
        sw_export,
    ) = window_panels(settings, event, event_id, state)
    analysis = cached_event_analysis(settings, event, state)
    pending = None
    if analysis is None and pass_index(settings) is not None:
        pending = {"event": event_id, **asdict(state)}
        panels = _panels(settings, None, event_id, state, None)  # empty until the job answers
    else:
        panels = _analysis_panels(settings, event, event_id, state, analysis)
    return html.Div(
        [
            back,
            html.Div([message(p, "warning") for p in problems], id="url-messages"),
            _settings_bar(state),
            html.Div(
                [
                    html.Aside(event_card(event, event_id, link=False), className="details"),
                    dcc.Loading(
                        dcc.Graph(
                            id="event-map",
                            figure=tracks_fig,
                            config=GRAPH_CONFIG,
                            className="map-graph",
                            style={"height": "62vh"},
                        ),
                        type="dot",
                        delay_show=300,
                        parent_className="map-cell",
                    ),
                ],
                className="event-layout",
            ),
            html.Div(tracks_export, id="tracks-export"),
            html.Section(
                [
                    html.H3("Passes in the window"),
                    html.Div(passes_export, id="passes-export"),
                    html.Div(passes_summary, id="passes-summary"),
                ],
                className="panel",
            ),
            html.Section(
                [
                    html.H3("Space weather"),
                    html.Div(sw_export, id="sw-export"),
                    html.Div(sw_notice, id="sw-notice"),
                    dcc.Graph(
                        id="sw-graph", figure=sw_fig, config={"displaylogo": False}, style={"height": "260px"}
                    ),
                ],
                className="panel",
            ),
            _analysis_section(*panels),
            dcc.Store(id="event-id", data=event_id),
            dcc.Store(id="ev-drawn", data=asdict(state)),
            dcc.Store(id="an-pending", data=pending),
            dcc.Store(id="an-request"),
            dcc.Store(id="an-hit"),
        ]
    )


def window_panels(settings: Settings, event: dict[str, Any], event_id: str, state: EventState) -> tuple:
    """The window's panels under ``state``: tracks figure, passes summary, space-weather figure and notice,
    and the export bars of the tracks, the passes and the space weather (memoised per process)."""
    key = analysis_key(settings, event_id, state)
    return _memo("window", key, lambda: _window_panels(settings, event, event_id, state))


def _window_panels(settings: Settings, event: dict[str, Any], event_id: str, state: EventState) -> tuple:
    radius_km = window_radius_km(event, state)
    passes = event_passes(settings, event, state)
    if passes is None:
        summary = message(
            "No pass archive yet: `make run` generates the demo archive, or "
            "`python -m core generate` + `python -m core index` build one.",
            "warning",
            id="no-archive",
        )
        passes = pd.DataFrame(columns=["orbit", "half", "start", "hours_before", "geometry", "in_circle"])
    elif passes.empty:
        summary = html.Div(
            [
                message(
                    f"No {state.satellite} {state.half if state.half != 'both' else ''} pass of the archive "
                    f"crosses the circle (R = {radius_km:,.0f} km) in the {state.days:g} days before this "
                    "event.",
                    "info",
                    id="no-passes",
                ),
                _fill_window(settings, event, state, radius_km),
            ]
        )
    else:
        summary = html.Div(
            [
                html.P(
                    f"{len(passes)} {'pass crosses' if len(passes) == 1 else 'passes cross'} the circle "
                    f"(R = {radius_km:,.0f} km) "
                    f"in the {state.days:g} days before the shock.",
                    id="passes-count",
                ),
                _passes_table(passes),
            ]
        )
    fig = event_tracks_figure(event, passes, radius_km=radius_km, days_before=state.days)
    origin = pd.Timestamp(event["time"])
    try:
        table = index_table(origin - pd.Timedelta(days=state.days + 1), origin + pd.Timedelta(days=1))
        sw_fig, sw_notice = space_weather_figure(table, origin), None
    except SpaceWeatherCoverageError as exc:
        sw_fig, sw_notice = {}, message(f"Space-weather indices do not cover this window: {exc}", "info")
    export_q = event_export_query(event_id, state)
    return (
        fig,
        summary,
        sw_fig,
        sw_notice,
        export_bar("event-tracks", export_q, label="Map"),
        export_bar("event-passes", export_q, label="Passes"),
        [
            export_bar("space-weather", export_q, label="Figure"),
            export_bar("space-weather-table", export_q, label="Indices"),
        ],
    )


def _fill_window(settings: Settings, event: dict[str, Any], state: EventState, radius_km: float) -> html.Div:
    """What would fill an empty window: the half-orbits the orbit model puts over the circle — offered
    for generation on a generated archive (``gen-run``, the job below), listed as the files to fetch on a
    real one."""
    needed = needed_passes(
        event,
        satellite=state.satellite,
        days_before=state.days,
        radius_km=radius_km,
        half=None if state.half == "both" else state.half,
    )
    if needed.empty:
        return html.Div(html.P(_no_orbit_text(event, state), id="no-orbit"))
    orbits = needed.drop_duplicates(["orbit", "half"])
    spec = generated_archive_spec(archive_root(settings))
    if spec is None:
        header = html.Tr(
            [html.Th(c) for c in ("satellite", "product", "orbit", "half", "start … end (UTC)", "file")]
        )
        rows = [
            html.Tr(
                [
                    html.Td(r.satellite),
                    html.Td(r.product),
                    html.Td(str(r.orbit)),
                    html.Td(r.half),
                    html.Td(f"{r.start:%Y-%m-%d %H:%M} … {r.end:%H:%M}"),
                    html.Td(html.Code(r.pattern)),
                ]
            )
            for r in needed.itertuples()
        ]
        return html.Div(
            [
                html.P(
                    f"This archive holds real files. These {len(needed)} files ({len(orbits)} half-orbits "
                    "predicted by the orbit model to cross the circle) would fill the window: add them to "
                    "the archive and run `python -m core index`.",
                    id="needed-files-note",
                ),
                html.Table([html.Thead(header), html.Tbody(rows)], className="table", id="needed-files"),
            ]
        )
    return html.Div(
        [
            html.P(
                f"This archive is a generated synthetic testbed (seed {spec.seed}): the {len(orbits)} "
                f"{state.satellite} half-orbits the orbit model puts over the circle can be generated now, "
                "with the testbed's own seed and difficulty (those within 3 Dobrovolsky radii of the "
                "epicentre: the generator's reach).",
                id="generate-note",
            ),
            html.Div(
                [
                    html.Button("Generate testbed passes for this event", id="gen-run", className="button"),
                    html.Button("Cancel", id="gen-cancel", className="button", disabled=True),
                    html.Progress(id="gen-progress", value="0", max="3"),
                    html.Span(id="gen-status", className="status"),
                ],
                className="progress-row",
            ),
        ]
    )


def _no_orbit_text(event: dict[str, Any], state: EventState) -> str:
    """Why no half-orbit of the chosen satellite can fill the window: it was not flying then (and which one
    was), or its tracks miss the circle in those days."""
    era = str(satellite_era(event["time"])[0])
    spans = "; ".join(
        f"{e.name} {e.start:%Y-%m-%d}…{'' if e.end is None else f'{e.end:%Y-%m-%d}'}" for e in SATELLITE_ERAS
    )
    if era == state.satellite:
        return (
            f"No {state.satellite} track of the orbit model crosses the circle in those {state.days:g} days: "
            "try more days, both half-orbits or a larger circle."
        )
    if era:
        return f"{state.satellite} was not flying then; {era} was: choose it above (science data: {spans})."
    return f"No satellite of the workbench was flying then (science data: {spans})."


def _passes_table(passes: pd.DataFrame) -> html.Table:
    header = html.Tr(
        [html.Th(c) for c in ("orbit", "half", "start (UTC)", "hours before", "in-circle track")]
    )
    rows = []
    for p in passes.sort_values("start").itertuples():
        km = line_length_km(p.in_circle)
        rows.append(
            html.Tr(
                [
                    html.Td(str(p.orbit)),
                    html.Td(p.half),
                    html.Td(f"{p.start:%Y-%m-%d %H:%M:%S}"),
                    html.Td(f"{p.hours_before:.1f}"),
                    html.Td(f"≈ {km:,.0f} km"),
                ]
            )
        )
    return html.Table([html.Thead(header), html.Tbody(rows)], className="table", id="passes-table")


def _state(
    satellite: str, half: str, rule: str, radius: float | None, days: float | None, L: int
) -> EventState:
    """The view's settings from its controls, clipped to their ranges (km, days)."""
    return EventState(
        satellite=satellite,
        half=half,
        rule=rule,
        radius_km=float(min(max(radius or EventState.radius_km, RADIUS_KM_RANGE[0]), RADIUS_KM_RANGE[1])),
        days=float(min(max(days or EventState.days, DAYS_RANGE[0]), DAYS_RANGE[1])),
        L=int(L),
    )


_CONTROLS = [
    Input("ev-satellite", "value"),
    Input("ev-half", "value"),
    Input("ev-rule", "value"),
    Input("ev-radius", "value"),
    Input("ev-days", "value"),
    Input("ev-L", "value"),
]


def _analysis_section(
    summary: Any,
    seq_fig: Any,
    seq_style: dict,
    table: Any,
    scores_fig: Any,
    scores_style: dict,
    seq_export: Any,
    scores_export: Any,
) -> html.Section:
    """The sequences and model-scores section, with its first content (the outputs of :func:`_panels`)."""
    return html.Section(
        [
            html.H3("Sequences and model scores"),
            html.Div(
                [
                    html.Progress(id="an-progress", value="0", max="3"),
                    html.Span(id="an-status", className="status"),
                    html.Button("Cancel", id="an-cancel", className="button", disabled=True),
                ],
                className="progress-row",
            ),
            html.Div(summary, id="an-summary"),
            html.Div(seq_export, id="seq-export"),
            dcc.Graph(id="seq-graph", figure=seq_fig, config={"displaylogo": False}, style=seq_style),
            html.Div(scores_export, id="scores-export"),
            html.Div(table, id="scores-table"),
            dcc.Graph(
                id="scores-graph", figure=scores_fig, config={"displaylogo": False}, style=scores_style
            ),
        ],
        className="panel",
    )


def _scores_table(
    scores: pd.DataFrame, truth: dict | None, cards: dict[str, ModelCard], event_id: str
) -> html.Div:
    """Per model: event probability and decision beside its model card — test MCC (interval, seeds),
    training data and periods, and how far to trust this score for this event (``docs/model-cards.md``)."""
    rows = scores.groupby("model", sort=False).first().reset_index()
    rows = rows.assign(_skipped=rows["event_probability"].isna(), _other=rows["model"] != "seqnetquake")
    rows = rows.sort_values(["_skipped", "_other"], kind="stable")  # scores first, SeqNetQuake leading
    head = ["model", "event probability", "decision", "how far to trust it", "test event MCC", "trained on"]
    body = []
    for r in rows.itertuples():
        card = cards.get(str(r.model))
        model_rows = scores[scores["model"] == r.model]
        n_pos = int((model_rows["probability"] >= r.sample_threshold).sum())
        decision = (
            "—" if pd.isna(r.event_probability) else ("pre-earthquake" if r.event_decision else "non-seismic")
        )
        if pd.isna(r.event_probability):
            level, trust = (
                "skipped",
                "does not take these sequences (satellite, L or features differ): no score",
            )
        else:
            level, trust = card.trust(event_id) if card else ("unknown", "no model card")
        trust_attrs: dict[str, Any] = {"data-trust": level}  # no keyword name: passed as ** (typed for mypy)
        body.append(
            html.Tr(
                [
                    html.Td([card.display_name if card else r.model, html.Br(), html.Small(str(r.version))]),
                    html.Td(
                        "n/a"
                        if pd.isna(r.event_probability)
                        else f"{r.event_probability:.2f} (threshold {r.event_threshold:.2f}, {r.event_rule})"
                    ),
                    html.Td(
                        [decision, html.Br(), html.Small(f"{n_pos} / {len(model_rows)} samples ≥ threshold")]
                    ),
                    html.Td(trust, className=f"trust trust-{level}", **trust_attrs),
                    html.Td(card.mcc_text("event") if card else "—"),
                    html.Td(
                        f"{card.dataset}, L = {card.seq_len}; {card.periods_text()}" if card else "—",
                        className="card-periods",
                    ),
                ],
                id=f"card-{r.model}",
            )
        )
    truth_text = "label: pre-earthquake (a catalog earthquake follows these passes)"
    if truth is not None:
        injected = bool(truth.get("injected"))
        truth_text += (
            f"; synthetic testbed ground truth: a precursor {'WAS' if injected else 'was NOT'} injected"
            + (f" (amplitude {float(truth.get('amplitude', 0)):.0%})" if injected else "")
        )
    info = next(iter(cards.values())).registry if cards else None
    source = (
        f"Models of the {info.title}"
        + (" — trained and tested on the synthetic testbed" if info.synthetic else "")
        + (f"; their figures come from {info.report}" if info.report else "")
        + ". Test MCC: mean ± sd over training seeds with the 95 % interval by event (one model's own "
        "interval where the seeds were not measured). A score is a prediction only for an event the model "
        "never saw."
        if info
        else "No model cards."
    )
    return html.Div(
        [
            html.P(truth_text, id="scores-truth"),
            html.P(source, id="scores-source", className="summary"),
            html.Table(
                [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
                className="table",
                id="scores-table-rows",
            ),
        ]
    )


def register_callbacks(app: Dash, settings: Settings) -> None:
    """Recompute the circle, passes and space weather when a window setting changes."""

    @app.callback(
        Output("event-map", "figure"),
        Output("passes-summary", "children"),
        Output("sw-graph", "figure"),
        Output("sw-notice", "children"),
        Output("tracks-export", "children"),
        Output("passes-export", "children"),
        Output("sw-export", "children"),
        Output("ev-drawn", "data"),
        Output("url", "search", allow_duplicate=True),
        *_CONTROLS,
        State("event-id", "data"),
        State("ev-drawn", "data"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def update_event(satellite, half, rule, radius, days, L, event_id, drawn, search):
        """A setting changed: redraw the window's panels and put the settings in the URL. Dash also calls
        this when the page is inserted (its URL output lies outside the page): the panels already show
        ``drawn`` then, and only the URL is brought in line (a bad value in it is dropped)."""
        state = _state(satellite, half, rule, radius, days, L)
        query = event_query(state, event_defaults(find_event(settings, event_id)))
        url = query if query != (search or "") else no_update
        if asdict(state) == drawn:
            return *[no_update] * 8, url
        outputs = window_panels(settings, find_event(settings, event_id), event_id, state)
        return *outputs, asdict(state), url

    @app.callback(
        Output("event-map", "figure", allow_duplicate=True),
        Output("passes-summary", "children", allow_duplicate=True),
        Output("an-request", "data", allow_duplicate=True),
        Input("gen-run", "n_clicks"),
        State("event-id", "data"),
        State("ev-drawn", "data"),
        background=True,
        prevent_initial_call=True,
        interval=500,
        progress=[Output("gen-progress", "value"), Output("gen-status", "children")],
        running=[
            (Output("gen-run", "disabled"), True, False),
            (Output("gen-cancel", "disabled"), False, True),
        ],
        cancel=[Input("gen-cancel", "n_clicks")],
    )
    def generate(set_progress, clicks, event_id, drawn):
        """Generate the event's testbed passes, then redraw the window and ask for its analysis."""
        event = find_event(settings, event_id)
        if not clicks or event is None:
            return no_update, no_update, no_update
        state = EventState(**drawn)
        try:
            generate_event_passes(
                archive_root(settings),
                event,
                satellite=state.satellite,
                days_before=state.days,
                progress=lambda i, n, text: set_progress((str(i), text)),
            )
        except Exception as exc:  # a job's failure is said on the page, never a traceback
            logging.getLogger(__name__).exception("generating the passes of %s failed", event_id)
            text = f"Generation failed ({type(exc).__name__}): {exc}"
            return no_update, message(text, "error", id="generate-error"), no_update
        tracks_fig, summary, *_ = window_panels(settings, event, event_id, state)
        return tracks_fig, summary, {"event": event_id, **drawn}

    panels = [
        Output("an-summary", "children"),
        Output("seq-graph", "figure"),
        Output("seq-graph", "style"),
        Output("scores-table", "children"),
        Output("scores-graph", "figure"),
        Output("scores-graph", "style"),
        Output("seq-export", "children"),
        Output("scores-export", "children"),
    ]

    @app.callback(
        *panels,
        Output("an-request", "data"),
        Output("an-hit", "data"),
        *_CONTROLS,
        State("event-id", "data"),
        prevent_initial_call=True,
    )
    def show_cached(satellite, half, rule, radius, days, L, event_id):
        """After a setting changed: a cached analysis is drawn at once; otherwise the background job below
        is asked for it (and a hit cancels a job still computing older settings)."""
        state = _state(satellite, half, rule, radius, days, L)
        event = find_event(settings, event_id)
        analysis = cached_event_analysis(settings, event, state) if event is not None else None
        if analysis is None and event is not None and pass_index(settings) is not None:
            return *[no_update] * len(panels), {"event": event_id, **asdict(state)}, no_update
        drawn = _analysis_panels(settings, event, event_id, state, analysis)
        return *drawn, no_update, {"event": event_id, **asdict(state)}

    # the page's first analysis, when it was not cached: handed to the job without a server round trip
    app.clientside_callback(
        "function (pending) { return pending || window.dash_clientside.no_update; }",
        Output("an-request", "data", allow_duplicate=True),
        Input("an-pending", "data"),
        prevent_initial_call="initial_duplicate",
    )

    @app.callback(
        *[Output(o.component_id, o.component_property, allow_duplicate=True) for o in panels],
        Input("an-request", "data"),
        background=True,
        prevent_initial_call=True,
        interval=250,
        progress=[Output("an-progress", "value"), Output("an-status", "children")],
        running=[(Output("an-cancel", "disabled"), False, True)],
        cancel=[Input("an-cancel", "n_clicks"), Input("an-hit", "data")],
    )
    def analyse(set_progress, request):
        event_id = request.pop("event")
        state = EventState(**request)
        event = find_event(settings, event_id)
        analysis = (
            event_analysis(settings, event, state, progress=lambda i, n, text: set_progress((str(i), text)))
            if event is not None
            else None
        )
        return _panels(settings, event, event_id, state, analysis)


def _analysis_panels(
    settings: Settings, event: dict | None, event_id: str, state: EventState, analysis: Any
) -> tuple:
    """:func:`_panels`, memoised per process for a cached analysis."""
    if event is None or analysis is None:
        return _panels(settings, event, event_id, state, analysis)
    key = analysis_key(settings, event_id, state)
    return _memo("analysis", key, lambda: _panels(settings, event, event_id, state, analysis))


def _panels(settings: Settings, event: dict | None, event_id: str, state: EventState, analysis: Any) -> tuple:
    """The analysis section's outputs for ``analysis`` (None: no event or no archive)."""
    hidden, shown = {"display": "none"}, {"display": "block"}
    if event is None:
        return None, {}, hidden, None, {}, hidden, None, None
    if analysis is None:
        return message("No pass archive yet.", "warning"), {}, hidden, None, {}, hidden, None, None
    samples = analysis.samples
    n = int(samples.sizes["sample"])
    export_q = event_export_query(event_id, state)
    if n == 0:
        why = describe_outcome(
            analysis.outcome, dataset_settings_for(settings, state).window, float(event["mag"])
        )
        note = message(f"No L = {state.L} sequence in this window: {why}.", "info", id="no-sequences")
        return note, {}, hidden, None, {}, hidden, None, None
    n_passes = len(set(int(o) for o in samples["orbit"].values))
    summary = html.Div(
        [
            html.P(
                f"{n} sequences of L = {state.L} observations (1 s apart) from {n_passes} passes inside "
                "the circle.",
                id="sequences-count",
            ),
            html.P(analysis.background_text, id="background-note", className="summary"),
        ]
    )
    seq_fig = sequences_figure(samples, background=analysis.background)
    seq_exports = [
        export_bar("event-sequences", export_q, label="Figure"),
        export_bar("event-sequences-table", export_q, label="Sequences"),
    ]
    if analysis.scores is None or analysis.scores["probability"].isna().all():
        why = (
            "no model is registered"
            if analysis.scores is None
            else f"no registered model takes L = {state.L}"
        )
        note = message(
            f"No scores: {why} (`make run` trains the defaults; `python -m core train`).",
            "info",
            id="no-models",
        )
        return summary, seq_fig, shown, note, {}, hidden, seq_exports, None
    score_exports = [
        export_bar("event-scores", export_q, label="Figure"),
        export_bar("event-scores-table", export_q, label="Scores"),
    ]
    return (
        summary,
        seq_fig,
        shown,
        _scores_table(analysis.scores, analysis.truth, analysis.cards, event_id),
        scores_figure(analysis.scores.dropna(subset=["probability"])),
        shown,
        seq_exports,
        score_exports,
    )
