"""Settings of the workbench: where data live and the science protocol's defaults.

One frozen dataclass, :class:`Settings`, holds every knob with its default (docs/architecture.md).
Directories can be moved with environment variables so a deployment or a test can point the whole product
elsewhere:

- ``SEQNETQUAKE_DATA_DIR``  — committed small data (catalogs); default ``<repo>/data``
- ``SEQNETQUAKE_WORK_DIR``  — generated archives, datasets, models, caches; default ``<repo>/data/generated``
- ``SEQNETQUAKE_REPORTS_DIR`` — experiment reports (``reports/<run>/``); default ``<repo>/reports``
- ``SEQNETQUAKE_REGISTRY`` — the model registry whose defaults score events (unset: the protocol run's
  ``reports/protocol/registry`` when present, else the demo's; docs/model-cards.md)
- ``REDIS_URL`` — the dashboard's background jobs run on Celery workers through this Redis (unset: in
  processes forked by the server; docs/architecture.md, "Background jobs")
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO_ROOT: Path = Path(__file__).resolve().parents[1]


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _env_optional_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else None


@dataclass(frozen=True)
class Settings:
    """Every setting of the product, with the protocol's defaults (docs/datasets.md, docs/windows.md).

    Units: magnitudes in catalog magnitude units, depths in km, durations in days or hours as named.
    """

    data_dir: Path = field(default_factory=lambda: _env_path("SEQNETQUAKE_DATA_DIR", REPO_ROOT / "data"))
    work_dir: Path = field(
        default_factory=lambda: _env_path("SEQNETQUAKE_WORK_DIR", REPO_ROOT / "data" / "generated")
    )
    reports_dir: Path = field(
        default_factory=lambda: _env_path("SEQNETQUAKE_REPORTS_DIR", REPO_ROOT / "reports")
    )
    #: the model registry whose defaults score events (None: see core.models.registry.scoring_registry)
    registry_dir: Path | None = field(default_factory=lambda: _env_optional_path("SEQNETQUAKE_REGISTRY"))
    #: Redis (``redis://host:port/db``) that carries the dashboard's background jobs to Celery workers, as
    #: broker and result store (None: jobs run in processes the server forks)
    redis_url: str | None = field(default_factory=lambda: os.environ.get("REDIS_URL") or None)
    # Event selection (docs/datasets.md)
    event_types: tuple[str, ...] = ("earthquake",)
    min_mag: float = 5.0
    max_depth_km: float = 40.0
    mainshocks_only: bool = False
    # Quiet-time filter
    kp_max: float = 3.0
    dst_min_nt: float = -30.0
    quiet_window_h: float = 24.0

    @property
    def catalog_dir(self) -> Path:
        """Folder of the built-in ComCat CSV files."""
        return self.data_dir / "catalogs"

    @property
    def cache_dir(self) -> Path:
        """Folder for derived, rebuildable caches."""
        return self.work_dir / "cache"

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return replace(self, **changes)


def default_settings() -> Settings:
    """Settings built from the defaults and the environment at call time."""
    return Settings()
