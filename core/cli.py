"""``python -m core``: the workbench's command line (typer). Each subcommand calls the library."""

from __future__ import annotations

import json
import math
import shlex
import shutil
import sys
import warnings
from pathlib import Path
from typing import Annotated, NoReturn

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from core import catalog as catalog_mod
from core.config import default_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
console = Console(width=shutil.get_terminal_size((140, 40)).columns)


@app.callback()
def _root() -> None:
    """SeqNetQuake workbench: catalog, satellite data, datasets, models."""


def fail(message: str) -> NoReturn:
    """Print one clear error line and exit with status 2 (no traceback)."""
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(2)


@app.command("catalog")
def catalog_command(
    source: Annotated[
        list[Path] | None,
        typer.Option(
            help="catalog file(s): ComCat CSV, GeoJSON or QuakeML; default the built-in ComCat catalog"
        ),
    ] = None,
    min_mag: Annotated[float, typer.Option(help="minimum magnitude")] = 5.0,
    max_mag: Annotated[float | None, typer.Option(help="maximum magnitude")] = None,
    max_depth: Annotated[float | None, typer.Option(help="maximum depth, km")] = 40.0,
    types: Annotated[str, typer.Option(help="comma-separated event types ('' for all)")] = "earthquake",
    start: Annotated[str | None, typer.Option(help="first day (UTC), e.g. 2018-02-02")] = None,
    end: Annotated[str | None, typer.Option(help="last day (UTC, included)")] = None,
    bbox: Annotated[
        str | None,
        typer.Option(
            help="lon_min,lat_min,lon_max,lat_max (degrees; lon_min > lon_max crosses the antimeridian)"
        ),
    ] = None,
    place: Annotated[str | None, typer.Option(help="case-insensitive text in the place name")] = None,
    era: Annotated[str | None, typer.Option(help="DEMETER, CSES-01 or none")] = None,
    mainshocks: Annotated[bool, typer.Option(help="keep Gardner–Knopoff (1974) mainshocks only")] = False,
    out: Annotated[Path | None, typer.Option(help="write the selection as CSV (normalised columns)")] = None,
) -> None:
    """Filter and summarise an earthquake catalog: counts per satellite era, coverage gaps, dropped rows."""
    try:
        with warnings.catch_warnings():  # the load report is printed below instead
            warnings.simplefilter("ignore", catalog_mod.CatalogWarning)
            loaded = catalog_mod.load_catalog(source) if source else None
        cat = loaded if loaded is not None else catalog_mod.load_default_catalog(default_settings())
        box = tuple(float(v) for v in bbox.split(",")) if bbox else None
        if box is not None and len(box) != 4:
            fail(f"--bbox needs four numbers lon_min,lat_min,lon_max,lat_max, got {bbox!r}")
        type_list = tuple(t.strip() for t in types.split(",") if t.strip()) or None
        selection = catalog_mod.filter_catalog(
            cat,
            types=type_list,
            min_mag=min_mag,
            max_mag=max_mag,
            max_depth_km=max_depth,
            start=start,
            end=end,
            bbox=box,
            place=place,
            era=era,
        )
        if mainshocks:
            selection = catalog_mod.mainshocks(selection)
    except (catalog_mod.CatalogError, ValueError) as exc:
        fail(str(exc))
    reports = cat.attrs.get("load_report")
    for report in reports if isinstance(reports, list) else [reports] if reports else []:
        console.print(f"[dim]{report.summary()}[/]")
    table = Table(title=f"{len(selection):,} events selected (of {len(cat):,} read)")
    for column in ("era", "events", "first", "last"):
        table.add_column(column, justify="right" if column == "events" else "left")
    for name, row in catalog_mod.era_counts(selection).iterrows():
        first = "" if pd.isna(row["first"]) else f"{row['first']:%Y-%m-%d}"
        last = "" if pd.isna(row["last"]) else f"{row['last']:%Y-%m-%d}"
        table.add_row(str(name), f"{row['n_events']:,}", first, last)
    console.print(table)
    if not source:
        lo = pd.Timestamp(start or catalog_mod.COVERAGE[0].start)
        hi = pd.Timestamp(end or catalog_mod.COVERAGE[-1].end)
        for gap_start, gap_end in catalog_mod.coverage_gaps(lo, hi):
            console.print(f"[yellow]no catalog covers {gap_start:%Y-%m-%d} … {gap_end:%Y-%m-%d}[/]")
    if out is not None:
        catalog_mod.to_csv(selection, out)
        console.print(f"wrote {out}")


