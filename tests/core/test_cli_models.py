"""``python -m core train / evaluate / experiments / score`` end to end on tiny seeded data."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from core.cli import app
from core.cli.common import apply_overrides, console, parse_overrides
from core.cli.models import EXIT_NO_SEQUENCES
from core.datasets import DatasetSettings, get_config, samples_from_windows, write_samples
from core.models.inputs import select_split
from core.scoring import score_event, scoring_models
from core.windows import EventWindows, Target
from tests.core.models.make_samples import ground_truth_table, make_samples

runner = CliRunner()


@pytest.fixture(autouse=True, scope="module")
def _one_thread_wide_console():
    """One PyTorch thread (shared machine); a wide console so table cells are not wrapped."""
    import torch

    torch.set_num_threads(1)
    width = console.width
    console.width = 240
    yield
    console.width = width


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny samples file, its ground truth, and a registry with svm and random_forest (defaults)."""
    folder = tmp_path_factory.mktemp("cli_models")
    ds = make_samples(n_events=30, seed=4, signal=3.0)
    path = write_samples(ds, folder / "tiny.nc")
    gt = folder / "ground_truth.csv"
    ground_truth_table(ds).to_csv(gt, index=False)
    root = folder / "registry"
    args = ["train", "--dataset", str(path), "--model", "svm", "--model", "random_forest", "--quick"]
    args += ["--registry", str(root), "--ground-truth", str(gt), "--n-boot", "20", "--make-default"]
    result = runner.invoke(app, args)
    return SimpleNamespace(ds=ds, path=path, gt=gt, root=root, result=result, folder=folder)


def test_train_registers_models_and_prints_the_table(trained) -> None:
    result = trained.result
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("SVM", "Random forest", "v001", "validation", "test", "ceiling", "synthetic-testbed"):
        assert text in out, text
    defaults = json.loads((trained.root / "defaults.json").read_text())
    assert defaults == {"random_forest": "v001", "svm": "v001"}
    metrics = json.loads((trained.root / "svm" / "v001" / "metrics.json").read_text())
    assert f"{metrics['test']['sample']['mcc']:.3f}" in out


