"""What can be downloaded: every figure (PNG, SVG, PDF, HTML) and table (CSV) of the pages, rebuilt on
the server from the same URL state the page shows. No Dash import: the app serves these from a plain
Flask route, ``/export/<item>.<format>?<page query>``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version as _version
from typing import Any
from urllib.parse import urlencode

import diskcache
import pandas as pd
import plotly
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from core.cache import open_cache
from core.config import Settings
from core.export import FIGURE_FORMATS, IMAGE_SIZE, ExportError, export_name, figure_bytes, table_bytes
from core.geo import line_length_km
from core.spaceweather import index_table
from dashboard.basemap import TOPOJSON_DIR
from dashboard.data import (
    covered_event_ids,
    event_analysis,
    event_passes,
    filtered_events,
    find_event,
    map_scores,
    pass_index,
    window_radius_km,
)
from dashboard.figures import (
    catalog_map_figure,
    event_tracks_figure,
    scores_figure,
    sequences_figure,
    space_weather_figure,
)
from dashboard.map_raster import with_raster_markers
from dashboard.state import EventState, MapState, event_query, map_query, parse_event_query, parse_map_query

__all__ = ["EXPORTS", "Export", "export_cache", "export_file", "export_href", "image_figure"]


@dataclass(frozen=True)
class Export:
    """One downloadable item: ``kind`` figure or table; ``build(settings, query)`` → (object, name parts);
    ``png``: what the figure becomes before kaleido renders it as PNG (None: itself)."""

    kind: str
    build: Callable[[Settings, Mapping[str, str]], tuple[Any, list[Any]]]
    png: Callable[[go.Figure], go.Figure] | None = None

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(FIGURE_FORMATS) if self.kind == "figure" else ("csv",)


def _map_state(query: Mapping[str, str]) -> MapState:
    return parse_map_query("?" + urlencode(query))[0]


def _event(settings: Settings, query: Mapping[str, str]) -> tuple[dict[str, Any], EventState]:
    event = find_event(settings, query.get("event"))
    if event is None:
        raise ExportError(f"event {query.get('event')!r} is not in the catalog")
    return event, parse_event_query("?" + urlencode(query))[0]


def _state_parts(state: EventState) -> list[Any]:
    radius = "dobrovolsky" if state.rule == "dobrovolsky" else f"{state.radius_km:g}km"
    return [state.satellite, state.half, radius, f"{state.days:g}d", f"L{state.L}"]


def _map_parts(state: MapState) -> list[Any]:
    return [
        f"{state.start}--{state.end}",
        f"M{state.mag_min:g}-{state.mag_max:g}",
        f"{state.depth_min:g}-{state.depth_max:g}km",
        state.q or None,
        None if state.coverage == "all" else f"coverage-{state.coverage}",
    ]


def _catalog_map(settings: Settings, query: Mapping[str, str]) -> tuple[Any, list[Any]]:
    state = _map_state(query)
    event = find_event(settings, state.event)
    center = (event["lat"], event["lon"]) if event else None
    events = filtered_events(settings, state)
    if state.color == "score":
        events = events.assign(score=events["event_id"].map(map_scores(settings)))
    # as the page draws it: events with passes in the archive set apart, the view fitted to filtered events
    covered = covered_event_ids(settings) if pass_index(settings) is not None else None
    fig = catalog_map_figure(
        events,
        color_by=state.color,
        selected=event,
        covered=covered,
        fit=state.filtered,
        center=center,
        static=True,
    )
    return fig, ["seqnetquake", "catalog-map", *_map_parts(state), state.event]


def _catalog_table(settings: Settings, query: Mapping[str, str]) -> tuple[Any, list[Any]]:
    state = _map_state(query)
    table = pd.DataFrame(filtered_events(settings, state).drop(columns="geometry"))
    return table, ["seqnetquake", "catalog", *_map_parts(state)]


def _event_tracks(settings: Settings, query: Mapping[str, str]) -> tuple[Any, list[Any]]:
    event, state = _event(settings, query)
    passes = event_passes(settings, event, state)
    if passes is None:
        raise ExportError("there is no pass archive yet")
    fig = event_tracks_figure(event, passes, radius_km=window_radius_km(event, state), days_before=state.days)
    return fig, ["seqnetquake", f"event-{event['event_id']}", "tracks", *_state_parts(state)]


def _event_passes(settings: Settings, query: Mapping[str, str]) -> tuple[Any, list[Any]]:
    event, state = _event(settings, query)
    passes = event_passes(settings, event, state)
    if passes is None:
        raise ExportError("there is no pass archive yet")
    table = pd.DataFrame(passes.drop(columns=["geometry", "in_circle"]))
    table["in_circle_km"] = [line_length_km(g) for g in passes["in_circle"]]
    return table, ["seqnetquake", f"event-{event['event_id']}", "passes", *_state_parts(state)]


def _space_weather(settings: Settings, query: Mapping[str, str], *, as_table: bool) -> tuple[Any, list[Any]]:
    event, state = _event(settings, query)
    origin = pd.Timestamp(event["time"])
    table = index_table(origin - pd.Timedelta(days=state.days + 1), origin + pd.Timedelta(days=1))
    parts = ["seqnetquake", f"event-{event['event_id']}", "space-weather", f"{state.days:g}d"]
    return (table if as_table else space_weather_figure(table, origin)), parts


def _analysis(settings: Settings, query: Mapping[str, str]) -> tuple[Any, EventState, Any]:
    event, state = _event(settings, query)
    analysis = event_analysis(settings, event, state)
    if analysis is None:
        raise ExportError("there is no pass archive yet")
    if analysis.samples.sizes["sample"] == 0:
        raise ExportError(f"the event has no sequence in this window ({analysis.outcome})")
    return event, state, analysis


def _sequences(settings: Settings, query: Mapping[str, str], *, as_table: bool) -> tuple[Any, list[Any]]:
    event, state, analysis = _analysis(settings, query)
    parts = ["seqnetquake", f"event-{event['event_id']}", "sequences", *_state_parts(state)]
    if not as_table:
        return sequences_figure(analysis.samples, background=analysis.background), parts
    ds = analysis.samples
    table = (
        ds["X"]
        .to_dataframe()
        .reset_index()
        .pivot_table(index=["sample", "step"], columns="feature", values="X")
    )
    table = table.reset_index()
    for name in ("orbit", "half", "t_start", "hours_before", "dist_km"):
        table[name] = ds[name].values[table["sample"].to_numpy()]
    table["lat"] = ds["lat"].values[table["sample"], table["step"]]
    table["lon"] = ds["lon"].values[table["sample"], table["step"]]
    return table, parts


def _scores(settings: Settings, query: Mapping[str, str], *, as_table: bool) -> tuple[Any, list[Any]]:
    event, state, analysis = _analysis(settings, query)
    if analysis.scores is None:
        raise ExportError("no model is registered")
    versions = sorted(f"{m}-{v}" for m, v in analysis.scores.groupby("model")["version"].first().items())
    parts = ["seqnetquake", f"event-{event['event_id']}", "scores", *_state_parts(state), *versions]
    scores = analysis.scores.dropna(subset=["probability"])
    return (scores if as_table else scores_figure(scores)), parts


def _raster_markers(fig: go.Figure) -> go.Figure:
    """The world map with its markers in one image (:mod:`dashboard.map_raster`), at the PNG's size."""
    width, height, scale = IMAGE_SIZE
    return with_raster_markers(fig, width=width, height=height, pixel_scale=scale)


