"""Molchan error diagram of event-level alarms: miss rate ν vs fraction of space-time alarmed τ.

Each event or pseudo-event is one space-time cell (its circle × its time window); an alarm is a cell
whose event score reaches the threshold. Random guessing lies on the diagonal ν = 1 − τ (area above
the curve 0.5); the probability gain (1 − ν)/τ says how much better than that an alarm is; the binomial
bound marks the miss rates random guessing reaches with probability ≤ α. References: Molchan (1990,
Phys. Earth Planet. Inter. 61, 84–98; 1991, Tectonophysics 193, 267–276), Zechar & Jordan (2008,
Geophys. J. Int. 172, 715–724).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["area_skill", "molchan_curve", "molchan_point", "molchan_random_bound", "plot_molchan"]


def _arrays(label: Any, score: Any, weights: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated 1-D arrays: labels in {0, 1}, finite scores, finite non-negative weights (sum > 0)."""
    y_raw = np.asarray(label).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    w = np.ones(len(s)) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if not len(y_raw) == len(s) == len(w):
        raise ValueError("label, score and weights must have the same length")
    if not np.isin(y_raw, (0, 1)).all():
        raise ValueError("labels must be 0 (pseudo-event) or 1 (target event)")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise ValueError("weights must be finite, non-negative and not all zero")
    return y_raw.astype(int), s, w


def molchan_curve(label: Any, score: Any, weights: Any = None) -> pd.DataFrame:
    """Every operating point, from the strictest threshold (τ = 0, ν = 1) to the loosest (τ = 1, ν = 0).

    ``label``: 1 for a target event's cell, 0 for a pseudo-event's; ``score``: the event score (alarm when
    score ≥ threshold). ``weights``: the space-time measure of each cell, default 1 each (every cell is one
    circle × one window); pass e.g. a reference earthquake rate per cell to measure τ in expected
    events instead. Columns (all fractions in [0, 1]): ``threshold`` (``inf`` on the first row, nothing
    alarmed, then every distinct score, descending), ``tau`` (weighted share of all cells alarmed),
    ``nu`` (share of target events not alarmed) and ``gain`` ((1 − ν)/τ, dimensionless; NaN at τ = 0).
    Tied scores enter together. Raises ``ValueError`` without any target event."""
    y, s, w = _arrays(label, score, weights)
    if y.sum() == 0:
        raise ValueError("a Molchan diagram needs at least one target event (label 1)")
    thresholds = np.unique(s)[::-1]
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted, w_sorted = s[order], y[order], w[order]
    # cells alarmed at each distinct threshold: all with score ≥ it (ties enter together)
    ends = np.searchsorted(-s_sorted, -thresholds, side="right")
    w_cum = np.concatenate([[0.0], np.cumsum(w_sorted)])[ends]
    hit_cum = np.concatenate([[0], np.cumsum(y_sorted)])[ends]
    tau = np.concatenate([[0.0], w_cum / w.sum()])
    tau[-1] = 1.0  # exact, whatever the rounding of the cumulative sum
    nu = np.concatenate([[1.0], 1.0 - hit_cum / y.sum()])
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(tau > 0, (1.0 - nu) / tau, np.nan)
    return pd.DataFrame(
        {"threshold": np.concatenate([[np.inf], thresholds]), "tau": tau, "nu": nu, "gain": gain}
    )


def molchan_point(
    label: Any, score: Any, threshold: float, weights: Any = None
) -> tuple[float, float, float]:
    """(τ, ν, gain) of the alarms ``score ≥ threshold`` — e.g. the event threshold chosen on validation.

    τ and ν are fractions in [0, 1] (``weights`` as in :func:`molchan_curve`); gain (1 − ν)/τ is NaN when
    nothing is alarmed. Without any target event ν and the gain are NaN (τ is still reported)."""
    y, s, w = _arrays(label, score, weights)
    alarm = s >= threshold
    tau = float(w[alarm].sum() / w.sum())
    if y.sum() == 0:
        return tau, float("nan"), float("nan")
    nu = float(1.0 - y[alarm].sum() / y.sum())
    return tau, nu, (1.0 - nu) / tau if tau > 0 else float("nan")


