"""The static world map's event markers drawn as one raster image, for its PNG export.

Kaleido draws each marker of a ``Scattergeo`` as its own SVG element: tens of thousands of them cost it
more than a second (``bench_dashboard``'s floors: the same markers without a map cost as much as the whole
map; the map without them ~0.3 s). :func:`with_raster_markers` draws the event markers (and the selected
event's outline and epicentre, which lie above them) with numpy into one PNG laid over the map as a layout
image; the traces stay, each with one empty point, so the legend and the colour bar are plotly's own. The
image lines up with the vector map because :func:`natural_earth_xy` is plotly.js's own placement of a
point (d3's Natural Earth I fitted to the plot area, times ``projection.scale``, ``geo.center`` in the
middle); the tests check it against kaleido's SVG. No Dash import.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from typing import Any

import numpy as np
import PIL.Image
import plotly.colors
import plotly.graph_objects as go
import pyproj

from dashboard.figures import CIRCLE_TRACE, EPICENTRE_TRACE, EVENT_TRACES

__all__ = ["natural_earth_xy", "with_raster_markers"]


@lru_cache(maxsize=1)
def _natural_earth() -> pyproj.Transformer:
    """PROJ's Natural Earth on the unit sphere: the formula of d3's ``geoNaturalEarth1Raw`` (Šavrič et al.
    2015), which plotly.js draws with (degrees in, unit-sphere plane coordinates out)."""
    return pyproj.Transformer.from_pipeline("+proj=natearth +R=1")


def _natural_earth_raw(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = _natural_earth().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def natural_earth_xy(
    lon: Any,
    lat: Any,
    *,
    width: float,
    height: float,
    rotation_lon: float = 0.0,
    center_lon: float | None = None,
    center_lat: float = 0.0,
    scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel positions (x right, y down, from the plot area's top left) of lon/lat points on a plotly geo
    map of projection ``natural earth`` that fills a ``width`` × ``height`` plot area: plotly.js fits the
    whole globe into the area, multiplies that scale by ``projection.scale`` and puts ``geo.center``
    (default: the rotation's longitude, latitude 0) in the middle of the area."""
    x, y = _natural_earth_raw((np.asarray(lon, dtype=float) - rotation_lon + 180.0) % 360.0 - 180.0, lat)
    c_lon = rotation_lon if center_lon is None else center_lon
    cx, cy = _natural_earth_raw(c_lon - rotation_lon, center_lat)
    half_w, _ = _natural_earth_raw(180.0, 0.0)
    _, half_h = _natural_earth_raw(0.0, 90.0)
    k = min(width / (2.0 * float(half_w)), height / (2.0 * float(half_h))) * scale
    return width / 2.0 + k * (x - cx), height / 2.0 - k * (y - cy)


def _rgb(colors: Any) -> np.ndarray:
    """CSS colours (``#rrggbb``, ``rgb(...)``, ``rgba(...)``) → (n, 3) floats in [0, 1]."""
    out = []
    for c in colors:
        c = str(c).strip()
        if c.startswith("#"):
            out.append(plotly.colors.hex_to_rgb(c))
        else:
            out.append(tuple(float(v) for v in c[c.index("(") + 1 : c.index(")")].split(",")[:3]))
    return np.asarray(out, dtype=float).reshape(-1, 3) / 255.0


def _marker_colors(marker: Any, n: int) -> np.ndarray:
    """Each point's colour as plotly.js gives it: one colour, one per point, or numbers mapped through
    the colour scale (linear RGB between its stops, clipped to ``cmin`` … ``cmax``, data range by default)."""
    color = marker.color
    if color is None or isinstance(color, str):
        return np.repeat(_rgb([color or "#1f77b4"]), n, axis=0)
    values = np.asarray(color)
    if values.dtype.kind not in "fiu":
        return _rgb(values)
    values = values.astype(float)
    cmin = float(np.nanmin(values)) if marker.cmin is None else float(marker.cmin)
    cmax = float(np.nanmax(values)) if marker.cmax is None else float(marker.cmax)
    stops = marker.colorscale or plotly.colors.get_colorscale("Viridis")
    positions = np.asarray([float(s[0]) for s in stops])
    stop_rgb = _rgb([s[1] for s in stops])
    if marker.reversescale:
        positions, stop_rgb = 1.0 - positions[::-1], stop_rgb[::-1]
    t = np.clip((values - cmin) / (cmax - cmin) if cmax > cmin else np.full(n, 0.5), 0.0, 1.0)
    return np.column_stack([np.interp(t, positions, stop_rgb[:, i]) for i in range(3)])


