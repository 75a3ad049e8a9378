"""Shared fixtures of the synthetic-generator tests: one PyIRI grid cache for the whole session."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def pyiri_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PyIRI grid cache folder shared by every test of the session (each day costs ~1.5 s once)."""
    return tmp_path_factory.mktemp("pyiri")


def make_catalog(rows: list[dict]) -> pd.DataFrame:
    """A tiny catalog in the shape of :func:`core.catalog.load_default_catalog` (no geometry needed)."""
    cols = ["event_id", "time", "lat", "lon", "depth_km", "mag", "mag_type", "place", "type"]
    df = pd.DataFrame(rows, columns=cols)
    df["time"] = pd.to_datetime(df["time"], utc=True)
    return df


def empty_catalog() -> pd.DataFrame:
    """A catalog without events (no precursor anywhere)."""
    return make_catalog([])
