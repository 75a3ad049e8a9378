"""Pure figure builders (plotly): functions of data, importable and testable without a server.

The interactive world map is a WebGL ``Scattermap`` (MapLibre, ``style="white-bg"``): it stays fluid with
the whole catalog (~40k points) where SVG ``Scattergeo`` slows past ~10k; offline, its land and borders
come from the vendored Natural Earth topojson, served as GeoJSON layers by the app (``basemap_url``).
Regional maps and the static (exported) world map are SVG ``Scattergeo`` drawn from that topojson: they
need no WebGL, so they draw and export several times faster, and SVG/PDF exports stay vector.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.geo import circle_lonlat, dobrovolsky_radius_km
from core.models.zoo import DISPLAY_NAMES

#: Colour-blind-safe palettes (viridis / cividis for continuous; Okabe–Ito for categories).
ERA_COLORS: dict[str, str] = {"DEMETER": "#0072B2", "CSES-01": "#D55E00", "": "#999999"}
SELECTION_COLOR = "#CC79A7"
#: Trace order of the catalog map: events without passes in the archive (grey, underneath; empty when no
#: archive is loaded), the events coloured by the chosen variable (all of them when no archive is
#: loaded), then the selected event's circle and epicentre (on top). A click on either event trace
#: selects an event.
OTHER_EVENTS_TRACE, EVENTS_TRACE, CIRCLE_TRACE, EPICENTRE_TRACE = 0, 1, 2, 3
EVENT_TRACES: tuple[int, ...] = (OTHER_EVENTS_TRACE, EVENTS_TRACE)
OTHER_EVENTS_COLOR = "#b4b4b4"
#: Right margin (px) of the static world map when it has a colour bar (all colourings but the era).
STATIC_COLORBAR_MARGIN_PX = 120

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


#: SeqNetQuake score colours: grey below 0 (not scored), viridis over [0, 1].
_SCORE_SCALE = [
    [0.0, "#bbbbbb"],
    [0.0909, "#bbbbbb"],
    [0.0910, "#440154"],
    [0.5, "#21918c"],
    [1.0, "#fde725"],
]


def _marker(events: pd.DataFrame, color_by: str) -> dict[str, Any]:
    size = np.clip(2.0 + (events["mag"].to_numpy(np.float32) - 4.5) * 3.0, 3.0, 22.0)
    if color_by == "score":
        score = events["score"].to_numpy(np.float32) if "score" in events else np.full(len(events), np.nan)
        return {
            "size": size,
            "color": np.where(np.isfinite(score), score, -0.05).astype(np.float32),
            "cmin": -0.1,
            "cmax": 1.0,
            "colorscale": _SCORE_SCALE,
            "opacity": 0.85,
            "colorbar": {
                "title": {"text": "SeqNetQuake<br>event score"},
                "thickness": 12,
                "len": 0.6,
                "tickvals": [-0.05, 0, 0.5, 1],
                "ticktext": ["not scored", "0", "0.5", "1"],
            },
        }
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


def selection_traces(event: Mapping[str, Any] | None, trace: type = go.Scattermap) -> list[Any]:
    """Traces (of class ``trace``) for a selected event: its geodesic Dobrovolsky circle and the epicentre
    (empty when none)."""
    lats: list[float] | np.ndarray
    lons: list[float] | np.ndarray
    if event is None:
        lats, lons, elat, elon, name = [], [], [], [], ""
    else:
        radius = float(dobrovolsky_radius_km(event["mag"]))
        lats, lons = circle_lonlat(event["lat"], event["lon"], radius, n=181, unwrap=True)
        elat, elon = [event["lat"]], [event["lon"]]
        name = f"Dobrovolsky circle R = {radius:,.0f} km"
    circle = trace(
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
    epicentre = trace(
        lat=elat,
        lon=elon,
        mode="markers",
        name="selected epicentre",
        marker={"size": 16, "color": SELECTION_COLOR},
        hoverinfo="skip",
        showlegend=False,
    )
    return [circle, epicentre]


def lonlat_bounds(lat: Any, lon: Any) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) in degrees of the points: the smallest longitude interval holding them
    all, wrap-aware — ``west`` in [-180, 180) and ``east = west + span`` (above 180 when the interval
    crosses the antimeridian). None when no point has finite coordinates."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        return None
    x = np.unique(np.mod(lon[ok] + 180.0, 360.0) - 180.0)  # sorted, in [-180, 180)
    gaps = np.diff(np.append(x, x[0] + 360.0))  # the gap after each point; the last one wraps around
    k = int(np.argmax(gaps))
    west = float(x[(k + 1) % len(x)])
    span = 360.0 - float(gaps[k])
    return west, float(lat[ok].min()), west + span, float(lat[ok].max())


#: the world view of the interactive map (centre lat, lon in degrees; MapLibre zoom)
WORLD_VIEW: tuple[float, float, float] = (15.0, 150.0, 0.6)
#: size (px) of the interactive map in a 1440 × 960 window, for fitting a view to bounds
MAP_VIEW_PX: tuple[float, float] = (800.0, 640.0)
_MAX_FIT_LAT = 85.0


def _mercator_y(lat: float) -> float:
    phi = np.radians(np.clip(lat, -_MAX_FIT_LAT, _MAX_FIT_LAT))
    return float(np.log(np.tan(np.pi / 4 + phi / 2)))


def _wrap_lon(lon: float) -> float:
    return float(np.mod(lon + 180.0, 360.0) - 180.0)


def fit_view(
    bounds: tuple[float, float, float, float],
    *,
    size_px: tuple[float, float] = MAP_VIEW_PX,
    pad: float = 0.1,
    max_zoom: float = 5.0,
) -> tuple[float, float, float]:
    """(centre lat, centre lon, MapLibre zoom) that shows ``bounds`` (:func:`lonlat_bounds`) in a map of
    ``size_px`` with ``pad`` of each side left free; the world view for (nearly) global bounds.

    MapLibre draws the Web Mercator world 512·2^zoom pixels wide."""
    west, south, east, north = bounds
    if east - west > 300.0:
        return WORLD_VIEW
    y_south, y_north = _mercator_y(south), _mercator_y(north)
    lat0 = float(np.degrees(np.arctan(np.sinh((y_south + y_north) / 2))))
    width, height = (s * (1.0 - 2.0 * pad) for s in size_px)
    zoom_x = np.log2(width * 360.0 / (512.0 * max(east - west, 1e-6)))
    zoom_y = np.log2(height * 2.0 * np.pi / (512.0 * max(y_north - y_south, 1e-6)))
    zoom = float(np.clip(min(zoom_x, zoom_y), WORLD_VIEW[2], max_zoom))
    return lat0, _wrap_lon((west + east) / 2.0), zoom


def _fit_geo(bounds: tuple[float, float, float, float], *, pad: float = 0.1) -> dict[str, Any] | None:
    """``geo`` centre, rotation and scale of the static (Natural Earth) map that show ``bounds``; None for
    (nearly) global bounds (the whole world)."""
    west, south, east, north = bounds
    if east - west > 300.0:
        return None
    lon0 = _wrap_lon((west + east) / 2.0)
    span = max((east - west) / 360.0, (north - south) / 180.0, 1e-6) * (1.0 + 2.0 * pad)
    return {
        "center": {"lat": (south + north) / 2.0, "lon": lon0},
        "projection": {"rotation": {"lon": lon0}, "scale": float(np.clip(1.0 / span, 1.0, 12.0))},
    }


def _hovertext(events: pd.DataFrame) -> pd.Series:
    if events.empty:  # (an empty float column maps to floats, which do not add to strings)
        return pd.Series([], dtype=object)
    times = pd.to_datetime(events["time"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")
    return (
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


def catalog_map_figure(
    events: pd.DataFrame,
    *,
    color_by: str = "mag",
    selected: Mapping[str, Any] | None = None,
    covered: Collection[str] | None = None,
    fit: bool = False,
    basemap_url: str = "/basemap/110m",
    center: tuple[float, float] | None = None,
    zoom: float = WORLD_VIEW[2],
    static: bool = False,
) -> go.Figure:
    """World map of catalog events (size and colour by magnitude, depth, satellite era or score).

    ``events`` has the columns of ``core.catalog.CATALOG_COLUMNS`` (and optionally ``era``). ``covered``:
    ids of the events with passes in the loaded archive (None: no archive). With an archive, those events
    are the coloured markers of :data:`EVENTS_TRACE` and the others small grey markers underneath
    (:data:`OTHER_EVENTS_TRACE`), with a legend naming both; without one, every event is in
    :data:`EVENTS_TRACE` and there is no legend. Event traces carry ``customdata`` = event id (float32
    positions keep the payload small); :data:`CIRCLE_TRACE` and :data:`EPICENTRE_TRACE` the selected event.

    The view: centred on ``center`` (lat, lon in degrees) at ``zoom`` when given; else, with ``fit``,
    fitted to the events (wrap-aware across the antimeridian; the world view when they span the world);
    else the world view. ``static``: the SVG ``Scattergeo`` version for exports (Natural Earth
    projection centred on ``center``'s longitude, or fitted like the interactive map).
    """
    trace = go.Scattergeo if static else go.Scattermap
    if covered is None:
        shown, rest = events, events.iloc[:0]
    else:
        has = events["event_id"].isin(covered).to_numpy()
        shown, rest = events.loc[has], events.loc[~has]
    marker = _marker(shown, color_by)
    grey: dict[str, Any] = {"size": 4, "color": OTHER_EVENTS_COLOR, "opacity": 0.6}
    if static:  # no outline on tens of thousands of overlapping dots (and SVG paints much faster)
        marker["line"] = grey["line"] = {"width": 0}
    archive = covered is not None

    def events_trace(rows: pd.DataFrame, marker: dict[str, Any], name: str, note: str, legend: bool) -> Any:
        return trace(
            lat=rows["lat"].to_numpy(np.float32),
            lon=rows["lon"].to_numpy(np.float32),
            mode="markers",
            marker=marker,
            customdata=rows["event_id"].astype(str).to_numpy(),
            hovertext=_hovertext(rows).to_numpy(),
            hovertemplate=f"%{{hovertext}}{note}<extra>%{{customdata}}</extra>",
            name=name,
            showlegend=legend,
        )

    others = events_trace(
        rest, grey, f"no passes in the archive ({len(rest):,})", "<br>no passes in the archive", len(rest) > 0
    )
    scatter = events_trace(
        shown,
        marker,
        f"with passes in the archive ({len(shown):,})" if archive else "events",
        "<br>passes in the archive" if archive else "",
        archive,
    )
    fig = go.Figure([others, scatter, *selection_traces(selected, trace)])
    bounds = lonlat_bounds(events["lat"], events["lon"]) if fit and center is None else None
    if center is not None:
        lat0, lon0 = center
    else:
        lat0, lon0, zoom = fit_view(bounds) if bounds is not None else WORLD_VIEW
    if static:
        view = (_fit_geo(bounds) if bounds is not None else None) or {
            "projection": {"rotation": {"lon": lon0}}
        }
        projection = {"type": "natural earth", **view.pop("projection")}
        fig.update_layout(geo={**GEO_STYLE, "resolution": 110, "projection": projection, **view})
    else:
        fig.update_layout(
            map={
                "style": "white-bg",
                "center": {"lat": lat0, "lon": lon0},
                "zoom": zoom,
                "layers": basemap_layers(basemap_url),
            }
        )
    if archive:
        fig.update_layout(
            showlegend=True,
            legend={
                "x": 0.01,
                "y": 0.99,
                "xanchor": "left",
                "yanchor": "top",
                "bgcolor": "rgba(255,255,255,0.85)",
                "bordercolor": "#b5b1a6",
                "borderwidth": 1,
                "itemsizing": "constant",
                "traceorder": "reversed",  # the events with passes first
            },
        )
    # the static map's plot area is fixed (the colour bar gets a margin of its own, never an automatic
    # one), so that a raster of its markers can be placed on it (dashboard.map_raster)
    colorbar_margin = STATIC_COLORBAR_MARGIN_PX if static and color_by != "era" else 0
    fig.update_layout(
        margin={"l": 0, "r": colorbar_margin, "t": 0, "b": 0, **({"autoexpand": False} if static else {})},
        uirevision="catalog-map",
        clickmode="event",
        hoverlabel={"bgcolor": "white"},
    )
    return fig


#: Land, borders and coastlines of the SVG maps (``Scattergeo``), drawn from the vendored topojson.
GEO_STYLE: dict[str, Any] = {
    "showland": True,
    "landcolor": "#e8e6df",
    "showcountries": True,
    "countrycolor": "#b5b1a6",
    "showcoastlines": True,
    "coastlinecolor": "#b5b1a6",
    "showframe": False,
    "bgcolor": "rgba(0,0,0,0)",
    "lataxis": {"showgrid": True, "gridcolor": "#eeeeee", "dtick": 10},
    "lonaxis": {"showgrid": True, "gridcolor": "#eeeeee", "dtick": 10},
}
KM_PER_DEG = 111.195


def regional_geo(lat: float, lon: float, radius_km: float, *, margin: float = 3.0) -> dict[str, Any]:
    """Layout ``geo`` of a regional map: azimuthal equidistant centred on (lat, lon) in degrees, so that
    distances from the centre are true and a geodesic circle is round; ``margin``·``radius_km`` fills
    the shorter half-side (projection scale 1 shows the whole sphere, 180° from centre to edge). Drawn
    from the 1:50m Natural Earth topojson (``world_50m.json``); the world maps keep the lighter 1:110m."""
    scale = float(np.clip(180.0 / (margin * radius_km / KM_PER_DEG), 1.0, 400.0))
    return {
        **GEO_STYLE,
        "resolution": 50,  # Natural Earth 1:50m coastlines and borders: a region is drawn large
        "projection": {"type": "azimuthal equidistant", "rotation": {"lat": lat, "lon": lon}, "scale": scale},
    }


def _hours_colors(hours: np.ndarray, max_hours: float) -> list[str]:
    """Viridis colours for hours before the shock (dark = long before, yellow = just before)."""
    from plotly.colors import sample_colorscale

    frac = 1.0 - np.clip(np.asarray(hours, float) / max(max_hours, 1e-9), 0.0, 1.0)
    return sample_colorscale("Viridis", list(frac))


def _line_coords(geom: Any) -> tuple[list[float | None], list[float | None]]:
    """Lon/lat lists of a (Multi)LineString with ``None`` between parts (plotly's line breaks)."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    if geom is None or geom.is_empty:
        return lons, lats
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type not in ("LineString", "LinearRing"):
            continue
        xy = np.asarray(part.coords)
        lons += [*xy[:, 0].tolist(), None]
        lats += [*xy[:, 1].tolist(), None]
    return lons, lats


def event_tracks_figure(
    event: Mapping[str, Any],
    passes: pd.DataFrame,
    *,
    radius_km: float,
    days_before: float,
) -> go.Figure:
    """Regional map (SVG, azimuthal equidistant around the epicentre): epicentre, geodesic circle of
    ``radius_km`` and the passes of the time window.

    ``passes`` are pass-index rows (``geometry`` ground track, ``start``, ``orbit``, ``half``) with
    ``hours_before`` and ``in_circle`` (the part of the track inside the circle) added. Colour = hours
    before the shock; night passes are solid lines, day passes carry dots; in-circle parts are thick.
    """
    traces: list[go.Scattergeo] = []
    colors = _hours_colors(passes["hours_before"].to_numpy(), days_before * 24.0) if len(passes) else []
    for color, row in zip(colors, passes.itertuples(), strict=True):
        label = (
            f"orbit {row.orbit} {row.half} · {row.start:%Y-%m-%d %H:%M} UTC · {row.hours_before:.1f} h before"
        )
        lons, lats = _line_coords(row.geometry)
        mode = "lines" if row.half == "night" else "lines+markers"
        traces.append(
            go.Scattergeo(
                lon=lons,
                lat=lats,
                mode=mode,
                line={"color": color, "width": 1.5},
                marker={"size": 4, "color": color},
                opacity=0.55,
                name=label,
                legendgroup=row.half,
                showlegend=False,
                hovertemplate=f"{label}<extra></extra>",
            )
        )
        lons, lats = _line_coords(row.in_circle)
        traces.append(
            go.Scattergeo(
                lon=lons,
                lat=lats,
                mode="lines",
                line={"color": color, "width": 5},
                name=label,
                showlegend=False,
                hovertemplate=f"<b>in circle</b> {label}<extra></extra>",
            )
        )
    ring_lats, ring_lons = circle_lonlat(event["lat"], event["lon"], radius_km, n=181, unwrap=True)
    ring = go.Scattergeo(
        lat=list(ring_lats),
        lon=list(ring_lons),
        mode="lines",
        fill="toself",
        line={"color": SELECTION_COLOR, "width": 2},
        fillcolor="rgba(204,121,167,0.10)",
        hoverinfo="skip",
        name=f"circle R = {radius_km:,.0f} km",
        showlegend=False,
    )
    star = go.Scattergeo(
        lat=[event["lat"]],
        lon=[event["lon"]],
        mode="markers",
        marker={"size": 16, "color": SELECTION_COLOR},
        name="epicentre",
        hovertemplate=f"epicentre M{event['mag']:.1f}<extra></extra>",
        showlegend=False,
    )
    hours_bar = go.Scattergeo(  # an invisible trace that carries the colour bar
        lat=[None],
        lon=[None],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker={
            "color": [0.0],
            "cmin": 0.0,
            "cmax": days_before * 24.0,
            "colorscale": "Viridis",
            "reversescale": True,
            "showscale": True,
            "colorbar": {"title": {"text": "hours before"}, "thickness": 12, "len": 0.6},
        },
    )
    fig = go.Figure([ring, *traces, star, hours_bar])
    fig.update_layout(
        geo=regional_geo(float(event["lat"]), float(event["lon"]), radius_km),
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        uirevision=f"event-{event['event_id']}",
    )
    return fig


def space_weather_figure(
    table: pd.DataFrame, origin: Any, *, kp_max: float = 3.0, dst_min: float = -30.0
) -> go.Figure:
    """Kp (3-hourly bars, red above ``kp_max``) and the Dst-like ring-current index (nT) around an event."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.5, 0.5])
    colors = np.where(table["kp"] > kp_max, "#D55E00", "#0072B2")
    fig.add_bar(
        x=table["time"],
        y=table["kp"],
        marker_color=list(colors),
        name="Kp",
        row=1,
        col=1,
        hovertemplate="%{x|%Y-%m-%d %H:%M} UTC<br>Kp %{y:.1f}<extra></extra>",
    )
    fig.add_scatter(
        x=table["time"],
        y=table["dst_like"],
        mode="lines",
        line={"color": "#009E73"},
        name="Dst-like (nT)",
        row=2,
        col=1,
        hovertemplate="%{x|%Y-%m-%d %H:%M} UTC<br>%{y:.0f} nT<extra></extra>",
    )
    fig.add_hline(y=kp_max, line={"dash": "dot", "color": "#D55E00"}, row=1, col=1)
    fig.add_hline(y=dst_min, line={"dash": "dot", "color": "#D55E00"}, row=2, col=1)
    origin_ts = pd.Timestamp(origin)
    origin_ts = origin_ts.tz_convert(None) if origin_ts.tzinfo else origin_ts
    for row in (1, 2):
        fig.add_vline(x=origin_ts, line={"color": SELECTION_COLOR, "width": 2}, row=row, col=1)
    fig.update_yaxes(title_text="Kp", range=[0, 9], row=1, col=1)
    fig.update_yaxes(title_text="Dst-like, nT", row=2, col=1)
    fig.update_layout(
        margin={"l": 50, "r": 10, "t": 10, "b": 30},
        showlegend=False,
        height=260,
        plot_bgcolor="white",
        bargap=0.05,
    )
    return fig


def passes_per_day_figure(index: pd.DataFrame) -> go.Figure:
    """Passes per UTC day in the archive index, stacked by satellite and half-orbit (one row per
    half-orbit: several products of the same pass count once)."""
    ok = index[index["error"].isna()].drop_duplicates(["satellite", "orbit", "half"])
    fig = go.Figure()
    if len(ok):
        days = pd.to_datetime(ok["start"], utc=True).dt.tz_convert(None).dt.floor("D")
        counts = ok.assign(day=days).groupby(["day", "satellite", "half"]).size().rename("n").reset_index()
        for (sat, half), group in counts.groupby(["satellite", "half"]):
            color = ERA_COLORS.get(sat, "#999999")
            fig.add_bar(
                x=group["day"],
                y=group["n"],
                name=f"{sat} {half}",
                marker_color=color,
                opacity=1.0 if half == "night" else 0.5,
            )
    fig.update_layout(
        barmode="stack",
        margin={"l": 50, "r": 10, "t": 10, "b": 30},
        height=280,
        yaxis_title="half-orbits per day",
        plot_bgcolor="white",
        legend={"orientation": "h"},
    )
    return fig


def track_density_figure(index: pd.DataFrame, *, cell_deg: float = 5.0) -> go.Figure:
    """Track density: number of half-orbit ground-track vertices per ``cell_deg`` lon/lat cell."""
    import shapely

    ok = index[index["error"].isna()].drop_duplicates(["satellite", "orbit", "half"])
    coords = shapely.get_coordinates(ok.geometry.dropna().to_numpy()) if len(ok) else np.empty((0, 2))
    lon_edges = np.arange(-180.0, 180.0 + cell_deg, cell_deg)
    lat_edges = np.arange(-90.0, 90.0 + cell_deg, cell_deg)
    counts, _, _ = np.histogram2d(coords[:, 1], coords[:, 0], bins=[lat_edges, lon_edges])
    fig = go.Figure(
        go.Heatmap(
            z=np.where(counts > 0, counts, np.nan),
            x=lon_edges[:-1] + cell_deg / 2,
            y=lat_edges[:-1] + cell_deg / 2,
            colorscale="Viridis",
            colorbar={"title": {"text": "track points"}},
            hovertemplate="lon %{x}°, lat %{y}°: %{z:.0f}<extra></extra>",
        )
    )
    fig.update_layout(
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        height=320,
        plot_bgcolor="white",
        xaxis={"title": "longitude (°)", "range": [-180, 180]},
        yaxis={"title": "latitude (°)", "range": [-90, 90]},
    )
    return fig


def catalog_coverage_figure(
    events: pd.DataFrame,
    gaps: list[tuple[pd.Timestamp, pd.Timestamp]],
    eras: list[tuple[str, Any, Any]],
    *,
    per: str = "year",
    span: tuple[Any, Any] | None = None,
    height: int = 300,
) -> go.Figure:
    """Events per ``year`` or ``month`` (bars), satellite eras (shaded, labelled) and catalog gaps (red
    bands, labelled) on a UTC date axis. ``eras`` are (name, first day, last day or None: still flying);
    ``span`` (first day, last day) fixes the axis range."""
    times = pd.to_datetime(events["time"], utc=True).dt.tz_convert(None)
    bins = times.dt.to_period("Y" if per == "year" else "M").dt.start_time
    counts = bins.value_counts().sort_index()
    fig = go.Figure(
        go.Bar(
            x=counts.index,
            y=counts.to_numpy(),
            xperiod="M12" if per == "year" else "M1",
            xperiodalignment="middle",
            marker_color="#555555",
            name="events",
            hovertemplate=f"%{{x|{'%Y' if per == 'year' else '%Y-%m'}}}: %{{y:,}} events<extra></extra>",
        )
    )
    for name, start, end in eras:
        last = pd.Timestamp(end) if end is not None else pd.Timestamp.now(tz="UTC").normalize()
        fig.add_vrect(
            x0=pd.Timestamp(start).tz_localize(None),
            x1=last.tz_localize(None) + pd.Timedelta(days=1),
            fillcolor=ERA_COLORS.get(name, "#999999"),
            opacity=0.15,
            line_width=0,
            annotation_text=name,
            annotation_position="top left",
        )
    for start, end in gaps:
        fig.add_vrect(
            x0=start.tz_localize(None),
            x1=end.tz_localize(None) + pd.Timedelta(days=1),
            fillcolor="#D55E00",
            opacity=0.25,
            line_width=0,
            annotation_text="no catalog",
            annotation_position="bottom left",
        )
    fig.update_layout(
        margin={"l": 50, "r": 10, "t": 20, "b": 30},
        height=height,
        plot_bgcolor="white",
        yaxis_title=f"earthquakes per {per}",
        xaxis={"type": "date"},
        bargap=0.1,
    )
    if span is not None:
        first, last = (pd.Timestamp(t).tz_localize(None) for t in span)
        fig.update_xaxes(range=[first, last + pd.Timedelta(days=1)])
    return fig


def space_weather_timeline_figure(daily: pd.DataFrame, *, kp_max: float = 3.0) -> go.Figure:
    """Daily maximum Kp and daily minimum Dst-like index over years (``daily`` columns time, kp, dst_like)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    fig.add_scatter(
        x=daily["time"],
        y=daily["kp"],
        mode="lines",
        line={"color": "#0072B2", "width": 1},
        name="daily max Kp",
        row=1,
        col=1,
    )
    fig.add_scatter(
        x=daily["time"],
        y=daily["dst_like"],
        mode="lines",
        line={"color": "#009E73", "width": 1},
        name="daily min Dst-like (nT)",
        row=2,
        col=1,
    )
    fig.add_hline(y=kp_max, line={"dash": "dot", "color": "#D55E00"}, row=1, col=1)
    fig.update_yaxes(title_text="Kp", row=1, col=1)
    fig.update_yaxes(title_text="nT", row=2, col=1)
    fig.update_layout(
        margin={"l": 50, "r": 10, "t": 10, "b": 30},
        height=320,
        plot_bgcolor="white",
        legend={"orientation": "h"},
    )
    return fig


PASS_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def sequences_figure(
    samples: Any,
    *,
    max_passes: int = 8,
    background: pd.DataFrame | None = None,
    background_label: str = "quiet background",
) -> go.Figure:
    """The event's feature sequences along latitude, one row per feature, one colour per pass.

    Each L-observation window is drawn as its own line segment (one trace per pass and feature, windows
    separated by gaps) with a tick at its first step (the window boundaries); ``samples`` is a
    Samples dataset (docs/data-contracts.md) of one event. ``background``
    (columns ``lat`` and the features, in the sequences' units) is drawn as a dashed grey line; when the
    sequences are deviations from that background (``samples.attrs["background"] == "median"``) the
    background is their zero line instead.
    """
    from plotly.subplots import make_subplots

    features = [str(f) for f in samples["feature"].values]
    units = (
        [str(u) for u in samples["feature_units"].values]
        if "feature_units" in samples
        else [""] * len(features)
    )
    fig = make_subplots(
        rows=len(features),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        subplot_titles=[f"{f} ({u})" if u else f for f, u in zip(features, units, strict=True)],
    )
    orbits = list(dict.fromkeys(int(o) for o in samples["orbit"].values))[:max_passes]
    X, lat = samples["X"].values, samples["lat"].values
    hours = samples["hours_before"].values
    L = X.shape[1]
    for k, orbit in enumerate(orbits):
        color = PASS_COLORS[k % len(PASS_COLORS)]
        rows = np.flatnonzero(samples["orbit"].values == orbit)
        # per pass and feature: one line trace, its windows one after another with a NaN between two (a
        # line break), and one marker trace of the windows' first steps (the window boundaries) — a
        # marker per window, not per observation, keeps the SVG light
        xs = np.concatenate([np.append(lat[i], np.nan) for i in rows])
        windows = np.repeat(np.arange(1, len(rows) + 1), L + 1)
        name = f"orbit {orbit} ({hours[rows[0]]:.0f} h before)"
        for f in range(len(features)):
            fig.add_scatter(
                x=xs,
                y=np.concatenate([np.append(X[i, :, f], np.nan) for i in rows]),
                customdata=windows,
                mode="lines",
                row=f + 1,
                col=1,
                line={"color": color, "width": 2},
                connectgaps=False,
                name=name,
                legendgroup=str(orbit),
                showlegend=f == 0,
                hovertemplate=f"orbit {orbit} · window %{{customdata}}<br>lat %{{x:.2f}}°"
                f"<br>{features[f]} %{{y:.3g}}<extra></extra>",
            )
            fig.add_scatter(
                x=lat[rows, 0],
                y=X[rows, 0, f],
                mode="markers",
                row=f + 1,
                col=1,
                marker={"size": 8, "color": color, "symbol": "line-ns", "line": {"width": 2, "color": color}},
                name=f"{name}: window starts",
                legendgroup=str(orbit),
                showlegend=False,
                hoverinfo="skip",
            )
    deviations = samples.attrs.get("background") == "median"
    for f, name in enumerate(features):
        if deviations:
            fig.add_hline(y=0.0, line={"color": "#777777", "dash": "dash", "width": 1.5}, row=f + 1, col=1)
        elif background is not None and name in background:
            fig.add_scatter(
                x=background["lat"],
                y=background[name],
                mode="lines",
                row=f + 1,
                col=1,
                line={"color": "#777777", "dash": "dash", "width": 1.5, "shape": "hvh"},
                name=background_label,
                legendgroup="background",
                showlegend=f == 0,
                hovertemplate=f"{background_label}<br>lat %{{x:.1f}}°<br>{name} %{{y:.3g}}<extra></extra>",
            )
    fig.update_xaxes(title_text="geographic latitude (°)", row=len(features), col=1)
    height = 170 * len(features) + 100
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 10, "t": 40, "b": 40},
        plot_bgcolor="white",
        # The legend heads the plots (a legend below them, in paper units, drew over the x axis's title):
        # its bottom edge SEQUENCES_LEGEND_GAP_PX above the plot area, clear of the first subplot's title;
        # plotly widens the top margin for it, however many rows it wraps to.
        legend={
            "orientation": "h",
            "x": 0.0,
            "y": 1.0 + SEQUENCES_LEGEND_GAP_PX / _sequences_plot_height(height),
            "yanchor": "bottom",
        },
    )
    return fig


