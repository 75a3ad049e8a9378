"""Property tests (hypothesis) of the geometry, the windowing and the catalog readers.

What the example-based tests (``test_geo.py``, ``test_windows.py``, ``test_catalog.py``) check at a few
hand-picked points is checked here for random inputs:

- geometry: the geodesic Dobrovolsky circle *polygon* agrees with brute-force WGS84 distances for random
  centres, with extra weight near the antimeridian and the poles; R = 10^(0.43·M) km for any magnitude;
  the haversine error against WGS84 stays inside the bounds stated in ``docs/windows.md`` ("Distances"), and
  so does the disagreement of ``in_circle(method="haversine")`` with the geodesic test; a track split at the
  antimeridian keeps every point and never jumps across the map;
- windowing: for random straight passes (gaps, fill values, one product missing, unreadable files, passes
  before, inside and after the time window) and random settings, every sequence has exactly L steps, no
  step of a sequence is at or after the origin time, every step lies inside the circle, and every event
  ends with samples or with exactly one reason of :data:`core.windows.REASONS`;
- catalogs: random valid events written as ComCat CSV, GeoJSON and QuakeML read back to the same normalised
  values; random garbage rows are dropped and counted in the :class:`core.catalog.LoadReport`, never crash,
  and never cost a good row.

Passes are built in memory and read through a patched :func:`core.io.read_pass` (the file formats have
their own tests), so the windowing properties run in milliseconds per example. Each property keeps
``max_examples`` modest and ``deadline=None`` (2 shared cores).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import warnings
from collections import Counter
from pathlib import Path
from unittest import mock
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from core.catalog import CatalogError, load_catalog
from core.geo import (
    destination_point,
    dobrovolsky_radius_km,
    geodesic_circle,
    geodesic_distance_km,
    haversine_km,
    in_circle,
    split_antimeridian,
)
from core.passes import PassFormatError, make_pass
from core.windows import REASONS, Target, WindowSettings, select_passes, window_event
from tests.helpers import COMCAT_HEADER
from tests.helpers import LINE_BASE_VALUES as BASE_VALUES
from tests.helpers import LINE_PRODUCTS as PRODUCTS

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------------- geometry

# centres: anywhere, plus extra weight within 10° of the antimeridian and of the poles
LATS = st.one_of(
    st.floats(-89.99, 89.99), st.floats(78.0, 89.99), st.floats(-89.99, -78.0), st.sampled_from([0.0, 64.0])
)
LONS = st.one_of(
    st.floats(-180.0, 180.0, exclude_max=True),
    st.floats(170.0, 180.0, exclude_max=True),
    st.floats(-180.0, -170.0),
)
SEEDS = st.integers(0, 2**32 - 1)


def _points_around(lat: float, lon: float, radius_km: float, n: int, seed: int):
    """n points at uniform random azimuths and distances 0…2R from the centre."""
    rng = np.random.default_rng(seed)
    la, lo = destination_point(lat, lon, rng.uniform(0.0, 360.0, n), rng.uniform(0.0, 2.0 * radius_km, n))
    return np.asarray(la), np.asarray(lo)


@PROPERTY
@given(lat=LATS, lon=LONS, mag=st.floats(4.0, 7.6), seed=SEEDS)
def test_dobrovolsky_circle_polygon_matches_brute_force_distance(lat, lon, mag, seed) -> None:
    radius = float(dobrovolsky_radius_km(mag))  # 52 … 1850 km
    circle = geodesic_circle(lat, lon, radius)
    assert circle.is_valid
    la, lo = _points_around(lat, lon, radius, 300, seed)
    d = geodesic_distance_km(la, lo, lat, lon)
    inside = shapely.contains_xy(circle, lo, la) | shapely.intersects_xy(circle.boundary, lo, la)
    # the polygon's edges are straight in lon/lat between vertices 2° of azimuth apart: the rim is
    # uncertain by a small fraction of R (measured ≤ 0.02 %); away from it membership must be exact
    clear = np.abs(d - radius) > 0.005 * radius
    np.testing.assert_array_equal(inside[clear], d[clear] <= radius)
    # and the centre itself is always in its circle
    assert circle.intersects(shapely.Point(lon, lat))


@PROPERTY
@given(mag=st.floats(-2.0, 10.0), factor=st.floats(0.1, 5.0), dm=st.floats(0.0, 2.0))
def test_dobrovolsky_radius_formula(mag, factor, dm) -> None:
    r = dobrovolsky_radius_km(mag)
    assert isinstance(r, float)
    assert r == pytest.approx(10.0 ** (0.43 * mag), rel=1e-12)
    assert np.log10(r) / 0.43 == pytest.approx(mag, abs=1e-9)
    # vectorised: the same numbers element by element
    arr = dobrovolsky_radius_km(np.array([mag, mag + dm]))
    assert isinstance(arr, np.ndarray) and arr.shape == (2,)
    assert arr[0] == r and arr[1] >= r  # monotone in M
    assert arr[1] / arr[0] == pytest.approx(10.0 ** (0.43 * dm), rel=1e-9)
    # the windowing's circle is radius_value × R
    assert WindowSettings(radius_value=factor, quiet=False).radius_km(mag) == pytest.approx(factor * r)


@PROPERTY
@given(
    lat=LATS,
    lon=LONS,
    azimuth=st.floats(0.0, 360.0),
    dist_km=st.floats(1.0, 2000.0),
)
def test_haversine_error_within_the_documented_bounds(lat, lon, azimuth, dist_km) -> None:
    """core.geo: haversine vs WGS84 between -0.45 % and +0.56 % for 1-2000 km (the sphere's radius against
    the meridional radius of curvature at the poles / at the equator)."""
    lat2, lon2 = destination_point(lat, lon, azimuth, dist_km)
    g = float(geodesic_distance_km(lat, lon, lat2, lon2))
    assert g == pytest.approx(dist_km, rel=1e-9)
    rel = (float(haversine_km(lat, lon, lat2, lon2)) - g) / g
    assert -0.0045 <= rel <= 0.0057, rel
    # symmetric in its two points
    assert float(haversine_km(lat2, lon2, lat, lon)) == pytest.approx(g * (1 + rel), rel=1e-12)


@PROPERTY
@given(lat=LATS, lon=LONS, radius=st.floats(20.0, 3000.0), seed=SEEDS)
def test_in_circle_haversine_disagrees_only_near_the_rim(lat, lon, radius, seed) -> None:
    """in_circle's docstring: the haversine method is within ±0.6 % of the geodesic distance."""
    la, lo = _points_around(lat, lon, radius, 200, seed)
    d = geodesic_distance_km(la, lo, lat, lon)
    geodesic = in_circle(la, lo, lat, lon, radius)
    np.testing.assert_array_equal(geodesic, d <= radius)
    sphere = in_circle(la, lo, lat, lon, radius, method="haversine")
    differ = geodesic != sphere
    assert np.all(np.abs(d[differ] - radius) <= 0.006 * d[differ])


