"""Pure figure builders (plotly): functions of data, importable and testable without a server.

Maps are WebGL ``Scattermap`` figures (MapLibre, ``style="white-bg"``): they stay fluid with the whole
catalog (~40k points) where SVG ``Scattergeo`` slows past ~10k. Offline, the land and borders come from the
vendored Natural Earth topojson, served as GeoJSON layers by the app (``basemap_url``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.geo import circle_lonlat, dobrovolsky_radius_km

#: Colour-blind-safe palettes (viridis / cividis for continuous; Okabe–Ito for categories).
ERA_COLORS: dict[str, str] = {"DEMETER": "#0072B2", "CSES-01": "#D55E00", "": "#999999"}
SELECTION_COLOR = "#CC79A7"
EVENTS_TRACE, CIRCLE_TRACE, EPICENTRE_TRACE = 0, 1, 2

_COLOR_SPECS: dict[str, dict[str, Any]] = {
    "mag": {"column": "mag", "title": "Magnitude", "colorscale": "Viridis"},
    "depth": {"column": "depth_km", "title": "Depth (km)", "colorscale": "Cividis", "reversescale": True},
}


def basemap_layers(basemap_url: str) -> list[dict[str, Any]]:
    """MapLibre layers for land (fill) and country borders (lines) served under ``basemap_url``."""
    return [
        {
            "sourcetype": "geojson",
            "source": f"{basemap_url}/land.geojson",
            "type": "fill",
            "color": "#e8e6df",
            "below": "traces",
            "name": "land",
        },
        {
            "sourcetype": "geojson",
            "source": f"{basemap_url}/borders.geojson",
            "type": "line",
            "color": "#b5b1a6",
            "line": {"width": 0.6},
            "below": "traces",
            "name": "borders",
        },
    ]


def _marker(events: pd.DataFrame, color_by: str) -> dict[str, Any]:
    size = np.clip(2.0 + (events["mag"].to_numpy(np.float32) - 4.5) * 3.0, 3.0, 22.0)
    if color_by == "era":
        eras = events["era"].fillna("") if "era" in events else pd.Series([""] * len(events))
        return {"size": size, "color": [ERA_COLORS.get(e, ERA_COLORS[""]) for e in eras], "opacity": 0.8}
    spec = _COLOR_SPECS[color_by]
    return {
        "size": size,
        "color": events[spec["column"]].to_numpy(np.float32),
        "colorscale": spec["colorscale"],
        "reversescale": spec.get("reversescale", False),
        "opacity": 0.8,
        "colorbar": {"title": {"text": spec["title"]}, "thickness": 12, "len": 0.6},
    }


def selection_traces(event: Mapping[str, Any] | None) -> list[go.Scattermap]:
    """Traces for a selected event: its geodesic Dobrovolsky circle and the epicentre (empty when none)."""
    if event is None:
        lats, lons, elat, elon, name = [], [], [], [], ""
    else:
        radius = float(dobrovolsky_radius_km(event["mag"]))
        lats, lons = circle_lonlat(event["lat"], event["lon"], radius, n=181, unwrap=True)
        elat, elon = [event["lat"]], [event["lon"]]
        name = f"Dobrovolsky circle R = {radius:,.0f} km"
    circle = go.Scattermap(
        lat=list(lats),
        lon=list(lons),
        mode="lines",
        fill="toself",
        name=name or "Dobrovolsky circle",
        line={"color": SELECTION_COLOR, "width": 2},
        fillcolor="rgba(204,121,167,0.15)",
        hoverinfo="skip",
        showlegend=False,
    )
    epicentre = go.Scattermap(
        lat=elat,
        lon=elon,
        mode="markers",
        name="selected epicentre",
        marker={"size": 16, "color": SELECTION_COLOR},
        hoverinfo="skip",
        showlegend=False,
    )
    return [circle, epicentre]


def catalog_map_figure(
    events: pd.DataFrame,
    *,
    color_by: str = "mag",
    selected: Mapping[str, Any] | None = None,
    basemap_url: str = "/basemap/110m",
    center: tuple[float, float] | None = None,
    zoom: float = 0.6,
) -> go.Figure:
    """World map of catalog events (size and colour by magnitude, depth or satellite era).

    ``events`` has the columns of ``core.catalog.CATALOG_COLUMNS`` (and optionally ``era``); trace 0 holds
    the events with ``customdata`` = event id (float32 positions keep the payload small), traces 1–2 the
    selected event's circle and epicentre.
    ``center`` is (lat, lon) in degrees.
    """
    times = pd.to_datetime(events["time"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")
    hovertext = (
        "M"
        + events["mag"].map("{:.1f}".format)
        + " "
        + events["mag_type"].fillna("").astype(str)
        + " · "
        + events["place"].fillna("").astype(str)
        + "<br>"
        + times
        + " · depth "
        + events["depth_km"].map("{:.0f}".format)
        + " km"
    )
    scatter = go.Scattermap(
        lat=events["lat"].to_numpy(np.float32),
        lon=events["lon"].to_numpy(np.float32),
        mode="markers",
        marker=_marker(events, color_by),
        customdata=events["event_id"].astype(str).to_numpy(),
        hovertext=hovertext.to_numpy(),
        hovertemplate="%{hovertext}<extra>%{customdata}</extra>",
        name="events",
        showlegend=False,
    )
    fig = go.Figure([scatter, *selection_traces(selected)])
    lat0, lon0 = center if center is not None else (15.0, 150.0)
    fig.update_layout(
        map={
            "style": "white-bg",
            "center": {"lat": lat0, "lon": lon0},
            "zoom": zoom,
            "layers": basemap_layers(basemap_url),
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        uirevision="catalog-map",
        clickmode="event",
        hoverlabel={"bgcolor": "white"},
    )
    return fig


def zoom_for_radius(radius_km: float, width_px: float = 700.0) -> float:
    """Web-Mercator zoom at which a circle of ``radius_km`` spans about a third of ``width_px``."""
    span_deg = 3.0 * 2.0 * radius_km / 111.2
    return float(np.clip(np.log2(360.0 * width_px / (512.0 * span_deg)), 0.0, 12.0))


def event_region_figure(event: Mapping[str, Any], *, basemap_url: str = "/basemap/50m") -> go.Figure:
    """Regional map centred on one event: epicentre and its geodesic Dobrovolsky circle."""
    zoom = zoom_for_radius(float(dobrovolsky_radius_km(event["mag"])))
    fig = go.Figure(selection_traces(event))
    fig.update_layout(
        map={
            "style": "white-bg",
            "center": {"lat": event["lat"], "lon": event["lon"]},
            "zoom": zoom,
            "layers": basemap_layers(basemap_url),
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        uirevision=f"event-{event['event_id']}",
    )
    return fig
