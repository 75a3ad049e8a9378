"""Molchan error diagram: perfect and random alarms, ties, the binomial bound, the figure."""

from __future__ import annotations

import numpy as np
import pytest

from core.molchan import area_skill, molchan_curve, molchan_point, molchan_random_bound, plot_molchan


def test_perfect_alarms_miss_nothing_at_the_share_of_targets() -> None:
    y = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    c = molchan_curve(y, y * 0.9 + 0.05)
    row = c[c["nu"] == 0].iloc[0]
    assert row["tau"] == pytest.approx(0.3) and row["gain"] == pytest.approx(1 / 0.3)
    assert area_skill(c) == pytest.approx(1 - 0.3 / 2)
    assert molchan_point(y, y, 1.0) == pytest.approx((0.3, 0.0, 1 / 0.3))


def test_random_alarms_hug_the_diagonal_and_the_curve_is_monotone() -> None:
    rng = np.random.default_rng(3)
    y = rng.random(4000) < 0.3
    c = molchan_curve(y, rng.random(4000))
    assert (np.diff(c["tau"]) >= 0).all() and (np.diff(c["nu"]) <= 0).all()
    assert c.iloc[0][["tau", "nu"]].tolist() == [0.0, 1.0] and c.iloc[-1][["tau", "nu"]].tolist() == [
        1.0,
        0.0,
    ]
    assert area_skill(c) == pytest.approx(0.5, abs=0.03)


def test_tied_scores_enter_together_and_weights_count_space_time() -> None:
    y, s = np.array([1, 0, 0, 1]), np.array([0.5, 0.5, 0.5, 0.1])
    c = molchan_curve(y, s)
    assert c["tau"].tolist() == [0.0, 0.75, 1.0] and c["nu"].tolist() == [1.0, 0.5, 0.0]
    tau, nu, _ = molchan_point(y, s, 0.5, weights=[1, 1, 1, 7])  # the unalarmed cell holds 70 % of space-time
    assert (tau, nu) == pytest.approx((0.3, 0.5))
    with pytest.raises(ValueError, match="target event"):
        molchan_curve([0, 0], [0.1, 0.2])


def test_random_bound_lies_below_the_diagonal_and_tightens_with_more_events() -> None:
    tau = np.array([0.1, 0.3, 0.5])
    small, large = molchan_random_bound(20, tau), molchan_random_bound(500, tau)
    assert (small < 1 - tau).all() and (large < 1 - tau).all()
    assert (large > small).all()  # closer to the diagonal with more events


def test_figure_has_one_trace_per_model_and_the_references() -> None:
    y = np.array([1, 0, 1, 0])
    curves = {"a": molchan_curve(y, [0.9, 0.1, 0.8, 0.2]), "b": molchan_curve(y, [0.2, 0.9, 0.1, 0.8])}
    fig = plot_molchan(curves, {"a": molchan_point(y, [0.9, 0.1, 0.8, 0.2], 0.5)}, n_events=2)
    names = [t.name for t in fig.data]
    assert len(fig.data) == 2 + 2 + 1 and "random" in names
    assert "miss rate" in fig.layout.yaxis.title.text


def test_every_curve_row_matches_the_point_at_its_threshold() -> None:
    rng = np.random.default_rng(7)
    y = rng.random(200) < 0.2
    s = np.round(rng.random(200), 2)  # many ties
    w = rng.uniform(0.5, 2.0, 200)  # e.g. a reference rate per cell
    c = molchan_curve(y, s, weights=w)
    assert c["threshold"].iloc[0] == np.inf
    assert (c["threshold"].iloc[1:].to_numpy() == np.unique(s)[::-1]).all()
    for thr, tau, nu, gain in c.iloc[1:].itertuples(index=False):
        assert molchan_point(y, s, thr, weights=w) == pytest.approx((tau, nu, gain))
    assert c["tau"].iloc[-1] == 1.0 and c["nu"].iloc[-1] == 0.0 and np.isnan(c["gain"].iloc[0])


def test_all_tied_scores_count_as_random_and_bad_input_is_refused() -> None:
    c = molchan_curve([1, 0, 0, 1, 0], [0.4] * 5)
    assert c[["tau", "nu"]].to_numpy().tolist() == [[0.0, 1.0], [1.0, 0.0]]
    assert area_skill(c) == pytest.approx(0.5)
    tau, nu, gain = molchan_point([0, 0, 0], [0.1, 0.6, 0.7], 0.5)  # no target event: ν undefined
    assert tau == pytest.approx(2 / 3) and np.isnan(nu) and np.isnan(gain)
    assert np.isnan(molchan_point([1, 0], [0.1, 0.2], 0.9)[2])  # nothing alarmed: no gain
    for label, score, weights, match in [
        ([1, 2], [0.1, 0.2], None, "labels"),
        ([1, 0], [0.1, np.nan], None, "finite"),
        ([1, 0], [0.1, 0.2], [1.0, -1.0], "weights"),
        ([1, 0], [0.1, 0.2], [1.0], "same length"),
    ]:
        with pytest.raises(ValueError, match=match):
            molchan_curve(label, score, weights)


def test_random_bound_is_the_binomial_critical_miss_count() -> None:
    from scipy import stats

    n, alpha = 30, 0.05
    tau = np.linspace(0.02, 0.9, 12)
    bound = molchan_random_bound(n, tau, alpha)
    assert bound.shape == tau.shape
    k = np.round(bound * n).astype(int)
    assert (stats.binom.cdf(k, n, 1 - tau) <= alpha).all()
    assert (stats.binom.cdf(k + 1, n, 1 - tau) > alpha).all()
    assert np.isnan(molchan_random_bound(3, 0.99))  # even no miss is likely for random guessing
    with pytest.raises(ValueError, match="n_events"):
        molchan_random_bound(0, 0.5)
    with pytest.raises(ValueError, match="alpha"):
        molchan_random_bound(10, 0.5, alpha=1.5)


def test_figure_shows_the_gain_and_omits_the_bound_without_n_events() -> None:
    y, s = np.array([1, 0, 1, 0, 0]), np.array([0.9, 0.1, 0.8, 0.2, 0.85])
    fig = plot_molchan({"m": molchan_curve(y, s)}, {"m": molchan_point(y, s, 0.5)})
    assert len(fig.data) == 1 + 1 + 1
    assert "gain" in fig.data[0].hovertemplate and "gain 1.67" in fig.data[-1].name
    assert "space-time alarmed" in fig.layout.xaxis.title.text
