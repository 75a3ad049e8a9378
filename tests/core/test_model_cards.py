"""Model cards: the figures and the "seen in training" flag a reader sees next to a score."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from core.config import Settings
from core.model_cards import (
    RegistryInfo,
    model_card,
    read_registry_info,
    split_summary,
    suite_summary,
    write_registry_info,
)
from core.models.registry import (
    load_model,
    protocol_registry_root,
    scoring_registry,
    set_default,
)
from core.training import train_model
from tests.core.models.make_samples import make_samples


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("registry")
    samples = make_samples(n_events=24, seed=3)
    row = {
        "n_seeds": 3,
        "event_mcc": 0.35,
        "event_mcc_sd": 0.04,
        "event_mcc_lo": 0.27,
        "event_mcc_hi": 0.43,
        "sample_mcc": 0.2,
        "sample_mcc_sd": 0.02,
        "sample_mcc_lo": 0.1,
        "sample_mcc_hi": 0.3,
    }
    train_model(
        "svm",
        samples,
        quick=True,
        n_boot=20,
        registry_root=root,
        make_default=True,
        suite=suite_summary(row, "r"),
    )
    write_registry_info(
        root, RegistryInfo(title="unit run", report="r", synthetic=True, dataset_config="demo")
    )
    return root, samples


def test_split_summary_periods_and_seen_events():
    samples = make_samples(n_events=24, seed=3)
    summary = split_summary(samples)
    splits = np.asarray(samples["split"].values).astype(str)
    ids = np.asarray(samples["event_id"].values).astype(str)
    assert set(summary) == set(splits)
    assert summary["train"]["event_ids"] == sorted(set(ids[splits == "train"]))
    assert "event_ids" not in summary["test"]  # only the splits a model has seen are listed
    times = pd.to_datetime(samples["event_time"].values)[splits == "test"]
    assert summary["test"]["start"] == f"{times.min():%Y-%m-%d}"
    assert summary["test"]["n_events"] == len(set(ids[splits == "test"]))


def test_card_flags_training_events_and_says_the_seed_spread(trained):
    root, samples = trained
    card = model_card(load_model("svm", root=root))
    splits = np.asarray(samples["split"].values).astype(str)
    ids = np.asarray(samples["event_id"].values).astype(str)
    train_event, val_event, test_event = (ids[splits == s][0] for s in ("train", "validation", "test"))
    assert card.trust(train_event)[0] == "seen" and "not a prediction" in card.trust(train_event)[1]
    assert card.seen_in(val_event) == "validation"
    assert card.seen_in(test_event) is None
    assert card.trust(test_event)[0] == "held-out"  # the suite's interval [0.27, 0.43] excludes 0
    assert card.mcc_text() == "0.35 ± 0.04 (sd over 3 seeds), 95 % CI [0.27, 0.43]"
    assert card.registry.title == "unit run" and card.seq_len == 20
    assert set(card.periods) == {"train", "validation", "test"}


def test_card_without_suite_reports_one_seed_and_chance(trained):
    root, samples = trained
    loaded = load_model("svm", root=root)
    loaded.settings["training"]["suite"] = None
    loaded.metrics["test"]["event"]["mcc"] = 0.05
    loaded.metrics["test"]["event_ci"]["mcc"] = [-0.1, 0.2]
    card = model_card(loaded)
    assert "one seed; seed spread not measured" in card.mcc_text()
    ids = np.asarray(samples["event_id"].values).astype(str)
    held_out = ids[np.asarray(samples["split"].values).astype(str) == "test"][0]
    level, text = card.trust(held_out)
    assert level == "chance" and "means nothing" in text


def test_card_of_a_model_saved_without_splits_cannot_vouch(trained):
    root, _ = trained
    loaded = load_model("svm", root=root)
    loaded.settings["training"].pop("splits")
    assert model_card(loaded).trust("any")[0] == "unknown"


def test_registry_info_round_trip_and_default(tmp_path):
    assert read_registry_info(tmp_path) == RegistryInfo()
    (tmp_path / "registry.json").write_text("{not json")
    assert read_registry_info(tmp_path) == RegistryInfo()
    info = RegistryInfo(title="t", report="x", synthetic=False, dataset_config="cses-background")
    write_registry_info(tmp_path, info)
    assert read_registry_info(tmp_path) == info


def test_scoring_registry_prefers_explicit_then_protocol_then_demo(tmp_path, trained):
    root, _ = trained
    settings = Settings(work_dir=tmp_path / "work", reports_dir=tmp_path / "reports", registry_dir=None)
    assert scoring_registry(settings) == settings.work_dir / "models"
    protocol = protocol_registry_root(settings)
    protocol.mkdir(parents=True)
    assert scoring_registry(settings) == settings.work_dir / "models"  # no defaults.json yet
    (protocol / "defaults.json").write_text("{}")
    assert scoring_registry(settings) == protocol
    assert scoring_registry(settings.with_(registry_dir=root)) == root
    set_default("svm", root=root)  # still a registry with defaults


def test_suite_summary_keeps_nan_for_missing_figures():
    out = suite_summary({"n_seeds": 3, "event_mcc": 0.3})
    assert out["n_seeds"] == 3 and out["event"]["mean"] == 0.3
    assert math.isnan(out["event"]["sd"]) and out["report"] is None


def test_a_model_without_a_test_split_is_untested_and_named_with_its_satellite(trained):
    root, samples = trained
    loaded = load_model("svm", root=root)
    loaded.metrics.pop("test")
    loaded.settings["training"]["suite"] = None
    loaded.settings["training"]["satellite"] = "DEMETER"
    card = model_card(replace(loaded, name="svm_demeter"))
    ids = np.asarray(samples["event_id"].values).astype(str)
    held_out = ids[np.asarray(samples["split"].values).astype(str) == "test"][0]
    assert card.trust(held_out)[0] == "untested"
    assert card.display_name == "SVM (DEMETER)" and "validation MCC" in card.mcc_text()


def test_a_model_scores_only_its_own_satellites_sequences(trained):
    from core.scoring import score_event

    root, samples = trained
    loaded = load_model("svm", root=root)
    cses = samples.isel(sample=slice(0, 4))
    assert score_event(cses, {"svm": loaded}, use_cache=False)["probability"].notna().all()
    demeter = cses.assign_coords(satellite=("sample", np.full(4, "DEMETER")))
    assert score_event(demeter, {"svm": loaded}, use_cache=False)["probability"].isna().all()


def test_a_test_figure_without_interval_is_not_called_chance(trained):
    root, samples = trained
    loaded = load_model("svm", root=root)
    loaded.settings["training"]["suite"] = None
    loaded.metrics["test"]["event"]["mcc"] = 0.6
    loaded.metrics["test"]["event_ci"]["mcc"] = [None, None]  # no bootstrap
    card = model_card(loaded, RegistryInfo())
    held_out = np.asarray(samples["event_id"].values).astype(str)[
        np.asarray(samples["split"].values) == "test"
    ][0]
    assert card.trust(held_out)[0] == "held-out" and card.mcc_text().startswith("0.60, no interval")
    assert "data not stated" in card.summary()  # a registry without registry.json claims no testbed
