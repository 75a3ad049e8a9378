"""Score one event with every registry model — the call behind the dashboard's model panel.

:func:`score_event` takes the Samples of one event (any dataset holding its sequences; the split
coordinate is not needed) and the models (by default the registry's defaults, see
:func:`core.models.registry.load_default_models`) and returns one row per (model, sample): the sample's
pre-earthquake probability and decision (the model's validation-chosen sample threshold), and the event's
probability under the model's validation-chosen event rule with the event decision.

Caching: loaded models are kept per registry folder and version (:func:`scoring_models`, invalidated when
``defaults.json`` or a model's ``settings.json`` changes), and results per (event samples, model versions)
in a small LRU, so a repeated call for the same event costs a hash of its few sequences. Warm cost is a
few milliseconds per model for one event's tens of samples on a CPU.

:func:`analyse_event` is the whole chain for one catalog event — window its passes, assemble its Samples,
load the registry's default models, score, and the model cards — as the dashboard's event view and
``python -m core score`` run it; :func:`score_samples` is its second half, for sequences already cut.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from core.datasets import DatasetSettings, get_config, samples_from_windows
from core.model_cards import ModelCard, model_card, read_registry_info
from core.models.inputs import as_arrays, feature_names, value_settings
from core.models.registry import (
    LoadedModel,
    default_models,
    default_registry_root,
    load_model,
    resolve_version,
    version_for_length,
)
from core.windows import EventWindows, windows_for_event

__all__ = [
    "ANALYSIS_STEPS",
    "DEFAULT_SCORING_CONFIG",
    "SCORE_COLUMNS",
    "EventScores",
    "analyse_event",
    "clear_cache",
    "event_samples",
    "event_summary",
    "registry_config_name",
    "score_event",
    "score_samples",
    "scoring_models",
]

SCORE_COLUMNS: tuple[str, ...] = (
    "model",
    "version",
    "sample",
    "event_id",
    "t_start",
    "orbit",
    "label",
    "probability",
    "sample_threshold",
    "sample_decision",
    "event_rule",
    "event_probability",
    "event_threshold",
    "event_decision",
)

_MODEL_CACHE: dict[tuple[str, str, str, float], LoadedModel] = {}
_RESULT_CACHE: OrderedDict[tuple[Any, ...], pd.DataFrame] = OrderedDict()
_RESULT_CACHE_SIZE = 256


def clear_cache() -> None:
    """Forget cached models and results."""
    _MODEL_CACHE.clear()
    _RESULT_CACHE.clear()


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except FileNotFoundError:
        return 0.0


def scoring_models(
    root: str | os.PathLike[str] | None = None,
    names: list[str] | None = None,
    *,
    seq_len: int | None = None,
) -> dict[str, LoadedModel]:
    """The registry's default models (or the latest version of each of ``names``), loaded once and cached.

    With ``seq_len`` (L, steps), a model whose default version was trained on another L is replaced by
    its newest version trained on ``seq_len`` steps, when the registry holds one: changing L in the
    dashboard scores with the models made for that L."""
    r = Path(root) if root is not None else default_registry_root()
    wanted = default_models(r) if names is None else {n: default_models(r).get(n, "latest") for n in names}
    out: dict[str, LoadedModel] = {}
    for name in sorted(wanted, key=lambda n: (n != "seqnetquake", n)):
        version = version_for_length(name, resolve_version(name, wanted[name], r), seq_len, root=r)
        key = (str(r), name, version, _mtime(r / name / version / "settings.json"))
        if key not in _MODEL_CACHE:
            _MODEL_CACHE[key] = load_model(name, version, root=r)
        out[name] = _MODEL_CACHE[key]
    return out


def event_samples(samples: xr.Dataset, event_id: str) -> xr.Dataset:
    """The samples of one event (``event_id`` coordinate) out of a Samples dataset (empty if none)."""
    ids = np.asarray(samples["event_id"].values).astype(str)
    return samples.isel(sample=np.flatnonzero(ids == str(event_id)))


def _event_key(samples: xr.Dataset, models: Mapping[str, LoadedModel]) -> tuple[Any, ...]:
    h = hashlib.sha1(np.ascontiguousarray(samples["X"].values).tobytes())
    h.update("\x1f".join(feature_names(samples)).encode())
    if "event_id" in samples.coords:
        h.update("\x1f".join(np.asarray(samples["event_id"].values).astype(str)).encode())
    if "satellite" in samples.coords:  # what a model's fitness for these sequences depends on
        h.update("\x1f".join(np.asarray(samples["satellite"].values).astype(str)).encode())
    h.update(str(samples.attrs.get("settings", "")).encode())
    return (h.hexdigest(), tuple((n, m.version, str(m.path)) for n, m in models.items()))


def _coord(samples: xr.Dataset, name: str, n: int, fill: Any) -> np.ndarray:
    if name in samples.coords or name in samples:
        return np.asarray(samples[name].values)
    return np.full(n, fill)


def _made_alike(model: LoadedModel, made: dict[str, Any] | None, satellites: set[str]) -> bool:
    """False when the model's training sequences were made otherwise than these (e.g. raw log densities
    vs deviations from the quiet background, which carry the same feature names) or come from another
    satellite (a CSES-01 model does not score DEMETER sequences unasked); True where either side does not
    say."""
    training = model.settings.get("training") or {}
    satellite = training.get("satellite")
    if satellite and satellites and satellites != {satellite}:
        return False
    trained = value_settings((training.get("dataset") or {}).get("settings"))
    if made is None or trained is None:
        return True
    return all(made[k] == trained[k] for k in made.keys() & trained.keys())


def score_event(
    samples_for_event: xr.Dataset,
    models: Mapping[str, LoadedModel] | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
) -> pd.DataFrame:
    """Per-model, per-sample probabilities and decisions for the samples of one event.

    ``models``: ``{name: LoadedModel}`` (default: :func:`scoring_models` of ``root``). Each model sees the
    features it was trained on, by name; a model whose features or sequence length the samples do not
    offer, or whose training sequences were made otherwise (:data:`core.models.inputs.VALUE_SETTINGS`) or
    by another satellite, is skipped with a row whose ``probability`` is NaN. Columns: :data:`SCORE_COLUMNS`
    (``event_probability``/``event_decision`` repeat on the rows of one model). An event without samples
    gives an empty table with these columns.
    """
    if models is None:
        models = scoring_models(root)
    n = int(samples_for_event.sizes.get("sample", 0))
    if n == 0 or not models:
        return pd.DataFrame(columns=list(SCORE_COLUMNS))
    key = _event_key(samples_for_event, models) if use_cache else None
    if key is not None and key in _RESULT_CACHE:
        _RESULT_CACHE.move_to_end(key)
        return _RESULT_CACHE[key].copy()
    event_ids = _coord(samples_for_event, "event_id", n, "event").astype(str)
    uniq, inv = np.unique(event_ids, return_inverse=True)
    per_event = np.bincount(inv, minlength=len(uniq)).astype(float)
    base = {
        "sample": _coord(samples_for_event, "sample", n, 0)
        if "sample" in samples_for_event.coords
        else np.arange(n),
        "event_id": event_ids,
        "t_start": _coord(samples_for_event, "t_start", n, np.datetime64("NaT", "ns")),
        "orbit": _coord(samples_for_event, "orbit", n, -1),
        "label": _coord(samples_for_event, "label", n, -1).astype(int),
    }
    available = set(feature_names(samples_for_event))
    made = value_settings(samples_for_event.attrs.get("settings"))
    satellites = (
        set(np.asarray(samples_for_event["satellite"].values).astype(str))
        if "satellite" in samples_for_event.coords
        else set()
    )
    inputs: dict[tuple[str, ...] | None, np.ndarray] = {}
    columns: dict[str, list[Any]] = {c: [] for c in SCORE_COLUMNS}
    for name, model in models.items():
        rule, feats = model.rule, model.features
        ok = (
            rule is not None
            and (feats is None or set(feats) <= available)
            and (model.seq_len is None or model.seq_len == samples_for_event.sizes.get("step"))
            and _made_alike(model, made, satellites)
        )
        prob = np.full(n, np.nan)
        ev_prob = np.full(n, np.nan)
        if ok and rule is not None:  # ok implies a rule; said again for the type checker
            fkey = tuple(feats) if feats is not None else None
            if fkey not in inputs:
                inputs[fkey] = as_arrays(samples_for_event, feats)[0]
            prob = model.predict_proba(inputs[fkey])[:, 1]
            above = (prob >= rule.sample_threshold).astype(float)
            if rule.event_rule == "mean":
                score = np.bincount(inv, weights=prob, minlength=len(uniq)) / per_event
            elif rule.event_rule == "fraction":
                score = np.bincount(inv, weights=above, minlength=len(uniq)) / per_event
            else:
                score = np.full(len(uniq), -np.inf)
                np.maximum.at(score, inv, prob)
            ev_prob = score[inv]
        for col, values in base.items():
            columns[col].append(values)
        columns["model"].append(np.full(n, name, dtype=object))
        columns["version"].append(np.full(n, model.version, dtype=object))
        columns["probability"].append(prob)
        columns["sample_threshold"].append(np.full(n, rule.sample_threshold if rule else np.nan))
        columns["sample_decision"].append(prob >= rule.sample_threshold if ok and rule else np.zeros(n, bool))
        columns["event_rule"].append(np.full(n, rule.event_rule if rule else "", dtype=object))
        columns["event_probability"].append(ev_prob)
        columns["event_threshold"].append(np.full(n, rule.event_threshold if rule else np.nan))
        columns["event_decision"].append(
            ev_prob >= rule.event_threshold if ok and rule else np.zeros(n, bool)
        )
    out = pd.DataFrame({c: np.concatenate(v) for c, v in columns.items()})
    if key is not None:
        _RESULT_CACHE[key] = out
        if len(_RESULT_CACHE) > _RESULT_CACHE_SIZE:
            _RESULT_CACHE.popitem(last=False)
        return out.copy()
    return out


def event_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, event) from :func:`score_event`: n_samples, mean and max sample probability,
    share of positive samples, the event probability and decision."""
    if scores.empty:
        return pd.DataFrame(
            columns=[
                "model",
                "version",
                "event_id",
                "n_samples",
                "mean_probability",
                "max_probability",
                "positive_share",
                "event_rule",
                "event_probability",
                "event_decision",
            ]
        )
    g = scores.groupby(["model", "version", "event_id"], sort=False)
    return g.agg(
        n_samples=("probability", "size"),
        mean_probability=("probability", "mean"),
        max_probability=("probability", "max"),
        positive_share=("sample_decision", "mean"),
        event_rule=("event_rule", "first"),
        event_probability=("event_probability", "first"),
        event_decision=("event_decision", "first"),
    ).reset_index()