#: space (px) between the sequences chart's plot area and its legend: the first subplot title sits
#: ≈ 30 px above the plot area and is ≈ 18 px tall (measured in Chromium at 1440 px), then a little air
SEQUENCES_LEGEND_GAP_PX = 60.0


def _sequences_plot_height(height: float) -> float:
    """A low estimate of the sequences chart's plot-area height (px): the figure's ``height`` less the
    bottom margin with the x axis's title (~55 px) and the top margin widened for a legend of up to
    four rows (~120 px). Underestimating it widens the legend's gap, never narrows it."""
    return max(height - 175.0, 60.0)


def scores_figure(scores: pd.DataFrame) -> go.Figure:
    """Per-sample pre-earthquake probability of every model (dots), its sample threshold (|) and the
    event probability (diamond) — SeqNetQuake first; three traces in all, one per kind of mark."""
    order = sorted(scores["model"].unique(), key=lambda m: (m != "seqnetquake", m))
    labels = [DISPLAY_NAMES.get(m, m) for m in order]
    scores = scores.assign(label=scores["model"].map(lambda m: DISPLAY_NAMES.get(m, m)))
    firsts = scores.drop_duplicates("model")
    fig = go.Figure()
    marks = [  # (rows, column, legend name, marker, hover template)
        (
            scores,
            "probability",
            "samples",
            {"color": "#0072B2", "size": 7, "opacity": 0.6},
            "%{x:.2f}<extra>sample</extra>",
        ),
        (
            firsts,
            "sample_threshold",
            "sample threshold",
            {"symbol": "line-ns-open", "size": 18, "color": "#000000"},
            "threshold %{x:.2f}<extra></extra>",
        ),
        (
            firsts,
            "event_probability",
            "event probability",
            {"symbol": "diamond", "size": 13, "color": "#D55E00"},
            "event %{x:.2f}<extra></extra>",
        ),
    ]
    for rows, column, name, marker, hover in marks:
        fig.add_scatter(
            x=rows[column], y=rows["label"], mode="markers", name=name, marker=marker, hovertemplate=hover
        )
    fig.update_layout(
        height=60 + 40 * len(order),
        margin={"l": 120, "r": 10, "t": 10, "b": 40},
        xaxis={"range": [0, 1], "title": "pre-earthquake probability"},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": labels},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.35},
    )
    return fig
