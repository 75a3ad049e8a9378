"""``dataset``: build a labelled samples dataset from an archive and a catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from core.cli.common import (
    CatalogFiles,
    LocalWorkers,
    Scheduler,
    console,
    fail,
    print_dataset_report,
    read_catalog,
)

__all__ = ["dataset_command"]


def dataset_command(
    archive: Annotated[
        Path | None, typer.Option(help="archive folder of pass files (indexed if needed)")
    ] = None,
    config: Annotated[
        list[str] | None,
        typer.Option(help="named configuration(s) of core/configs/datasets.toml (repeatable)"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="NetCDF file (default: work dir, name + cache key)")
    ] = None,
    catalog: CatalogFiles = None,
    scheduler: Scheduler = None,
    workers: LocalWorkers = None,
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
    cat = read_catalog(catalog)
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
        print_dataset_report(report)
