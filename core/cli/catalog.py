"""``catalog``: filter and summarise an earthquake catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from core import catalog as catalog_mod
from core.cli.common import console, fail, parse_box, read_catalog

__all__ = ["catalog_command"]


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
    cat = read_catalog(source, quiet=True)  # the load report is printed below instead
    box = parse_box(bbox, "--bbox")
    type_list = tuple(t.strip() for t in types.split(",") if t.strip()) or None
    try:
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