@PROPERTY
@given(
    lon0=st.floats(-180.0, 180.0, exclude_max=True),
    steps=st.lists(st.floats(-20.0, 20.0), min_size=1, max_size=30),
    lat0=st.floats(-80.0, 80.0),
)
def test_split_antimeridian_keeps_every_point_and_never_jumps(lon0, steps, lat0) -> None:
    lons = lon0 + np.concatenate([[0.0], np.cumsum(steps)])
    lats = lat0 + np.linspace(0.0, 5.0, lons.size)
    track = split_antimeridian(lons, lats)
    parts = list(getattr(track, "geoms", [track]))
    xy = np.vstack([np.asarray(p.coords) for p in parts])
    assert xy[:, 0].min() >= -180.0 and xy[:, 0].max() <= 180.0
    for p in parts:
        assert np.abs(np.diff(np.asarray(p.coords)[:, 0])).max(initial=0.0) <= 180.0
    # every input point is a vertex of the output (wrapped; repeated points collapse into one)
    wrapped = np.mod(lons + 180.0, 360.0) - 180.0
    for x, y in zip(wrapped, lats, strict=True):
        near = (np.abs(xy[:, 1] - y) < 1e-9) & (
            (np.abs(xy[:, 0] - x) < 1e-9) | (np.abs(np.abs(xy[:, 0]) - 180.0) < 1e-9) & (abs(x) > 179.999)
        )
        assert near.any(), (x, y)


