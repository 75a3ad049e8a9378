"""``python -m core``: the workbench's command line (typer). Each subcommand calls the library."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Annotated

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


def fail(message: str) -> None:
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
    difficulty: Annotated[float, typer.Option(help="> 1 makes precursors weaker")] = 1.0,
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
            difficulty=difficulty,
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


def _print_dataset_report(report) -> None:  # noqa: ANN001 — core.datasets.DatasetReport, imported lazily
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
