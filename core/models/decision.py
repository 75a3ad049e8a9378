"""Decision rules: how a model's sample probabilities become event decisions.

A :class:`DecisionRule` holds the sample threshold, the event aggregation rule (:data:`EVENT_RULES`) and
the event threshold chosen on validation (:func:`core.evaluation.select_decision_rule`); the registry
saves it beside every model. Probabilities and thresholds are in [0, 1]. Event rules and tie-breaking:
``docs/evaluation.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["EVENT_RULES", "DecisionRule", "event_table"]

EVENT_RULES: tuple[str, ...] = ("mean", "fraction", "max")


def event_table(event_id: Any, label: Any, prob: Any, *, sample_threshold: float = 0.5) -> pd.DataFrame:
    """One row per event (index ``event_id``, sorted): ``label`` (max over samples), ``n_samples`` and
    the event score under every rule: ``mean``, ``max``, ``fraction`` (share with prob ≥ threshold)."""
    df = pd.DataFrame(
        {
            "event_id": np.asarray(event_id).astype(str),
            "label": np.asarray(label).astype(int),
            "prob": np.asarray(prob, dtype=np.float64),
        }
    )
    df["above"] = (df["prob"] >= sample_threshold).astype(float)
    g = df.groupby("event_id", sort=True)
    out = pd.DataFrame(
        {
            "label": g["label"].max(),
            "n_samples": g["prob"].size(),
            "mean": g["prob"].mean(),
            "max": g["prob"].max(),
            "fraction": g["above"].mean(),
        }
    )
    out.index.name = "event_id"
    return out


@dataclass(frozen=True)
class DecisionRule:
    """Thresholds and event rule chosen on validation (the only split they ever saw).

    A sample is positive when its probability ≥ ``sample_threshold``; an event is positive when its
    ``event_rule`` score (``mean``/``max``/``fraction``) ≥ ``event_threshold``.
    """

    sample_threshold: float
    event_rule: str
    event_threshold: float
    selected_on: str = "validation"
    validation_sample_mcc: float = math.nan
    validation_event_mcc: float = math.nan
    candidates: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DecisionRule:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        names = cls.__dataclass_fields__
        kw = {k: v for k, v in data.items() if k in names}
        for k in ("validation_sample_mcc", "validation_event_mcc"):
            if kw.get(k, 0.0) is None:
                kw[k] = math.nan
        kw["candidates"] = {
            r: (math.nan if v is None else float(v)) for r, v in (kw.get("candidates") or {}).items()
        }
        return cls(**kw)

    def event_scores(self, events: pd.DataFrame) -> pd.Series:
        """The event score column of an :func:`event_table` under this rule."""
        return events[self.event_rule]

    def apply(self, event_id: Any, label: Any, prob: Any) -> pd.DataFrame:
        """Event table with ``score`` and ``decision`` columns under this rule."""
        ev = event_table(event_id, label, prob, sample_threshold=self.sample_threshold)
        ev["score"] = self.event_scores(ev)
        ev["decision"] = (ev["score"] >= self.event_threshold).astype(int)
        return ev