def main() -> None:
    """Entry point of ``python -m core``."""
    app()


@app.command("generate")
def generate_command(
    satellite: Annotated[str, typer.Option(help="CSES-01 or DEMETER")],
    out: Annotated[Path, typer.Option(help="archive folder to write into")],
    start: Annotated[str | None, typer.Option(help="first UTC day, e.g. 2021-07-01")] = None,
    end: Annotated[str | None, typer.Option(help="end UTC day (excluded)")] = None,
    events: Annotated[
        str | None, typer.Option(help="comma-separated event ids: only passes around them")
    ] = None,
    region: Annotated[str | None, typer.Option(help="lon_min,lat_min,lon_max,lat_max (degrees)")] = None,
    products: Annotated[str | None, typer.Option(help="comma-separated products (default all)")] = None,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same bytes")] = 0,
    difficulty: Annotated[
        float | None,
        typer.Option(help="precursor amplitudes are divided by it (default 0.4, docs/testbed.md)"),
    ] = None,
    workers: Annotated[int, typer.Option(help="worker processes (one UTC day each)")] = 1,
) -> None:
    """Write a synthetic archive in the real CSES-01 / DEMETER file formats (with a ground-truth table)."""
    from core.synthetic import generate_archive

    if start is None and end is None and not events:
        fail("give --start and --end, or --events")
    box = tuple(float(v) for v in region.split(",")) if region else None
    if box is not None and len(box) != 4:
        fail(f"--region needs four numbers lon_min,lat_min,lon_max,lat_max, got {region!r}")
    try:
        report = generate_archive(
            satellite,
            start,
            end,
            out,
            products=[p.strip() for p in products.split(",")] if products else None,
            region=box,
            events=[e.strip() for e in events.split(",")] if events else None,
            seed=seed,
            **({} if difficulty is None else {"difficulty": difficulty}),
            workers=workers,
        )
    except ValueError as exc:
        fail(str(exc))
    console.print(report.summary())
    for line in report.warnings:
        console.print(f"[yellow]{line}[/]")


@app.command("prepare")
def prepare_command(
    workers: Annotated[int, typer.Option(help="worker processes")] = 2,
) -> None:
    """Prepare the demo the dashboard shows (generated archive, index, …); reuses what exists."""
    from core.demo import prepare_demo

    console.print(prepare_demo(default_settings(), workers=workers).summary())


@app.command("index")
def index_command(
    archive: Annotated[Path, typer.Argument(help="folder tree of CSES_01_*.h5 / DMT_N1_*.DAT pass files")],
    out: Annotated[Path | None, typer.Option(help="index file (default ARCHIVE/pass_index.parquet)")] = None,
    scheduler: Annotated[str | None, typer.Option(help="dask.distributed scheduler address")] = None,
    workers: Annotated[int | None, typer.Option(help="local worker processes (default: all cores)")] = None,
) -> None:
    """Scan an archive into its pass index (GeoParquet); unchanged files are not read again."""
    from core.archive import scan_archive

    try:
        index, report = scan_archive(archive, index_path=out, scheduler=scheduler, workers=workers)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    console.print(report.summary())
    for path, error in report.errors.items():
        console.print(f"[yellow]unreadable[/] {path}: {error}")
    ok = index[index["error"].isna()]
    if len(ok):
        counts = ok.groupby(["satellite", "product", "half"]).size()
        for (sat, product, half), n in counts.items():
            console.print(f"  {sat} {product} {half}: {n} passes")