def test_train_argument_errors_are_one_line(trained, tmp_path) -> None:
    cases = [
        (["train", "--dataset", str(trained.path), "--model", "nope"], "unknown model 'nope'"),
        (["train"], "give --dataset FILE"),
        (["train", "--dataset", str(trained.path), "--config", "cses-default"], "not both"),
        (["train", "--config", "cses-default"], "needs --archive"),
        (["train", "--dataset", str(tmp_path / "missing.nc")], "does not exist"),
        (["train", "--dataset", str(trained.path), "--defaults", "--search"], "leave out --search"),
        (
            ["train", "--config", "no-such-config", "--archive", str(tmp_path)],
            "unknown dataset configuration",
        ),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and "Traceback" not in result.output, (args, result.output)


def test_evaluate_uses_the_saved_rule(trained) -> None:
    args = ["evaluate", "--model", "svm", "--dataset", str(trained.path), "--registry", str(trained.root)]
    result = runner.invoke(app, [*args, "--n-boot", "20", "--ground-truth", str(trained.gt)])
    assert result.exit_code == 0, result.output
    assert "svm v001" in result.output and "the dataset it was trained on" in result.output
    decision = json.loads((trained.root / "svm" / "v001" / "decision.json").read_text())
    assert f"p ≥ {decision['sample_threshold']:.3f}" in result.output
    assert f"{decision['event_rule']} score ≥ {decision['event_threshold']:.3f}" in result.output
    metrics = json.loads((trained.root / "svm" / "v001" / "metrics.json").read_text())
    assert f"{metrics['test']['event']['mcc']:.3f}" in result.output  # same rule → same test scores
    result = runner.invoke(app, [*args, "--split", "test2"])
    assert result.exit_code == 2 and "'test2' is not in tiny.nc" in result.output
    result = runner.invoke(app, [*args[:2], "cnn", *args[3:]])
    assert result.exit_code == 2 and "no saved model named 'cnn'" in result.output


def test_score_from_a_dataset(trained) -> None:
    event = str(select_split(trained.ds, "test")["event_id"].values[0])
    args = ["score", "--event", event, "--dataset", str(trained.path), "--registry", str(trained.root)]
    result = runner.invoke(app, [*args, "--per-sample"])
    assert result.exit_code == 0, result.output
    assert "SVM" in result.output and "Random forest" in result.output
    assert "of 2 models call the event pre-earthquake" in result.output
    assert "probability per sequence" in result.output and "scoring" in result.output
    # each model's card: its test MCC and, for a test event, that the score is a prediction or is noise
    assert "model cards" in result.output and "SVM v001: test event MCC" in result.output
    assert "seen in training" not in result.output


def test_score_says_when_the_event_was_seen_in_training(trained, monkeypatch) -> None:
    event = str(select_split(trained.ds, "train")["event_id"].values[0])
    monkeypatch.setenv("SEQNETQUAKE_REGISTRY", str(trained.root))  # the default: the dashboard's registry
    result = runner.invoke(app, ["score", "--event", event, "--dataset", str(trained.path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("seen in training (train split) — this score is not a prediction") == 2


def test_score_errors(trained, tmp_path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    empty = tmp_path / "empty-registry"
    base = ["score", "--archive", str(archive)]
    result = runner.invoke(app, [*base, "--event", "us6000f65h", "--registry", str(empty)])
    assert result.exit_code == 2 and "no default models in the registry" in result.output
    result = runner.invoke(app, [*base, "--event", "no-such-event", "--registry", str(trained.root)])
    assert result.exit_code == 2 and "not in the built-in catalog" in result.output
    result = runner.invoke(
        app, ["score", "--event", "nope", "--dataset", str(trained.path), "--registry", str(trained.root)]
    )
    assert result.exit_code == 2 and "has no samples in tiny.nc" in result.output
    result = runner.invoke(app, ["score", "--event", "x", "--registry", str(trained.root)])
    assert result.exit_code == 2 and "--archive" in result.output


def test_score_from_an_archive_windows_the_event(trained, tmp_path) -> None:
    from tests.helpers import build_tiny_archive

    build_tiny_archive(tmp_path)
    args = ["score", "--event", "us6000f65h", "--archive", str(tmp_path / "archive")]
    result = runner.invoke(app, [*args, "--registry", str(trained.root)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Nippes" in out and "(cses-default: night, 5 days, L = 20)" in out  # no registry.json: the default
    assert "of 2 models call the event" in out and "SVM v001: test event MCC" in out
    assert "windowing" in out and "loading models" in out


def test_score_event_without_sequences_says_why(trained, tmp_path) -> None:
    from core.archive import scan_archive

    archive = tmp_path / "archive"
    archive.mkdir()
    scan_archive(archive, progress=False)  # an empty index: nothing covers the event
    args = ["score", "--event", "us6000f65h", "--archive", str(archive), "--registry", str(trained.root)]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_NO_SEQUENCES, result.output
    assert "no sequences for us6000f65h" in result.output and "no_coverage" in result.output
    assert "Nippes" in result.output


def test_event_samples_from_windows_meet_the_contract(trained) -> None:
    settings = DatasetSettings(name="t")
    L, F, n = settings.window.length, len(settings.window.features), 3
    rng = np.random.default_rng(0)
    t0 = np.datetime64("2022-08-01T00:00:00", "ns").astype(np.int64)
    windows = EventWindows(
        Target("us7000abcd", int(t0) + 3 * 86_400 * 10**9, 10.0, 20.0, 5.5),
        rng.normal(size=(n, L, F)).astype(np.float32),
        rng.uniform(-10, 10, (n, L)),
        rng.uniform(-10, 10, (n, L)),
        ["CSES-01"] * n,
        [101, 101, 102],
        ["night"] * n,
        np.array([t0, t0 + 20 * 10**9, t0 + 86_400 * 10**9], dtype=np.int64),
        np.array([72.0, 71.9, 48.0]),
        np.array([12.0, 30.0, 80.0]),
        "ok",
    )
    ds = samples_from_windows([windows], settings)
    assert ds["X"].dims == ("sample", "step", "feature") and ds.sizes == {
        "sample": n,
        "step": L,
        "feature": F,
    }
    assert list(ds["event_id"].values) == ["us7000abcd"] * n  # not truncated to one character
    assert ds["t_start"].dtype == np.dtype("datetime64[ns]") and ds["label"].dtype == np.int8
    table = score_event(ds, scoring_models(trained.root), use_cache=False)
    assert len(table) == 2 * n and table["probability"].between(0, 1).all()


def test_parse_overrides() -> None:
    assert parse_overrides(["bbox=95,-50,180,55", "half=day", "days_before=3", "stride=null"]) == {
        (None, "bbox"): [95, -50, 180, 55],
        (None, "half"): "day",
        (None, "days_before"): 3,
        (None, "stride"): None,
    }
    splits = '[["train","2021-01-01","2021-04-30"],["validation","2021-05-01","2021-06-30"]]'
    parsed = parse_overrides([f"cses-01:splits={splits}"])
    assert parsed[("CSES-01", "splits")][1] == ["validation", "2021-05-01", "2021-06-30"]
    cses = apply_overrides(get_config("cses-default"), parsed)
    assert cses.split_names() == ["train", "validation"]
    demeter = get_config("demeter-default")
    assert apply_overrides(demeter, parsed) is demeter  # scoped to CSES-01: DEMETER keeps its splits


def test_experiments_builds_skips_and_reports(trained, tmp_path, monkeypatch) -> None:
    from core import datasets as ds_mod

    seen: dict[str, DatasetSettings] = {}

    def fake_build(cfg, source, **kwargs):
        seen[cfg.name] = cfg
        ds = trained.ds if cfg.name == "cses-default" else trained.ds.isel(sample=[])
        return ds, SimpleNamespace(cached=True, seconds=0.0, path="fake.nc")

    monkeypatch.setattr(ds_mod, "build_dataset", fake_build)
    out = tmp_path / "report"
    args = ["experiments", "--suite", "quick", "--archive", str(tmp_path), "--out", str(out)]
    args += ["--model", "svm", "--no-figures", "--n-boot", "10", "--config-override", "bbox=95,-50,180,55"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    # demeter: no archive given
    assert set(seen) == {"cses-default", "cses-500km", "cses-L10", "cses-day", "cses-background"}
    assert all(cfg.bbox == (95.0, -50.0, 180.0, 55.0) for cfg in seen.values())
    assert "skipped dataset demeter-default: no --demeter-archive given" in result.output
    assert "skipped dataset cses-day: no samples" in result.output
    assert "skipped experiment d_transfer" in result.output
    assert (out / "report.md").exists() and str(out / "report.md") in result.output.replace("\n", "")
    assert "placebo" in result.output and "0.6792" in result.output
    bad = runner.invoke(app, [*args[:7], "--config-override", "colour=red"])
    assert bad.exit_code == 2 and "unknown dataset setting(s): colour" in bad.output
    bad = runner.invoke(app, [*args[:7], "--config-override", "GOCE:half=day"])
    assert bad.exit_code == 2 and "SATELLITE one of CSES-01, DEMETER" in bad.output
    bad = runner.invoke(app, [*args[:7], "--suite", "huge"])
    assert bad.exit_code == 2 and "--suite must be paper or quick" in bad.output


def test_train_takes_the_torch_models_batch_size_and_device(tmp_path) -> None:
    """`train --batch-size/--device` reach the PyTorch models (saved in their parameters) and not the others;
    a model saved with a CUDA device loads on a machine without one (device auto)."""
    import json

    from typer.testing import CliRunner

    from core.cli import app
    from core.datasets import write_samples
    from core.models.registry import load_model
    from tests.core.models.make_samples import make_samples

    path = tmp_path / "s.nc"
    write_samples(make_samples(n_events=20, seed=2), path)
    args = ["train", "--dataset", str(path), "--registry", str(tmp_path / "reg"), "--n-boot", "5"]
    out = CliRunner().invoke(
        app, [*args, "--model", "cnn", "--model", "svm", "--batch-size", "32", "--device", "cpu"]
    )
    assert out.exit_code == 0, out.output
    saved = json.loads((tmp_path / "reg" / "cnn" / "v001" / "settings.json").read_text())
    assert saved["params"]["batch_size"] == 32 and saved["params"]["device"] == "cpu"
    assert (
        "batch_size"
        not in json.loads((tmp_path / "reg" / "svm" / "v001" / "settings.json").read_text())["params"]
    )
    saved["params"]["device"] = "cuda"
    (tmp_path / "reg" / "cnn" / "v001" / "settings.json").write_text(json.dumps(saved))
    assert load_model("cnn", root=tmp_path / "reg").estimator.device == "auto"
    bad = CliRunner().invoke(app, [*args, "--model", "cnn", "--device", "gpu0"])
    assert bad.exit_code != 0 and "--device must be" in bad.output