# -------------------------------------------------------------------------------------------- windowing

T0_NS = int(np.datetime64("2019-03-10T00:00:00", "ns").astype(np.int64))
SECOND_NS = 1_000_000_000
HOUR_NS = 3600 * SECOND_NS


def _line_product(product: str, orbit: int, half: str, start_ns: int, spec: dict) -> object:
    """One CSES product pass of a straight track (the geometry of tests/core/test_windows.py, in memory)."""
    (name, cadence, instrument, names) = next(p for p in PRODUCTS["CSES-01"] if p[0] == product)
    ks = np.array([k for k in range(0, spec["n"], cadence) if k not in spec["drop"]], dtype=np.int64)
    lat = spec["lat0"] + spec["dlat"] * ks
    lon = spec["lon0"] + spec["dlon"] * ks
    rng = np.random.default_rng(spec["seed"])
    variables = {}
    for var in names:
        v = np.full(ks.size, BASE_VALUES[var]) * rng.uniform(0.8, 1.2, ks.size)
        v[rng.random(ks.size) < spec["nan_frac"]] = np.nan  # fill values
        variables[var] = (v, {})
    return make_pass(
        (start_ns + ks * SECOND_NS).astype("datetime64[ns]"),
        lat,
        lon,
        np.full(ks.size, 507.0),
        lat,
        variables,
        satellite="CSES-01",
        instrument=instrument,
        product=name,
        orbit=orbit,
        half=half,
        source_file="memory",
    )


INDEX_COLUMNS = [
    "path",
    "satellite",
    "instrument",
    "product",
    "orbit",
    "half",
    "start",
    "end",
    "n_samples",
    "error",
    "geometry",
]


def _index_row(path: str, ds) -> dict:
    t = ds["time"].values
    track = split_antimeridian(ds["lon"].values, ds["lat"].values)
    return {
        "path": path,
        "satellite": ds.attrs["satellite"],
        "instrument": ds.attrs["instrument"],
        "product": ds.attrs["product"],
        "orbit": ds.attrs["orbit"],
        "half": ds.attrs["half"],
        "start": pd.Timestamp(t[0], tz="UTC"),
        "end": pd.Timestamp(t[-1], tz="UTC"),
        "n_samples": t.size,
        "error": None,
        "geometry": shapely.simplify(track, 0.02),
    }


PASS_SPEC = st.fixed_dictionaries(
    {
        "offset_h": st.floats(-70.0, 2.0),  # pass start relative to the first event, hours
        "n": st.integers(40, 260),  # seconds of flight
        "dlat": st.sampled_from([-0.06, -0.05, -0.03, 0.03, 0.05, 0.06]),
        "dlon": st.floats(-0.01, 0.01),
        "lon_off": st.floats(-1.5, 1.5),
        "lat_jitter": st.floats(-1.0, 1.0),
        "gap_at": st.integers(0, 260),
        "gap_len": st.sampled_from([0, 0, 1, 2, 3, 5, 12]),
        "nan_frac": st.sampled_from([0.0, 0.0, 0.05, 0.3, 1.0]),
        "products": st.sampled_from([("PAP_0", "LAP_1"), ("PAP_0", "LAP_1"), ("PAP_0",), ("LAP_1",)]),
        "half": st.sampled_from(["night", "day"]),
        "unreadable": st.sampled_from([False] * 5 + [True]),  # its files fail to read
        "seed": SEEDS,
    }
)