@app.command("passes")
def passes_command(
    event: Annotated[str, typer.Option(help="catalog event id, e.g. us1000778i")],
    archive: Annotated[Path, typer.Option(help="archive folder holding pass_index.parquet")],
    days: Annotated[float, typer.Option(help="days before the origin time")] = 5.0,
    radius_km: Annotated[float | None, typer.Option(help="circle radius, km (default Dobrovolsky)")] = None,
    half: Annotated[str | None, typer.Option(help="day, night (default both)")] = None,
    satellite: Annotated[str | None, typer.Option(help="CSES-01 or DEMETER")] = None,
) -> None:
    """List the passes that cross an event's circle in the days before it (from the index, no file read)."""
    from core.archive import load_index, passes_near_event
    from core.geo import dobrovolsky_radius_km

    cat = catalog_mod.load_default_catalog(default_settings())
    rows = cat[cat["event_id"] == event]
    if rows.empty:
        fail(f"event {event!r} is not in the built-in catalog")
    row = rows.iloc[0]
    try:
        index = load_index(archive)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    hits = passes_near_event(
        index, row, days_before=days, radius_km=radius_km, half=half, satellite=satellite
    )
    radius = radius_km or float(dobrovolsky_radius_km(row["mag"]))
    console.print(
        f"M{row['mag']:.1f} {row['place']} at {row['time']:%Y-%m-%d %H:%M:%S} UTC, R = {radius:,.0f} km"
    )
    table = Table(title=f"{len(hits)} passes within {days:g} days before")
    for column in ("satellite", "product", "orbit", "half", "start (UTC)", "hours before", "path"):
        table.add_column(column)
    for hit in hits.itertuples():
        hours = (row["time"] - hit.start).total_seconds() / 3600.0
        table.add_row(
            hit.satellite,
            hit.product,
            str(hit.orbit),
            hit.half,
            f"{hit.start:%Y-%m-%d %H:%M:%S}",
            f"{hours:.1f}",
            hit.path,
        )
    console.print(table)


@app.command("dataset")
def dataset_command(
    archive: Annotated[
        Path | None, typer.Option(help="archive folder of pass files (indexed if needed)")
    ] = None,
    config: Annotated[
        list[str] | None, typer.Option(help="named configuration(s) of configs/datasets.toml (repeatable)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="NetCDF file (default: work dir, name + cache key)")
    ] = None,
    catalog: Annotated[
        list[Path] | None, typer.Option(help="catalog file(s) (default: the built-in ComCat catalog)")
    ] = None,
    scheduler: Annotated[str | None, typer.Option(help="dask.distributed scheduler address")] = None,
    workers: Annotated[int | None, typer.Option(help="local worker processes (default: all cores)")] = None,
    force: Annotated[bool, typer.Option(help="rebuild even when the cached file is up to date")] = False,
    list_configs: Annotated[
        bool, typer.Option("--list", help="list the named configurations and exit")
    ] = False,
) -> None:
    """Build a labelled samples dataset (positives, negatives, splits) and print its counts report."""
    from core import datasets as ds_mod

    try:
        configs = ds_mod.load_configs()
    except (OSError, ValueError) as exc:
        fail(f"cannot read {ds_mod.CONFIG_PATH}: {exc}")
    if list_configs:
        table = Table(title=f"{len(configs)} dataset configurations ({ds_mod.CONFIG_PATH.name})")
        table.add_column("name")
        table.add_column("description")
        for name, cfg in configs.items():
            table.add_row(name, cfg.description)
        console.print(table)
        return
    names = config or ["cses-default"]
    unknown = [n for n in names if n not in configs]
    if unknown:
        fail(f"unknown dataset configuration {', '.join(map(repr, unknown))}; known: {', '.join(configs)}")
    if out is not None and len(names) > 1:
        fail("--out names one file: give one --config with it")
    if archive is None:
        fail("--archive is required: the folder of pass files to window")
    if not archive.is_dir():
        fail(f"archive folder {archive} does not exist")
    try:
        cat = (
            catalog_mod.load_catalog(catalog)
            if catalog
            else catalog_mod.load_default_catalog(default_settings())
        )
    except (catalog_mod.CatalogError, ValueError) as exc:
        fail(str(exc))
    for name in names:
        try:
            _, report = ds_mod.build_dataset(
                configs[name],
                archive,
                catalog=cat,
                out=out,
                force=force,
                scheduler=scheduler,
                workers=workers,
            )
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc))
        _print_dataset_report(report)


