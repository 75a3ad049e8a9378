"""``python -m core``: the workbench's command line (typer). Each subcommand calls the library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from core import catalog as catalog_mod
from core.config import default_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
console = Console()


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
        cat = (
            catalog_mod.load_catalog(source)
            if source
            else catalog_mod.load_default_catalog(default_settings())
        )
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