def _sizes(marker: Any, n: int) -> np.ndarray:
    size = marker.size
    return np.full(n, 6.0 if size is None else float(size)) if np.ndim(size) == 0 else np.asarray(size, float)


_SUBPIXELS = 4  # disc centres are placed to a quarter pixel of the image
_CHUNK = 2048  # discs summed at once by _paint_same_discs


def _disc_stamp(r: float, sub_x: float, sub_y: float) -> np.ndarray:
    """Coverage (0…1) of the pixels around a disc of radius ``r`` whose centre lies at (``sub_x``,
    ``sub_y``) inside its pixel: a square of ``2·ceil(r + 1) + 1`` pixels centred on that pixel."""
    reach = int(np.ceil(r + 1.0))
    grid = np.arange(-reach, reach + 1) + 0.5
    d = np.hypot(grid[None, :] - sub_x, grid[:, None] - sub_y)
    return np.clip(r + 0.5 - d, 0.0, 1.0).astype(np.float32)


def _paint_discs(
    canvas: np.ndarray, xs: np.ndarray, ys: np.ndarray, radii: np.ndarray, rgb: np.ndarray, alpha: float
) -> None:
    """Paint antialiased discs in order onto ``canvas`` (premultiplied RGBA floats), each over the ones
    before it with opacity ``alpha``, as SVG paints one marker after the other (radii to a twentieth of a
    pixel and centres to a quarter pixel: the stamps are shared)."""
    height, width = canvas.shape[:2]
    stamps: dict[tuple[float, int, int], tuple[np.ndarray, np.ndarray]] = {}
    colors = np.column_stack([np.asarray(rgb, dtype=np.float32), np.ones(len(xs), np.float32)])
    fxs, fys = np.floor(xs).astype(int), np.floor(ys).astype(int)
    qxs = np.minimum(((xs - fxs) * _SUBPIXELS).astype(int), _SUBPIXELS - 1)
    qys = np.minimum(((ys - fys) * _SUBPIXELS).astype(int), _SUBPIXELS - 1)
    rs = np.round(np.asarray(radii, dtype=float) * 20.0) / 20.0
    rows = zip(fxs.tolist(), fys.tolist(), qxs.tolist(), qys.tolist(), rs.tolist(), colors, strict=True)
    for fx, fy, qx, qy, r, color in rows:
        stamp = stamps.get((r, qx, qy))
        if stamp is None:
            cover = _disc_stamp(r, (qx + 0.5) / _SUBPIXELS, (qy + 0.5) / _SUBPIXELS) * np.float32(alpha)
            stamp = stamps[r, qx, qy] = (cover[..., None], (1.0 - cover)[..., None])
        cover, keep = stamp
        reach = cover.shape[0] // 2
        x0, y0 = fx - reach, fy - reach
        cx0, cy0 = max(x0, 0), max(y0, 0)
        cx1, cy1 = min(x0 + cover.shape[1], width), min(y0 + cover.shape[0], height)
        if cx0 >= cx1 or cy0 >= cy1:
            continue
        window = canvas[cy0:cy1, cx0:cx1]
        window *= keep[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
        window += cover[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0] * color


def _paint_same_discs(
    canvas: np.ndarray, xs: np.ndarray, ys: np.ndarray, r: float, rgb: np.ndarray, alpha: float
) -> None:
    """:func:`_paint_discs` for discs of one size and colour, at once: their order does not change the
    result (each pixel keeps ``1 - Π(1 - a)`` of that colour over what was there). Each disc is one of
    ``_SUBPIXELS``² precomputed stamps, by where its centre falls inside its pixel."""
    height, width = canvas.shape[:2]
    sub = (np.arange(_SUBPIXELS) + 0.5) / _SUBPIXELS
    # one stamp per sub-position of the centre inside its pixel, row-major (sub y, then sub x)
    cover = np.stack([_disc_stamp(r, sub_x, sub_y) for sub_y in sub for sub_x in sub])
    side = cover.shape[1]
    reach = side // 2
    stamps = np.log1p(-np.minimum(cover.astype(float) * alpha, 1.0 - 1e-6)).reshape(len(cover), side * side)
    padded_w = width + 2 * side
    fx, fy = np.floor(xs), np.floor(ys)
    which = (np.minimum((ys - fy) * _SUBPIXELS, _SUBPIXELS - 1).astype(np.int64) * _SUBPIXELS) + np.minimum(
        (xs - fx) * _SUBPIXELS, _SUBPIXELS - 1
    ).astype(np.int64)
    ok = (fx > -side) & (fx < width + side - reach) & (fy > -side) & (fy < height + side - reach)
    base = (fy[ok].astype(np.int64) + side - reach) * padded_w + (fx[ok].astype(np.int64) + side - reach)
    offsets = (np.arange(side)[:, None] * padded_w + np.arange(side)[None, :]).ravel()
    stamps32, which_ok = stamps.astype(np.float32), which[ok]
    log_keep = np.zeros((height + 2 * side) * padded_w, dtype=np.float32)
    for start in range(0, len(base), _CHUNK):  # small temporaries: memory the allocator keeps reusing
        chunk = slice(start, start + _CHUNK)
        np.add.at(log_keep, (base[chunk, None] + offsets[None, :]).ravel(), stamps32[which_ok[chunk]].ravel())
    log_keep = log_keep.reshape(height + 2 * side, padded_w)[side : side + height, side : side + width]
    rows = np.flatnonzero(log_keep.any(axis=1))
    if not len(rows):
        return
    band = slice(int(rows[0]), int(rows[-1]) + 1)
    cover = (-np.expm1(log_keep[band])).astype(np.float32)  # 1 - Π(1 - a)
    part = canvas[band]
    if part[..., 3].any():  # something painted before: paint over it
        part *= (1.0 - cover)[..., None]
        part[..., :3] += cover[..., None] * rgb.astype(np.float32)
        part[..., 3] += cover
    else:  # the first layer (the grey events): nothing to paint over
        part[..., :3] = cover[..., None] * rgb.astype(np.float32)
        part[..., 3] = cover


def _paint_line(
    canvas: np.ndarray, xs: np.ndarray, ys: np.ndarray, line_width: float, rgb: np.ndarray
) -> None:
    """An opaque polyline of ``line_width`` pixels (a chain of discs, one per half pixel), cut where it
    jumps across the map's edge (more than half its width)."""
    width = canvas.shape[1]
    points_x: list[np.ndarray] = []
    points_y: list[np.ndarray] = []
    for i in range(len(xs) - 1):
        if (
            not np.all(np.isfinite([xs[i], ys[i], xs[i + 1], ys[i + 1]]))
            or abs(xs[i + 1] - xs[i]) > width / 2
        ):
            continue
        n = max(int(np.hypot(xs[i + 1] - xs[i], ys[i + 1] - ys[i]) * 2), 1)
        t = np.linspace(0.0, 1.0, n + 1)
        points_x.append(xs[i] + t * (xs[i + 1] - xs[i]))
        points_y.append(ys[i] + t * (ys[i + 1] - ys[i]))
    if points_x:
        _paint_same_discs(
            canvas, np.concatenate(points_x), np.concatenate(points_y), line_width / 2.0, rgb, 1.0
        )


def _png_data_uri(rgba: np.ndarray) -> str:
    """An (h, w, 4) uint8 image as a ``data:image/png;base64,…`` URI (zlib level 1: fast, alpha kept)."""
    buffer = io.BytesIO()
    PIL.Image.fromarray(rgba).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def with_raster_markers(fig: Any, *, width: int, height: int, pixel_scale: float) -> go.Figure:
    """The static world map (:func:`dashboard.figures.catalog_map_figure` with ``static=True``, rendered
    ``width`` × ``height`` at ``pixel_scale``) with its event markers, the selected event's outline and its
    epicentre painted into one image over the map. The circle keeps its vector fill; each emptied trace
    keeps one point without position, so that the legend and the colour bar stay as they were."""
    fig = go.Figure(fig)
    margin = fig.layout.margin
    if margin.autoexpand is not False:
        raise ValueError("the map's margins must be fixed (margin.autoexpand False) to place the raster")
    area_w = width - (margin.l or 0) - (margin.r or 0)
    area_h = height - (margin.t or 0) - (margin.b or 0)
    geo = fig.layout.geo
    rotation_lon = float(geo.projection.rotation.lon or 0.0)
    view = {
        "width": area_w * pixel_scale,
        "height": area_h * pixel_scale,
        "rotation_lon": rotation_lon,
        "center_lon": rotation_lon if geo.center.lon is None else float(geo.center.lon),
        "center_lat": float(geo.center.lat or 0.0),
        "scale": float(geo.projection.scale or 1.0),
    }
    canvas = np.zeros((round(area_h * pixel_scale), round(area_w * pixel_scale), 4), dtype=np.float32)
    for index in EVENT_TRACES:
        trace = fig.data[index]
        n = 0 if trace.lat is None else len(trace.lat)
        if n == 0:
            continue
        xs, ys = natural_earth_xy(trace.lon, trace.lat, **view)
        colors = _marker_colors(trace.marker, n)
        radii = _sizes(trace.marker, n) * pixel_scale / 2.0
        alpha = 1.0 if trace.marker.opacity is None else float(trace.marker.opacity)
        if np.ptp(radii) == 0 and np.ptp(colors, axis=0).max() == 0:
            _paint_same_discs(canvas, xs, ys, float(radii[0]), colors[0], alpha)
        else:
            _paint_discs(canvas, xs, ys, radii, colors, alpha)
        marker_color = trace.marker.color
        keep_color = (
            marker_color if marker_color is None or isinstance(marker_color, str) else [marker_color[0]]
        )
        keep_size = trace.marker.size if np.ndim(trace.marker.size) == 0 else [trace.marker.size[0]]
        cmin = None if trace.marker.colorscale is None else float(np.nanmin(np.asarray(marker_color, float)))
        cmax = None if trace.marker.colorscale is None else float(np.nanmax(np.asarray(marker_color, float)))
        trace.update(lat=[None], lon=[None], marker={"color": keep_color, "size": keep_size})
        if cmin is not None and trace.marker.cmin is None:
            trace.marker.update(cmin=cmin, cmax=cmax)
    circle, epicentre = fig.data[CIRCLE_TRACE], fig.data[EPICENTRE_TRACE]
    if circle.lat is not None and len(circle.lat):
        xs, ys = natural_earth_xy(circle.lon, circle.lat, **view)
        _paint_line(
            canvas, xs, ys, float(circle.line.width or 2.0) * pixel_scale, _rgb([circle.line.color])[0]
        )
        circle.update(line={"width": 0})
    if epicentre.lat is not None and len(epicentre.lat):
        xs, ys = natural_earth_xy(epicentre.lon, epicentre.lat, **view)
        size = _sizes(epicentre.marker, len(xs)) * pixel_scale / 2.0
        _paint_discs(canvas, xs, ys, size, _marker_colors(epicentre.marker, len(xs)), 1.0)
        epicentre.update(lat=[], lon=[])
    coverage = canvas[..., 3:]  # premultiplied → straight colours, then bytes
    np.divide(canvas[..., :3], coverage, out=canvas[..., :3], where=coverage > 0)
    np.minimum(canvas, 1.0, out=canvas)
    canvas *= np.float32(255.0)
    canvas += np.float32(0.5)
    image = canvas.astype(np.uint8)
    fig.add_layout_image(
        source=_png_data_uri(image),
        xref="paper",
        yref="paper",
        x=0,
        y=1,
        sizex=1,
        sizey=1,
        xanchor="left",
        yanchor="top",
        sizing="stretch",
        layer="above",
    )
    return fig