@st.composite
def window_settings(draw) -> WindowSettings:
    rule = draw(st.sampled_from(["dobrovolsky", "km", "deg"]))
    value = draw(
        {
            "dobrovolsky": st.floats(0.5, 3.0),
            "km": st.floats(30.0, 600.0),
            "deg": st.floats(0.3, 4.0),
        }[rule]
    )
    length = draw(st.integers(1, 30))
    return WindowSettings(
        radius_rule=rule,
        radius_value=value,
        length=length,
        stride=draw(st.one_of(st.none(), st.integers(1, 30))),
        days_before=draw(st.floats(0.5, 5.0)),
        half=draw(st.sampled_from(["night", "day", "both"])),
        quiet=False,
        max_gap_steps=draw(st.integers(0, 4)),
        max_nan_frac=draw(st.floats(0.0, 1.0)),
        interp_max_cadences=draw(st.floats(1.0, 3.0)),
        cadence_s=draw(st.sampled_from([None, 1.0, 3.0])),
        log_density=draw(st.booleans()),
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    s=window_settings(),
    lat0=st.floats(-60.0, 60.0),
    lon0=st.one_of(st.floats(-180.0, 180.0, exclude_max=True), st.floats(178.0, 180.0, exclude_max=True)),
    mag=st.floats(5.0, 7.0),
    specs=st.lists(PASS_SPEC, max_size=4),
    event_offsets_h=st.lists(st.floats(0.0, 30.0), min_size=1, max_size=3),
)
def test_windowing_invariants(s, lat0, lon0, mag, specs, event_offsets_h) -> None:
    store: dict[str, object] = {}
    rows = []
    starts: dict[int, list[int]] = {}  # orbit → first time of each of its product files
    for orbit, spec in enumerate(specs, start=1):
        start = T0_NS + round(spec["offset_h"] * HOUR_NS)
        n = spec["n"]
        geo = {
            "n": n,
            "lat0": lat0 + spec["lat_jitter"] - spec["dlat"] * n / 2,
            "dlat": spec["dlat"],
            "lon0": lon0 + spec["lon_off"],
            "dlon": spec["dlon"],
            "drop": set(range(spec["gap_at"], spec["gap_at"] + spec["gap_len"])),
            "nan_frac": spec["nan_frac"],
            "seed": spec["seed"],
        }
        for product in spec["products"]:
            ds = _line_product(product, orbit, spec["half"], start, geo)
            if ds.sizes["time"] < 2:
                continue
            path = f"{orbit:05d}_{product}.h5"
            store[path] = PassFormatError(f"{path}: damaged") if spec["unreadable"] else ds
            rows.append(_index_row(path, ds))
            starts.setdefault(orbit, []).append(int(ds["time"].values[0].astype(np.int64)))
    frame = pd.DataFrame(rows, columns=INDEX_COLUMNS)
    index = gpd.GeoDataFrame(frame, geometry=list(frame["geometry"]), crs="EPSG:4326")
    targets = [
        Target(f"ev{k}", T0_NS + round(h * HOUR_NS), lat0, lon0, mag) for k, h in enumerate(event_offsets_h)
    ]
    root = Path("/nonexistent") / uuid.uuid4().hex  # a fresh key for the observation cache

    def read_pass(path: Path):
        ds = store[Path(path).name]
        if isinstance(ds, Exception):
            raise ds
        return ds

    with mock.patch("core.io.read_pass", side_effect=read_pass):
        selections = select_passes(index, targets, s)
        results = [window_event(t, sel, root, s) for t, sel in zip(targets, selections, strict=True)]

    L, F = s.length, len(s.features)
    cadence_ns = round(s.cadence_for("CSES-01") * SECOND_NS)
    outcomes = Counter()
    for tgt, res in zip(targets, results, strict=True):
        # exactly one outcome: samples, or one reason
        assert (res.outcome == "ok") == (res.n > 0)
        assert res.outcome == "ok" or res.outcome in REASONS
        outcomes[res.outcome] += 1
        # every sequence has exactly L steps
        assert res.X.shape == (res.n, L, F) and res.lat.shape == res.lon.shape == (res.n, L)
        assert len(res.t_start) == len(res.hours_before) == len(res.dist_km) == len(res.orbit) == res.n
        # nothing at or after the origin time; the hours before agree with the start
        last_step = res.t_start + (L - 1) * cadence_ns
        assert np.all(last_step < tgt.time_ns)
        np.testing.assert_allclose(res.hours_before, (tgt.time_ns - res.t_start) / HOUR_NS)
        # every step inside the circle (the rule's own metric), dist_km its closest step
        if res.n:
            d = s.distance_km(res.lat, res.lon, tgt.lat, tgt.lon)
            assert np.all(d <= s.radius_km(tgt.mag))
            np.testing.assert_allclose(res.dist_km, d.min(axis=1))
        # only passes that start inside [origin − T, origin) and of the wanted half
        window_ns = s.days_before * 24 * HOUR_NS

        def in_window(t: int, origin: int = tgt.time_ns, span: float = window_ns) -> bool:
            return origin - span <= t < origin

        for orbit, half in zip(res.orbit, res.half, strict=True):
            assert any(in_window(t) for t in starts[orbit])
            assert half in s.halves
        # no pass at all in the window ⇔ "no_coverage"
        covered = any(in_window(t) for ts in starts.values() for t in ts)
        assert (res.outcome == "no_coverage") == (not covered)
        # the window counters add up: cut = kept + dropped by the NaN rules
        c = res.counters
        assert c.get("windows_cut", 0) == res.n + c.get("windows_nan", 0) + c.get("windows_all_nan", 0)
    assert sum(outcomes.values()) == len(targets)


