"""Transfer learning: pre-trained weights are loaded, frozen layer groups do not change."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.models.inputs import select_split
from core.models.registry import load_model, save_model
from core.training import FINE_TUNE_STRATEGIES, fine_tune, pretrain
from tests.core.models.make_samples import make_samples

PARAMS = {"epochs": 4, "lstm_units": 16, "dense_units": 16, "lr": 5e-3}


@pytest.fixture(scope="module")
def datasets():
    source = make_samples(n_events=30, L=20, seed=11, signal=2.5, satellite="DEMETER")
    target = make_samples(n_events=20, L=20, seed=12, signal=2.5)
    return source, select_split(target, "train"), select_split(target, "validation")


@pytest.fixture(scope="module")
def pretrained(datasets):
    return pretrain(datasets[0], PARAMS, seed=0)


def _state(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.module_.state_dict().items()}


def _group_keys(state: dict, group: str) -> list[str]:
    return [k for k in state if k.startswith(f"{group}.")]


def test_pretrain_records_source(pretrained, datasets) -> None:
    assert pretrained.transfer_["role"] == "pretrained"
    assert pretrained.transfer_["n_source_samples"] == datasets[0].sizes["sample"] - int(
        (datasets[0]["split"].values == "test").sum()
    )


def test_fine_tuning_starts_from_the_pretrained_weights(pretrained, datasets) -> None:
    _, train, validation = datasets
    before = _state(pretrained)
    tuned = fine_tune(pretrained, train, validation, strategy="full", lr=0.0, epochs=2)
    after = _state(tuned)
    # lr = 0: nothing moves, so every tensor equals the pre-trained one (loaded, not re-drawn)
    for key, value in before.items():
        assert torch.equal(after[key], value), key
    # the original estimator is left untouched by fine-tuning
    fine_tune(pretrained, train, validation, strategy="full", epochs=2)
    for key, value in before.items():
        assert torch.equal(_state(pretrained)[key], value)


@pytest.mark.parametrize("strategy", list(FINE_TUNE_STRATEGIES))
def test_frozen_layers_unchanged(pretrained, datasets, strategy) -> None:
    _, train, validation = datasets
    before = _state(pretrained)
    tuned = fine_tune(pretrained, train, validation, strategy=strategy, epochs=3)
    after = _state(tuned)
    frozen = FINE_TUNE_STRATEGIES[strategy]
    assert tuned.frozen_groups_ == frozen
    assert tuned.transfer_["strategy"] == strategy
    for group in ("conv", "lstm", "head"):
        keys = _group_keys(before, group)
        assert keys, group
        same = all(torch.equal(before[k], after[k]) for k in keys)
        if group in frozen:
            assert same, f"{group} changed under {strategy}"
        else:
            assert not same, f"{group} did not train under {strategy}"
    assert tuned.lr == pretrained.lr  # the fine-tuning rate is an argument, not a changed hyper-parameter
    assert tuned.transfer_["lr"] == pytest.approx(pretrained.lr * (0.1 if strategy == "full" else 1.0))


def test_fine_tuned_model_round_trips(tmp_path, pretrained, datasets) -> None:
    _, train, validation = datasets
    tuned = fine_tune(pretrained, train, validation, strategy="freeze_conv", epochs=2)
    save_model(tuned, "seqnetquake", root=tmp_path)
    loaded = load_model("seqnetquake", root=tmp_path)
    X = train["X"].values
    np.testing.assert_array_equal(loaded.predict_proba(X), tuned.predict_proba(X))
    assert loaded.estimator.frozen_groups_ == ("conv",)
    assert loaded.estimator.transfer_["strategy"] == "freeze_conv"


def test_fine_tune_rejects_unknown_strategy_and_shape(pretrained, datasets) -> None:
    _, train, _ = datasets
    with pytest.raises(ValueError, match="strategy"):
        fine_tune(pretrained, train, strategy="lora")
    short = make_samples(n_events=6, L=10, seed=1)
    with pytest.raises(ValueError, match="steps"):
        fine_tune(pretrained, select_split(short, "train"))
