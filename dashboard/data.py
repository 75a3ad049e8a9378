"""What the pages read from ``core``: the catalog with its satellite era, filtered by a page state."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import diskcache
import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr

from core.archive import INDEX_NAME, events_with_passes, load_index, passes_near_event
from core.catalog import coverage_gaps, filter_catalog, load_default_catalog, satellite_era
from core.config import Settings
from core.datasets import DatasetSettings, get_config
from core.geo import dobrovolsky_radius_km, geodesic_circle
from core.model_cards import ModelCard, model_card, read_registry_info
from core.models.registry import default_models, model_record, scoring_registry
from core.scoring import analyse_event, registry_config_name
from core.spaceweather import coverage, index_table
from core.synthetic.precursors import GROUND_TRUTH_NAME
from core.windows import quiet_background
from dashboard.state import DEPTH_RANGE_KM, MAG_RANGE, EventState, MapState


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
    """Earthquakes passing the map filters (type earthquake; magnitude, depth in km, UTC dates, place;
    coverage: inside a satellite era, or with passes in the archive — see :func:`covered_event_ids`)."""
    events = filter_catalog(
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
    if state.coverage == "era":
        events = events.loc[events["era"] != ""]
    elif state.coverage == "passes":
        events = events.loc[events["event_id"].isin(covered_event_ids(settings))]
    return events


def gap_notice(state: MapState) -> str | None:
    """A sentence naming the parts of the chosen date range that no built-in catalog covers."""
    gaps = coverage_gaps(pd.Timestamp(state.start, tz="UTC"), pd.Timestamp(state.end, tz="UTC"))
    if not gaps:
        return None
    spans = "; ".join(f"{a:%Y-%m-%d} … {b:%Y-%m-%d}" for a, b in gaps)
    return f"No earthquake catalog covers {spans}: no events are shown there (not an absence of earthquakes)."


def archive_root(settings: Settings) -> Path:
    """Folder of the pass archive the dashboard reads (``<work_dir>/archive``)."""
    return settings.work_dir / "archive"


@lru_cache(maxsize=2)
def _index_at(path: str, mtime_ns: int) -> gpd.GeoDataFrame:
    del mtime_ns  # part of the cache key only: a re-scanned index is read again
    return load_index(path)


def pass_index(settings: Settings) -> gpd.GeoDataFrame | None:
    """The archive's pass index, re-read when the file changes; None when there is no archive yet."""
    path = archive_root(settings) / INDEX_NAME
    try:
        return _index_at(str(path), path.stat().st_mtime_ns)
    except (FileNotFoundError, ValueError):
        return None


@lru_cache(maxsize=2)
def _covered_at(settings: Settings, mtime_ns: int) -> frozenset[str]:
    """Per process (LRU) and on disk (shared by the server's workers and kept across restarts), keyed by
    the index's version: a re-scanned index is looked at again."""
    index, cat, state = pass_index(settings), catalog_table(settings), EventState()
    if index is None:
        return frozenset()
    key = json.dumps(
        ["covered-events", str(archive_root(settings)), mtime_ns, state.days, state.half, len(cat)]
    )
    stored = analysis_cache(settings).get(key)
    if stored is not None:
        return frozenset(stored)
    half = None if state.half == "both" else state.half
    covered = frozenset(
        cat.loc[events_with_passes(index, cat, days_before=state.days, half=half), "event_id"]
    )
    analysis_cache(settings).set(key, sorted(covered), expire=30 * 86400)
    return covered


def covered_event_ids(settings: Settings) -> frozenset[str]:
    """Catalog events with at least one pass of the archive (any satellite; the event view's default half
    and days) crossing their Dobrovolsky circle before the origin time; empty when there is no archive."""
    path = archive_root(settings) / INDEX_NAME
    try:
        mtime_ns = path.stat().st_mtime_ns
    except FileNotFoundError:
        return frozenset()
    return _covered_at(settings, mtime_ns)


def event_defaults(event: dict[str, Any] | None) -> EventState:
    """The event view's window where its URL says nothing: the protocol's (:class:`EventState`), on the
    satellite that flew at the event's time (DEMETER for 2004–2010 events)."""
    era = str(satellite_era(event["time"])[0]) if event is not None else ""
    return EventState(satellite=era) if era and era != EventState().satellite else EventState()