# --------------------------------------------------------------------------------------------- catalogs

IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=2, max_size=12)
PLACE = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co")), max_size=30).map(
    str.strip
)
MS_1973, MS_2030 = 94_694_400_000, 1_924_905_600_000
EVENT = st.fixed_dictionaries(
    {
        "time_ms": st.integers(MS_1973, MS_2030),
        "lat": st.floats(-90.0, 90.0),
        "lon": st.floats(-360.0, 360.0),
        "depth_km": st.floats(-3.0, 700.0),
        "mag": st.floats(-1.0, 9.6),
        "mag_type": st.sampled_from(["mww", "mb", "ml", "Mw", "md"]),
        "place": PLACE,
        "type": st.sampled_from(["earthquake", "quarry blast", "explosion"]),
    }
)


@st.composite
def event_lists(draw, max_size: int = 8) -> list[dict]:
    """Up to ``max_size`` valid events with distinct ids (a random stem + a counter)."""
    stems = draw(st.lists(IDS, min_size=1, max_size=3))
    evs = draw(st.lists(EVENT, max_size=max_size))
    return [{**ev, "event_id": f"{stems[k % len(stems)]}-{k}"} for k, ev in enumerate(evs)]


EVENTS = event_lists()


def _iso(ms: int) -> str:
    return pd.Timestamp(ms, unit="ms").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _comcat_csv(events: list[dict], extra_lines: tuple[str, ...] = ()) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = COMCAT_HEADER.split(",")
    w.writerow(header)
    for ev in events:
        row = dict.fromkeys(header, "")
        row.update(
            time=_iso(ev["time_ms"]),
            latitude=repr(ev["lat"]),
            longitude=repr(ev["lon"]),
            depth=repr(ev["depth_km"]),
            mag=repr(ev["mag"]),
            magType=ev["mag_type"],
            id=ev["event_id"],
            place=ev["place"],
            type=ev["type"],
        )
        row.update(ev.get("override", {}))
        w.writerow([row[h] for h in header])
    return buf.getvalue() + "".join(line + "\n" for line in extra_lines)


def _geojson(events: list[dict]) -> str:
    features = [
        {
            "type": "Feature",
            "id": ev["event_id"],
            "properties": {
                "time": ev["time_ms"],
                "mag": ev["mag"],
                "magType": ev["mag_type"],
                "place": ev["place"],
                "type": ev["type"],
            },
            "geometry": {"type": "Point", "coordinates": [ev["lon"], ev["lat"], ev["depth_km"]]},
        }
        for ev in events
    ]
    return json.dumps({"type": "FeatureCollection", "features": features})


