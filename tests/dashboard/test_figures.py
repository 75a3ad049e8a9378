"""Figure builders and the offline basemap, tested without a browser."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely

from core.geo import geodesic_distance_km
from dashboard.basemap import (
    TOPOJSON_DIR,
    WEB_TOPOJSON_TOLERANCE_DEG,
    BasemapError,
    basemap_geojson_bytes,
    topojson_to_geojson,
    web_topojson_bytes,
)
from dashboard.figures import (
    CIRCLE_TRACE,
    EPICENTRE_TRACE,
    EVENTS_TRACE,
    OTHER_EVENTS_COLOR,
    OTHER_EVENTS_TRACE,
    WORLD_VIEW,
    catalog_coverage_figure,
    catalog_map_figure,
    event_tracks_figure,
    fit_view,
    lonlat_bounds,
    scores_figure,
    sequences_figure,
)


@pytest.fixture()
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": ["a1", "b2", "c3"],
            "time": pd.to_datetime(["2019-01-01T00:00Z", "2020-06-01T12:30Z", "2021-03-04T05:06Z"], utc=True),
            "lat": [10.0, -42.7, 51.0],
            "lon": [179.9, 173.0, -170.0],
            "depth_km": [10.0, 15.0, 30.0],
            "mag": [5.0, 7.8, 6.0],
            "mag_type": ["mb", "mww", None],
            "place": ["A", "B", None],
            "type": "earthquake",
            "era": ["CSES-01", "CSES-01", "CSES-01"],
        }
    )


@pytest.mark.parametrize("color_by", ["mag", "depth", "era"])
def test_catalog_map_has_events_and_empty_selection(events: pd.DataFrame, color_by: str) -> None:
    fig = catalog_map_figure(events, color_by=color_by)
    scatter = fig.data[EVENTS_TRACE]
    assert list(scatter.customdata) == ["a1", "b2", "c3"]
    assert "M7.8 mww · B" in scatter.hovertext[1] and "2020-06-01 12:30 UTC" in scatter.hovertext[1]
    assert len(fig.data[CIRCLE_TRACE].lat) == 0 and len(fig.data[EPICENTRE_TRACE].lat) == 0
    # no archive loaded: every event in one coloured trace, no legend, the world view
    assert len(fig.data[OTHER_EVENTS_TRACE].lat) == 0
    assert not any(t.showlegend for t in fig.data) and not fig.layout.showlegend
    assert (fig.layout.map.center.lat, fig.layout.map.center.lon, fig.layout.map.zoom) == WORLD_VIEW
    sources = [layer.source for layer in fig.layout.map.layers]
    assert sources == ["/basemap/110m/land.geojson", "/basemap/110m/borders.geojson"]
    assert fig.layout.map.style == "white-bg"


def test_selected_event_draws_its_dobrovolsky_circle(events: pd.DataFrame) -> None:
    event = events.iloc[0].to_dict()  # M5 at lon 179.9: the circle crosses the antimeridian
    fig = catalog_map_figure(events, selected=event)
    circle = fig.data[CIRCLE_TRACE]
    lats, lons = np.asarray(circle.lat), np.asarray(circle.lon)
    radius = 10 ** (0.43 * 5.0)
    np.testing.assert_allclose(geodesic_distance_km(10.0, 179.9, lats, lons), radius, rtol=1e-3)
    assert np.abs(np.diff(lons)).max() < 10  # continuous: no line drawn across the whole map
    assert "141 km" in circle.name
    assert list(fig.data[EPICENTRE_TRACE].lat) == [10.0]


@pytest.mark.parametrize("static", [False, True])
def test_events_with_passes_in_the_archive_are_set_apart_with_a_legend(
    events: pd.DataFrame, static: bool
) -> None:
    fig = catalog_map_figure(events, covered=frozenset({"b2", "not-shown"}), color_by="mag", static=static)
    covered, others = fig.data[EVENTS_TRACE], fig.data[OTHER_EVENTS_TRACE]
    assert list(covered.customdata) == ["b2"] and list(others.customdata) == ["a1", "c3"]
    assert covered.name == "with passes in the archive (1)" and others.name == "no passes in the archive (2)"
    assert covered.showlegend and others.showlegend and fig.layout.showlegend
    assert list(covered.marker.color) == [7.8] and covered.marker.colorscale  # coloured by magnitude
    assert others.marker.color == OTHER_EVENTS_COLOR and others.marker.size < min(covered.marker.size)
    assert fig.layout.legend.itemsizing == "constant" and 0 < fig.layout.legend.y <= 1  # inside the map
    assert OTHER_EVENTS_TRACE < EVENTS_TRACE < CIRCLE_TRACE  # grey underneath, the selection on top
    # an archive without any of the shown events: all grey, the coloured trace still names itself
    none = catalog_map_figure(events, covered=frozenset(), static=static)
    assert len(none.data[EVENTS_TRACE].lat) == 0 and len(none.data[OTHER_EVENTS_TRACE].lat) == 3
    assert none.data[EVENTS_TRACE].name == "with passes in the archive (0)"
    # every shown event has passes: no empty grey legend entry
    every = catalog_map_figure(events, covered=frozenset({"a1", "b2", "c3"}), static=static)
    assert not every.data[OTHER_EVENTS_TRACE].showlegend


def test_bounds_take_the_shorter_way_across_the_antimeridian() -> None:
    west, south, east, north = lonlat_bounds([10.0, -42.7, 51.0], [179.9, 173.0, -170.0])
    assert (west, east) == pytest.approx((173.0, 190.0)) and (south, north) == (-42.7, 51.0)
    assert lonlat_bounds([0.0, 0.0], [95.0, 180.0]) == (95.0, 0.0, 180.0, 0.0)  # the demo region
    assert lonlat_bounds([0.0, 0.0], [-10.0, 20.0])[::2] == (-10.0, 20.0)  # no wrap needed
    assert lonlat_bounds([np.nan], [1.0]) is None
    lat0, lon0, zoom = fit_view((173.0, -42.7, 190.0, 51.0))
    assert lon0 == pytest.approx(-178.5) and -42.7 < lat0 < 51.0 and zoom > WORLD_VIEW[2]
    assert fit_view((-180.0, -60.0, 175.0, 70.0)) == WORLD_VIEW  # the whole world: the world view
    near, far = fit_view((140.0, 35.0, 141.0, 36.0)), fit_view((130.0, 30.0, 146.0, 45.0))
    assert near[2] > far[2]  # smaller bounds, closer view


def test_the_map_fits_filtered_events_only_when_asked(events: pd.DataFrame) -> None:
    fitted = catalog_map_figure(events, fit=True).layout.map
    assert fitted.center.lon == pytest.approx(-178.5) and fitted.zoom > WORLD_VIEW[2]
    unfiltered = catalog_map_figure(events, fit=False).layout.map
    assert (unfiltered.center.lat, unfiltered.center.lon, unfiltered.zoom) == WORLD_VIEW
    selected = events.iloc[1].to_dict()  # a selected event still centres the map
    centred = catalog_map_figure(events, fit=True, selected=selected, center=(-42.7, 173.0), zoom=2.5)
    assert (centred.layout.map.center.lat, centred.layout.map.center.lon, centred.layout.map.zoom) == (
        -42.7,
        173.0,
        2.5,
    )
    geo = catalog_map_figure(events, fit=True, static=True).layout.geo  # the export fits the same way
    assert geo.center.lon == pytest.approx(-178.5) and geo.projection.rotation.lon == pytest.approx(-178.5)
    assert geo.projection.scale > 1 and geo.projection.type == "natural earth"
    world = catalog_map_figure(events, static=True).layout.geo
    assert world.projection.scale is None and world.projection.rotation.lon == WORLD_VIEW[1]


def test_empty_selection_and_empty_catalog() -> None:
    empty = pd.DataFrame(columns=["event_id", "time", "lat", "lon", "depth_km", "mag", "mag_type", "place"])
    fig = catalog_map_figure(empty)
    assert len(fig.data[EVENTS_TRACE].lat) == 0
    fig = catalog_map_figure(empty, covered=frozenset({"a1"}), fit=True)
    assert len(fig.data[EVENTS_TRACE].lat) == 0 and fig.layout.map.zoom == WORLD_VIEW[2]


def test_event_map_is_an_equidistant_svg_map_around_the_epicentre(events: pd.DataFrame) -> None:
    event = events.iloc[1].to_dict()
    track = shapely.LineString([(170.0, -60.0), (176.0, 60.0)])
    passes = pd.DataFrame(
        {
            "orbit": [7],
            "half": ["day"],
            "start": [pd.Timestamp("2020-06-01T01:00Z")],
            "hours_before": [11.5],
            "geometry": [track],
            "in_circle": [track.intersection(shapely.box(170, -46, 176, -40))],
        }
    )
    small = event_tracks_figure(event, passes, radius_km=300.0, days_before=5.0)
    large = event_tracks_figure(event, passes, radius_km=3000.0, days_before=5.0)
    geo = small.layout.geo
    assert geo.projection.type == "azimuthal equidistant" and geo.resolution == 50  # 1:50m coastlines
    assert (geo.projection.rotation.lat, geo.projection.rotation.lon) == (-42.7, 173.0)
    assert geo.projection.scale > large.layout.geo.projection.scale >= 1.0  # a larger circle zooms out
    assert {t.type for t in small.data} == {"scattergeo"}
    whole, inside = small.data[1], small.data[2]
    assert whole.mode == "lines+markers" and "11.5 h before" in whole.name  # day pass: dotted
    assert inside.line.width > whole.line.width  # the in-circle part is emphasised


def test_basemap_layers_are_antimeridian_safe() -> None:
    land = json.loads(basemap_geojson_bytes("110m", "land"))
    shapes = [shapely.geometry.shape(f["geometry"]) for f in land["features"]]
    assert all(s.is_valid for s in shapes)
    world = shapely.unary_union(shapes)
    assert world.contains(shapely.Point(100.0, 60.0))  # Siberia (Russia crosses ±180)
    assert world.contains(shapely.Point(0.0, -85.0))  # Antarctica (winds around the pole)
    assert not world.contains(shapely.Point(-150.0, 0.0))  # Pacific
    borders = json.loads(basemap_geojson_bytes("110m", "borders"))
    for feature in borders["features"]:
        for line in feature["geometry"]["coordinates"]:
            assert np.abs(np.diff(np.asarray(line)[:, 0])).max() <= 180.0


def test_basemap_rejects_unknown_layers() -> None:
    with pytest.raises(BasemapError):
        basemap_geojson_bytes("10m", "land")
    with pytest.raises(BasemapError, match="no object"):
        topojson_to_geojson({"objects": {}, "arcs": []}, "land")


def test_detailed_basemap_keeps_every_continent() -> None:
    land = json.loads(basemap_geojson_bytes("50m", "land"))
    shapes = [shapely.geometry.shape(f["geometry"]) for f in land["features"]]
    for lon, lat in ((-90.0, 40.0), (135.0, -25.0), (20.0, 0.0), (100.0, 60.0), (-60.0, -10.0)):
        assert any(s.contains(shapely.Point(lon, lat)) for s in shapes), (lon, lat)


def _ring_areas(topology: dict, layer: str | None = None) -> list[float]:
    """The signed planar (shoelace) area of every polygon ring of a quantised topojson (of one object
    when ``layer`` is given), in grid units."""
    arcs = [np.cumsum(np.asarray(arc, dtype=float), axis=0) for arc in topology["arcs"]]
    areas = []
    for name, obj in topology["objects"].items():
        for geom in obj["geometries"] if layer in (None, name) else []:
            polygons = {"Polygon": [geom.get("arcs")], "MultiPolygon": geom.get("arcs")}.get(geom["type"], [])
            for ring in (r for polygon in polygons for r in polygon):
                xy = np.concatenate([arcs[i] if i >= 0 else arcs[~i][::-1] for i in ring])
                areas.append(0.5 * (np.dot(xy[:-1, 0], xy[1:, 1]) - np.dot(xy[1:, 0], xy[:-1, 1])))
    return areas


def _ring_windings(topology: dict) -> list[float]:
    return [float(np.sign(a)) for a in _ring_areas(topology)]


def test_browser_topojson_draws_the_same_coasts_with_fewer_points() -> None:
    """The topojson the event map draws in the browser: the same objects and arcs, far fewer points, no
    line moved by more than the tolerance, no polygon ring turned inside out (d3 would fill the globe) and
    the land's area kept; unknown names are refused."""
    vendored = json.loads((TOPOJSON_DIR / "world_50m.json").read_text())
    served = json.loads(web_topojson_bytes("world_50m"))
    assert served["objects"] == vendored["objects"] and len(served["arcs"]) == len(vendored["arcs"])
    assert sum(map(len, served["arcs"])) < 0.65 * sum(map(len, vendored["arcs"]))
    scale = np.asarray(vendored["transform"]["scale"])
    for before, after in zip(vendored["arcs"], served["arcs"], strict=True):
        old, new = (np.cumsum(np.asarray(arc), axis=0) * scale for arc in (before, after))
        assert (new[0] == old[0]).all() and (new[-1] == old[-1]).all()  # shared borders still meet
        if len(new) > 1:  # every point of the vendored arc lies within the tolerance of the served one
            assert shapely.distance(shapely.points(old), shapely.LineString(new)).max() < (
                WEB_TOPOJSON_TOLERANCE_DEG + 1e-9
            )
    assert _ring_windings(served) == _ring_windings(vendored)  # as d3 reads a ring: by its winding
    areas = [sum(_ring_areas(topo, "land")) for topo in (vendored, served)]
    assert areas[1] == pytest.approx(areas[0], rel=0.01)
    with pytest.raises(BasemapError):
        web_topojson_bytes("world_10m")


