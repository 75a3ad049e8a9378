"""Models: ``train`` (fit, choose the decision rule on validation, score the test splits, register),
``evaluate`` (a saved model on a samples dataset) and ``score`` (one event with the registry's default
models)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.table import Table

from core.cli.common import (
    BatchSize,
    CatalogFiles,
    Device,
    Registry,
    apply_overrides,
    console,
    counts_cell,
    fail,
    finite,
    ground_truth_path,
    metric_cell,
    num,
    parse_overrides,
    read_catalog,
    torch_params,
)
from core.config import default_settings
from core.synthetic.precursors import GROUND_TRUTH_NAME

if TYPE_CHECKING:
    import xarray as xr

    from core.datasets import DatasetSettings
    from core.model_cards import ModelCard
    from core.scoring import EventScores
    from core.windows import EventWindows

__all__ = ["EXIT_NO_SEQUENCES", "SYNTHETIC_REMINDER", "evaluate_command", "score_command", "train_command"]

SYNTHETIC_REMINDER = (
    "Scores on generated archives are synthetic-testbed scores (injected precursors, known ground truth), "
    "not results on real CSES/DEMETER data."
)
EXIT_NO_SEQUENCES = 1
"""Exit status of ``score`` when the event gives no sequence (not a usage error: nothing to score)."""


def _registry_root(registry: Path | None) -> Path:
    from core.models.registry import default_registry_root

    return registry if registry is not None else default_registry_root()


def _read_samples(path: Path) -> xr.Dataset:
    from core.datasets import load_samples

    if not path.is_file():
        fail(f"samples file {path} does not exist (build one with `python -m core dataset`)")
    try:
        return load_samples(path)
    except (OSError, ValueError) as exc:
        fail(f"cannot read samples file {path}: {exc}")


def _samples_for_training(
    dataset: Path | None,
    config: str | None,
    archive: Path | None,
    overrides: dict[tuple[str | None, str], object],
    workers: int | None,
):  # xarray.Dataset
    """The Samples dataset to train on: a file, or a named configuration built (or loaded from cache)."""
    from core import datasets as ds_mod

    if dataset is not None and config is not None:
        fail("give --dataset FILE, or --config NAME with --archive DIR, not both")
    if dataset is not None:
        if overrides:
            fail("--config-override applies to --config builds, not to a --dataset file")
        return _read_samples(dataset)
    if config is None:
        fail("give --dataset FILE (a samples NetCDF file), or --config NAME with --archive DIR")
    if archive is None:
        fail(f"--config {config} needs --archive DIR: the folder of pass files to build it from")
    try:
        settings = apply_overrides(ds_mod.get_config(config), overrides)
        samples, report = ds_mod.build_dataset(settings, archive, workers=workers)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    how = "loaded from cache" if report.cached else f"built in {report.seconds:.1f} s"
    console.print(
        f"dataset {settings.name}: {samples.sizes['sample']:,} samples, {how} [dim]{report.path}[/]"
    )
    return samples


def train_command(
    dataset: Annotated[
        Path | None, typer.Option(help="samples file (NetCDF) written by `python -m core dataset`")
    ] = None,
    config: Annotated[
        str | None, typer.Option(help="named dataset configuration to build (or reuse) from --archive")
    ] = None,
    archive: Annotated[
        Path | None,
        typer.Option(
            help=f"archive folder for --config; its {GROUND_TRUTH_NAME} adds the ceiling when present"
        ),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            help="model name (repeatable): seqnetquake, cnn, lstm, bilstm, random_forest, svm, "
            "hist_gradient_boosting; default all"
        ),
    ] = None,
    defaults: Annotated[
        bool,
        typer.Option(
            help="the demo path: fixed hyper-parameters, 200 bootstrap draws, each model made the "
            "dashboard's default"
        ),
    ] = False,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick/--search",
            help="fixed good hyper-parameters, or an optuna search scored on the validation split only",
        ),
    ] = True,
    trials: Annotated[int, typer.Option(help="optuna trials per model (with --search)")] = 20,
    timeout: Annotated[
        float | None, typer.Option(help="time limit of each model's search, seconds (with --search)")
    ] = None,
    registry: Registry = None,
    ground_truth: Annotated[
        Path | None,
        typer.Option(
            help=f"{GROUND_TRUTH_NAME} of a generated archive (default ARCHIVE/{GROUND_TRUTH_NAME})"
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="random seed (model init, search, bootstrap)")] = 0,
    n_boot: Annotated[
        int | None, typer.Option(help="bootstrap draws by event for the 95 % intervals (default 1000)")
    ] = None,
    make_default: Annotated[
        bool, typer.Option(help="make each trained model the dashboard's default")
    ] = False,
    config_override: Annotated[
        list[str] | None,
        typer.Option(help="[SATELLITE:]KEY=VALUE applied to --config (repeatable), e.g. bbox=95,-50,180,55"),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="worker processes for a --config build (default all cores)")
    ] = None,
    batch_size: BatchSize = None,
    device: Device = None,
) -> None:
    """Train models on a samples dataset: fit on train, early-stop and choose thresholds on validation, score
    the test split(s) once (95 % bootstrap intervals by event), save each in the registry."""
    from core.models.zoo import MODEL_NAMES
    from core.training import is_torch_model, train_default_models, train_model

    names = list(dict.fromkeys(model)) if model else list(MODEL_NAMES)
    unknown = [n for n in names if n not in MODEL_NAMES]
    if unknown:
        fail(f"unknown model {', '.join(map(repr, unknown))}; known: {', '.join(MODEL_NAMES)}")
    if defaults and not quick:
        fail("--defaults trains with fixed hyper-parameters: leave out --search")
    if trials < 1:
        fail(f"--trials must be at least 1, got {trials}")
    torch_settings = torch_params(batch_size, device)
    overrides = parse_overrides(config_override)
    gt = ground_truth_path(ground_truth, archive)
    samples = _samples_for_training(dataset, config, archive, overrides, workers)
    root = _registry_root(registry)
    results: dict = {}
    current = names[0]

    def done(name: str, result) -> None:  # core.training.TrainResult
        nonlocal current
        results[name] = result
        console.print(f"[dim]trained {name} in {result.fit_seconds:.1f} s[/]")
        remaining = names[names.index(name) + 1 :]
        current = remaining[0] if remaining else name

    try:
        if defaults:
            train_default_models(
                samples,
                root,
                names=names,
                seed=seed,
                n_boot=200 if n_boot is None else n_boot,
                ground_truth=gt,
                progress=done,
                torch_params=torch_settings,
            )
        else:
            how = "fixed hyper-parameters" if quick else f"optuna search, {trials} trials on validation"
            for name in names:
                console.print(f"[dim]training {name} ({how}) …[/]")
                result = train_model(
                    name,
                    samples,
                    params=torch_settings if is_torch_model(name) else None,
                    quick=quick,
                    n_trials=0 if quick else trials,
                    timeout_s=timeout,
                    seed=seed,
                    n_boot=1000 if n_boot is None else n_boot,
                    ground_truth=gt,
                    registry_root=root,
                    make_default=make_default,
                    storage_dir=default_settings().work_dir / "studies",
                )
                done(name, result)
    except (ValueError, RuntimeError) as exc:
        if results:  # what was trained (and saved) before the failure
            _print_train_table(results, gt is not None)
        fail(f"training {current} failed: {exc}")
    _print_train_table(results, gt is not None)
    console.print(f"[dim]registry: {root}[/]")
    console.print(f"[dim]{SYNTHETIC_REMINDER}[/]")


def _print_train_table(results: dict, with_ceiling: bool) -> None:
    """One row per (model, split): validation (where the decision rule was chosen), then each test split."""
    from core.models.zoo import DISPLAY_NAMES

    table = Table(title="trained models: validation (rule chosen there) and test (95 % intervals by event)")
    columns = ["model", "version", "fit s", "split", "samples (pos)", "events (pos)"]
    columns += ["sample MCC", "sample F1", "event MCC", "event F1"]
    columns += ["ceiling event MCC"] if with_ceiling else []
    for column in columns:
        table.add_column(column, justify="left" if column in ("model", "version", "split") else "right")
    for name, res in results.items():
        version = res.record.version if res.record is not None else "–"
        evals = [("validation", res.validation, False)] + [(s, ev, True) for s, ev in res.tests.items()]
        for i, (split, ev, with_ci) in enumerate(evals):
            cis_s, cis_e = (ev.sample_ci, ev.event_ci) if with_ci else (None, None)
            cells = [
                DISPLAY_NAMES.get(name, name) if i == 0 else "",
                version if i == 0 else "",
                f"{res.fit_seconds:.1f}" if i == 0 else "",
                split,
                counts_cell(ev.sample),
                counts_cell(ev.event),
                metric_cell(ev.sample, cis_s, "mcc"),
                metric_cell(ev.sample, cis_s, "f1"),
                metric_cell(ev.event, cis_e, "mcc"),
                metric_cell(ev.event, cis_e, "f1"),
            ]
            if with_ceiling:
                cells.append(num((ev.ceiling or {}).get("event_mcc")))
            table.add_row(*cells, end_section=i == len(evals) - 1)
        if not res.tests:
            console.print(f"[yellow]{name}: the dataset has no test split: validation scores only[/]")
    console.print(table)


def evaluate_command(
    model: Annotated[str, typer.Option(help="registry model name, e.g. seqnetquake")],
    dataset: Annotated[Path, typer.Option(help="samples file (NetCDF) to evaluate on")],
    version: Annotated[str, typer.Option(help="model version (v001, …) or latest")] = "latest",
    split: Annotated[
        list[str] | None, typer.Option(help="split(s) to score (repeatable; default every test split)")
    ] = None,
    registry: Registry = None,
    ground_truth: Annotated[
        Path | None, typer.Option(help=f"{GROUND_TRUTH_NAME} of the generated archive (adds the ceiling)")
    ] = None,
    n_boot: Annotated[int, typer.Option(help="bootstrap draws by event for the 95 % intervals")] = 1000,
    seed: Annotated[int, typer.Option(help="bootstrap seed")] = 0,
) -> None:
    """Score a saved model on a samples dataset with its saved decision rule (chosen on its own validation
    split at training time, never re-chosen here)."""
    from core.evaluation import evaluate_saved_model
    from core.models.inputs import feature_names, samples_hash, split_names
    from core.models.registry import resolve_version

    root = _registry_root(registry)
    try:
        concrete = resolve_version(model, version, root)
    except FileNotFoundError as exc:
        fail(str(exc))
    samples = _read_samples(dataset)
    gt = ground_truth_path(ground_truth, None)
    info = json.loads((root / model / concrete / "settings.json").read_text(encoding="utf-8"))
    missing = sorted(set(info.get("features") or []) - set(feature_names(samples)))
    if missing:
        fail(
            f"{dataset.name} lacks the feature(s) {', '.join(missing)} that {model} {concrete} was trained on"
        )
    if info.get("seq_len") and int(info["seq_len"]) != int(samples.sizes.get("step", 0)):
        fail(
            f"{model} {concrete} takes sequences of L = {info['seq_len']}; {dataset.name} has "
            f"L = {samples.sizes.get('step', 0)}"
        )
    present = split_names(samples)
    wanted = list(dict.fromkeys(split)) if split else [s for s in present if s not in {"train", "validation"}]
    absent = [s for s in wanted if s not in present]
    if absent or not wanted:
        what = f"split {', '.join(map(repr, absent))} is not" if absent else "no test split is"
        fail(f"{what} in {dataset.name}; its splits: {', '.join(present) or 'none'}")
    try:
        results = evaluate_saved_model(
            model,
            samples,
            version=concrete,
            root=root,
            splits=wanted,
            n_boot=n_boot,
            seed=seed,
            ground_truth=gt,
        )
    except (ValueError, KeyError, RuntimeError) as exc:
        fail(str(exc))
    trained_on = str(info.get("dataset_hash") or "")
    same = trained_on == samples_hash(samples)
    console.print(
        f"{model} {concrete} on {dataset.name}"
        + (" (the dataset it was trained on)" if same else f" [dim](trained on dataset {trained_on})[/]")
    )
    table = Table(title="saved decision rule; 95 % intervals by event")
    columns = ["split", "samples (pos)", "events (pos)", "sample MCC", "sample F1", "sample ROC-AUC"]
    columns += ["sample PR-AUC", "event MCC", "event F1", "event recall"]
    columns += ["ceiling event MCC"] if gt is not None else []
    for column in columns:
        table.add_column(column, justify="left" if column == "split" else "right")
    rule = None
    for name, ev in results.items():
        rule = ev.rule
        cells = [name, counts_cell(ev.sample), counts_cell(ev.event)]
        cells += [metric_cell(ev.sample, ev.sample_ci, m) for m in ("mcc", "f1", "roc_auc", "pr_auc")]
        cells += [metric_cell(ev.event, ev.event_ci, m) for m in ("mcc", "f1", "recall")]
        if gt is not None:
            cells.append(num((ev.ceiling or {}).get("event_mcc")))
        table.add_row(*cells)
    console.print(table)
    if rule is not None:
        console.print(
            f"rule (chosen on {rule.selected_on}): sample positive when p ≥ {rule.sample_threshold:.3f}; "
            f"event positive when its {rule.event_rule} score ≥ {rule.event_threshold:.3f}"
        )
    console.print(f"[dim]{SYNTHETIC_REMINDER}[/]")


def _no_sequences_reason(windows: EventWindows, settings: DatasetSettings) -> str:
    from core.windows import describe_outcome

    return describe_outcome(windows.outcome, settings.window, windows.target.mag)


def score_command(
    event: Annotated[str, typer.Option(help="event id (catalog id; a pseudo-event id with --dataset)")],
    archive: Annotated[
        Path | None, typer.Option(help="archive folder (with its pass index) to window the event from")
    ] = None,
    config: Annotated[
        str | None,
        typer.Option(
            help="dataset configuration whose window settings cut the sequences (default: the one the "
            "registry's models were trained on, its registry.json, else cses-default)"
        ),
    ] = None,
    dataset: Annotated[
        Path | None, typer.Option(help="take the event's sequences from this samples file instead")
    ] = None,
    registry: Annotated[
        Path | None,
        typer.Option(
            help="model registry folder (default: the dashboard's, SEQNETQUAKE_REGISTRY, else the protocol "
            "run's reports/protocol/registry when it has default models, else <work dir>/models)"
        ),
    ] = None,
    catalog: CatalogFiles = None,
    per_sample: Annotated[bool, typer.Option(help="also print every sequence's probabilities")] = False,
) -> None:
    """Score one event with every default model of the registry: per-model sample probabilities and the
    event decision (exit status 1 when the event gives no sequence)."""
    from core import datasets as ds_mod
    from core.models.registry import default_models, list_models, scoring_registry
    from core.scoring import analyse_event, event_samples, event_summary, registry_config_name, score_samples

    if (archive is None) == (dataset is None):
        fail("give --archive DIR (window the event) or --dataset FILE (its stored sequences), one of them")
    root = registry if registry is not None else scoring_registry(default_settings())
    if not default_models(root):
        saved = len(list_models(root))
        fail(
            f"no default models in the registry {root}"
            + (f" ({saved} saved, none marked default: train with --make-default)" if saved else "")
            + "; train some with `python -m core train --defaults …`"
        )
    step = ""

    def on_step(name: str) -> None:
        nonlocal step
        step = name

    def scored(run: Callable[[], EventScores]) -> EventScores:
        """``run()``; a model that cannot be loaded ends in one error line."""
        try:
            return run()
        except (FileNotFoundError, ValueError, RuntimeError) as exc:
            if step != "loading models":
                raise
            fail(f"cannot load the default models of {root}: {exc}")

    if dataset is not None:
        samples = event_samples(_read_samples(dataset), event)
        if samples.sizes.get("sample", 0) == 0:
            fail(f"event {event!r} has no samples in {dataset.name}")
        _print_event_header_from_samples(event, samples)
        result = scored(lambda: score_samples(samples, registry_root=root, on_step=on_step))
    else:
        assert archive is not None  # exactly one of --archive / --dataset (checked above)
        name = config or registry_config_name(root)
        try:
            settings = ds_mod.get_config(name)
        except (OSError, ValueError) as exc:
            fail(str(exc))
        row = _catalog_event(event, catalog)
        from core.archive import load_index

        try:
            index = load_index(archive)
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc))
        w = settings.window
        console.print(
            f"M{row['mag']:.1f} {row.get('place', '')} at {pd.Timestamp(row['time']):%Y-%m-%d %H:%M:%S} UTC, "
            f"R = {w.radius_km(float(row['mag'])):,.0f} km ({name}: {w.half}, {w.days_before:g} days, "
            f"L = {w.length})"
        )
        _print_ground_truth(event, archive)
        result = scored(
            lambda: analyse_event(row, index, archive, settings, registry_root=root, on_step=on_step)
        )
        if result.windows is not None and result.n_samples == 0:
            windows = result.windows
            counters = ", ".join(f"{k} {v}" for k, v in sorted(windows.counters.items()) if v)
            why = _no_sequences_reason(windows, settings)
            console.print(
                f"[yellow]no sequences for {event}:[/] {windows.outcome} — {why}"
                + (f" [dim]({counters})[/]" if counters else "")
            )
            raise typer.Exit(EXIT_NO_SEQUENCES)
    scores = result.scores if result.scores is not None else pd.DataFrame()
    _print_scores(scores, event_summary(scores), result.models, per_sample)
    _print_cards(event, result.cards)
    console.print(
        f"[dim]{result.n_samples} sequences, {len(result.models)} models; "
        + ", ".join(f"{k} {v * 1000:,.0f} ms" for k, v in result.timings.items())
        + "[/]"
    )
    console.print(f"[dim]{SYNTHETIC_REMINDER}[/]")


def _print_cards(event: str, cards: dict[str, ModelCard]) -> None:
    """Each model's card in one line: its test event MCC (interval, seeds) and how far to trust its score
    for ``event`` (:meth:`core.model_cards.ModelCard.trust`; docs/model-cards.md)."""
    if not cards:
        return
    console.print("model cards (docs/model-cards.md):")
    style = {"seen": "bold yellow", "unknown": "yellow", "chance": "yellow", "held-out": "green"}
    for card in cards.values():
        level, sentence = card.trust(event)
        console.print(
            f"  {card.display_name} {card.version}: test event MCC {card.mcc_text('event')}; "
            f"[{style.get(level, 'dim')}]{sentence}[/]"
        )


def _catalog_event(event: str, catalog: list[Path] | None) -> pd.Series:
    """The catalog row of ``event`` (built-in catalog unless files are given); one error line if absent."""
    cat = read_catalog(catalog, quiet=True)
    rows = cat[cat["event_id"].astype(str) == event]
    if rows.empty:
        hint = " (pseudo-events live in datasets: use --dataset FILE)" if "-neg" in event else ""
        fail(f"event {event!r} is not in the {'given' if catalog else 'built-in'} catalog{hint}")
    return rows.iloc[0]


def _print_ground_truth(event: str, archive: Path) -> None:
    """What the generated archive's ground truth says about the event (nothing for real archives)."""
    path = archive / GROUND_TRUTH_NAME
    if not path.is_file():
        return
    try:
        gt = pd.read_csv(path, dtype={"event_id": str})
    except (OSError, ValueError):
        return
    rows = gt[gt["event_id"] == event] if "event_id" in gt.columns else gt.iloc[0:0]
    if rows.empty or "injected" not in rows.columns:
        return
    injected = str(rows["injected"].iloc[0]).strip().lower() in {"1", "true", "yes"}
    console.print(
        "[dim]synthetic ground truth: "
        + ("a precursor was injected before this event[/]" if injected else "no precursor injected[/]")
    )


