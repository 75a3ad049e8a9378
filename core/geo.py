"""Geometry on the Earth: Dobrovolsky radius, distances, geodesic circles, antimeridian handling.

Conventions: latitudes and longitudes in degrees (geographic, WGS84), longitudes wrapped to
[-180, 180) on output, distances in km, azimuths in degrees clockwise from north. Shapely geometries
are in (lon, lat) degree order. :func:`geodesic_distance_km` (WGS84) serves every science decision,
:func:`haversine_km` (a sphere; within 0.6 % of WGS84) display and coarse pre-filtering: which is used
where, and the measured error, in ``docs/windows.md`` (section "Distances").
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely import affinity
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

__all__ = [
    "EARTH_RADIUS_KM",
    "circle_lonlat",
    "destination_point",
    "dobrovolsky_radius_km",
    "geodesic_circle",
    "geodesic_distance_km",
    "haversine_km",
    "in_circle",
    "line_length_km",
    "split_antimeridian",
    "wrap_lon",
]

EARTH_RADIUS_KM: float = 6371.0088
"""Mean Earth radius (IUGG R1 = (2a + b) / 3 of WGS84), km; the sphere of :func:`haversine_km`."""

# A little under half the meridian length (20,004 km): beyond it a "circle" is ill-posed.
_MAX_RADIUS_KM = 19_900.0


@lru_cache(maxsize=1)
def _geod() -> pyproj.Geod:
    return pyproj.Geod(ellps="WGS84")


def _out(a: np.ndarray) -> NDArray[np.float64] | float:
    """0-d arrays become NumPy scalars (a ``float`` subclass); others stay arrays."""
    return a[()] if a.ndim == 0 else a


def dobrovolsky_radius_km(mag: float | ArrayLike) -> NDArray[np.float64] | float:
    """Dobrovolsky et al. (1979) preparation-zone radius R = 10^(0.43·M), km.

    M5 → 141.3 km, M6 → 380.2 km, M7 → 1023.3 km. Scalar in, float out; array in, array out.
    """
    return _out(np.power(10.0, 0.43 * np.asarray(mag, dtype=float)))


def wrap_lon(lon: float | ArrayLike) -> NDArray[np.float64] | float:
    """Longitude(s) in degrees wrapped to [-180, 180) (so 180 → -180, 190 → -170)."""
    a = np.asarray(lon, dtype=float)
    w = np.mod(a + 180.0, 360.0) - 180.0
    w = np.where(w >= 180.0, w - 360.0, w)  # mod can round up to exactly 360
    return _out(np.asarray(w, dtype=float))


def _broadcast(*arrays: ArrayLike) -> tuple[tuple[int, ...], list[np.ndarray]]:
    b = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in arrays))
    return b[0].shape, [np.ascontiguousarray(x).ravel() for x in b]


def geodesic_distance_km(
    lat1: float | ArrayLike, lon1: float | ArrayLike, lat2: float | ArrayLike, lon2: float | ArrayLike
) -> NDArray[np.float64]:
    """WGS84 geodesic distance in km between points 1 and 2 (degrees), NumPy broadcasting.

    Returns an array of the broadcast shape (a NumPy float for all-scalar input); NaN in → NaN out.
    """
    shape, (la1, lo1, la2, lo2) = _broadcast(lat1, lon1, lat2, lon2)
    if la1.size == 0:
        return np.zeros(shape)
    _, _, dist_m = _geod().inv(lo1, la1, lo2, la2)
    d = np.asarray(dist_m, dtype=float).reshape(shape) / 1000.0
    return _out(d)  # type: ignore[return-value]


def haversine_km(
    lat1: float | ArrayLike, lon1: float | ArrayLike, lat2: float | ArrayLike, lon2: float | ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance in km on a sphere of radius :data:`EARTH_RADIUS_KM` (haversine formula).

    Same signature and broadcasting as :func:`geodesic_distance_km`; error vs WGS84 within -0.45 %…+0.56 %.
    """
    p1, p2 = np.radians(np.asarray(lat1, dtype=float)), np.radians(np.asarray(lat2, dtype=float))
    dlon = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin((p2 - p1) / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2.0) ** 2
    d = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return _out(np.asarray(d, dtype=float))  # type: ignore[return-value]


