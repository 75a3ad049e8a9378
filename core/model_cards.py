"""Model cards: how far to trust a registry model's score for one event.

A card gathers what a reader needs next to a score (see ``docs/model-cards.md``): the model's test MCC
with its 95 % interval by event, the spread over training seeds measured by the experiments suite, the
dataset and the periods of its splits, and whether a given event was itself in the model's training or
validation split — then its score is not a prediction.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from core.atomic import write_text_atomic
from core.models.inputs import SPLITS
from core.models.zoo import DISPLAY_NAMES

__all__ = [
    "REGISTRY_INFO_NAME",
    "SEEN_SPLITS",
    "ModelCard",
    "RegistryInfo",
    "model_card",
    "read_registry_info",
    "split_summary",
    "suite_summary",
    "write_registry_info",
]

#: a registry's description file (what made it, from which report, on which data)
REGISTRY_INFO_NAME = "registry.json"
#: the splits whose events a model has seen (fitted on, or early-stopped and thresholded on)
SEEN_SPLITS: tuple[str, ...] = ("train", "validation")
_LEVELS = ("sample", "event")


def _stamp(value: Any) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def split_summary(samples: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Per split of a Samples dataset: its period (first and last event origin, UTC dates), its number of
    events and — for :data:`SEEN_SPLITS` — the ids of its events (what a card's "seen" flag reads)."""
    splits = np.asarray(samples["split"].values).astype(str)
    ids = np.asarray(samples["event_id"].values).astype(str)
    time_name = "event_time" if "event_time" in samples.coords else "t_start"
    times = pd.to_datetime(np.asarray(samples[time_name].values))
    out: dict[str, dict[str, Any]] = {}
    for split in dict.fromkeys(splits):  # (order is the card's: the registry stores keys sorted)
        mask = splits == split
        events = sorted(set(ids[mask]))
        entry: dict[str, Any] = {
            "start": _stamp(times[mask].min()),
            "end": _stamp(times[mask].max()),
            "n_events": len(events),
        }
        if split in SEEN_SPLITS:
            entry["event_ids"] = events
        out[split] = entry
    return out