def map_defaults(settings: Settings) -> MapState:
    """The map's state where its URL says nothing: the events with passes in the archive when an archive
    holds any (a newcomer's first click lands on data; "All events" shows the rest, greyed), else every
    event."""
    return MapState(coverage="passes") if covered_event_ids(settings) else MapState()


def window_radius_km(event: dict[str, Any], state: EventState) -> float:
    """Circle radius (km) of the event view's settings: Dobrovolsky 10^(0.43·M) or the fixed radius."""
    return float(dobrovolsky_radius_km(event["mag"])) if state.rule == "dobrovolsky" else state.radius_km


def event_passes(settings: Settings, event: dict[str, Any], state: EventState) -> pd.DataFrame | None:
    """Passes crossing the event's circle in the ``days`` before it (one row per half-orbit; the first
    product's track), with ``hours_before`` and the ``in_circle`` part of the track. None: no archive."""
    index = pass_index(settings)
    if index is None:
        return None
    radius = window_radius_km(event, state)
    hits = passes_near_event(
        index,
        event,
        days_before=state.days,
        radius_km=radius,
        satellite=state.satellite,
        half=None if state.half == "both" else state.half,
    )
    hits = hits.drop_duplicates(["satellite", "orbit", "half"]).copy()
    origin = pd.Timestamp(event["time"])
    hits["hours_before"] = (origin - hits["start"]).dt.total_seconds() / 3600.0
    circle = geodesic_circle(float(event["lat"]), float(event["lon"]), radius)
    hits["in_circle"] = [track.intersection(circle) for track in hits.geometry]
    return hits


@lru_cache(maxsize=4)
def space_weather_daily(start: str, end: str) -> pd.DataFrame:
    """Daily maximum Kp and minimum Dst-like index (nT) over [start, end), clipped to their coverage."""
    cov = coverage()
    lo = max(pd.Timestamp(start), cov["kp"][0])
    hi = min(pd.Timestamp(end), cov["kp"][1])
    table = index_table(lo, hi).set_index("time")
    daily = table.resample("D").agg({"kp": "max", "dst_like": "min"})
    return daily.reset_index()


@dataclass
class EventAnalysis:
    """The sequences and model scores of one event under the event view's settings.

    ``samples``: the event's Samples (docs/data-contracts.md; may hold 0 sequences, then ``outcome`` says
    why);
    ``scores``: :func:`core.scoring.score_event` rows (None when no model is registered); ``truth``: the
    synthetic archive's ground-truth row for the event (``injected``, ``amplitude`` …) or None;
    ``background``: the place's quiet background along the sequences' latitudes (column ``lat`` in
    degrees, one column per feature in the sequences' units before any background subtraction) or None;
    ``background_passes``: how many quiet passes made it; ``cards``: the model card of every scoring
    model (:mod:`core.model_cards`), by model name.
    """

    samples: xr.Dataset
    outcome: str
    scores: pd.DataFrame | None
    truth: dict[str, Any] | None
    background: pd.DataFrame | None = None
    background_passes: int = 0
    cards: dict[str, ModelCard] = field(default_factory=dict)

    @property
    def background_text(self) -> str:
        """What the sequences panel's dashed line is, in words."""
        if self.samples.attrs.get("background") == "median":
            return "Sequences are deviations from the quiet background (dashed zero line)."
        if self.background is None:
            return (
                "No quiet background: no quiet pass crossed the circle in the weeks before the window (or "
                "the archive does not reach back that far)."
            )
        weeks = self.samples.attrs.get("background_weeks", 4.0)
        bin_deg = self.background["lat"].diff().median()
        return (
            f"Dashed grey: the quiet background, median of {self.background_passes} quiet passes inside the "
            f"circle in the {weeks:g} weeks before the window, per {bin_deg:g}° of latitude."
        )


def scoring_config_name(settings: Settings, state: EventState) -> str:
    """The dataset configuration events are cut with: DEMETER's default, or for CSES-01 the one the scoring
    registry's models were trained on (``registry.json``; e.g. deviation features), else ``cses-default``."""
    if state.satellite == "DEMETER":
        return "demeter-default"
    return registry_config_name(scoring_registry(settings))