def _print_dataset_report(report) -> None:  # core.datasets.DatasetReport, imported lazily
    """The counts report of one dataset as rich tables."""
    how = "loaded from cache (unchanged)" if report.cached else f"built in {report.seconds:.1f} s"
    table = Table(title=f"{report.name} ({', '.join(report.satellites)}): {how}")
    for column in ("split", "class", "events", "with samples", "samples"):
        table.add_column(column, justify="left" if column in ("split", "class") else "right")
    for split in report.splits:
        for cls in ("positive", "negative"):
            c = report.counts.get(split, {}).get(cls, {})
            table.add_row(split, cls, f"{c.get('events', 0):,}", f"{c.get('events_with_samples', 0):,}",
                          f"{c.get('samples', 0):,}")  # fmt: skip
    console.print(table)
    reasons = Table(title="events without usable sequences, by reason")
    reasons.add_column("reason")
    reasons.add_column("positive", justify="right")
    reasons.add_column("negative", justify="right")
    for reason in report.reasons.get("positive", {}):
        pos = report.reasons.get("positive", {}).get(reason, 0)
        neg = report.reasons.get("negative", {}).get(reason, 0)
        if pos or neg:
            reasons.add_row(reason, f"{pos:,}", f"{neg:,}")
    console.print(reasons)
    console.print(
        f"catalog events selected {report.n_catalog_events:,}; "
        f"duplicate ids dropped {report.n_duplicate_ids}; "
        f"outside the split periods {report.n_outside_splits:,}; negatives not placed "
        f"{report.n_negatives_not_placed:,}"
    )
    console.print(f"[dim]{report.path}[/]")


@app.command("testbed")
def testbed_command(
    out: Annotated[Path | None, typer.Option(help="testbed folder (default: work dir / testbed)")] = None,
    whole_earth: Annotated[
        bool, typer.Option("--global", help="the whole Earth (default: the western Pacific 95,-50,180,55)")
    ] = False,
    seed: Annotated[int, typer.Option(help="generator seed")] = 0,
    difficulty: Annotated[
        float | None, typer.Option(help="precursor amplitudes are divided by it (default: the generator's)")
    ] = None,
    workers: Annotated[int, typer.Option(help="worker processes")] = 2,
    satellite: Annotated[
        list[str] | None, typer.Option(help="only this satellite (repeatable): CSES-01, DEMETER")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="only chunks (calendar months) ending after this UTC day")
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="only chunks (calendar months) starting before this UTC day (excluded)")
    ] = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option(help="only this dataset configuration (repeatable; default all the suite's)"),
    ] = None,
    datasets: Annotated[bool, typer.Option(help="build the datasets after generating and indexing")] = True,
    force: Annotated[
        bool, typer.Option(help="start over when the folder holds another testbed spec")
    ] = False,
) -> None:
    """Generate the protocol-scale synthetic testbed (resumable), index it and build every suite dataset."""
    from core.testbed import TestbedSpec, TestbedSpecError, build_testbed

    try:
        spec = TestbedSpec(
            region=None if whole_earth else TestbedSpec().region,
            seed=seed,
            difficulty=difficulty,
            satellites=tuple(satellite) if satellite else None,
            start=start,
            end=end,
            datasets=tuple(dataset) if dataset else (None if datasets else ()),
        )
        report = build_testbed(
            spec,
            out or default_settings().work_dir / "testbed",
            workers=workers,
            force=force,
            on_dataset=_print_dataset_report,
        )
    except TestbedSpecError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc))
    console.print(report.summary())
    console.print(f"[dim]{report.out / 'testbed.json'}[/]")
    if report.failed_datasets:
        raise typer.Exit(1)