def destination_point(
    lat: float | ArrayLike,
    lon: float | ArrayLike,
    azimuth_deg: float | ArrayLike,
    distance_km: float | ArrayLike,
) -> tuple[NDArray[np.float64] | float, NDArray[np.float64] | float]:
    """Point reached from (lat, lon) along the WGS84 geodesic of azimuth ``azimuth_deg`` after
    ``distance_km`` km (``pyproj.Geod.fwd``). Returns ``(lat, lon)`` in degrees, lon in [-180, 180)."""
    shape, (la, lo, az, d) = _broadcast(lat, lon, azimuth_deg, distance_km)
    lo2, la2, _ = _geod().fwd(lo, la, az, d * 1000.0)
    lat_out = np.asarray(la2, dtype=float).reshape(shape)
    lon_out = np.asarray(wrap_lon(np.asarray(lo2, dtype=float)), dtype=float).reshape(shape)
    return _out(lat_out), _out(lon_out)


def _check_radius(radius_km: float) -> float:
    r = float(radius_km)
    if not (0.0 < r <= _MAX_RADIUS_KM):
        raise ValueError(f"radius_km must be in (0, {_MAX_RADIUS_KM:g}] km, got {radius_km!r}")
    return r


def _poles_inside(lat: float, lon: float, radius_km: float) -> tuple[bool, bool]:
    """Whether the geodesic circle contains the north and the south pole."""
    d = geodesic_distance_km([lat, lat], [lon, lon], [90.0, -90.0], [lon, lon])
    return bool(d[0] <= radius_km), bool(d[1] <= radius_km)