# ------------------------------------------------------------------------------ one event, end to end

#: The configuration events are cut with when the registry does not name one (``registry.json``).
DEFAULT_SCORING_CONFIG = "cses-default"
#: The steps of :func:`analyse_event`, in order (the names of its ``on_step`` calls and of its timings).
ANALYSIS_STEPS: tuple[str, ...] = ("windowing", "loading models", "scoring")


def registry_config_name(root: str | os.PathLike[str]) -> str:
    """The dataset configuration a registry's default models were trained on (``registry.json``'s
    ``dataset_config``, e.g. ``cses-background`` for deviation features), when ``core/configs/datasets.toml``
    defines it; else :data:`DEFAULT_SCORING_CONFIG`."""
    name = read_registry_info(root).dataset_config
    try:
        get_config(name or "")
    except (KeyError, ValueError):
        return DEFAULT_SCORING_CONFIG
    return str(name)


@dataclass
class EventScores:
    """One event scored by a registry's default models.

    ``samples``: the event's Samples (docs/data-contracts.md; may hold 0 sequences, then ``outcome`` says
    why); ``windows``: how the windowing went (None when the sequences came from a dataset,
    :func:`score_samples`); ``scores``: :func:`score_event` rows (None when the registry has no default
    model); ``models``: the loaded models by name; ``cards``: each model's card (:mod:`core.model_cards`),
    by name; ``timings``: seconds per step of :data:`ANALYSIS_STEPS` that ran.
    """

    samples: xr.Dataset
    windows: EventWindows | None
    scores: pd.DataFrame | None
    models: dict[str, LoadedModel] = field(default_factory=dict)
    cards: dict[str, ModelCard] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        """``"ok"`` or why the event gave no sequence (:data:`core.windows.REASONS`)."""
        return self.windows.outcome if self.windows is not None else "ok"

    @property
    def n_samples(self) -> int:
        """How many sequences were scored."""
        return int(self.samples.sizes.get("sample", 0))


