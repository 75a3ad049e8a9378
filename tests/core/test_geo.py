"""Tests of core.geo: Dobrovolsky radius, distances, geodesic circles across the antimeridian and poles."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon

from core import geo
from core.geo import (
    EARTH_RADIUS_KM,
    circle_lonlat,
    destination_point,
    dobrovolsky_radius_km,
    geodesic_circle,
    geodesic_distance_km,
    haversine_km,
    in_circle,
    split_antimeridian,
    wrap_lon,
)

PARIS = (48.8566, 2.3522)
NEW_YORK = (40.7128, -74.0060)


def vincenty_inverse_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Independent WGS84 reference: Vincenty's (1975) inverse formula, iterated to 1e-12 rad."""
    a, f = 6378137.0, 1 / 298.257223563
    b = (1 - f) * a
    u1, u2 = (
        math.atan((1 - f) * math.tan(math.radians(lat1))),
        math.atan((1 - f) * math.tan(math.radians(lat2))),
    )
    big_l = math.radians(lon2 - lon1)
    lam = big_l
    for _ in range(200):
        sin_l, cos_l = math.sin(lam), math.cos(lam)
        sin_s = math.hypot(
            math.cos(u2) * sin_l, math.cos(u1) * math.sin(u2) - math.sin(u1) * math.cos(u2) * cos_l
        )
        cos_s = math.sin(u1) * math.sin(u2) + math.cos(u1) * math.cos(u2) * cos_l
        sigma = math.atan2(sin_s, cos_s)
        sin_a = math.cos(u1) * math.cos(u2) * sin_l / sin_s
        cos2_a = 1 - sin_a**2
        cos_2sm = cos_s - 2 * math.sin(u1) * math.sin(u2) / cos2_a
        c = f / 16 * cos2_a * (4 + f * (4 - 3 * cos2_a))
        lam_prev = lam
        lam = big_l + (1 - c) * f * sin_a * (
            sigma + c * sin_s * (cos_2sm + c * cos_s * (-1 + 2 * cos_2sm**2))
        )
        if abs(lam - lam_prev) < 1e-12:
            break
    u_sq = cos2_a * (a**2 - b**2) / b**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    d_sigma = (
        big_b
        * sin_s
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_s * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_s**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return b * big_a * (sigma - d_sigma) / 1000.0


def random_points_near(lat0: float, lon0: float, radius_km: float, n: int, seed: int = 0):
    """Points at random azimuths and distances 0…2R from the centre."""
    rng = np.random.default_rng(seed)
    lat, lon = destination_point(lat0, lon0, rng.uniform(0, 360, n), rng.uniform(0, 2 * radius_km, n))
    return np.asarray(lat), np.asarray(lon)


def assert_polygon_matches_distance(geom, lat0, lon0, radius_km, n=4000, tol=0.01):
    """Polygon membership equals distance ≤ R for every test point not within tol·R of the rim."""
    lat, lon = random_points_near(lat0, lon0, radius_km, n)
    d = geodesic_distance_km(lat, lon, lat0, lon0)
    inside = shapely.contains_xy(geom, lon, lat) | shapely.intersects_xy(geom.boundary, lon, lat)
    clear = np.abs(d - radius_km) > tol * radius_km
    assert clear.sum() > 0.9 * n
    np.testing.assert_array_equal(inside[clear], d[clear] <= radius_km)


# ----------------------------------------------------------------------------------------------- radius


def test_dobrovolsky_radius_values():
    assert dobrovolsky_radius_km(5.0) == pytest.approx(141.3, abs=1)
    assert dobrovolsky_radius_km(6.0) == pytest.approx(380.2, abs=1)
    assert dobrovolsky_radius_km(7.0) == pytest.approx(1023.3, abs=1)
    r = dobrovolsky_radius_km([5.0, 6.0, 7.0])
    assert isinstance(r, np.ndarray) and r.shape == (3,)
    np.testing.assert_allclose(r, 10 ** (0.43 * np.array([5.0, 6.0, 7.0])))
    assert isinstance(dobrovolsky_radius_km(5), float)


def test_wrap_lon():
    np.testing.assert_array_equal(
        wrap_lon([180.0, -180.0, 190.0, -190.0, 540.0, 0.0]), [-180, -180, -170, 170, -180, 0]
    )
    w = wrap_lon(np.linspace(-1000, 1000, 10001))
    assert np.all((w >= -180) & (w < 180))
    assert wrap_lon(179.5) == 179.5


# -------------------------------------------------------------------------------------------- distances


def test_paris_new_york_wgs84_against_vincenty():
    d = geodesic_distance_km(*PARIS, *NEW_YORK)
    ref = vincenty_inverse_km(*PARIS, *NEW_YORK)
    assert d == pytest.approx(ref, abs=1e-3)  # metre agreement with an independent method
    assert d == pytest.approx(5852.9, abs=0.5)
    # the often-quoted ~5837 km is the spherical value
    assert haversine_km(*PARIS, *NEW_YORK) == pytest.approx(5837.2, abs=0.5)


def test_distance_broadcasting_and_nan():
    lats = np.array([[0.0], [10.0]])
    lons = np.array([0.0, 1.0, 2.0])
    d = geodesic_distance_km(lats, lons, 0.0, 0.0)
    h = haversine_km(lats, lons, 0.0, 0.0)
    assert d.shape == h.shape == (2, 3)
    assert d[0, 0] == 0.0
    assert d[0, 1] == pytest.approx(111.32, abs=0.01)  # one degree along the equator
    assert np.isnan(geodesic_distance_km(np.nan, 0.0, 0.0, 0.0))
    assert np.isnan(haversine_km(np.nan, 0.0, 0.0, 0.0))
    # across the antimeridian: 0.2° of longitude at the equator
    assert geodesic_distance_km(0.0, 179.9, 0.0, -179.9) == pytest.approx(22.264, abs=0.01)


def test_haversine_error_against_wgs84():
    """Measured: -0.45 % … +0.56 % relative error for 1-2000 km (documented in core.geo)."""
    rng = np.random.default_rng(42)
    n = 50_000
    lat1 = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    lon1 = rng.uniform(-180, 180, n)
    dist = rng.uniform(1.0, 2000.0, n)
    lat2, lon2 = destination_point(lat1, lon1, rng.uniform(0, 360, n), dist)
    g = geodesic_distance_km(lat1, lon1, lat2, lon2)
    np.testing.assert_allclose(g, dist, rtol=1e-9)
    rel = (haversine_km(lat1, lon1, lat2, lon2) - g) / g
    assert np.abs(rel).max() < 0.006
    assert 0.004 < np.abs(rel).max()  # the error is real and of the stated size
    assert np.sqrt(np.mean(rel**2)) < 0.003
    # worst case: north-south near the equator (meridional radius of curvature 6335 km < 6371 km)
    worst = (haversine_km(-5.0, 0.0, 5.0, 0.0) - geodesic_distance_km(-5.0, 0.0, 5.0, 0.0)) / 1105.8
    assert worst == pytest.approx(0.0056, abs=0.0002)


def test_destination_point_round_trip_and_wrap():
    lat, lon = destination_point(0.0, 179.9, 90.0, 100.0)
    assert -180 <= lon < 180 and lon == pytest.approx(-179.2017, abs=1e-3)
    assert lat == pytest.approx(0.0, abs=1e-9)
    lats, lons = destination_point(np.array([10.0, -30.0]), np.array([20.0, 170.0]), [45.0, 300.0], 500.0)
    np.testing.assert_allclose(
        geodesic_distance_km(lats, lons, [10.0, -30.0], [20.0, 170.0]), 500.0, rtol=1e-10
    )


# ---------------------------------------------------------------------------------------------- circles


def test_circle_lonlat_is_closed_continuous_and_on_the_circle():
    r = dobrovolsky_radius_km(7.0)
    lats, lons = circle_lonlat(-17.0, 179.5, r)
    assert lats.shape == lons.shape == (181,)
    assert (lats[0], lons[0]) == (lats[-1], lons[-1])
    assert np.abs(np.diff(lons)).max() < 5.0  # no jump: plotted without a stroke across the map
    assert lons.max() > 180.0  # runs past +180 continuously
    assert lons[0] == pytest.approx(179.5)
    np.testing.assert_allclose(geodesic_distance_km(lats, lons, -17.0, 179.5), r, rtol=1e-9)
    _, wrapped = circle_lonlat(-17.0, 179.5, r, unwrap=False)
    assert np.all((wrapped >= -180) & (wrapped < 180))


def test_circle_lonlat_around_pole_is_returned_as_is():
    lats, lons = circle_lonlat(85.0, 0.0, 1000.0)
    assert np.all((lons >= -180) & (lons < 180))
    assert np.abs(np.diff(lons)).max() > 300.0  # the single wrap of a ring that encloses the pole
    np.testing.assert_allclose(geodesic_distance_km(lats, lons, 85.0, 0.0), 1000.0, rtol=1e-9)


def test_ordinary_circle_is_a_polygon():
    g = geodesic_circle(35.0, 140.0, 380.0)
    assert isinstance(g, Polygon) and g.is_valid
    assert g.contains(Point(140.0, 35.0))
    assert_polygon_matches_distance(g, 35.0, 140.0, 380.0)


def test_circle_across_antimeridian():
    r = dobrovolsky_radius_km(7.0)
    g = geodesic_circle(-17.0, 179.5, r)
    assert isinstance(g, MultiPolygon) and g.is_valid and len(g.geoms) == 2
    for part in g.geoms:
        minx, miny, maxx, maxy = part.bounds
        assert -180.0 <= minx and maxx <= 180.0
    assert g.contains(Point(179.9, -17.0))
    assert g.contains(Point(-179.9, -17.0))
    assert g.contains(Point(179.5, -17.0))
    assert not g.contains(Point(0.0, -17.0))
    # both parts meet the line at the same latitudes
    east = max(g.geoms, key=lambda p: p.bounds[2])
    west = min(g.geoms, key=lambda p: p.bounds[0])
    assert east.bounds[2] == 180.0 and west.bounds[0] == -180.0
    assert east.bounds[1] == pytest.approx(west.bounds[1], abs=0.05)
    assert_polygon_matches_distance(g, -17.0, 179.5, r)


def test_circle_at_high_latitude():
    r = dobrovolsky_radius_km(7.0)  # at lat 64 the circle spans ~40° of longitude but misses the pole
    g = geodesic_circle(64.0, -150.0, r)
    assert isinstance(g, Polygon) and g.is_valid
    assert g.bounds[3] < 90.0
    assert_polygon_matches_distance(g, 64.0, -150.0, r)
    g2 = geodesic_circle(64.0, 178.0, r)  # high latitude and the antimeridian together
    assert isinstance(g2, MultiPolygon) and g2.is_valid
    assert_polygon_matches_distance(g2, 64.0, 178.0, r)


def test_circle_containing_the_north_pole():
    g = geodesic_circle(85.0, 0.0, 1000.0)
    assert isinstance(g, Polygon) and g.is_valid
    assert g.bounds == pytest.approx((-180.0, g.bounds[1], 180.0, 90.0))
    for lon in np.linspace(-180.0, 180.0, 37):
        assert g.covers(Point(lon, 89.9)), lon  # ±180 lie on the polygon's edge: covered, not interior
    assert g.contains(Point(-179.99, 89.9)) and g.contains(Point(123.4, 89.9))
    assert g.contains(Point(0.0, 85.0))
    assert not g.contains(Point(180.0, 80.0))  # beyond the pole the ring is at ~86° N
    assert g.bounds[1] == pytest.approx(85.0 - 1000.0 / 111.7, abs=0.1)
    assert_polygon_matches_distance(g, 85.0, 0.0, 1000.0)


def test_circle_containing_the_south_pole_across_antimeridian():
    g = geodesic_circle(-80.0, 175.0, 1500.0)
    assert isinstance(g, Polygon) and g.is_valid
    assert g.bounds[1] == -90.0
    assert g.contains(Point(-3.0, -89.9)) and g.contains(Point(-179.99, -80.0))
    assert_polygon_matches_distance(g, -80.0, 175.0, 1500.0)


def test_circle_containing_both_poles():
    g = geodesic_circle(0.0, 0.0, 12_000.0)  # an equatorial circle larger than a quarter meridian
    assert g.is_valid
    assert g.contains(Point(0.0, 89.9)) and g.contains(Point(0.0, -89.9))
    assert not g.contains(Point(180.0, 0.0))
    assert_polygon_matches_distance(g, 0.0, 0.0, 12_000.0)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-89.0, 89.0),
    lon=st.floats(-180.0, 179.999),
    radius=st.floats(20.0, 5000.0),
)
def test_circle_always_valid_and_contains_centre(lat, lon, radius):
    g = geodesic_circle(lat, lon, radius, n=91)
    assert g.is_valid and not g.is_empty
    assert isinstance(g, (Polygon, MultiPolygon))
    minx, miny, maxx, maxy = g.bounds
    assert -180.0 <= minx and maxx <= 180.0 and -90.0 <= miny and maxy <= 90.0
    assert g.intersects(Point(lon, lat))