# ------------------------------------------------------------------------------ models: train … score

SYNTHETIC_REMINDER = (
    "Scores on generated archives are synthetic-testbed scores (injected precursors, known ground truth), "
    "not results on real CSES/DEMETER data."
)
EXIT_NO_SEQUENCES = 1
"""Exit status of ``score`` when the event gives no sequence (not a usage error: nothing to score)."""


def _registry_root(registry: Path | None) -> Path:
    from core.models.registry import default_registry_root

    return registry if registry is not None else default_registry_root()


def _finite(value: object) -> bool:
    try:
        return value is not None and math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _num(value: object, digits: int = 3) -> str:
    return f"{float(value):.{digits}f}" if _finite(value) else "–"  # type: ignore[arg-type]


def _metric_cell(values: dict, cis: dict | None, metric: str) -> str:
    """``0.412`` with its 95 % interval (``0.31–0.52``) on a second, dim line when ``cis`` has it."""
    text = _num(values.get(metric))
    lo, hi = (cis or {}).get(metric, (math.nan, math.nan))
    if text != "–" and _finite(lo) and _finite(hi):
        text += f"\n[dim]{float(lo):.2f}–{float(hi):.2f}[/]"
    return text


def _counts_cell(values: dict) -> str:
    return f"{int(values.get('n', 0)):,} ({int(values.get('n_positive', 0)):,})"


def _parse_overrides(items: list[str] | None) -> dict[tuple[str | None, str], object]:
    """``[SATELLITE:]KEY=VALUE`` items → ``{(satellite or None, key): value}``. VALUE is JSON when it parses
    (numbers, true/false, null, lists), else a comma-separated list of such, else a string. A satellite
    prefix (``CSES-01:``, ``DEMETER:``; any case) limits the change to configurations of that satellite,
    e.g. split periods that fit a short CSES-01 archive without touching the DEMETER source."""
    from core.datasets import DEFAULT_SPLITS

    satellites = {s.lower(): s for s in DEFAULT_SPLITS}

    def value_of(raw: str) -> object:
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw.strip()

    out: dict[tuple[str | None, str], object] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        scope, colon, key = key.strip().rpartition(":")
        if not sep or not key.strip() or (colon and scope.lower() not in satellites):
            fail(
                f"--config-override needs [SATELLITE:]KEY=VALUE with SATELLITE one of "
                f"{', '.join(DEFAULT_SPLITS)}; got {item!r}"
            )
        raw = raw.strip()
        value = value_of(raw)
        if isinstance(value, str) and "," in raw:
            value = [value_of(part) for part in raw.split(",")]
        out[(satellites[scope.lower()] if colon else None, key.strip())] = value
    return out


def _apply_overrides(settings, overrides: dict[tuple[str | None, str], object]):
    """``settings`` (a DatasetSettings) with the ``overrides`` that concern its satellites applied through
    ``DatasetSettings.from_dict`` (unknown keys and invalid values end in one error line)."""
    sats = set(settings.window.satellites)
    changes = {key: value for (scope, key), value in overrides.items() if scope is None or scope in sats}
    if not changes:
        return settings
    try:
        return type(settings).from_dict({**settings.to_dict(), **changes})
    except (TypeError, ValueError) as exc:
        fail(f"--config-override on {settings.name!r}: {exc}")


def _ground_truth_path(explicit: Path | None, archive: Path | None) -> Path | None:
    """``--ground-truth`` (must exist), else ``ARCHIVE/ground_truth.csv`` when there is one."""
    if explicit is not None:
        if not explicit.is_file():
            fail(f"ground-truth file {explicit} does not exist")
        return explicit
    if archive is not None and (archive / "ground_truth.csv").is_file():
        return archive / "ground_truth.csv"
    return None