def test_event_timeline_shades_eras_and_gaps(events: pd.DataFrame) -> None:
    eras = [("CSES-01", pd.Timestamp("2018-02-02", tz="UTC"), None)]
    gaps = [(pd.Timestamp("2020-01-01", tz="UTC"), pd.Timestamp("2020-03-31", tz="UTC"))]
    fig = catalog_coverage_figure(events, gaps, eras, per="month", span=("2019-01-01", "2021-12-31"))
    assert list(fig.data[0].y) == [1, 1, 1] and fig.data[0].xperiod == "M1"
    labels = [s.text for s in fig.layout.annotations]
    assert labels == ["CSES-01", "no catalog"]
    assert pd.Timestamp(fig.layout.xaxis.range[1]) == pd.Timestamp("2022-01-01")
    yearly = catalog_coverage_figure(events, [], eras)
    assert [pd.Timestamp(x).year for x in yearly.data[0].x] == [2019, 2020, 2021]


def test_sequences_show_the_quiet_background() -> None:
    from tests.core.models.make_samples import make_samples

    samples = make_samples(n_events=2, L=20, features=("Ne", "Te"), seed=0).isel(sample=[0])
    lat = samples["lat"].values
    background = pd.DataFrame({"lat": [lat.min(), lat.max()], "Ne": [4.0, 4.2], "Te": [1500.0, 1600.0]})
    fig = sequences_figure(samples, background=background)
    dashed = [t for t in fig.data if t.line.dash == "dash"]
    assert [list(t.y) for t in dashed] == [[4.0, 4.2], [1500.0, 1600.0]]
    assert [t.showlegend for t in dashed] == [True, False] and dashed[0].name == "quiet background"
    lines = [t for t in fig.data if t.mode == "lines" and t.line.dash != "dash"]  # per pass and feature
    assert len(lines) == 2 and len(lines[0].y) == 21 and np.isnan(lines[0].y[-1])  # L steps, then a break
    starts = [t for t in fig.data if t.mode == "markers"]  # the windows' first steps are marked
    assert [list(t.y) for t in starts] == [[lines[0].y[0]], [lines[1].y[0]]]
    # The legend heads the plots, its bottom edge clear of the first subplot's title (~22 px): a legend
    # below the plots (y < 0 in paper units) drew over the x axis's title.
    legend, margin = fig.layout.legend, fig.layout.margin
    assert legend.orientation == "h" and legend.yanchor == "bottom" and legend.yref in (None, "paper")
    plot_height = fig.layout.height - margin.t - margin.b  # before the legend widens the top margin
    assert legend.y > 1 and (legend.y - 1) * plot_height >= 24
    assert fig.layout.xaxis2.title.text == "geographic latitude (°)"  # the x title alone at the bottom
    deviations = samples.assign_attrs(background="median")
    fig = sequences_figure(deviations, background=background)
    assert not [t for t in fig.data if t.line.dash == "dash"]
    assert [s.y0 for s in fig.layout.shapes] == [0.0, 0.0]  # the background is the zero line


