"""``experiments``: the paper's suite of experiments (a)–(f) on the suite's datasets, with its report."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from rich.table import Table

from core.cli.common import (
    BatchSize,
    Device,
    apply_overrides,
    console,
    fail,
    finite,
    ground_truth_path,
    num,
    parse_overrides,
    pct_text,
    read_catalog,
    torch_params,
)
from core.synthetic.precursors import GROUND_TRUTH_NAME

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["experiments_command"]


def experiments_command(
    archive: Annotated[
        Path | None, typer.Option(help="CSES-01 archive folder (generated or real pass files)")
    ] = None,
    testbed: Annotated[
        Path | None,
        typer.Option(help="a `core testbed` folder: its datasets (datasets/<config>.nc) and ground truth"),
    ] = None,
    suite: Annotated[
        str, typer.Option(help="paper (every dataset configuration) or quick (one variant per family)")
    ] = "paper",
    configs: Annotated[
        str | None,
        typer.Option(help="comma-separated dataset configurations instead of the suite's (a subset runs)"),
    ] = None,
    parts: Annotated[
        str | None,
        typer.Option(help="comma-separated experiments to run, of a,b,c,d,e,f (default all)"),
    ] = None,
    demeter_archive: Annotated[
        Path | None, typer.Option(help="DEMETER archive folder (pre-training source for transfer)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="report folder (default reports/<suite>-<UTC time>)")
    ] = None,
    config_override: Annotated[
        list[str] | None,
        typer.Option(
            help="[SATELLITE:]KEY=VALUE applied to every dataset configuration (of that satellite) "
            "(repeatable), e.g. bbox=95,-50,180,55 or "
            'CSES-01:splits=\'[["train","2021-01-01","2021-05-31"], …]\''
        ),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(help="benchmarks to compare SeqNetQuake with in (e) (repeatable; default all)"),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick/--search",
            help="fixed hyper-parameters, or an optuna search on validation per model and dataset",
        ),
    ] = True,
    trials: Annotated[int, typer.Option(help="optuna trials per model and dataset (with --search)")] = 20,
    search_models: Annotated[
        str | None,
        typer.Option(help="with --search: comma-separated models to search (default all; others quick)"),
    ] = None,
    fractions: Annotated[
        str, typer.Option(help="learning curve (d): CSES training fractions, comma-separated ('' = none)")
    ] = "0.1,0.25,0.5,1.0",
    ground_truth: Annotated[
        Path | None, typer.Option(help=f"{GROUND_TRUTH_NAME} (default ARCHIVE/{GROUND_TRUTH_NAME})")
    ] = None,
    seeds: Annotated[
        str, typer.Option(help="training seeds, comma-separated: every figure is mean ± sd over them")
    ] = "0,1,2",
    n_boot: Annotated[
        int | None, typer.Option(help="bootstrap draws (default 200 with --quick, 1000 with --search)")
    ] = None,
    figures: Annotated[bool, typer.Option(help="write figures (PNG, else standalone HTML)")] = True,
    workers: Annotated[
        int | None, typer.Option(help="worker processes for the dataset builds (default all cores)")
    ] = None,
    registry: Annotated[
        Path | None,
        typer.Option(
            help="model registry receiving the suite's models with their cards (dashboard --registry)"
        ),
    ] = None,
    registry_title: Annotated[
        str, typer.Option(help="what the registry's model cards call the run, e.g. 'protocol-scale run'")
    ] = "experiments suite",
    batch_size: BatchSize = None,
    device: Device = None,
) -> None:
    """Regenerate the structure of the paper's results: build the suite's datasets, run experiments
    (a)–(e), write CSV tables, figures and report.md."""
    import datetime as dt

    from core import datasets as ds_mod
    from core.experiments import (
        PAPER_SUITE_CONFIGS,
        QUICK_SUITE_CONFIGS,
        SYNTHETIC_STATEMENT,
        run_paper_suite,
    )
    from core.models.zoo import MODEL_NAMES

    suites = {"paper": PAPER_SUITE_CONFIGS, "quick": QUICK_SUITE_CONFIGS}
    if suite not in suites:
        fail(f"--suite must be paper or quick, got {suite!r}")
    # SeqNetQuake is always in (e): the headline compares it with the paper and with the CNN
    names = list(dict.fromkeys(["seqnetquake", *model])) if model else list(MODEL_NAMES)
    unknown = [n for n in names if n not in MODEL_NAMES]
    if unknown:
        fail(f"unknown model {', '.join(map(repr, unknown))}; known: {', '.join(MODEL_NAMES)}")
    if (archive is None) == (testbed is None):
        fail("give --archive (datasets are built from it) or --testbed (its datasets are used), not both")
    for folder in (archive, demeter_archive, testbed):
        if folder is not None and not folder.is_dir():
            fail(f"folder {folder} does not exist")
    try:
        seed_list = [int(v) for v in seeds.split(",") if v.strip()]
    except ValueError:
        fail(f"--seeds must be comma-separated integers, got {seeds!r}")
    if not seed_list:
        fail("--seeds needs at least one seed")
    try:
        fraction_list = [float(v) for v in fractions.split(",") if v.strip()]
    except ValueError:
        fail(f"--fractions must be comma-separated numbers in (0, 1], got {fractions!r}")
    if any(not 0 < f <= 1 for f in fraction_list):
        fail(f"--fractions must lie in (0, 1], got {fractions!r}")
    torch_settings = torch_params(batch_size, device)
    overrides = parse_overrides(config_override)
    gt = ground_truth_path(ground_truth, archive if testbed is None else testbed / "archive")
    try:
        known = ds_mod.load_configs()
    except (OSError, ValueError) as exc:
        fail(f"cannot read {ds_mod.CONFIG_PATH}: {exc}")
    names_wanted = [c.strip() for c in configs.split(",") if c.strip()] if configs else suites[suite]
    missing = [n for n in names_wanted if n not in known]
    if missing:
        fail(f"{ds_mod.CONFIG_PATH.name} lacks the configuration(s) {', '.join(missing)}")
    settings = {n: apply_overrides(known[n], overrides) for n in names_wanted}
    cat = read_catalog(None)
    built, skipped = {}, {}
    if testbed is not None:
        for name in settings:
            path = testbed / "datasets" / f"{name}.nc"
            if not path.is_file():
                skipped[name] = f"{path} does not exist (run `python -m core testbed --out {testbed}`)"
                continue
            samples = ds_mod.load_samples(path)
            why = _unusable_for_training(samples)
            if why:
                skipped[name] = why
            else:
                built[name] = samples
                console.print(f"[dim]dataset {name}: {samples.sizes['sample']:,} samples ({path})[/]")
        settings = {}
    for name, cfg in settings.items():
        source = demeter_archive if "DEMETER" in cfg.window.satellites else archive
        if source is None:
            skipped[name] = "no --demeter-archive given"
            continue
        try:
            samples, report = ds_mod.build_dataset(cfg, source, catalog=cat, workers=workers)
        except (FileNotFoundError, ValueError) as exc:
            skipped[name] = str(exc)
            continue
        why = _unusable_for_training(samples)
        if why:
            skipped[name] = why
        else:
            built[name] = samples
            how = "cached" if report.cached else f"built in {report.seconds:.1f} s"
            console.print(f"[dim]dataset {name}: {samples.sizes['sample']:,} samples ({how})[/]")
    for name, why in skipped.items():
        console.print(f"[yellow]skipped dataset {name}:[/] {why}")
    if not built:
        fail("no dataset of the suite could be built (see the skipped list above)")
    if out is None:
        out = Path("reports") / f"{suite}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
    try:
        result = run_paper_suite(
            built,
            out,
            quick=quick,
            seeds=seed_list,
            n_boot=n_boot,
            n_trials=trials,
            search_models=[m.strip() for m in search_models.split(",")] if search_models else None,
            fractions=fraction_list,
            command="python -m core " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
            parts=[p.strip() for p in parts.split(",") if p.strip()] if parts else None,
            ground_truth=gt,
            models=tuple(names),
            figures=figures,
            registry=registry,
            registry_title=registry_title,
            torch_params=torch_settings,
            progress=lambda message: console.print(f"[dim]{message} …[/]"),
        )
    except (ValueError, RuntimeError) as exc:
        fail(str(exc))
    for part, why in result.skipped.items():
        console.print(f"[yellow]skipped experiment {part}:[/] {why}")
    table = Table(title="headline: the paper's numbers beside ours (test split)")
    for column in ("quantity", "paper", "ours", "95 % interval / note"):
        table.add_column(
            column, justify="left" if column in ("quantity", "95 % interval / note") else "right"
        )
    for row in result.headline.itertuples():
        ci = row.ours_ci.partition(" ")[2] if isinstance(row.ours_ci, str) and "[" in row.ours_ci else ""
        note = " ".join(v for v in (ci, row.note) if isinstance(v, str) and v)
        ours = num(row.ours) if "gain" not in row.quantity else pct_text(row.ours)
        paper = (
            (f"{float(row.paper):g}" if finite(row.paper) else "–")
            if "gain" not in row.quantity
            else pct_text(row.paper)
        )
        table.add_row(row.quantity, paper, ours, note)
    console.print(table)
    console.print(
        f"report: {result.report}  ({len(result.figures)} figures, {result.figure_format}; "
        f"{result.seconds:.0f} s)"
    )
    console.print(f"[dim]{SYNTHETIC_STATEMENT}[/]")


def _unusable_for_training(samples: xr.Dataset) -> str | None:
    """Why a samples dataset cannot go through fit-on-train / select-on-validation, or None."""
    from core.models.inputs import select_split, split_names

    if samples.sizes.get("sample", 0) == 0:
        return "no samples (`python -m core dataset --config NAME` lists the reasons)"
    splits = split_names(samples)
    if "train" not in splits or "validation" not in splits:
        return f"needs train and validation splits, has {', '.join(splits)}"
    for split in ("train", "validation"):
        labels = np.asarray(select_split(samples, split)["label"].values).astype(int)
        n_pos = int((labels == 1).sum())
        if n_pos in (0, len(labels)):
            n_neg = len(labels) - n_pos
            return f"its {split} split holds one class only ({n_pos} positive, {n_neg} negative samples)"
    return None
