"""What the pages read from ``core``: the catalog with its satellite era, filtered by a page state."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd

from core.catalog import coverage_gaps, filter_catalog, load_default_catalog, satellite_era
from core.config import Settings
from dashboard.state import DEPTH_RANGE_KM, MAG_RANGE, MapState


@lru_cache(maxsize=4)
def catalog_table(settings: Settings) -> pd.DataFrame:
    """The built-in catalog (all types and magnitudes) with an ``era`` column, loaded once per process."""
    cat = load_default_catalog(settings)
    return cat.assign(era=satellite_era(cat["time"]))


def find_event(settings: Settings, event_id: str | None) -> dict[str, Any] | None:
    """The catalog row of ``event_id`` as a dict, or None when it is unknown."""
    if not event_id:
        return None
    cat = catalog_table(settings)
    rows = cat.loc[cat["event_id"] == event_id]
    return None if rows.empty else rows.iloc[0].to_dict()


def filtered_events(settings: Settings, state: MapState) -> pd.DataFrame:
    """Earthquakes passing the map filters (type earthquake; magnitude, depth in km, UTC dates, place)."""
    return filter_catalog(
        catalog_table(settings),
        types=settings.event_types,
        # a slider at the end of its range is no bound (ComCat has depths above sea level, M > 9.5 is open)
        min_mag=state.mag_min,
        max_mag=None if state.mag_max >= MAG_RANGE[1] else state.mag_max,
        min_depth_km=None if state.depth_min <= DEPTH_RANGE_KM[0] else state.depth_min,
        max_depth_km=None if state.depth_max >= DEPTH_RANGE_KM[1] else state.depth_max,
        start=state.start,
        end=state.end,  # plain dates: the end day is included
        place=state.q or None,
    )


def gap_notice(state: MapState) -> str | None:
    """A sentence naming the parts of the chosen date range that no built-in catalog covers."""
    gaps = coverage_gaps(pd.Timestamp(state.start, tz="UTC"), pd.Timestamp(state.end, tz="UTC"))
    if not gaps:
        return None
    spans = "; ".join(f"{a:%Y-%m-%d} … {b:%Y-%m-%d}" for a, b in gaps)
    return f"No earthquake catalog covers {spans}: no events are shown there (not an absence of earthquakes)."