def dataset_settings_for(settings: Settings, state: EventState) -> DatasetSettings:
    """The scoring dataset settings (:func:`scoring_config_name`) with the view's window."""
    base = get_config(scoring_config_name(settings, state))
    radius = ("dobrovolsky", 1.0) if state.rule == "dobrovolsky" else ("km", float(state.radius_km))
    return base.with_(
        half=state.half,
        radius_rule=radius[0],
        radius_value=radius[1],
        days_before=float(state.days),
        length=int(state.L),
        stride=int(state.L),
    )


def _ground_truth(settings: Settings, event_id: str, satellite: str) -> dict[str, Any] | None:
    path = archive_root(settings) / GROUND_TRUTH_NAME
    if not path.exists():
        return None
    table = pd.read_csv(path, dtype={"event_id": str})
    rows = table[(table["event_id"] == event_id) & (table["satellite"] == satellite)]
    return None if rows.empty else rows.iloc[0].to_dict()


def analysis_key(settings: Settings, event_id: str, state: EventState) -> str:
    """What an event's analysis depends on: the event, the window settings, and the versions (mtimes) of
    the pass index and of the model registry (a JSON string)."""
    index_path = archive_root(settings) / INDEX_NAME
    index_stamp = index_path.stat().st_mtime_ns if index_path.exists() else 0
    return json.dumps([ANALYSIS_VERSION, event_id, asdict(state), index_stamp, registry_stamp(settings)])


def registry_stamp(settings: Settings) -> list[Any]:
    """The scoring registry's version: its folder, and the mtimes of ``defaults.json`` and of each model's
    folder (a new version, e.g. for another L, changes its mtime)."""
    registry = scoring_registry(settings)
    paths = [registry / "defaults.json", *(sorted(registry.iterdir()) if registry.is_dir() else [])]
    return [str(registry), *(p.stat().st_mtime_ns if p.exists() else 0 for p in paths)]


ANALYSIS_VERSION = 3


def _background_profile(
    event: dict[str, Any],
    index: pd.DataFrame,
    settings: Settings,
    config: DatasetSettings,
    samples: xr.Dataset,
) -> tuple[pd.DataFrame | None, int]:
    """The quiet background (:func:`core.windows.quiet_background`) on a grid of its latitude bins over
    the span of the event's sequences; (None, n) when there is no sequence or no background value."""
    if samples.sizes.get("sample", 0) == 0:
        return None, 0
    bg, n_passes = quiet_background(event, index, archive_root(settings), config.window)
    if bg is None or bg.empty:
        return None, n_passes
    lat = samples["lat"].values
    step = bg.bin_deg
    grid = np.arange(np.floor(np.nanmin(lat) / step), np.ceil(np.nanmax(lat) / step) + 1) * step + step / 2
    ref = bg.reference(grid)
    features = [str(f) for f in samples["feature"].values]
    return pd.DataFrame({"lat": grid, **{f: ref[:, k] for k, f in enumerate(features)}}), n_passes


def cached_event_analysis(
    settings: Settings, event: dict[str, Any], state: EventState
) -> EventAnalysis | None:
    """The event's analysis under ``state`` when the disk cache holds it (for the current index and
    models), else None — never computes."""
    return analysis_cache(settings).get(analysis_key(settings, str(event["event_id"]), state))


def event_analysis(
    settings: Settings, event: dict[str, Any], state: EventState, *, progress: Any = None
) -> EventAnalysis | None:
    """The event's analysis under the view's window (:func:`core.scoring.analyse_event` with the scoring
    registry), with the quiet-background profile and the synthetic ground truth.

    Cached on disk by (event, settings, index and registry versions), so returning to an event is
    instant. ``progress(step, n_steps, text)`` is called between the steps. None when there is no archive.
    """
    index = pass_index(settings)
    if index is None:
        return None
    hit = cached_event_analysis(settings, event, state)
    if hit is not None:
        return hit
    say = progress or (lambda *_: None)
    steps = {
        "windowing": (1, "reading the passes and cutting sequences"),
        "loading models": (2, "scoring with the registered models"),
    }
    config = dataset_settings_for(settings, state)
    scored = analyse_event(
        event,
        index,
        archive_root(settings),
        config,
        registry_root=scoring_registry(settings),
        seq_len=state.L,
        on_step=lambda step: say(steps[step][0], 3, steps[step][1]) if step in steps else None,
    )
    background, n_background = _background_profile(event, index, settings, config, scored.samples)
    say(3, 3, "done")
    truth = _ground_truth(settings, event["event_id"], state.satellite)
    result = EventAnalysis(
        scored.samples, scored.outcome, scored.scores, truth, background, n_background, scored.cards
    )
    key = analysis_key(settings, str(event["event_id"]), state)
    analysis_cache(settings).set(key, result, expire=7 * 86400)
    return result


