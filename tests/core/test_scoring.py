"""score_event: every registry model's per-sample and per-event scores for one event, cached."""

from __future__ import annotations

import numpy as np
import pytest

from core import scoring
from core.models.inputs import select_split
from core.scoring import SCORE_COLUMNS, event_samples, event_summary, score_event, scoring_models
from core.training import train_model
from tests.core.models.make_samples import make_samples


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("models")
    ds = make_samples(n_events=30, seed=4, signal=3.0)
    for name, params in (
        ("seqnetquake", {"epochs": 3}),
        ("svm", {}),
        ("random_forest", {"n_estimators": 20}),
    ):
        train_model(name, ds, quick=True, params=params, n_boot=10, registry_root=root, make_default=True)
    return root, ds


def test_score_event_all_models(registry) -> None:
    root, ds = registry
    scoring.clear_cache()
    test = select_split(ds, "test")
    event = event_samples(ds, test["event_id"].values[0])
    assert set(event["split"].values) == {"test"} and event.sizes["sample"] >= 2
    models = scoring_models(root)
    assert list(models) == ["seqnetquake", "random_forest", "svm"]
    table = score_event(event, models)
    assert list(table.columns) == list(SCORE_COLUMNS)
    n = event.sizes["sample"]
    assert len(table) == 3 * n
    for name, part in table.groupby("model"):
        rule = models[name].rule
        assert part["probability"].between(0, 1).all()
        assert (part["sample_decision"] == (part["probability"] >= rule.sample_threshold)).all()
        ev = part["event_probability"].iloc[0]
        expected = {
            "mean": part["probability"].mean(),
            "max": part["probability"].max(),
            "fraction": part["sample_decision"].mean(),
        }[rule.event_rule]
        assert ev == pytest.approx(expected)
        assert part["event_decision"].iloc[0] == (ev >= rule.event_threshold)
    summary = event_summary(table)
    assert len(summary) == 3 and set(summary["model"]) == set(models)
    # the cache returns an equal copy (mutating it does not poison the cache)
    again = score_event(event, models)
    again.loc[0, "probability"] = -1.0
    assert score_event(event, models).equals(table)
    # default: the registry's defaults
    assert score_event(event, root=root).equals(table)


def test_score_event_edge_cases(registry) -> None:
    root, ds = registry
    models = scoring_models(root)
    empty = event_samples(ds, "no-such-event")
    assert empty.sizes["sample"] == 0
    assert score_event(empty, models).empty
    # a dataset without one of the model's features: the model's rows carry NaN, not an error
    fewer = ds.isel(sample=[0, 1]).isel(feature=[0, 1, 2])
    table = score_event(fewer, models, use_cache=False)
    assert table["probability"].isna().all() and not table["event_decision"].any()
    # features in another order are matched by name
    shuffled = ds.isel(sample=[0, 1]).isel(feature=[3, 2, 1, 0])
    a = score_event(shuffled, models, use_cache=False)
    b = score_event(ds.isel(sample=[0, 1]), models, use_cache=False)
    np.testing.assert_allclose(a["probability"], b["probability"])


def test_another_sequence_length_scores_with_the_models_made_for_it(tmp_path) -> None:
    """Changing L in the event view: each model scores with its newest version trained on that L (the
    default stays the default), and a model with no version for that L scores nothing."""
    root = tmp_path / "models"
    ds20 = make_samples(n_events=16, L=20, seed=2)
    ds10 = make_samples(n_events=16, L=10, seed=2)
    train_model("svm", ds20, quick=True, n_boot=5, registry_root=root, make_default=True)
    train_model(
        "random_forest",
        ds20,
        quick=True,
        params={"n_estimators": 10},
        n_boot=5,
        registry_root=root,
        make_default=True,
    )
    v10 = train_model("svm", ds10, quick=True, n_boot=5, registry_root=root).record.version
    scoring.clear_cache()
    assert scoring_models(root)["svm"].seq_len == 20  # the default
    models = scoring_models(root, seq_len=10)
    assert models["svm"].version == v10 and models["svm"].seq_len == 10
    assert models["random_forest"].seq_len == 20  # no L = 10 version: kept, and it scores nothing
    table = score_event(event_samples(ds10, ds10["event_id"].values[0]), models, use_cache=False)
    by_model = table.groupby("model")["probability"]
    assert by_model.apply(lambda p: p.notna().all())["svm"]
    assert by_model.apply(lambda p: p.isna().all())["random_forest"]


def test_analyse_event_windows_scores_and_cards(registry, tmp_path) -> None:
    """The chain behind the event view and `python -m core score`: window → samples → models → scores,
    with each model's card and the time of each step."""
    from core.archive import load_index
    from core.catalog import load_default_catalog
    from core.config import Settings
    from core.datasets import get_config
    from tests.helpers import build_tiny_archive

    root, _ = registry
    build_tiny_archive(tmp_path)
    index = load_index(tmp_path / "archive")
    cat = load_default_catalog(Settings())
    event = cat[cat["event_id"] == "us6000f65h"].iloc[0]
    steps: list[str] = []
    archive, config = tmp_path / "archive", get_config("cses-default")
    result = scoring.analyse_event(event, index, archive, config, registry_root=root, on_step=steps.append)
    assert steps == list(scoring.ANALYSIS_STEPS) and list(result.timings) == steps
    assert result.outcome == "ok" and result.n_samples > 0 and result.windows is not None
    assert result.scores is not None and list(result.scores.columns) == list(SCORE_COLUMNS)
    assert set(result.scores["model"]) == set(result.models) == set(result.cards)
    assert len(result.scores) == len(result.models) * result.n_samples
    assert result.cards["svm"].version == result.models["svm"].version
    # no registry: sequences without scores; no pass: no sequence, and the cards all the same
    bare = scoring.analyse_event(event, index, archive, config, registry_root=tmp_path / "none")
    assert bare.scores is None and not bare.cards and bare.n_samples == result.n_samples
    day = get_config("cses-day")
    empty = scoring.analyse_event(event, index, archive, day, registry_root=root)
    assert empty.n_samples == 0 and empty.outcome != "ok" and empty.scores is not None
    assert empty.scores.empty and set(empty.cards) == set(result.cards)