def score_samples(
    samples: xr.Dataset,
    *,
    registry_root: str | os.PathLike[str] | None = None,
    seq_len: int | None = None,
    on_step: Callable[[str], None] | None = None,
    timings: dict[str, float] | None = None,
) -> EventScores:
    """Score one event's Samples with the default models of ``registry_root`` (default
    :func:`core.models.registry.default_registry_root`), with their model cards.

    ``seq_len`` (L, steps): score with the models made for sequences of that length
    (:func:`scoring_models`; default: the samples' ``step`` size). ``on_step(name)`` is called before each
    step (``"loading models"``, ``"scoring"``). A registry without default models gives ``scores`` None.
    Loading errors (``FileNotFoundError``, ``ValueError``, ``RuntimeError``) propagate.
    """
    root = Path(registry_root) if registry_root is not None else default_registry_root()
    timings = {} if timings is None else timings
    say = on_step or (lambda _step: None)
    if seq_len is None and "step" in samples.sizes:
        seq_len = int(samples.sizes["step"])
    say("loading models")
    t0 = time.perf_counter()
    models = scoring_models(root, seq_len=seq_len) if default_models(root) else {}
    info = read_registry_info(root)
    cards = {name: model_card(model, info) for name, model in models.items()}
    timings["loading models"] = time.perf_counter() - t0
    say("scoring")
    t0 = time.perf_counter()
    scores = score_event(samples, models) if models else None
    timings["scoring"] = time.perf_counter() - t0
    return EventScores(samples, None, scores, models, cards, timings)