def test_scores_panel_marks_every_model_seqnetquake_first() -> None:
    scores = pd.DataFrame(
        {
            "model": ["svm", "svm", "seqnetquake", "seqnetquake"],
            "probability": [0.2, 0.4, 0.7, 0.9],
            "sample_threshold": [0.5, 0.5, 0.6, 0.6],
            "event_probability": [0.3, 0.3, 0.8, 0.8],
        }
    )
    fig = scores_figure(scores)
    samples, thresholds, events = fig.data
    assert list(fig.layout.yaxis.categoryarray) == ["SeqNetQuake", "SVM"]
    assert list(samples.x) == [0.2, 0.4, 0.7, 0.9]
    assert list(samples.y) == ["SVM", "SVM", "SeqNetQuake", "SeqNetQuake"]
    assert dict(zip(thresholds.y, thresholds.x, strict=True)) == {"SVM": 0.5, "SeqNetQuake": 0.6}
    assert dict(zip(events.y, events.x, strict=True)) == {"SVM": 0.3, "SeqNetQuake": 0.8}


def test_the_served_plotly_bundle_holds_every_trace_type_the_figures_use() -> None:
    """The pages load the partial plotly.js bundle of assets/vendor (tools/plotly-bundle): a trace type a
    figure builder starts to use must be registered in that bundle's entry.js, or the chart stays empty."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    used = set()
    for path in (root / "dashboard").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= {m.lower() for m in re.findall(r"\bgo\.([A-Z][a-z]+)\(", text)} - {"figure"}
        used |= set(re.findall(r"\.add_(scatter|bar|heatmap|scattergeo|scattermap)\(", text))
    entry = (root / "tools" / "plotly-bundle" / "entry.js").read_text(encoding="utf-8")
    bundled = {"scatter"} | set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", entry))
    assert used and used <= bundled, used - bundled
    assert (root / "assets" / "vendor" / "plotly-dashboard.min.js").stat().st_size > 1_000_000