def _print_event_header_from_samples(event: str, samples: xr.Dataset) -> None:
    parts = [event]
    if "event_mag" in samples.coords:
        parts.append(f"M{float(samples['event_mag'].values[0]):.1f}")
    if "event_time" in samples.coords:
        parts.append(f"at {pd.Timestamp(samples['event_time'].values[0]):%Y-%m-%d %H:%M:%S} UTC")
    if "label" in samples.coords:
        parts.append("(label: " + ("pre-earthquake)" if int(samples["label"].values[0]) else "non-seismic)"))
    if "split" in samples.coords:
        parts.append(f"split {samples['split'].values[0]}")
    console.print(" ".join(parts))


def _print_scores(scores: pd.DataFrame, summary: pd.DataFrame, models: dict, per_sample: bool) -> None:
    """The per-model summary table (and optionally every sequence's probabilities)."""
    from core.models.zoo import DISPLAY_NAMES

    table = Table(title="scores of the default models (thresholds and rules chosen on validation)")
    columns = ["model", "version", "sequences", "mean p", "max p", "share ≥ thr", "sample thr"]
    columns += ["event rule", "event score", "event thr", "event decision"]
    for column in columns:
        table.add_column(column, justify="left" if column in ("model", "version", "event rule") else "right")
    positive = 0
    for row in summary.itertuples():
        rule = models[row.model].rule
        if not finite(row.mean_probability):
            table.add_row(
                DISPLAY_NAMES.get(row.model, row.model),
                row.version,
                str(row.n_samples),
                *["–"] * 7,
                "[yellow]skipped: trained on other features or L[/]",
            )
            continue
        positive += bool(row.event_decision)
        decision = "[bold red]pre-earthquake[/]" if row.event_decision else "non-seismic"
        table.add_row(
            DISPLAY_NAMES.get(row.model, row.model),
            row.version,
            str(row.n_samples),
            num(row.mean_probability),
            num(row.max_probability),
            num(row.positive_share, 2),
            num(rule.sample_threshold),
            row.event_rule,
            num(row.event_probability),
            num(rule.event_threshold),
            decision,
        )
    console.print(table)
    console.print(f"{positive} of {len(summary)} models call the event pre-earthquake")
    if per_sample:
        wide = scores.pivot_table(
            index=["sample", "t_start", "orbit"], columns="model", values="probability", sort=False
        )
        detail = Table(title="probability per sequence")
        for column in ("sample", "start (UTC)", "orbit", *wide.columns):
            detail.add_column(DISPLAY_NAMES.get(column, column), justify="right")
        for (sample, t_start, orbit), values in wide.iterrows():
            detail.add_row(
                str(sample),
                f"{pd.Timestamp(t_start):%Y-%m-%d %H:%M:%S}",
                str(orbit),
                *[num(v) for v in values],
            )
        console.print(detail)