EXPORTS: dict[str, Export] = {
    # as PNG, tens of thousands of SVG markers would cost kaleido over a second: painted as one image
    "catalog-map": Export("figure", _catalog_map, png=_raster_markers),
    "catalog": Export("table", _catalog_table),
    "event-tracks": Export("figure", _event_tracks),
    "event-passes": Export("table", _event_passes),
    "space-weather": Export("figure", lambda s, q: _space_weather(s, q, as_table=False)),
    "space-weather-table": Export("table", lambda s, q: _space_weather(s, q, as_table=True)),
    "event-sequences": Export("figure", lambda s, q: _sequences(s, q, as_table=False)),
    "event-sequences-table": Export("table", lambda s, q: _sequences(s, q, as_table=True)),
    "event-scores": Export("figure", lambda s, q: _scores(s, q, as_table=False)),
    "event-scores-table": Export("table", lambda s, q: _scores(s, q, as_table=True)),
}


#: what else makes the bytes of a rendered figure, beside its JSON (renderer versions, image size)
_RENDERER = f"plotly {plotly.__version__}, kaleido {_version('kaleido')}, image {IMAGE_SIZE}"


@lru_cache(maxsize=4)
def export_cache(settings: Settings) -> diskcache.Cache:
    """The on-disk cache of rendered figures (PNG, SVG, PDF), shared by the workers of one host."""
    return open_cache(settings.cache_dir / "exports", work_dir=settings.work_dir, size_limit=2**29)


