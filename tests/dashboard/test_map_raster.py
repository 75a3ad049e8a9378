"""The world map's PNG export paints its markers as one image: placed where plotly draws them, and the
picture the same as with one SVG marker per event."""

from __future__ import annotations

import io
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from core.config import Settings
from core.export import figure_bytes
from dashboard.basemap import TOPOJSON_DIR
from dashboard.exports import EXPORTS, export_file, image_figure
from dashboard.figures import GEO_STYLE
from dashboard.map_raster import natural_earth_xy

_POINT = re.compile(r'class="point" d="[^"]*" transform="translate\(([-\d.e]+),([-\d.e]+)\)"')


@pytest.mark.parametrize(
    "rotation_lon, center, scale",
    [(0.0, None, 1.0), (150.0, None, 1.0), (150.0, (-20.0, 160.0), 3.0), (-75.0, (15.0, -75.0), 2.0)],
)
def test_points_are_placed_where_plotly_draws_them(rotation_lon, center, scale) -> None:
    lon = np.array([-170.0, -120.0, -60.0, 0.0, 30.0, 90.0, 150.0, 179.0, 10.0, -45.0])
    lat = np.array([0.0, 45.0, -30.0, 0.0, 60.0, -60.0, 20.0, -10.0, 80.0, -85.0])
    geo = {
        **GEO_STYLE,
        "resolution": 110,
        "projection": {"type": "natural earth", "rotation": {"lon": rotation_lon}, "scale": scale},
    }
    if center is not None:
        geo["center"] = {"lat": center[0], "lon": center[1]}
    fig = go.Figure(go.Scattergeo(lon=lon, lat=lat, mode="markers"))
    fig.update_layout(geo=geo, margin={"l": 0, "r": 120, "t": 0, "b": 0, "autoexpand": False})
    svg = figure_bytes(fig, "svg", width=1100, height=650, topojson_dir=TOPOJSON_DIR).decode()
    drawn = np.array([[float(x), float(y)] for x, y in _POINT.findall(svg)])
    kw = {} if center is None else {"center_lat": center[0], "center_lon": center[1]}
    x, y = natural_earth_xy(lon, lat, width=980, height=650, rotation_lon=rotation_lon, scale=scale, **kw)
    assert np.abs(drawn - np.column_stack([x, y])).max() < 0.05  # pixels


@pytest.mark.parametrize(
    "query",
    [
        {"mmin": "5.5", "event": "us6000f65h"},  # every event in one coloured trace, a selected event
        {"mmin": "5.5", "color": "era"},  # a colour per point, no colour bar
        {"mmin": "6", "q": "Japan", "filtered": "1", "color": "depth"},  # a fitted, zoomed view
    ],
)
def test_png_with_painted_markers_looks_like_one_svg_marker_each(tmp_path, query) -> None:
    image = pytest.importorskip("PIL.Image")
    settings = Settings(work_dir=tmp_path / "work")
    png, _ = export_file(settings, "catalog-map", "png", query)
    vector = image_figure(EXPORTS["catalog-map"].build(settings, query)[0])
    assert len(vector.data[1].lat) > 100  # the markers the export painted
    reference = figure_bytes(vector, "png", topojson_dir=TOPOJSON_DIR)
    a, b = (np.asarray(image.open(io.BytesIO(data)).convert("RGB"), dtype=float) for data in (png, reference))
    assert a.shape == b.shape == (1300, 2200, 3)
    diff = np.abs(a - b).max(axis=2)  # legend, colour bar, markers, circle, epicentre: all where they were
    assert diff.mean() < 1.0 and (diff > 32).mean() < 0.005 and (diff > 96).mean() < 1e-4


def test_vector_exports_keep_one_path_per_event(tmp_path) -> None:
    settings = Settings(work_dir=tmp_path / "work")
    svg = export_file(settings, "catalog-map", "svg", {"mmin": "7.5"})[0].decode()
    n = len(EXPORTS["catalog-map"].build(settings, {"mmin": "7.5"})[0].data[1].lat)
    assert svg.count('class="point"') == n and "data:image/png" not in svg