def area_skill(curve: pd.DataFrame) -> float:
    """Area above the ν(τ) curve of :func:`molchan_curve`, 1 − ∫ν dτ (trapezoids, so a block of tied
    scores counts as random ordering within it): 0.5 for random guessing, 1 for a perfect forecast,
    below 0.5 for worse than random. Dimensionless."""
    return float(1.0 - np.trapezoid(curve["nu"].to_numpy(), curve["tau"].to_numpy()))


def molchan_random_bound(n_events: int, tau: Any, alpha: float = 0.05) -> np.ndarray:
    """Critical miss rate of random guessing: for ``n_events`` target events and alarm fraction ``tau``,
    the largest ν = k/N with P(misses ≤ k) ≤ ``alpha`` when each event is missed independently with
    probability 1 − τ (binomial). A point (τ, ν) on or below it beats chance at level α; the line lies
    below the diagonal and nears it as N grows. NaN where even ν = 0 is not that rare (τ near 1).
    Returns an array of the shape of ``tau`` (fractions)."""
    n = int(n_events)
    if n < 1:
        raise ValueError("n_events must be at least 1")
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must lie in (0, 1)")
    t = np.clip(np.asarray(tau, dtype=np.float64), 0.0, 1.0)
    k = np.arange(n + 1)  # misses
    # P(misses ≤ k) under Binomial(n, 1 − τ), shape (len(t), n + 1)
    p = stats.binom.cdf(k[None, :], n, 1.0 - t.ravel()[:, None])
    ok = p <= alpha  # non-decreasing in k, so the True entries are a prefix
    nu = np.where(ok.any(axis=1), (ok.sum(axis=1) - 1) / n, np.nan)
    return nu.reshape(t.shape)


def plot_molchan(
    curves: Mapping[str, pd.DataFrame],
    points: Mapping[str, tuple[float, float, float]] | None = None,
    n_events: int | None = None,
    title: str = "Molchan error diagram (event level)",
) -> Any:
    """Plotly figure: ν vs τ per model (area above the curve in the legend, threshold and gain in the
    hover), the diagonal of random guessing, its 95 % bound when ``n_events`` (target events) is given,
    and each model's operating point (τ, ν, gain) from ``points``, e.g. its validation-chosen threshold.
    Traces: one per curve, "random", the bound (if any), one per point."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, c in curves.items():
        fig.add_trace(
            go.Scatter(
                x=c["tau"],
                y=c["nu"],
                mode="lines",
                name=f"{name} (area {area_skill(c):.2f})",
                legendgroup=name,
                customdata=np.column_stack([c["threshold"], c["gain"]]),
                hovertemplate=(
                    f"{name}<br>τ %{{x:.3f}}<br>ν %{{y:.3f}}<br>threshold %{{customdata[0]:.3g}}"
                    "<br>gain %{customdata[1]:.2f}<extra></extra>"
                ),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[1, 0],
            mode="lines",
            line={"dash": "dash", "color": "grey"},
            name="random",
            hovertemplate="random guessing: ν = 1 − τ, gain 1<extra></extra>",
        )
    )
    if n_events:
        tau = np.linspace(0.0, 1.0, 201)
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
                hovertemplate=(
                    f"{name}, chosen threshold<br>τ %{{x:.3f}}<br>ν %{{y:.3f}}"
                    f"<br>gain {gain:.2f}<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(title_text="fraction of space-time alarmed τ", range=[0, 1])
    fig.update_yaxes(title_text="miss rate ν", range=[0, 1])
    # one legend row per curve and point: room for ~20 rows beside a square plot
    fig.update_layout(
        title=title, width=1000, height=720, template="plotly_white", legend={"font": {"size": 11}}
    )
    return fig
