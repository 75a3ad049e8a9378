"""A tiny end-to-end run of the paper suite (seconds): every table, the report, the figures."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core import experiments
from core.experiments import PAPER_HEADLINES, SYNTHETIC_STATEMENT, export_figures, run_paper_suite
from tests.core.models.make_samples import ground_truth_table, make_samples


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    cses = make_samples(40, 20, seed=1, signal=2.0, injected_fraction=0.8)
    datasets = {
        "cses": cses,
        "demeter": make_samples(50, 20, seed=2, signal=2.0, satellite="DEMETER"),
        "cses-L10": make_samples(30, 10, seed=3, signal=2.0),
        "cses-day": make_samples(30, 20, seed=4, signal=1.0, half="day"),
    }
    out = tmp_path_factory.mktemp("report")
    messages: list[str] = []
    result = run_paper_suite(
        datasets,
        out,
        quick=True,
        n_boot=30,
        ground_truth=ground_truth_table(cses),
        models=("seqnetquake", "cnn", "svm"),
        fractions=(0.5, 1.0),
        png=False,
        progress=messages.append,
    )
    return result, messages


def test_suite_writes_every_table(suite) -> None:
    result, messages = suite
    out = result.out_dir
    for name in (
        "a_spatial_windows",
        "b_sequence_lengths",
        "c_day_night",
        "d_transfer",
        "d_learning_curve",
        "e_benchmarks",
        "placebo",
        "headline",
    ):
        assert (out / f"{name}.csv").exists(), name
    e = pd.read_csv(out / "e_benchmarks.csv")
    assert set(e["model"]) == {"seqnetquake", "cnn", "svm"} and set(e["split"]) == {"test"}
    assert {"sample_mcc", "sample_mcc_lo", "event_f1_hi", "ceiling_event_mcc"} <= set(e.columns)
    d = pd.read_csv(out / "d_transfer.csv")
    assert set(d["strategy"]) == {"direct", "pretrained_only", "full", "freeze_conv", "head_only"}
    assert d["chosen_on_validation"].sum() == 1
    curve = pd.read_csv(out / "d_learning_curve.csv")
    assert set(curve["fraction"]) == {0.5, 1.0} and curve["method"].nunique() == 2
    # the default dataset is trained once and reused by (a), (b), (c), (d), (e)
    assert sum(m == "train seqnetquake on cses-default (seed 0)" for m in messages) == 1
    # every model figure is over three training seeds: mean, sd over seeds, interval of the mean
    assert (e["n_seeds"] == 3).all() and {"sample_mcc_sd", "event_mcc_sd", "probability_gain"} <= set(
        e.columns
    )
    assert all(len(str(v).split()) == 3 for v in e["sample_mcc_by_seed"])
    assert (e["sample_mcc_lo"] <= e["sample_mcc"] + 1e-9).all() and (
        e["sample_mcc"] <= e["sample_mcc_hi"] + 1e-9
    ).all()
    assert "a_spatial_windows" in result.tables and len(result.tables["a_spatial_windows"]) == 1
    assert set(result.tables["b_sequence_lengths"]["variant"]) == {"L = 10", "L = 20"}
    # raw vs deviation needs cses-background; the oracle needs a generated archive: neither here
    assert set(result.skipped) == {"f_features"} and "oracle" not in set(e["model"])


def test_report_and_headline(suite) -> None:
    result, _ = suite
    text = result.report.read_text()
    assert SYNTHETIC_STATEMENT in text
    assert "0.6792" in text and "+29.0 %" in text and "+64.2 %" in text
    head = pd.read_csv(result.out_dir / "headline.csv")
    assert any(head["quantity"].str.contains("placebo")) and any(head["quantity"].str.contains("ceiling"))
    assert head["paper"].dropna().isin(list(PAPER_HEADLINES.values()) + [0.0]).all()
    meta = json.loads((result.out_dir / "suite.json").read_text())
    assert meta["quick"] is True and "cses-default" in meta["datasets"]
    assert result.figure_format == "html" and all(p.suffix == ".html" for p in result.figures)
    assert {p.stem for p in result.figures} >= {"e_roc_pr", "e_confusion", "d_learning_curve"}


def test_missing_datasets_are_skipped(tmp_path) -> None:
    result = run_paper_suite({"cses-day": make_samples(16, 20, seed=1)}, tmp_path, n_boot=5, figures=False)
    assert set(result.skipped) == {
        "a_spatial_windows",
        "b_sequence_lengths",
        "d_transfer",
        "e_benchmarks",
        "f_features",
    }
    assert "skipped" in result.report.read_text()


def test_png_export_falls_back_to_html(tmp_path, monkeypatch) -> None:
    import plotly.graph_objects as go
    import plotly.io as pio

    def broken(*args, **kwargs):
        raise RuntimeError("no browser")

    monkeypatch.setattr(pio, "write_images", broken)
    paths, fmt = export_figures({"f": go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))}, tmp_path)
    assert fmt == "html" and "<html>" in paths[0].read_text()
    assert (tmp_path / "plotly.min.js").exists()  # standalone offline: plotly.js written beside the figures
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
    assert experiments.report._gain(0.5, 0.4) == pytest.approx(0.25)


def test_cli_runs_the_suite_on_a_testbed_folder(tmp_path) -> None:
    from typer.testing import CliRunner

    from core.cli import app
    from core.datasets import write_samples

    bed = tmp_path / "bed"
    (bed / "datasets").mkdir(parents=True)
    (bed / "archive").mkdir()
    cses = make_samples(30, 20, seed=1, signal=2.0)
    write_samples(cses, bed / "datasets" / "cses-default.nc")
    ground_truth_table(cses).to_csv(bed / "archive" / "ground_truth.csv", index=False)
    out = tmp_path / "report"
    args = ["experiments", "--testbed", str(bed), "--suite", "quick", "--model", "svm", "--seeds", "0,1"]
    result = CliRunner().invoke(app, [*args, "--n-boot", "10", "--no-figures", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "skipped dataset cses-L10" in result.output  # not in the testbed folder: said, not fatal
    e = pd.read_csv(out / "e_benchmarks.csv")
    assert set(e["model"]) == {"seqnetquake", "svm"} and (e["n_seeds"] == 2).all()
    assert "ceiling_event_mcc" in e  # the testbed's ground truth was found
    assert "Command: `python -m core " in (out / "report.md").read_text()  # how to make it again
    both = CliRunner().invoke(app, [*args, "--archive", str(bed), "--out", str(out)])
    assert both.exit_code != 0 and "not both" in both.output
    subset = CliRunner().invoke(app, [*args, "--configs", "cses-default,no-such", "--out", str(out)])
    assert subset.exit_code != 0 and "lacks the configuration(s) no-such" in subset.output


def test_a_suite_runs_in_parts_and_a_rerun_completes_it_from_its_store(tmp_path) -> None:
    data = {"cses": make_samples(30, 20, seed=1, signal=2.0), "cses-L10": make_samples(24, 10, seed=3)}
    kw = dict(quick=True, seeds=(0, 1, 2), n_boot=10, models=("seqnetquake", "svm"), figures=False)
    first = run_paper_suite(data, tmp_path, parts=("b",), **kw)
    assert set(first.tables) == {"b_sequence_lengths"} and first.skipped["e_benchmarks"].startswith(
        "not asked"
    )
    messages: list[str] = []
    second = run_paper_suite(data, tmp_path, progress=messages.append, **kw)
    assert {"b_sequence_lengths", "e_benchmarks"} <= set(second.tables)
    # the seqnetquake fits of (b) came from the store: only the new ones were trained
    assert not any("seqnetquake on cses-L10" in m for m in messages)
    assert any("svm on cses-default" in m for m in messages)
    pd.testing.assert_frame_equal(first.tables["b_sequence_lengths"], second.tables["b_sequence_lengths"])
    with pytest.raises(ValueError, match="unknown suite part"):
        run_paper_suite(data, tmp_path, parts=("z",), **kw)


def test_a_suite_registers_its_models_with_cards_and_a_rerun_keeps_them(tmp_path) -> None:
    from core.model_cards import model_card, read_registry_info
    from core.models.registry import default_models, list_models, load_model

    data = {"cses": make_samples(30, 20, seed=1, signal=2.0), "cses-L10": make_samples(24, 10, seed=3)}
    kw = dict(quick=True, seeds=(0, 1, 2), n_boot=10, models=("seqnetquake", "svm"), figures=False)
    registry = tmp_path / "registry"
    result = run_paper_suite(data, tmp_path / "r", registry=registry, registry_title="unit suite", **kw)
    assert set(default_models(registry)) == {"seqnetquake", "svm"}
    info = read_registry_info(registry)
    assert info.title == "unit suite" and info.synthetic is False and info.report == str(tmp_path / "r")
    card = model_card(load_model("seqnetquake", default_models(registry)["seqnetquake"], root=registry))
    row = result.tables["e_benchmarks"].query("model == 'seqnetquake' and split == 'test'").iloc[0]
    assert card.seeds["n_seeds"] == 3 and card.seeds["event"]["mean"] == pytest.approx(row["event_mcc"])
    # the registered fit is the suite's first seed, redone: its own test figure is the suite's seed-0 one
    assert card.test["event"][0] == pytest.approx(float(row["event_mcc_by_seed"].split()[0]), abs=1e-3)
    lengths = list_models(registry).query("name == 'seqnetquake'")
    assert len(lengths) == 2  # L = 20 (default) and L = 10 of (b), raw features like the main dataset
    run_paper_suite(data, tmp_path / "r", registry=registry, registry_title="unit suite", **kw)
    assert len(list_models(registry)) == 3  # a rerun registers nothing twice


def test_the_suite_trains_the_pytorch_models_at_the_batch_asked_and_keeps_those_fits_apart(tmp_path) -> None:
    from core.models.registry import load_model

    data = {"cses": make_samples(30, 20, seed=1, signal=2.0)}
    kw = dict(quick=True, seeds=(0,), n_boot=10, models=("seqnetquake", "svm"), figures=False, parts=("e",))
    registry = tmp_path / "registry"
    small = {"batch_size": 16, "device": "cpu"}
    run_paper_suite(data, tmp_path / "r", registry=registry, torch_params=small, **kw)
    assert load_model("seqnetquake", root=registry).estimator.batch_size_ == 16
    messages: list[str] = []
    run_paper_suite(data, tmp_path / "r", progress=messages.append, **kw)  # the device's batch: new fits
    assert any(m.startswith("train seqnetquake on cses-default") for m in messages)
    messages.clear()
    run_paper_suite(data, tmp_path / "r", progress=messages.append, torch_params=small, **kw)  # resumed
    assert not any(m.startswith("train seqnetquake") for m in messages)
