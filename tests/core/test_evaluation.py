"""Evaluation: metrics (by hand and against scikit-learn), thresholds only from validation, bootstrap by
event, event aggregation, ground-truth ceiling, placebo."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from core.evaluation import (
    DecisionRule,
    SplitScores,
    _multiplicities,
    _weighted_aucs,
    best_threshold,
    binary_metrics,
    bootstrap_intervals,
    evaluate_scores,
    event_table,
    fit_select_evaluate,
    ground_truth_ceiling,
    metrics_from_counts,
    placebo_evaluation,
    placebo_labels,
    score_split,
    select_decision_rule,
)
from core.models.inputs import SplitLeakError, select_split
from core.models.zoo import make_model
from tests.core.models.make_samples import ground_truth_table, make_samples

Y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
S = np.array([0.9, 0.8, 0.4, 0.3, 0.7, 0.2, 0.1, 0.1, 0.05, 0.6])


def test_metrics_by_hand() -> None:
    m = binary_metrics(Y, S, 0.5)
    # predictions: TP 2 (0.9, 0.8), FN 2, FP 2 (0.7, 0.6), TN 4
    assert (m["tp"], m["fn"], m["fp"], m["tn"]) == (2, 2, 2, 4)
    assert m["mcc"] == pytest.approx((2 * 4 - 2 * 2) / math.sqrt(4 * 4 * 6 * 6))  # 1/6
    assert m["f1"] == pytest.approx(0.5)
    assert m["precision"] == pytest.approx(0.5) and m["recall"] == pytest.approx(0.5)
    assert m["balanced_accuracy"] == pytest.approx((0.5 + 4 / 6) / 2)
    assert m["roc_auc"] == pytest.approx(20 / 24)
    assert m["pr_auc"] == pytest.approx(0.25 * (1 + 1 + 3 / 5 + 4 / 6))


def test_metrics_against_sklearn() -> None:
    rng = np.random.default_rng(0)
    for _ in range(5):
        y = rng.integers(0, 2, 200)
        s = np.clip(y * 0.3 + rng.random(200) * 0.8, 0, 1).round(2)  # ties on purpose
        thr = float(rng.uniform(0.2, 0.8))
        m = binary_metrics(y, s, thr)
        pred = (s >= thr).astype(int)
        assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, pred))
        assert m["f1"] == pytest.approx(skm.f1_score(y, pred))
        assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred))
        assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, s))
        assert m["pr_auc"] == pytest.approx(skm.average_precision_score(y, s))
        tn, fp, fn, tp = skm.confusion_matrix(y, pred).ravel()
        counts = metrics_from_counts(tp, fp, tn, fn)
        for k in ("mcc", "f1", "precision", "recall", "balanced_accuracy"):
            assert float(counts[k]) == pytest.approx(m[k])


def test_degenerate_metrics() -> None:
    m = binary_metrics([1, 1, 1], [0.1, 0.2, 0.3], 0.5)
    assert m["mcc"] == 0.0 and m["f1"] == 0.0 and math.isnan(m["roc_auc"])
    z = metrics_from_counts(0, 0, 5, 0)
    assert z["mcc"] == 0.0 and z["precision"] == 0.0 and z["balanced_accuracy"] == 1.0


def test_best_threshold() -> None:
    assert best_threshold([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == (pytest.approx(0.5), pytest.approx(1.0))
    thr, mcc = best_threshold(Y, S)
    assert mcc == pytest.approx(max(skm.matthews_corrcoef(Y, (S >= t).astype(int)) for t in np.r_[S, 1.1]))
    assert skm.matthews_corrcoef(Y, (S >= thr).astype(int)) == pytest.approx(mcc)
    assert best_threshold([1, 1], [0.3, 0.4]) == (0.5, 0.0)
    # inverse relation: "nothing positive" (MCC 0) beats every cut
    thr, mcc = best_threshold([1, 0], [0.2, 0.9])
    assert mcc == 0.0 and thr > 0.9


def test_event_table_rules() -> None:
    ev = event_table(
        ["a", "a", "b", "b", "b"], [1, 1, 0, 0, 0], [0.9, 0.3, 0.6, 0.2, 0.1], sample_threshold=0.5
    )
    assert list(ev.index) == ["a", "b"]
    assert ev.loc["a", "mean"] == pytest.approx(0.6) and ev.loc["a", "max"] == 0.9
    assert ev.loc["a", "fraction"] == 0.5 and ev.loc["b", "fraction"] == pytest.approx(1 / 3)
    assert ev.loc["b", "label"] == 0 and ev.loc["b", "n_samples"] == 3
    rule = DecisionRule(0.5, "fraction", 0.4, validation_sample_mcc=0.1, validation_event_mcc=0.2)
    applied = rule.apply(["a", "a", "b", "b", "b"], [1, 1, 0, 0, 0], [0.9, 0.3, 0.6, 0.2, 0.1])
    assert applied["decision"].tolist() == [1, 0]
    assert DecisionRule.from_dict(rule.to_dict()) == rule
    assert math.isnan(
        DecisionRule.from_dict({**rule.to_dict(), "validation_event_mcc": None}).validation_event_mcc
    )


def _scores(split: str, sample_split: str | None = None, n: int = 40, seed: int = 0) -> SplitScores:
    rng = np.random.default_rng(seed)
    ev = np.repeat([f"e{i}" for i in range(n // 4)], 4)
    lab = np.repeat(rng.integers(0, 2, n // 4), 4)
    prob = np.clip(lab * 0.4 + rng.random(n) * 0.6, 0, 1)
    return SplitScores(split, ev, lab, prob, np.full(n, sample_split or split))


def test_thresholds_only_from_validation() -> None:
    rule = select_decision_rule(_scores("validation"))
    assert rule.selected_on == "validation" and rule.event_rule in {"mean", "fraction", "max"}
    assert set(rule.candidates) == {"mean", "fraction", "max"}
    with pytest.raises(SplitLeakError):
        select_decision_rule(_scores("test"))
    with pytest.raises(SplitLeakError):  # labelled validation, but the samples say test
        select_decision_rule(_scores("validation", sample_split="test"))
    mixed = _scores("validation")
    mixed.sample_split[3] = "test"
    with pytest.raises(SplitLeakError):
        select_decision_rule(mixed)
    with pytest.raises(TypeError):
        select_decision_rule((np.zeros(3), np.zeros(3)))  # plain arrays carry no split: refused


def test_score_split_keeps_split_labels() -> None:
    ds = make_samples(n_events=12, seed=1)
    model = make_model("svm").fit(ds["X"].values, ds["label"].values)
    val = score_split(model, ds, "validation")
    assert set(val.sample_split) == {"validation"} and len(val.prob) == (ds["split"] == "validation").sum()
    test = score_split(model, ds, "test")
    with pytest.raises(SplitLeakError):
        select_decision_rule(test)


def test_weighted_aucs_match_sklearn() -> None:
    rng = np.random.default_rng(1)
    n_events = 30
    codes = np.repeat(np.arange(n_events), 3)
    y = np.repeat(rng.integers(0, 2, n_events), 3)
    s = (y * 0.3 + rng.random(len(y))).round(1)  # ties
    W = _multiplicities(n_events, 20, rng)
    roc, ap = _weighted_aucs(y, s, codes, W)
    for b in range(len(W)):
        w = W[b, codes]
        keep = w > 0
        if len(np.unique(y[keep])) < 2:
            assert math.isnan(roc[b])
            continue
        assert roc[b] == pytest.approx(skm.roc_auc_score(y[keep], s[keep], sample_weight=w[keep]))
        assert ap[b] == pytest.approx(skm.average_precision_score(y[keep], s[keep], sample_weight=w[keep]))


def test_bootstrap_by_event_is_seeded_and_brackets_the_estimate() -> None:
    sc = _scores("test", n=200, seed=3)
    ci = bootstrap_intervals(sc.event_id, sc.label, sc.prob, 0.5, n_boot=300, seed=4)
    again = bootstrap_intervals(sc.event_id, sc.label, sc.prob, 0.5, n_boot=300, seed=4)
    assert ci == again
    point = binary_metrics(sc.label, sc.prob, 0.5)
    for m, (lo, hi) in ci.items():
        assert lo <= hi
        assert lo - 0.05 <= point[m] <= hi + 0.05, m
    # resampling events, not samples: with one event every draw is identical → a zero-width interval
    one = bootstrap_intervals(["e"] * 6, [1, 1, 1, 0, 0, 0], [0.9, 0.8, 0.2, 0.1, 0.3, 0.7], 0.5, n_boot=50)
    assert one["mcc"][0] == one["mcc"][1]


def test_evaluate_scores_row_and_ceiling() -> None:
    sc = _scores("test", n=80, seed=5)
    rule = select_decision_rule(_scores("validation", n=80, seed=6))
    gt = pd.DataFrame({"event_id": [f"e{i}" for i in range(20)], "injected": [i % 2 == 0 for i in range(20)]})
    ev = evaluate_scores(sc, rule, n_boot=50, ground_truth=gt)
    row = ev.row()
    for key in ("sample_mcc", "sample_mcc_lo", "event_pr_auc_hi", "ceiling_event_mcc", "event_rule"):
        assert key in row
    assert row["n_events"] == 20 and row["n_samples"] == 80
    assert set(ev.to_dict()) >= {"sample", "event", "sample_ci", "rule"}


def test_ground_truth_ceiling_by_hand() -> None:
    events = pd.DataFrame({"label": [1, 1, 1, 1, 0, 0]}, index=["a", "b", "c", "z", "a-neg0", "b-neg0"])
    gt = pd.DataFrame(
        {
            "event_id": ["a", "b", "c", "c"],
            "injected": [True, False, "True", False],
            "satellite": ["X", "X", "X", "Y"],
        }
    )
    ceil = ground_truth_ceiling(events, gt, satellite="X")
    # detectable positives: a, c (injected) and z (unknown → counted detectable); b is not: TP 3, FN 1, TN 2
    assert ceil["event_recall"] == pytest.approx(0.75)
    assert ceil["event_mcc"] == pytest.approx((3 * 2) / math.sqrt(3 * 4 * 2 * 3))
    assert ceil["n_positive_unknown"] == 1 and ceil["n_positive_injected"] == 2
    assert ceil["event_precision"] == 1.0


def test_placebo_labels_permute_whole_events() -> None:
    ds = make_samples(n_events=40, seed=2)
    for mode in ("shuffle", "shift"):
        pl = placebo_labels(ds, mode, seed=1)
        df = pd.DataFrame({"e": pl["event_id"].values, "l": pl["label"].values, "s": pl["split"].values})
        assert (df.groupby("e")["l"].nunique() == 1).all()  # every sample keeps its event's label
        old = pd.DataFrame({"e": ds["event_id"].values, "l": ds["label"].values, "s": ds["split"].values})
        per_split_new = df.drop_duplicates("e").groupby("s")["l"].sum()
        per_split_old = old.drop_duplicates("e").groupby("s")["l"].sum()
        assert per_split_new.equals(per_split_old)  # class balance per split preserved
        assert not np.array_equal(pl["label"].values, ds["label"].values)
        np.testing.assert_array_equal(pl["X"].values, ds["X"].values)
    with pytest.raises(ValueError):
        placebo_labels(ds, "reverse")


def test_placebo_sits_near_zero_and_the_real_run_does_not() -> None:
    ds = make_samples(n_events=160, seed=7, signal=2.0, samples_per_event=(2, 4))
    train, val = select_split(ds, "train"), select_split(ds, "validation")
    tests = {"test": select_split(ds, "test")}

    def factory():
        return make_model("random_forest", n_estimators=60, min_samples_leaf=3)

    real = fit_select_evaluate(factory, train, val, tests, n_boot=100)
    placebo = placebo_evaluation(factory, train, val, tests, mode="shuffle", seed=3, n_boot=100)
    assert real.tests["test"].sample["mcc"] > 0.4
    assert abs(placebo.tests["test"].sample["mcc"]) < 0.2
    assert abs(placebo.tests["test"].sample["roc_auc"] - 0.5) < 0.15


def test_fit_select_evaluate_refuses_wrong_splits() -> None:
    ds = make_samples(n_events=12, seed=1)
    with pytest.raises(SplitLeakError):
        fit_select_evaluate(
            lambda: make_model("svm"), select_split(ds, "test"), select_split(ds, "validation")
        )
    with pytest.raises(SplitLeakError):
        fit_select_evaluate(lambda: make_model("svm"), select_split(ds, "train"), ds)


def test_ground_truth_table_from_csv(tmp_path) -> None:
    ds = make_samples(n_events=10, seed=1, injected_fraction=0.5)
    path = tmp_path / "ground_truth.csv"
    ground_truth_table(ds).assign(injected=lambda d: d["injected"].astype(str)).to_csv(path, index=False)
    ev = event_table(ds["event_id"].values, ds["label"].values, np.zeros(ds.sizes["sample"]))
    assert ground_truth_ceiling(ev, path)["n_positive"] == int(ev["label"].sum())