def _quakeml(events: list[dict]) -> str:
    body = []
    for ev in events:
        place = (
            f"<description><type>region name</type><text>{escape(ev['place'])}</text></description>"
            if ev["place"]
            else ""
        )
        body.append(
            f'<event publicID="quakeml:test/event/{ev["event_id"]}">{place}'
            f'<origin publicID="o-{ev["event_id"]}"><time><value>{_iso(ev["time_ms"])}</value></time>'
            f"<latitude><value>{ev['lat']!r}</value></latitude>"
            f"<longitude><value>{ev['lon']!r}</value></longitude>"
            f"<depth><value>{ev['depth_km'] * 1000.0!r}</value></depth></origin>"
            f'<magnitude publicID="m-{ev["event_id"]}"><mag><value>{ev["mag"]!r}</value></mag>'
            f"<type>{ev['mag_type']}</type></magnitude><type>{escape(ev['type'])}</type></event>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<q:quakeml xmlns="http://quakeml.org/xmlns/bed/1.2" '
        'xmlns:q="http://quakeml.org/xmlns/quakeml/1.2"><eventParameters publicID="p">'
        + "".join(body)
        + "</eventParameters></q:quakeml>\n"
    )


def _load(tmp: Path, name: str, text: str):
    path = tmp / f"{uuid.uuid4().hex}-{name}"
    path.write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_catalog(path)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("catalog-properties")


@settings(max_examples=40, deadline=None)
@given(events=EVENTS)
def test_valid_events_round_trip_through_every_reader(scratch, events) -> None:
    expected = pd.DataFrame(
        {
            "event_id": [ev["event_id"] for ev in events],
            "time": pd.to_datetime([ev["time_ms"] for ev in events], unit="ms", utc=True),
            "lat": [ev["lat"] for ev in events],
            "lon": [(ev["lon"] + 180.0) % 360.0 - 180.0 for ev in events],
            "depth_km": [ev["depth_km"] for ev in events],
            "mag": [ev["mag"] for ev in events],
            "mag_type": [ev["mag_type"] for ev in events],
            "place": [ev["place"] for ev in events],
            "type": [ev["type"] for ev in events],
        }
    ).sort_values(["time", "event_id"], kind="stable", ignore_index=True)
    for name, text in (
        ("events.csv", _comcat_csv(events)),
        ("events.geojson", _geojson(events)),
        ("events.xml", _quakeml(events)),
    ):
        gdf = _load(scratch, name, text)
        rep = gdf.attrs["load_report"]
        assert (rep.n_read, rep.n_kept, rep.dropped) == (len(events), len(events), {}), name
        assert list(gdf["event_id"]) == list(expected["event_id"]), name
        np.testing.assert_array_equal(gdf["time"].to_numpy(), expected["time"].to_numpy())
        for col in ("lat", "lon", "mag"):
            np.testing.assert_array_equal(gdf[col].to_numpy(), expected[col].to_numpy(), err_msg=name)
        np.testing.assert_allclose(gdf["depth_km"], expected["depth_km"], rtol=1e-12, atol=1e-12)
        for col in ("mag_type", "place", "type"):
            assert list(gdf[col]) == list(expected[col]), (name, col)
        assert np.all((gdf["lon"] >= -180.0) & (gdf["lon"] < 180.0))
        np.testing.assert_array_equal(gdf.geometry.x, gdf["lon"])


# one corrupted field per garbage row → the reason it must be counted under
CORRUPTIONS: dict[str, tuple[str, st.SearchStrategy[str], str]] = {
    "time_text": (
        "time",
        st.sampled_from(["not-a-time", "2020-13-45T00:00:00Z", "2020-02-30", "yesterday", "now", "T", ""]),
        "bad time",
    ),
    "lat_range": ("latitude", st.sampled_from(["90.5", "-1000", "nan", "north", "inf"]), "bad lat/lon"),
    "lon_range": ("longitude", st.sampled_from(["361", "-720.5", "east"]), "bad lat/lon"),
    "mag_text": (
        "mag",
        st.sampled_from(["five", "M5.5", "5,5", "inf", "-Infinity", "1e400", "nan", "n/a"]),
        "non-numeric mag",
    ),
    "mag_blank": ("mag", st.sampled_from(["", "  "]), "missing mag"),
    "depth_text": ("depth", st.sampled_from(["deep", "10km", "inf", "NaN"]), "non-numeric depth"),
    "id_blank": ("id", st.sampled_from(["", "   "]), "missing id"),
}


