"""The optuna search persists its study (SQLite) and a rerun only runs the trials still missing; the
50-events-per-class guard names the split and its counts."""

from __future__ import annotations

import pytest

from core.models.inputs import TooFewEventsError, events_per_class, require_events_per_class, select_split
from core.training import STUDY_FILE, default_study_name, search_hyperparameters, train_model
from tests.core.models.make_samples import make_samples


@pytest.fixture(scope="module")
def splits():
    ds = make_samples(30, 10, seed=2, signal=1.5, split_fractions=(0.6, 0.4, 0.0))
    return select_split(ds, "train"), select_split(ds, "validation")


def test_a_persisted_search_resumes_where_it_stopped(tmp_path, splits, capsys) -> None:
    train, validation = splits
    seen: list[int] = []
    kw = dict(storage_dir=tmp_path, study_name="hgb-test", base_params={"max_iter": 20})
    first = search_hyperparameters(
        "hist_gradient_boosting", train, validation, n_trials=3, progress=lambda n, v: seen.append(n), **kw
    )
    assert (tmp_path / STUDY_FILE).exists() and seen == [0, 1, 2] and first.n_new_trials == 3
    second = search_hyperparameters(
        "hist_gradient_boosting",
        train,
        validation,
        n_trials=5,
        progress=lambda n, v: seen.append(n),
        verbose=True,
        **kw,
    )
    assert seen == [0, 1, 2, 3, 4] and second.n_new_trials == 2  # only the two missing trials ran
    assert len(second.trials) == 5 and second.best_value >= first.best_value
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("search ")]
    assert len(lines) == 2 and lines[0].startswith("search hist_gradient_boosting: trial 4/5 value ")
    assert "| best " in lines[-1]
    again = search_hyperparameters("hist_gradient_boosting", train, validation, n_trials=5, **kw)
    assert len(again.trials) == 5 and again.best_params == second.best_params  # nothing left to run
    assert again.n_new_trials == 0


def test_the_default_storage_is_the_work_dir_and_the_study_name_follows_the_data(
    tmp_path, monkeypatch, splits
) -> None:
    train, validation = splits
    monkeypatch.setenv("SEQNETQUAKE_WORK_DIR", str(tmp_path))
    res = search_hyperparameters(
        "hist_gradient_boosting", train, validation, n_trials=2, base_params={"max_iter": 20}
    )
    assert (tmp_path / "studies" / STUDY_FILE).exists() and res.storage == str(
        tmp_path / "studies" / STUDY_FILE
    )
    assert res.study_name == default_study_name(
        "hist_gradient_boosting", train, validation, objective="mcc", seed=0, base_params={"max_iter": 20}
    )
    other = default_study_name(
        "hist_gradient_boosting", validation, train, objective="mcc", seed=0, base_params={"max_iter": 20}
    )
    assert other != res.study_name  # other data: another study, never resumed by mistake


def test_too_few_events_per_class_stop_with_the_split_and_its_counts(monkeypatch, tmp_path) -> None:
    ds = make_samples(30, 10, seed=2, split_fractions=(0.6, 0.4, 0.0))
    n_pos, n_neg = events_per_class(select_split(ds, "validation"))
    with pytest.raises(
        TooFewEventsError,
        match=rf"split 'validation' has {n_pos} positive and {n_neg} negative events \(< 50",
    ):
        require_events_per_class(select_split(ds, "validation"), "validation", minimum=50)
    import core.models.inputs

    monkeypatch.setattr(core.models.inputs, "MIN_EVENTS_PER_CLASS", 50)  # the real guard
    with pytest.raises(TooFewEventsError, match="split 'train' has"):
        train_model("svm", ds, quick=True)
    with pytest.raises(TooFewEventsError, match="split 'validation' has"):
        train_model("svm", ds, quick=True, min_events_per_class=9)  # train has 9 per class
    with pytest.raises(TooFewEventsError, match="split 'train' has"):
        search_hyperparameters(
            "svm", select_split(ds, "train"), select_split(ds, "validation"), n_trials=1, storage_dir=tmp_path
        )
    result = train_model("svm", ds, quick=True, min_events_per_class=2, n_boot=10)  # lowered explicitly
    assert result.validation is not None