def _read_samples(path: Path):  # xarray.Dataset, imported lazily
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
        settings = _apply_overrides(ds_mod.get_config(config), overrides)
        samples, report = ds_mod.build_dataset(settings, archive, workers=workers)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    how = "loaded from cache" if report.cached else f"built in {report.seconds:.1f} s"
    console.print(
        f"dataset {settings.name}: {samples.sizes['sample']:,} samples, {how} [dim]{report.path}[/]"
    )
    return samples


@app.command("train")
def train_command(
    dataset: Annotated[
        Path | None, typer.Option(help="samples file (NetCDF) written by `python -m core dataset`")
    ] = None,
    config: Annotated[
        str | None, typer.Option(help="named dataset configuration to build (or reuse) from --archive")
    ] = None,
    archive: Annotated[
        Path | None,
        typer.Option(help="archive folder for --config; its ground_truth.csv adds the ceiling when present"),
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
    registry: Annotated[
        Path | None, typer.Option(help="model registry folder (default <work dir>/models)")
    ] = None,
    ground_truth: Annotated[
        Path | None,
        typer.Option(help="ground_truth.csv of a generated archive (default ARCHIVE/ground_truth.csv)"),
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
) -> None:
    """Train models on a samples dataset: fit on train, early-stop and choose thresholds on validation, score
    the test split(s) once (95 % bootstrap intervals by event), save each in the registry."""
    from core.models.zoo import MODEL_NAMES
    from core.training import train_default_models, train_model

    names = list(dict.fromkeys(model)) if model else list(MODEL_NAMES)
    unknown = [n for n in names if n not in MODEL_NAMES]
    if unknown:
        fail(f"unknown model {', '.join(map(repr, unknown))}; known: {', '.join(MODEL_NAMES)}")
    if defaults and not quick:
        fail("--defaults trains with fixed hyper-parameters: leave out --search")
    if trials < 1:
        fail(f"--trials must be at least 1, got {trials}")
    overrides = _parse_overrides(config_override)
    gt = _ground_truth_path(ground_truth, archive)
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
            )
        else:
            how = "fixed hyper-parameters" if quick else f"optuna search, {trials} trials on validation"
            for name in names:
                console.print(f"[dim]training {name} ({how}) …[/]")
                result = train_model(
                    name,
                    samples,
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
                _counts_cell(ev.sample),
                _counts_cell(ev.event),
                _metric_cell(ev.sample, cis_s, "mcc"),
                _metric_cell(ev.sample, cis_s, "f1"),
                _metric_cell(ev.event, cis_e, "mcc"),
                _metric_cell(ev.event, cis_e, "f1"),
            ]
            if with_ceiling:
                cells.append(_num((ev.ceiling or {}).get("event_mcc")))
            table.add_row(*cells, end_section=i == len(evals) - 1)
        if not res.tests:
            console.print(f"[yellow]{name}: the dataset has no test split: validation scores only[/]")
    console.print(table)


@app.command("evaluate")
def evaluate_command(
    model: Annotated[str, typer.Option(help="registry model name, e.g. seqnetquake")],
    dataset: Annotated[Path, typer.Option(help="samples file (NetCDF) to evaluate on")],
    version: Annotated[str, typer.Option(help="model version (v001, …) or latest")] = "latest",
    split: Annotated[
        list[str] | None, typer.Option(help="split(s) to score (repeatable; default every test split)")
    ] = None,
    registry: Annotated[
        Path | None, typer.Option(help="model registry folder (default <work dir>/models)")
    ] = None,
    ground_truth: Annotated[
        Path | None, typer.Option(help="ground_truth.csv of the generated archive (adds the ceiling)")
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
    gt = _ground_truth_path(ground_truth, None)
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
        cells = [name, _counts_cell(ev.sample), _counts_cell(ev.event)]
        cells += [_metric_cell(ev.sample, ev.sample_ci, m) for m in ("mcc", "f1", "roc_auc", "pr_auc")]
        cells += [_metric_cell(ev.event, ev.event_ci, m) for m in ("mcc", "f1", "recall")]
        if gt is not None:
            cells.append(_num((ev.ceiling or {}).get("event_mcc")))
        table.add_row(*cells)
    console.print(table)
    if rule is not None:
        console.print(
            f"rule (chosen on {rule.selected_on}): sample positive when p ≥ {rule.sample_threshold:.3f}; "
            f"event positive when its {rule.event_rule} score ≥ {rule.event_threshold:.3f}"
        )
    console.print(f"[dim]{SYNTHETIC_REMINDER}[/]")


@app.command("experiments")
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
        Path | None, typer.Option(help="ground_truth.csv (default ARCHIVE/ground_truth.csv)")
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
    overrides = _parse_overrides(config_override)
    gt = _ground_truth_path(ground_truth, archive if testbed is None else testbed / "archive")
    try:
        known = ds_mod.load_configs()
    except (OSError, ValueError) as exc:
        fail(f"cannot read {ds_mod.CONFIG_PATH}: {exc}")
    names_wanted = [c.strip() for c in configs.split(",") if c.strip()] if configs else suites[suite]
    missing = [n for n in names_wanted if n not in known]
    if missing:
        fail(f"{ds_mod.CONFIG_PATH.name} lacks the configuration(s) {', '.join(missing)}")
    settings = {n: _apply_overrides(known[n], overrides) for n in names_wanted}
    try:
        cat = catalog_mod.load_default_catalog(default_settings())
    except (catalog_mod.CatalogError, ValueError) as exc:
        fail(str(exc))
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
        ours = _num(row.ours) if "gain" not in row.quantity else _pct_text(row.ours)
        paper = (
            (f"{float(row.paper):g}" if _finite(row.paper) else "–")
            if "gain" not in row.quantity
            else _pct_text(row.paper)
        )
        table.add_row(row.quantity, paper, ours, note)
    console.print(table)
    console.print(
        f"report: {result.report}  ({len(result.figures)} figures, {result.figure_format}; "
        f"{result.seconds:.0f} s)"
    )
    console.print(f"[dim]{SYNTHETIC_STATEMENT}[/]")


def _unusable_for_training(samples) -> str | None:  # xarray.Dataset
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


def _pct_text(value: object) -> str:
    return f"{float(value) * 100:+.1f} %" if _finite(value) else "–"  # type: ignore[arg-type]


def _no_sequences_reason(windows, settings) -> str:  # EventWindows, DatasetSettings
    from core.windows import describe_outcome

    return describe_outcome(windows.outcome, settings.window, windows.target.mag)


@app.command("score")
def score_command(
    event: Annotated[str, typer.Option(help="event id (catalog id; a pseudo-event id with --dataset)")],
    archive: Annotated[
        Path | None, typer.Option(help="archive folder (with its pass index) to window the event from")
    ] = None,
    config: Annotated[
        str, typer.Option(help="dataset configuration whose window settings cut the sequences")
    ] = "cses-default",
    dataset: Annotated[
        Path | None, typer.Option(help="take the event's sequences from this samples file instead")
    ] = None,
    registry: Annotated[
        Path | None, typer.Option(help="model registry folder (default <work dir>/models)")
    ] = None,
    catalog: Annotated[
        list[Path] | None, typer.Option(help="catalog file(s) (default: the built-in ComCat catalog)")
    ] = None,
    per_sample: Annotated[bool, typer.Option(help="also print every sequence's probabilities")] = False,
) -> None:
    """Score one event with every default model of the registry: per-model sample probabilities and the
    event decision (exit status 1 when the event gives no sequence)."""
    import time

    from core import datasets as ds_mod
    from core.models.registry import default_models, list_models
    from core.scoring import event_samples, event_summary, score_event, scoring_models

    if (archive is None) == (dataset is None):
        fail("give --archive DIR (window the event) or --dataset FILE (its stored sequences), one of them")
    root = _registry_root(registry)
    if not default_models(root):
        saved = len(list_models(root))
        fail(
            f"no default models in the registry {root}"
            + (f" ({saved} saved, none marked default: train with --make-default)" if saved else "")
            + "; train some with `python -m core train --defaults …`"
        )
    timings: dict[str, float] = {}
    if dataset is not None:
        samples = event_samples(_read_samples(dataset), event)
        if samples.sizes.get("sample", 0) == 0:
            fail(f"event {event!r} has no samples in {dataset.name}")
        _print_event_header_from_samples(event, samples)
    else:
        assert archive is not None  # exactly one of --archive / --dataset (checked above)
        try:
            settings = ds_mod.get_config(config)
        except (OSError, ValueError) as exc:
            fail(str(exc))
        row = _catalog_event(event, catalog)
        from core.archive import load_index
        from core.datasets import samples_from_windows
        from core.windows import windows_for_event

        try:
            index = load_index(archive)
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc))
        w = settings.window
        console.print(
            f"M{row['mag']:.1f} {row.get('place', '')} at {pd.Timestamp(row['time']):%Y-%m-%d %H:%M:%S} UTC, "
            f"R = {w.radius_km(float(row['mag'])):,.0f} km ({config}: {w.half}, {w.days_before:g} days, "
            f"L = {w.length})"
        )
        _print_ground_truth(event, archive)
        t0 = time.perf_counter()
        windows = windows_for_event(row, index, archive, w)
        timings["windowing"] = time.perf_counter() - t0
        if windows.n == 0:
            counters = ", ".join(f"{k} {v}" for k, v in sorted(windows.counters.items()) if v)
            why = _no_sequences_reason(windows, settings)
            console.print(
                f"[yellow]no sequences for {event}:[/] {windows.outcome} — {why}"
                + (f" [dim]({counters})[/]" if counters else "")
            )
            raise typer.Exit(EXIT_NO_SEQUENCES)
        samples = samples_from_windows([windows], settings)
    t0 = time.perf_counter()
    try:
        models = scoring_models(root)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        fail(f"cannot load the default models of {root}: {exc}")
    timings["loading models"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    scores = score_event(samples, models)
    timings["scoring"] = time.perf_counter() - t0
    _print_scores(scores, event_summary(scores), models, per_sample)
    console.print(
        f"[dim]{samples.sizes['sample']} sequences, {len(models)} models; "
        + ", ".join(f"{k} {v * 1000:,.0f} ms" for k, v in timings.items())
        + "[/]"
    )
    console.print(f"[dim]{SYNTHETIC_REMINDER}[/]")


def _catalog_event(event: str, catalog: list[Path] | None) -> pd.Series:
    """The catalog row of ``event`` (built-in catalog unless files are given); one error line if absent."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", catalog_mod.CatalogWarning)
            cat = (
                catalog_mod.load_catalog(catalog)
                if catalog
                else catalog_mod.load_default_catalog(default_settings())
            )
    except (catalog_mod.CatalogError, ValueError) as exc:
        fail(str(exc))
    rows = cat[cat["event_id"].astype(str) == event]
    if rows.empty:
        hint = " (pseudo-events live in datasets: use --dataset FILE)" if "-neg" in event else ""
        fail(f"event {event!r} is not in the {'given' if catalog else 'built-in'} catalog{hint}")
    return rows.iloc[0]


def _print_ground_truth(event: str, archive: Path) -> None:
    """What the generated archive's ground truth says about the event (nothing for real archives)."""
    path = archive / "ground_truth.csv"
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


def _print_event_header_from_samples(event: str, samples) -> None:  # xarray.Dataset
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
        if not _finite(row.mean_probability):
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
            _num(row.mean_probability),
            _num(row.max_probability),
            _num(row.positive_share, 2),
            _num(rule.sample_threshold),
            row.event_rule,
            _num(row.event_probability),
            _num(rule.event_threshold),
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
                *[_num(v) for v in values],
            )
        console.print(detail)
