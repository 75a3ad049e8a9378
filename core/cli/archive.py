"""Pass archives: ``generate`` (a synthetic archive), ``index`` (its pass index), ``passes`` (the passes
around one event) and ``testbed`` (the protocol-scale synthetic testbed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from core import catalog as catalog_mod
from core.cli.common import LocalWorkers, Scheduler, Workers, console, fail, parse_box, print_dataset_report
from core.config import default_settings

__all__ = ["generate_command", "index_command", "passes_command", "testbed_command"]


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
    box = parse_box(region, "--region")
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


def index_command(
    archive: Annotated[Path, typer.Argument(help="folder tree of CSES_01_*.h5 / DMT_N1_*.DAT pass files")],
    out: Annotated[Path | None, typer.Option(help="index file (default ARCHIVE/pass_index.parquet)")] = None,
    scheduler: Scheduler = None,
    workers: LocalWorkers = None,
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


def testbed_command(
    out: Annotated[Path | None, typer.Option(help="testbed folder (default: work dir / testbed)")] = None,
    whole_earth: Annotated[
        bool, typer.Option("--global", help="the whole Earth (default: the western Pacific 95,-50,180,55)")
    ] = False,
    seed: Annotated[int, typer.Option(help="generator seed")] = 0,
    difficulty: Annotated[
        float | None, typer.Option(help="precursor amplitudes are divided by it (default: the generator's)")
    ] = None,
    workers: Workers = 2,
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
            on_dataset=print_dataset_report,
        )
    except TestbedSpecError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc))
    console.print(report.summary())
    console.print(f"[dim]{report.out / 'testbed.json'}[/]")
    if report.failed_datasets:
        raise typer.Exit(1)