def test_circle_rejects_bad_radius():
    with pytest.raises(ValueError):
        geodesic_circle(0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        circle_lonlat(0.0, 0.0, -5.0)
    with pytest.raises(ValueError):
        geodesic_circle(0.0, 0.0, 25_000.0)


# -------------------------------------------------------------------------------------------- in_circle


@pytest.mark.parametrize("method", ["geodesic", "haversine"])
def test_in_circle_matches_brute_force(method):
    lat0, lon0, r = -17.0, 179.5, 700.0
    lat, lon = random_points_near(lat0, lon0, r, 500, seed=3)
    lat = np.append(lat, np.nan)
    lon = np.append(lon, 0.0)
    mask = in_circle(lat, lon, lat0, lon0, r, method=method)
    dist = geodesic_distance_km if method == "geodesic" else haversine_km
    brute = np.array([bool(dist(a, b, lat0, lon0) <= r) for a, b in zip(lat, lon, strict=True)])
    np.testing.assert_array_equal(mask, brute)
    assert mask.dtype == bool and not mask[-1]
    east, west = lon > 0, lon < 0  # points on both sides of the antimeridian are selected
    assert mask[east].any() and mask[west].any()


def test_in_circle_unknown_method():
    with pytest.raises(ValueError):
        in_circle([0.0], [0.0], 0.0, 0.0, 10.0, method="flat")


def test_haversine_radius_constant():
    assert EARTH_RADIUS_KM == 6371.0088
    assert set(geo.__all__) >= {"geodesic_circle", "in_circle", "split_antimeridian", "EARTH_RADIUS_KM"}


# ---------------------------------------------------------------------------------- split_antimeridian


def test_split_antimeridian_eastward():
    line = split_antimeridian([178.0, 179.0, -179.0, -178.0], [0.0, 1.0, 2.0, 3.0])
    assert isinstance(line, MultiLineString) and len(line.geoms) == 2
    a, b = (np.asarray(g.coords) for g in line.geoms)
    np.testing.assert_allclose(a[-1], [180.0, 1.5])
    np.testing.assert_allclose(b[0], [-180.0, 1.5])
    np.testing.assert_allclose(a[0], [178.0, 0.0])
    np.testing.assert_allclose(b[-1], [-178.0, 3.0])


def test_split_antimeridian_westward_and_interpolated_latitude():
    line = split_antimeridian([-179.0, 178.0], [10.0, 13.0])  # 3° of lon westward, crossing 1/3 of the way
    a, b = (np.asarray(g.coords) for g in line.geoms)
    np.testing.assert_allclose(a, [[-179.0, 10.0], [-180.0, 11.0]])
    np.testing.assert_allclose(b, [[180.0, 11.0], [178.0, 13.0]])


def test_split_antimeridian_polar_orbit_track():
    # a synthetic polar track: longitude drifts east through the antimeridian twice
    t = np.linspace(0.0, 1.0, 400)
    lons = wrap_lon(150.0 + 420.0 * t)
    lats = 80.0 * np.sin(2 * np.pi * t)
    line = split_antimeridian(lons, lats)
    assert isinstance(line, MultiLineString) and len(line.geoms) == 3
    for part in line.geoms:
        xs = np.asarray(part.coords)[:, 0]
        assert xs.min() >= -180.0 and xs.max() <= 180.0
        assert np.abs(np.diff(xs)).max() < 10.0
    assert line.is_valid


def test_split_antimeridian_no_crossing_and_errors():
    line = split_antimeridian([10.0, 11.0, np.nan, 12.0], [0.0, 1.0, 2.0, 3.0])
    assert isinstance(line, LineString) and len(line.coords) == 3
    with pytest.raises(ValueError):
        split_antimeridian([1.0], [2.0])
    with pytest.raises(ValueError):
        split_antimeridian([1.0, 2.0], [2.0])
    # a point exactly at ±180 makes no degenerate piece
    line = split_antimeridian([170.0, 180.0, -170.0], [0.0, 1.0, 2.0])
    assert all(g.length > 0 for g in getattr(line, "geoms", [line]))
