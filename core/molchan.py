"""Molchan error diagram of event-level alarms: miss rate ν vs fraction of space-time alarmed τ.

Each event or pseudo-event is one space-time cell (its circle × its time window); an alarm is a cell
whose event score reaches the threshold. Random guessing lies on the diagonal ν = 1 − τ; the
probability gain (1 − ν)/τ says how much better than that an alarm is. References: Molchan (1990,
1991), Zechar & Jordan (2008, Geophys. J. Int. 172, 715–724).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["area_skill", "molchan_curve", "molchan_point", "molchan_random_bound", "plot_molchan"]


def _arrays(label: Any, score: Any, weights: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(label).astype(int).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if not len(y) == len(s) == len(w):
        raise ValueError("label, score and weights must have the same length")
    if len(y) == 0 or y.sum() == 0:
        raise ValueError("a Molchan diagram needs at least one target event (label 1)")
    return y, s, w


def molchan_curve(label: Any, score: Any, weights: Any = None) -> pd.DataFrame:
    """Every operating point, from the strictest threshold (τ = 0, ν = 1) to the loosest (τ = 1, ν = 0).

    ``weights``: the space-time measure of each cell (default 1 each; e.g. a reference rate). Columns:
    ``threshold`` (alarm when score ≥ it), ``tau`` (weighted share of cells alarmed), ``nu`` (share of
    target events not alarmed) and ``gain`` ((1 − ν)/τ, NaN at τ = 0). Tied scores enter together."""
    y, s, w = _arrays(label, score, weights)
    thresholds = np.unique(s)[::-1]
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted, w_sorted = s[order], y[order], w[order]
    # cells alarmed at each distinct threshold: all with score ≥ it
    ends = np.searchsorted(-s_sorted, -thresholds, side="right")
    w_cum = np.concatenate([[0.0], np.cumsum(w_sorted)])[ends]
    hit_cum = np.concatenate([[0], np.cumsum(y_sorted)])[ends]
    tau = np.concatenate([[0.0], w_cum / w.sum()])
    nu = np.concatenate([[1.0], 1.0 - hit_cum / y.sum()])
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(tau > 0, (1.0 - nu) / tau, np.nan)
    return pd.DataFrame(
        {"threshold": np.concatenate([[np.inf], thresholds]), "tau": tau, "nu": nu, "gain": gain}
    )


def molchan_point(
    label: Any, score: Any, threshold: float, weights: Any = None
) -> tuple[float, float, float]:
    """(τ, ν, gain) of the alarms ``score ≥ threshold`` — e.g. the event threshold chosen on validation."""
    y, s, w = _arrays(label, score, weights)
    alarm = s >= threshold
    tau = float(w[alarm].sum() / w.sum())
    nu = float(1.0 - y[alarm].sum() / y.sum())
    return tau, nu, (1.0 - nu) / tau if tau > 0 else float("nan")


def area_skill(curve: pd.DataFrame) -> float:
    """Area above the ν(τ) curve, 1 − ∫ν dτ (trapezoids): 0.5 for random guessing, 1 for a perfect
    forecast."""
    return float(1.0 - np.trapezoid(curve["nu"].to_numpy(), curve["tau"].to_numpy()))


def molchan_random_bound(n_events: int, tau: Any, alpha: float = 0.05) -> np.ndarray:
    """The miss rate below which random guessing with alarm fraction ``tau`` falls with probability
    ≤ ``alpha`` for ``n_events`` target events: the largest ν = k/N with P(hits ≥ N − k) ≤ α
    (binomial, hit probability τ per event). A point below it beats chance at level α."""
    t = np.clip(np.asarray(tau, dtype=np.float64), 0.0, 1.0)
    n = int(n_events)
    k = np.arange(n + 1)  # misses
    # P(hits ≥ n − k) under Binomial(n, τ), shape (len(t), n + 1)
    p = stats.binom.sf(n - k[None, :] - 1, n, t.ravel()[:, None])
    ok = p <= alpha
    nu = np.where(ok.any(axis=1), (ok * k[None, :]).max(axis=1) / n, np.nan)
    return nu.reshape(t.shape)


def plot_molchan(
    curves: Mapping[str, pd.DataFrame],
    points: Mapping[str, tuple[float, float, float]] | None = None,
    n_events: int | None = None,
    title: str = "Molchan error diagram (event level)",
) -> Any:
    """Plotly figure: ν vs τ per model, the diagonal of random guessing, its 95 % bound when ``n_events``
    is given, and each model's operating point (its validation-chosen threshold) with its gain."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, c in curves.items():
        fig.add_trace(
            go.Scatter(
                x=c["tau"],
                y=c["nu"],
                mode="lines",
                line={"shape": "hv"},
                name=f"{name} (area {area_skill(c):.2f})",
                legendgroup=name,
            )
        )
    fig.add_trace(
        go.Scatter(x=[0, 1], y=[1, 0], mode="lines", line={"dash": "dash", "color": "grey"}, name="random")
    )
    if n_events:
        tau = np.linspace(0.0, 1.0, 101)
        fig.add_trace(
            go.Scatter(
                x=tau,
                y=molchan_random_bound(n_events, tau),
                mode="lines",
                line={"dash": "dot", "color": "grey"},
                name=f"random, 95 % bound (N = {n_events})",
            )
        )
    for name, (tau_p, nu_p, gain) in (points or {}).items():
        fig.add_trace(
            go.Scatter(
                x=[tau_p],
                y=[nu_p],
                mode="markers",
                marker={"size": 10, "symbol": "diamond"},
                name=f"{name}: chosen threshold, gain {gain:.2f}",
                legendgroup=name,
            )
        )
    fig.update_xaxes(title_text="fraction of space-time alarmed τ", range=[0, 1])
    fig.update_yaxes(title_text="miss rate ν", range=[0, 1])
    fig.update_layout(title=title, width=800, height=600, template="plotly_white")
    return fig