def _ring(lat: float, lon: float, radius_km: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Closed ring (first == last) of n points, azimuths 0…360°, raw pyproj longitudes."""
    if n < 4:
        raise ValueError(f"n must be >= 4, got {n}")
    az = np.linspace(0.0, 360.0, n)
    lons, lats, _ = _geod().fwd(
        np.full(n, float(lon)), np.full(n, float(lat)), az, np.full(n, radius_km * 1e3)
    )
    lats = np.asarray(lats, dtype=float)
    lons = np.asarray(lons, dtype=float)
    lats[-1], lons[-1] = lats[0], lons[0]
    return lats, lons


def _unwrap_near(lons: np.ndarray, lon0: float) -> np.ndarray:
    """Continuous longitudes (no jumps > 180°), shifted by k·360 so the first point is near lon0."""
    u = np.unwrap(np.asarray(wrap_lon(lons), dtype=float), period=360.0)
    return u - 360.0 * np.round((u[0] - lon0) / 360.0)


def circle_lonlat(
    lat: float, lon: float, radius_km: float, n: int = 181, unwrap: bool = True
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Closed ring (n points, last == first) of the WGS84 geodesic circle of ``radius_km`` km around
    (lat, lon), vertices at azimuths 0, 360/(n-1), … 360°. Returns ``(lats, lons)`` in degrees.

    With ``unwrap=True`` the longitudes are continuous and start near ``lon`` — a circle at lon 179.5
    runs e.g. 175…184 — so a plotting library draws no stroke across the whole map. A circle that
    contains a pole has no continuous closed longitude sequence: its ring is returned as is (longitudes
    wrapped to [-180, 180), with one jump of ~360°). ``unwrap=False`` always returns wrapped longitudes.
    """
    r = _check_radius(radius_km)
    lats, lons = _ring(lat, lon, r, n)
    north, south = _poles_inside(lat, lon, r)
    if unwrap and not (north or south):
        return lats, _unwrap_near(lons, float(lon))
    return lats, np.asarray(wrap_lon(lons), dtype=float)


_WORLD = box(-180.0, -90.0, 180.0, 90.0)


def _split_unwrapped_polygon(poly: Polygon) -> Polygon | MultiPolygon:
    """Cut a polygon with continuous (possibly |lon| > 180) longitudes at ±180 and shift the pieces
    back into [-180, 180]."""
    parts: list[Polygon] = []
    for k in (-1, 0, 1):
        piece = affinity.translate(poly, xoff=360.0 * k).intersection(_WORLD)
        if piece.is_empty:
            continue
        geoms = getattr(piece, "geoms", [piece])
        parts.extend(g for g in geoms if isinstance(g, Polygon) and g.area > 0.0)
    if len(parts) == 1:
        return orient(parts[0])
    return MultiPolygon([orient(p) for p in parts])


def _polar_cap_polygon(lats: np.ndarray, lons: np.ndarray, pole_lat: float) -> Polygon:
    """Polygon for a ring that winds once around the pole at ``pole_lat`` (±90).

    The ring's unwrapped longitude grows (or falls) monotonically through 360°; it is extended
    periodically, cut to [-180, 180] with interpolated end points, and closed along the pole edge.
    """
    u = np.unwrap(np.asarray(wrap_lon(lons), dtype=float), period=360.0)
    la = lats
    if u[-1] < u[0]:  # make longitude increase along the ring
        u, la = u[::-1], la[::-1]
    u, la = u[:-1], la[:-1]  # drop the closing point; the ring is periodic in lon with period 360
    u = u - 360.0 * np.floor((u[0] + 180.0) / 360.0)  # first point in [-180, 180)
    ue = np.concatenate([u - 360.0, u, u + 360.0])
    lae = np.concatenate([la, la, la])
    order = np.argsort(ue, kind="stable")  # guards against tiny non-monotonic wiggles
    ue, lae = ue[order], lae[order]
    lat_edge = float(np.interp(-180.0, ue, lae))
    inner = (ue > -180.0) & (ue < 180.0)
    xs = np.concatenate([[-180.0], ue[inner], [180.0, 180.0, -180.0]])
    ys = np.concatenate([[lat_edge], lae[inner], [lat_edge, pole_lat, pole_lat]])
    poly = Polygon(np.column_stack([xs, ys]))
    if not poly.is_valid:
        poly = shapely.make_valid(poly)  # type: ignore[assignment]
    return orient(poly)


def line_length_km(geometry: BaseGeometry | None) -> float:
    """WGS84 geodesic length (km) of a lon/lat line or multi-line (degrees; e.g. a track's part inside a
    circle, split at the antimeridian); 0 for None or an empty geometry."""
    if geometry is None or geometry.is_empty:
        return 0.0
    return float(_geod().geometry_length(geometry)) / 1000.0


def geodesic_circle(lat: float, lon: float, radius_km: float, n: int = 181) -> Polygon | MultiPolygon:
    """The WGS84 geodesic circle (points within ``radius_km`` km of (lat, lon)) as a shapely geometry in
    (lon, lat) degrees, every vertex inside [-180, 180] × [-90, 90], always ``.is_valid``.

    - ordinary circle: a Polygon;
    - circle crossing the antimeridian: a MultiPolygon of two parts, one ending at +180 and one
      starting at -180 (the ring is cut there with interpolated latitudes);
    - circle containing one pole: a Polygon whose ring reaches lat ±90 along the full longitude range
      [-180, 180] — on a lon/lat map, everything poleward of the ring at every longitude;
    - circle containing both poles (radius over ~10,000 km near the equator): the world minus the
      (split) region outside the ring.

    Edges are straight in lon/lat between ring vertices ``n`` at 360/(n-1)° azimuth steps; with the
    default n = 181 the area differs from the true circle by well under 1 %.
    """
    r = _check_radius(radius_km)
    lats, lons = _ring(lat, lon, r, n)
    north, south = _poles_inside(lat, lon, r)
    if north != south:
        return _polar_cap_polygon(lats, lons, 90.0 if north else -90.0)
    u = _unwrap_near(lons, float(lon))
    ring_poly = Polygon(np.column_stack([u, lats]))
    if not ring_poly.is_valid:
        ring_poly = shapely.make_valid(ring_poly)  # type: ignore[assignment]
    split = _split_unwrapped_polygon(ring_poly)
    if north and south:
        rest = _WORLD.difference(split)
        if isinstance(rest, Polygon):
            return orient(rest)
        return MultiPolygon([orient(g) for g in rest.geoms if isinstance(g, Polygon)])
    return split


def in_circle(
    lats: ArrayLike,
    lons: ArrayLike,
    lat0: float,
    lon0: float,
    radius_km: float,
    method: str = "geodesic",
) -> NDArray[np.bool_]:
    """Boolean mask: distance of each (lat, lon) from (lat0, lon0) ≤ ``radius_km`` km.

    Distance based, so it is correct across the antimeridian and over the poles. ``method`` is
    ``"geodesic"`` (WGS84, default) or ``"haversine"`` (sphere; ±0.6 % on the distance). NaN → False.
    """
    if method == "geodesic":
        d = geodesic_distance_km(lats, lons, lat0, lon0)
    elif method == "haversine":
        d = haversine_km(lats, lons, lat0, lon0)
    else:
        raise ValueError(f"method must be 'geodesic' or 'haversine', got {method!r}")
    with np.errstate(invalid="ignore"):
        return np.asarray(np.asarray(d) <= float(radius_km), dtype=bool)


def split_antimeridian(
    lons: Sequence[float] | ArrayLike, lats: Sequence[float] | ArrayLike
) -> LineString | MultiLineString:
    """A ground track (points in time order, degrees) as a (lon, lat) LineString, or a MultiLineString
    cut where a step crosses ±180 (detected as a longitude jump > 180°).

    At each crossing the latitude is interpolated linearly in (unwrapped lon, lat); the piece before it
    ends at ±180 and the next piece starts at ∓180 with that latitude. Non-finite points are dropped.
    Longitudes are wrapped to [-180, 180) first (except the inserted +180 end points).
    """
    x = np.asarray(lons, dtype=float).ravel()
    y = np.asarray(lats, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"lons and lats differ in length: {x.size} vs {y.size}")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = np.asarray(wrap_lon(x[ok]), dtype=float).reshape(-1), y[ok]
    if x.size < 2:
        raise ValueError("a track needs at least two finite points")
    dx = np.diff(x)
    cross = np.flatnonzero(np.abs(dx) > 180.0)
    if cross.size == 0:
        return LineString(np.column_stack([x, y]))
    pieces: list[np.ndarray] = []
    start = 0
    head: list[tuple[float, float]] = []
    for i in cross:
        x0, y0, x1, y1 = x[i], y[i], x[i + 1], y[i + 1]
        edge = 180.0 if dx[i] < 0 else -180.0  # eastward over +180 (179 → -179) or westward over -180
        x1u = x1 + 360.0 if dx[i] < 0 else x1 - 360.0
        f = (edge - x0) / (x1u - x0) if x1u != x0 else 0.0
        yc = y0 + f * (y1 - y0)
        body = np.column_stack([x[start : i + 1], y[start : i + 1]])
        pieces.append(np.vstack([np.array(head).reshape(-1, 2), body, [[edge, yc]]]))
        head = [(-edge, yc)]
        start = int(i) + 1
    pieces.append(np.vstack([np.array(head).reshape(-1, 2), np.column_stack([x[start:], y[start:]])]))
    lines = []
    for p in pieces:
        keep = np.ones(len(p), dtype=bool)
        keep[1:] = np.any(np.diff(p, axis=0) != 0.0, axis=1)  # drop repeated vertices
        p = p[keep]
        if len(p) >= 2:
            lines.append(LineString(p))
    if len(lines) == 1:
        return lines[0]
    return MultiLineString(lines)
