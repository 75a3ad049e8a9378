"""Labelled datasets: positives from catalog events, negatives from pseudo-events, chronological
event-level splits, one NetCDF file per dataset (the Samples contract), cached.

Events, splits, negatives and their exclusions, the output, parallelism, caching and the named
configurations of ``core/configs/datasets.toml``: ``docs/datasets.md``; the Samples contract:
``docs/data-contracts.md`` (section "Samples"). Units: magnitudes in catalog units, depths km, days in
days.

Submodules: :mod:`.settings` (:class:`DatasetSettings`, split periods, TOML configurations),
:mod:`.events` (event selection, splits, negatives), :mod:`.samples` (assembly, CF metadata, NetCDF
read/write), :mod:`.build` (:func:`build_dataset`, cache key and hashes, the build report). The names
below are re-exported here.
"""

from __future__ import annotations

from core.datasets.build import (
    FORMAT_VERSION,
    DatasetReport,
    build_dataset,
    cache_key,
    dataset_report,
    index_hash,
)
from core.datasets.events import assign_splits, draw_negatives, select_events
from core.datasets.samples import load_samples, samples_from_windows, write_samples
from core.datasets.settings import (
    CONFIG_PATH,
    DEFAULT_SPLITS,
    NEGATIVE_MODES,
    DatasetSettings,
    UnknownConfigError,
    get_config,
    load_configs,
)

__all__ = [
    "CONFIG_PATH",
    "DEFAULT_SPLITS",
    "FORMAT_VERSION",
    "NEGATIVE_MODES",
    "DatasetReport",
    "DatasetSettings",
    "UnknownConfigError",
    "assign_splits",
    "build_dataset",
    "cache_key",
    "dataset_report",
    "draw_negatives",
    "get_config",
    "index_hash",
    "load_configs",
    "load_samples",
    "samples_from_windows",
    "select_events",
    "write_samples",
]
