"""Shared fixtures of the synthetic-generator tests: one PyIRI grid cache for the whole session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def pyiri_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PyIRI grid cache folder shared by every test of the session (each day costs ~1.5 s once)."""
    return tmp_path_factory.mktemp("pyiri")

