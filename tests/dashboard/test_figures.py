"""Figure builders and the offline basemap, tested without a browser."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely

from core.geo import geodesic_distance_km
from dashboard.basemap import BasemapError, basemap_geojson_bytes, topojson_to_geojson
from dashboard.figures import (
    CIRCLE_TRACE,
    EPICENTRE_TRACE,
    EVENTS_TRACE,
    catalog_map_figure,
    event_region_figure,
    zoom_for_radius,
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


def test_empty_selection_and_empty_catalog() -> None:
    empty = pd.DataFrame(columns=["event_id", "time", "lat", "lon", "depth_km", "mag", "mag_type", "place"])
    fig = catalog_map_figure(empty)
    assert len(fig.data[EVENTS_TRACE].lat) == 0


def test_event_region_zoom_follows_radius(events: pd.DataFrame) -> None:
    assert zoom_for_radius(141.0) > zoom_for_radius(1023.0) > zoom_for_radius(5000.0)
    fig = event_region_figure(events.iloc[1].to_dict())
    assert fig.layout.map.center.lat == pytest.approx(-42.7)


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
