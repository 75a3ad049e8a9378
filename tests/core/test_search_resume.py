"""The optuna search persists its study (SQLite) and a rerun only runs the trials still missing."""

from __future__ import annotations

from core.models.inputs import select_split
from core.training import STUDY_FILE, search_hyperparameters
from tests.core.models.make_samples import make_samples


def test_a_persisted_search_resumes_where_it_stopped(tmp_path) -> None:
    ds = make_samples(30, 10, seed=2, signal=1.5, split_fractions=(0.6, 0.4, 0.0))
    train, validation = select_split(ds, "train"), select_split(ds, "validation")
    seen: list[int] = []
    kw = dict(storage_dir=tmp_path, study_name="hgb-test", base_params={"max_iter": 20})
    first = search_hyperparameters(
        "hist_gradient_boosting", train, validation, n_trials=3, progress=lambda n, v: seen.append(n), **kw
    )
    assert (tmp_path / STUDY_FILE).exists() and seen == [0, 1, 2]
    second = search_hyperparameters(
        "hist_gradient_boosting", train, validation, n_trials=5, progress=lambda n, v: seen.append(n), **kw
    )
    assert seen == [0, 1, 2, 3, 4]  # only the two missing trials ran
    assert len(second.trials) == 5 and second.best_value >= first.best_value
    again = search_hyperparameters("hist_gradient_boosting", train, validation, n_trials=5, **kw)
    assert len(again.trials) == 5 and again.best_params == second.best_params  # nothing left to run


def test_too_few_events_per_class_stop_with_the_split_and_its_counts(monkeypatch) -> None:
    import pytest

    from core.models.inputs import TooFewEventsError, events_per_class, require_events_per_class
    from core.training import train_model

    ds = make_samples(30, 10, seed=2, split_fractions=(0.6, 0.4, 0.0))
    n_pos, n_neg = events_per_class(select_split(ds, "validation"))
    with pytest.raises(
        TooFewEventsError, match=rf"split 'validation' has {n_pos} positive and {n_neg} negative"
    ):
        require_events_per_class(select_split(ds, "validation"), "validation", minimum=50)
    import core.models.inputs

    monkeypatch.setattr(core.models.inputs, "MIN_EVENTS_PER_CLASS", 50)  # the real guard
    with pytest.raises(TooFewEventsError, match="split 'train' has"):
        train_model("svm", ds, quick=True)