@settings(max_examples=40, deadline=None)
@given(
    events=EVENTS,
    garbage=st.lists(
        st.tuples(st.sampled_from(sorted(CORRUPTIONS)), EVENT, st.data()), min_size=1, max_size=6
    ),
)
def test_garbage_rows_are_dropped_and_counted_never_costing_a_good_row(scratch, events, garbage) -> None:
    bad_rows, expected = [], Counter()
    for k, (kind, ev, data) in enumerate(garbage):
        field_name, values, reason = CORRUPTIONS[kind]
        bad = {**ev, "event_id": f"BAD-{k}", "override": {field_name: data.draw(values)}}
        bad_rows.append(bad)
        expected[reason] += 1
    rows = list(events)
    for k, bad in enumerate(bad_rows):  # spread the bad rows among the good ones
        rows.insert((k * 7) % (len(rows) + 1), bad)
    gdf = _load(scratch, "mixed.csv", _comcat_csv(rows))
    rep = gdf.attrs["load_report"]
    assert rep.dropped == dict(expected)
    assert (rep.n_read, rep.n_kept) == (len(rows), len(events))
    assert rep.n_read == rep.n_kept + rep.n_dropped
    assert sorted(gdf["event_id"]) == sorted(ev["event_id"] for ev in events)
    assert rep.examples and all("field '" in e for e in rep.examples)


GARBAGE_LINE = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r")),
    st.text(alphabet=',"a1 :-.TZ\t;\x00'),  # the characters that matter to a CSV tokenizer
)


@settings(max_examples=40, deadline=None)
@given(events=EVENTS, lines=st.lists(GARBAGE_LINE, min_size=1, max_size=4))
def test_random_text_lines_in_a_csv_never_crash_nor_swallow_good_rows(scratch, events, lines) -> None:
    assume(events)
    good = _comcat_csv(events).splitlines()
    body = good[1:]
    for k, line in enumerate(lines):
        body.insert((k * 5) % (len(body) + 1), line)
    text = "\n".join([good[0], *body]) + "\n"
    try:
        gdf = _load(scratch, "noisy.csv", text)
    except CatalogError as exc:  # only the whole-file problems may raise, and they name the file
        assert "noisy.csv" in str(exc)
        raise AssertionError(f"a few garbage lines made the whole file unreadable: {exc}") from exc
    rep = gdf.attrs["load_report"]
    assert rep.n_read == rep.n_kept + rep.n_dropped
    assert set(ev["event_id"] for ev in events) <= set(gdf["event_id"])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)
GARBAGE_FEATURE = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {
            "type": st.just("Feature"),
            "id": JSON_VALUES,
            "properties": JSON_VALUES
            | st.fixed_dictionaries({"time": JSON_VALUES, "mag": JSON_VALUES, "place": JSON_VALUES}),
            "geometry": JSON_VALUES | st.fixed_dictionaries({"coordinates": JSON_VALUES}),
        }
    ),
)


@settings(max_examples=40, deadline=None)
@given(events=EVENTS, garbage=st.lists(GARBAGE_FEATURE, min_size=1, max_size=5))
@example(  # a time in ms past 2262: no nanosecond timestamp holds it (found by hypothesis)
    events=[],
    garbage=[
        {
            "type": "Feature",
            "id": None,
            "properties": {"time": 9_223_372_036_855, "mag": None},
            "geometry": None,
        }
    ],
)
def test_garbage_geojson_features_never_crash(scratch, events, garbage) -> None:
    doc = json.loads(_geojson(events))
    for k, feat in enumerate(garbage):
        doc["features"].insert((k * 3) % (len(doc["features"]) + 1), feat)
    gdf = _load(scratch, "noisy.geojson", json.dumps(doc))
    rep = gdf.attrs["load_report"]
    assert rep.n_read == len(doc["features"]) and rep.n_read == rep.n_kept + rep.n_dropped
    assert set(ev["event_id"] for ev in events) <= set(gdf["event_id"])
    assert gdf["mag"].map(np.isfinite).all() and gdf["time"].notna().all()
