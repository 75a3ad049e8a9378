"""Earthquake catalogs: read ComCat CSV / GeoJSON / QuakeML into one normalised table; filter; decluster.

Source of the built-in data: **U.S. Geological Survey, ANSS Comprehensive Catalog (ComCat)** — U.S. public
domain (https://earthquake.usgs.gov/data/comcat/); three CSV exports in ``data/catalogs/`` (``SOURCE.md``
there), merged by :func:`load_default_catalog`. The normalised table: :data:`CATALOG_COLUMNS` +
``geometry``; ``time`` UTC, ``lat``/``lon`` degrees (lon in [-180, 180)), ``depth_km`` km, ``mag`` catalog
magnitude. Formats, dropped rows, text encodings and the declustering's distances: ``docs/formats.md``
(section "Earthquake catalogs").

Submodules: :mod:`.schema` (columns, errors, UTC times), :mod:`.readers` (the three formats, CSV writing,
hashing), :mod:`.coverage` (built-in files, satellite eras, gaps), :mod:`.filters` (filters, the
protocol's event selection), :mod:`.decluster` (Gardner–Knopoff). The names below are re-exported here.
"""

from __future__ import annotations

from core.catalog.coverage import (
    BUILTIN_CATALOG_FILES,
    CATALOG_GAPS,
    COVERAGE,
    SATELLITE_ERAS,
    CatalogCoverage,
    CatalogGap,
    SatelliteEra,
    builtin_catalog_paths,
    coverage_gaps,
    era_counts,
    load_default_catalog,
    satellite_era,
)
from core.catalog.decluster import decluster_gardner_knopoff, gardner_knopoff_windows, mainshocks
from core.catalog.filters import default_events, filter_catalog
from core.catalog.readers import LoadReport, catalog_hash, load_catalog, to_csv
from core.catalog.schema import CATALOG_COLUMNS, CREDIT, CatalogError, CatalogWarning

__all__ = [
    "BUILTIN_CATALOG_FILES",
    "CATALOG_COLUMNS",
    "CATALOG_GAPS",
    "COVERAGE",
    "CREDIT",
    "SATELLITE_ERAS",
    "CatalogCoverage",
    "CatalogError",
    "CatalogGap",
    "CatalogWarning",
    "LoadReport",
    "SatelliteEra",
    "builtin_catalog_paths",
    "catalog_hash",
    "coverage_gaps",
    "decluster_gardner_knopoff",
    "default_events",
    "era_counts",
    "filter_catalog",
    "gardner_knopoff_windows",
    "load_catalog",
    "load_default_catalog",
    "mainshocks",
    "satellite_era",
    "to_csv",
]