@lru_cache(maxsize=4)
def analysis_cache(settings: Settings) -> diskcache.Cache:
    """The on-disk cache of event analyses (shared by every worker process of one host); a corrupt one is
    set aside and rebuilt, and an unreadable entry reads as a miss (:func:`core.cache.open_cache`)."""
    from core.cache import open_cache

    return open_cache(settings.cache_dir / "event-analysis", work_dir=settings.work_dir, size_limit=2**30)


def default_card(settings: Settings, name: str = "seqnetquake") -> ModelCard | None:
    """The model card of the scoring registry's default ``name`` (None when it has none)."""
    root = scoring_registry(settings)
    version = default_models(root).get(name)
    if version is None:
        return None
    try:
        return model_card(model_record(name, version, root=root), read_registry_info(root))
    except (OSError, ValueError, KeyError):
        return None


def map_score_caveat(settings: Settings) -> str:
    """What the map's SeqNetQuake scores are worth, in one sentence (its model card)."""
    card = default_card(settings)
    if card is None:
        return "No SeqNetQuake model is registered: `make run` trains the demo's."
    return (
        f"Scores of SeqNetQuake from the {card.registry.title}"
        + (" (synthetic testbed)" if card.registry.synthetic else "")
        + f": test event MCC {card.mcc_text('event')}. An event of its training or validation split "
        f"({card.periods_text()}) was seen in training: its score is not a prediction."
    )


MAP_SCORES_KEY = "seqnetquake-map-scores"
MAX_BATCH_EVENTS = 300
#: the models whose event probability colours the map: SeqNetQuake of each satellite
MAP_MODELS: tuple[str, ...] = ("seqnetquake", "seqnetquake_demeter")


def _map_scores_key(settings: Settings) -> str:
    """The map scores' cache key: the scoring registry and its version, so another registry (or a
    retrained model) never colours the map with older scores."""
    return json.dumps([MAP_SCORES_KEY, registry_stamp(settings)])


def map_scores(settings: Settings) -> dict[str, float]:
    """SeqNetQuake's event probability per scored event id (NaN: the event had no sequence), as stored by
    :func:`score_events` for the current scoring registry."""
    return dict(analysis_cache(settings).get(_map_scores_key(settings), {}))


def score_events(settings: Settings, event_ids: list[str], *, progress: Any = None) -> dict[str, float]:
    """Score events with SeqNetQuake — the model of the satellite flying at each event's time, under the
    event view's default window (:func:`event_defaults`; cached analyses) — and store the event
    probabilities for the map. ``progress(done, total)`` after each event. At most
    :data:`MAX_BATCH_EVENTS` events (the caller narrows its filters for more)."""
    if len(event_ids) > MAX_BATCH_EVENTS:
        raise ValueError(f"{len(event_ids)} events: narrow the filters to at most {MAX_BATCH_EVENTS}")
    scores = map_scores(settings)
    for k, event_id in enumerate(event_ids):
        event = find_event(settings, event_id)
        analysis = event_analysis(settings, event, event_defaults(event)) if event is not None else None
        value = float("nan")
        if analysis is not None and analysis.scores is not None:
            rows = analysis.scores[analysis.scores["model"].isin(MAP_MODELS)].dropna(
                subset=["event_probability"]
            )
            if len(rows):
                value = float(rows["event_probability"].iloc[0])
        scores[event_id] = value
        if progress is not None:
            progress(k + 1, len(event_ids))
    analysis_cache(settings).set(_map_scores_key(settings), scores)
    return scores