def image_figure(fig: Any) -> go.Figure:
    """``fig`` as kaleido renders it into an image: without hover labels, which an image never shows
    (their payload, an id and a text per point, only slows kaleido down)."""
    return go.Figure(fig).update_traces(hovertext=None, customdata=None, hovertemplate=None, hoverinfo="skip")


def _rendered(
    settings: Settings, fig: Any, fmt: str, prepare: Callable[[go.Figure], go.Figure] | None = None
) -> bytes:
    """``fig`` (a plotly figure or its dict) rendered as ``fmt`` (:func:`core.export.figure_bytes`), after
    ``prepare`` when given. Kaleido's renderings are cached by the figure's own JSON (and whether it was
    prepared), so exporting the same figure again costs only building and hashing it."""
    if fmt == "html":  # no browser involved: as quick to write again as to look up
        return figure_bytes(fig, fmt, topojson_dir=TOPOJSON_DIR)
    fig = image_figure(fig)
    spec = json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder, sort_keys=True)
    how = getattr(prepare, "__qualname__", "")
    key = hashlib.sha256(f"{fmt}\x1f{_RENDERER}\x1f{how}\x1f{spec}".encode()).hexdigest()
    cache = export_cache(settings)
    data = cache.get(key)
    if data is None:
        data = figure_bytes(prepare(fig) if prepare else fig, fmt, topojson_dir=TOPOJSON_DIR)
        cache.set(key, data, expire=30 * 86400)
    return data


def export_href(item: str, fmt: str, query: str) -> str:
    """URL of one download (``query`` is the page's query string, with or without ``?``)."""
    query = query.lstrip("?")
    return f"/export/{item}.{fmt}" + (f"?{query}" if query else "")


def event_export_query(event_id: str, state: EventState) -> str:
    """The export query of the event view: the event id plus its window settings."""
    rest = event_query(state).lstrip("?")
    return urlencode({"event": event_id}) + (f"&{rest}" if rest else "")


def map_export_query(state: MapState) -> str:
    """The export query of the map explorer (its own URL query)."""
    return map_query(state)


def export_file(settings: Settings, item: str, fmt: str, query: Mapping[str, str]) -> tuple[bytes, str]:
    """The bytes and file name of one download; :class:`ExportError` for anything unknown or impossible."""
    spec = EXPORTS.get(item)
    if spec is None:
        raise ExportError(f"nothing called {item!r} can be exported; known: {', '.join(EXPORTS)}")
    if fmt not in spec.formats:
        raise ExportError(f"{item} exports as {', '.join(spec.formats)}, not {fmt!r}")
    obj, parts = spec.build(settings, query)
    prepare = spec.png if fmt == "png" else None
    data = _rendered(settings, obj, fmt, prepare) if spec.kind == "figure" else table_bytes(obj)
    return data, export_name(*parts, ext=fmt)