def analyse_event(
    event: Any,
    index: pd.DataFrame,
    archive: str | os.PathLike[str],
    config: DatasetSettings,
    *,
    registry_root: str | os.PathLike[str] | None = None,
    seq_len: int | None = None,
    on_step: Callable[[str], None] | None = None,
) -> EventScores:
    """Window one event's passes, assemble its Samples and score them with the registry's default models.

    ``event``: a catalog row (mapping with ``event_id``, ``time``, ``lat``, ``lon``, ``mag``) or a
    :class:`core.windows.Target`; ``index``: the archive's pass index; ``archive``: the folder its paths
    are relative to; ``config``: the dataset settings whose window cuts the sequences; ``registry_root``:
    default :func:`core.models.registry.default_registry_root`; ``seq_len``: pick model versions made for
    that L (default: the config's length). ``on_step(name)`` is called before each step of
    :data:`ANALYSIS_STEPS`. An event without sequences still loads the models (the cards) and gives an
    empty score table.
    """
    say = on_step or (lambda _step: None)
    timings: dict[str, float] = {}
    say("windowing")
    t0 = time.perf_counter()
    windows = windows_for_event(event, index, archive, config.window)
    samples = samples_from_windows([windows], config)
    timings["windowing"] = time.perf_counter() - t0
    result = score_samples(
        samples,
        registry_root=registry_root,
        seq_len=config.window.length if seq_len is None else seq_len,
        on_step=on_step,
        timings=timings,
    )
    result.windows = windows
    return result