def suite_summary(row: Mapping[str, Any], report: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """What a card keeps of an experiments-suite row (:func:`core.experiments.seed_row`): the test MCC's
    mean over seeds, sd over seeds and 95 % event-bootstrap interval of the mean, at sample and event
    level, the number of seeds and the report that holds the row."""
    out: dict[str, Any] = {"n_seeds": int(row.get("n_seeds", 0)), "report": str(report) if report else None}
    for level in _LEVELS:
        out[level] = {
            k: _float(row.get(f"{level}_mcc{suffix}"))
            for k, suffix in (("mean", ""), ("sd", "_sd"), ("lo", "_lo"), ("hi", "_hi"))
        }
    return out


def _float(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


@dataclass(frozen=True)
class RegistryInfo:
    """What a registry holds, in words: ``title`` (e.g. "protocol-scale run"), ``report`` (the experiments
    report its figures come from), ``synthetic`` (trained on the synthetic testbed; None: not said),
    ``dataset_config``
    (the dataset configuration of its default models: the window and features to score events with)."""

    title: str = "registry"
    report: str | None = None
    synthetic: bool | None = None
    dataset_config: str | None = None
    description: str = ""


def write_registry_info(root: str | os.PathLike[str], info: RegistryInfo) -> Path:
    """Write ``<root>/registry.json`` atomically."""
    path = Path(root) / REGISTRY_INFO_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(info.__dict__, indent=2) + "\n")
    return path


def read_registry_info(root: str | os.PathLike[str]) -> RegistryInfo:
    """``<root>/registry.json``, or a plain :class:`RegistryInfo` when the registry has none (or an
    unreadable one)."""
    try:
        data = json.loads((Path(root) / REGISTRY_INFO_NAME).read_text(encoding="utf-8"))
        return RegistryInfo(**{k: v for k, v in data.items() if k in RegistryInfo.__dataclass_fields__})
    except (OSError, ValueError, TypeError):
        return RegistryInfo()


@dataclass(frozen=True)
class ModelCard:
    """One registry model, for a reader: test MCC (this model, with its interval by event), the seeds'
    spread (from the suite, when measured), dataset and split periods, and the events it has seen."""

    name: str
    version: str
    dataset: str
    satellite: str
    seq_len: int | None
    registry: RegistryInfo
    test: dict[str, tuple[float, float, float]]
    seeds: dict[str, Any] | None
    periods: dict[str, tuple[str, str]]
    seen_events: dict[str, frozenset[str]] = field(default_factory=dict)
    model_type: str = ""
    validation: dict[str, float] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        """The model's name for people (with its satellite when registered under another name, e.g.
        "SeqNetQuake (DEMETER)")."""
        if self.name in DISPLAY_NAMES:
            return DISPLAY_NAMES[self.name]
        kind = DISPLAY_NAMES.get(self.model_type, self.name)
        return f"{kind} ({self.satellite})" if self.satellite else kind

    def seen_in(self, event_id: str) -> str | None:
        """The split (``train`` or ``validation``) that held ``event_id``, or None: the event was not
        among the events this model was fitted or tuned on."""
        for split in SEEN_SPLITS:
            if str(event_id) in self.seen_events.get(split, frozenset()):
                return split
        return None

    def mcc_text(self, level: str = "event") -> str:
        """The test MCC in words: over seeds (mean ± sd, interval of the mean) when the suite measured
        it, else this model's own value and interval (and "seed spread not measured")."""
        if self.seeds and math.isfinite(self.seeds[level]["mean"]):
            s = self.seeds[level]
            sd = f" ± {s['sd']:.2f} (sd over {self.seeds['n_seeds']} seeds)" if math.isfinite(s["sd"]) else ""
            return f"{s['mean']:.2f}{sd}{_ci_text(s['lo'], s['hi'])}"
        value, lo, hi = self.test.get(level, (math.nan, math.nan, math.nan))
        if not math.isfinite(value):
            val = self.validation.get(level, math.nan)
            tuned = (
                f"; validation MCC {val:.2f}, which chose its thresholds: optimistic"
                if math.isfinite(val)
                else ""
            )
            return f"not measured (no test split{tuned})"
        return f"{value:.2f}{_ci_text(lo, hi)} (one seed; seed spread not measured)"

    def chance_level(self, level: str = "event") -> bool:
        """True when the test MCC's interval reaches 0: the model is not distinguishable from chance."""
        if self.seeds and math.isfinite(self.seeds[level]["lo"]):
            return self.seeds[level]["lo"] <= 0.0
        value, lo, _ = self.test.get(level, (math.nan, math.nan, math.nan))
        return lo <= 0.0 if math.isfinite(lo) else not (math.isfinite(value) and value > 0.0)

    def trust(self, event_id: str) -> tuple[str, str]:
        """How far to trust this model's score for ``event_id``: ``(level, sentence)``, level one of
        ``seen`` (the event was in its training or validation split: not a prediction), ``unknown`` (no
        record of its splits), ``untested`` (no test split), ``chance`` (its test MCC interval reaches 0:
        the score means nothing) or ``held-out``."""
        split = self.seen_in(event_id)
        if split is not None:
            return "seen", f"seen in training ({split} split) — this score is not a prediction"
        if not self.seen_events:
            return "unknown", "its training events were not recorded: it may have seen this event"
        if not (self.seeds or math.isfinite(self.test.get("event", (math.nan,))[0])):
            return "untested", "never tested on held-out events: how far to trust it is unknown"
        if self.chance_level("event"):
            return "chance", "its test event MCC is not above chance: the score means nothing"
        return "held-out", "held-out event: a prediction (see its test MCC)"

    def periods_text(self) -> str:
        """``train 2018-02-04…2021-06-29; validation …; test …`` (event origin dates, UTC)."""
        return "; ".join(f"{split} {a}…{b}" for split, (a, b) in self.periods.items())

    def summary(self) -> str:
        """One line for a table cell or a tooltip."""
        where = {True: "synthetic testbed", False: "real data", None: "data not stated"}[
            self.registry.synthetic
        ]
        return (
            f"{self.display_name} ({self.registry.title}, {where}): test event MCC {self.mcc_text('event')}; "
            f"dataset {self.dataset}, L = {self.seq_len}; {self.periods_text()}"
        )


def _ci_text(lo: float, hi: float) -> str:
    """``, 95 % CI [lo, hi]``, or ``, no interval`` when it was not measured (no bootstrap)."""
    return f", 95 % CI [{lo:.2f}, {hi:.2f}]" if math.isfinite(lo) and math.isfinite(hi) else ", no interval"


def _test_metrics(metrics: Mapping[str, Any]) -> dict[str, tuple[float, float, float]]:
    out = {}
    test = metrics.get("test") or {}
    for level in _LEVELS:
        values = test.get(level) or {}
        ci = (test.get(f"{level}_ci") or {}).get("mcc") or [math.nan, math.nan]
        out[level] = (_float(values.get("mcc")), _float(ci[0]), _float(ci[1]))
    return out


def model_card(model: Any, registry: RegistryInfo | None = None) -> ModelCard:
    """The card of a loaded model or a registry record (anything with ``name``, ``version``, ``path``,
    ``settings`` and ``metrics``, :mod:`core.models.registry`)."""
    settings: Mapping[str, Any] = model.settings
    training: Mapping[str, Any] = settings.get("training") or {}
    dataset = training.get("dataset") or {}
    splits: Mapping[str, Any] = training.get("splits") or {}
    seq_len = settings.get("seq_len")
    return ModelCard(
        name=model.name,
        version=model.version,
        dataset=str(dataset.get("config_name") or settings.get("dataset_hash") or "unknown"),
        satellite=str(training.get("satellite") or ""),
        seq_len=int(seq_len) if seq_len else None,
        registry=registry if registry is not None else read_registry_info(Path(model.path).parents[1]),
        test=_test_metrics(model.metrics),
        seeds=training.get("suite"),
        periods={
            s: (str(splits[s]["start"]), str(splits[s]["end"]))
            for s in sorted(splits, key=lambda s: (SPLITS.index(s) if s in SPLITS else len(SPLITS), s))
        },
        seen_events={s: frozenset(v.get("event_ids", ())) for s, v in splits.items() if s in SEEN_SPLITS},
        model_type=str(training.get("model") or model.name),
        validation={
            level: _float(((model.metrics.get("validation") or {}).get(level) or {}).get("mcc"))
            for level in _LEVELS
        },
    )
