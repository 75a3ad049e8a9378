"""What the command modules share: the console, :func:`fail`, the option types several commands take,
argument parsers and the table-cell printers."""

from __future__ import annotations

import json
import math
import re
import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from core import catalog as catalog_mod
from core.config import default_settings
from core.synthetic.precursors import GROUND_TRUTH_NAME

if TYPE_CHECKING:
    from core.datasets import DatasetReport, DatasetSettings

__all__ = [
    "CatalogFiles",
    "LocalWorkers",
    "Registry",
    "Scheduler",
    "Workers",
    "apply_overrides",
    "console",
    "counts_cell",
    "fail",
    "finite",
    "ground_truth_path",
    "metric_cell",
    "num",
    "parse_box",
    "parse_overrides",
    "pct_text",
    "print_dataset_report",
    "read_catalog",
]

console = Console(width=shutil.get_terminal_size((140, 40)).columns)

# ------------------------------------------------------------------------------ options of several commands

CatalogFiles = Annotated[
    list[Path] | None, typer.Option(help="catalog file(s) (default: the built-in ComCat catalog)")
]
Scheduler = Annotated[str | None, typer.Option(help="dask.distributed scheduler address")]
LocalWorkers = Annotated[int | None, typer.Option(help="local worker processes (default: all cores)")]
Workers = Annotated[int, typer.Option(help="worker processes")]
Registry = Annotated[Path | None, typer.Option(help="model registry folder (default <work dir>/models)")]
BatchSize = Annotated[
    int | None, typer.Option(min=1, help="PyTorch models' batch size (default: the device's; docs/models.md)")
]
Device = Annotated[
    str | None, typer.Option(help="PyTorch models' device: auto (CUDA when present; the default), cpu, cuda")
]


def fail(message: str) -> NoReturn:
    """Print one clear error line and exit with status 2 (no traceback)."""
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(2)


# ------------------------------------------------------------------------------ arguments


def torch_params(batch_size: int | None, device: str | None) -> dict[str, object]:
    """The PyTorch models' ``batch_size`` / ``device`` given on the command line (checked; unset left out)."""
    if device is not None and device != "auto" and not re.fullmatch(r"cpu|cuda(:\d+)?|mps", device):
        fail(f"--device must be auto, cpu, cuda, cuda:N or mps, got {device!r}")
    return {k: v for k, v in {"batch_size": batch_size, "device": device}.items() if v is not None}


def parse_box(text: str | None, option: str) -> tuple[float, float, float, float] | None:
    """``lon_min,lat_min,lon_max,lat_max`` (degrees) → four floats; None for no text; one error line naming
    ``option`` otherwise."""
    if not text:
        return None
    try:
        box = tuple(float(v) for v in text.split(","))
    except ValueError as exc:
        fail(str(exc))
    if len(box) != 4:
        fail(f"{option} needs four numbers lon_min,lat_min,lon_max,lat_max, got {text!r}")
    return box[0], box[1], box[2], box[3]


def read_catalog(files: list[Path] | None, *, quiet: bool = False) -> pd.DataFrame:
    """The catalog of ``files``, else the built-in ComCat catalog; one error line when it cannot be read.
    ``quiet`` silences the reader's warnings (a command that prints its own report)."""
    try:
        with warnings.catch_warnings():
            if quiet:
                warnings.simplefilter("ignore", catalog_mod.CatalogWarning)
            return (
                catalog_mod.load_catalog(files)
                if files
                else catalog_mod.load_default_catalog(default_settings())
            )
    except (catalog_mod.CatalogError, ValueError) as exc:
        fail(str(exc))


def ground_truth_path(explicit: Path | None, archive: Path | None) -> Path | None:
    """``--ground-truth`` (must exist), else ``ARCHIVE/ground_truth.csv`` when there is one."""
    if explicit is not None:
        if not explicit.is_file():
            fail(f"ground-truth file {explicit} does not exist")
        return explicit
    if archive is not None and (archive / GROUND_TRUTH_NAME).is_file():
        return archive / GROUND_TRUTH_NAME
    return None


def parse_overrides(items: list[str] | None) -> dict[tuple[str | None, str], object]:
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


def apply_overrides(
    settings: DatasetSettings, overrides: dict[tuple[str | None, str], object]
) -> DatasetSettings:
    """``settings`` with the ``overrides`` that concern its satellites applied through
    ``DatasetSettings.from_dict`` (unknown keys and invalid values end in one error line)."""
    sats = set(settings.window.satellites)
    changes = {key: value for (scope, key), value in overrides.items() if scope is None or scope in sats}
    if not changes:
        return settings
    try:
        return type(settings).from_dict({**settings.to_dict(), **changes})
    except (TypeError, ValueError) as exc:
        fail(f"--config-override on {settings.name!r}: {exc}")


# ------------------------------------------------------------------------------ printers


def finite(value: object) -> bool:
    """Whether ``value`` is a finite number."""
    try:
        return value is not None and math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def num(value: object, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals, ``–`` when it is not a finite number."""
    return f"{float(value):.{digits}f}" if finite(value) else "–"  # type: ignore[arg-type]


def pct_text(value: object) -> str:
    """A fraction as a signed percentage (``+12.5 %``), ``–`` when it is not a finite number."""
    return f"{float(value) * 100:+.1f} %" if finite(value) else "–"  # type: ignore[arg-type]


def metric_cell(values: dict, cis: dict | None, metric: str) -> str:
    """``0.412`` with its 95 % interval (``0.31–0.52``) on a second, dim line when ``cis`` has it."""
    text = num(values.get(metric))
    lo, hi = (cis or {}).get(metric, (math.nan, math.nan))
    if text != "–" and finite(lo) and finite(hi):
        text += f"\n[dim]{float(lo):.2f}–{float(hi):.2f}[/]"
    return text


def counts_cell(values: dict) -> str:
    """``n (n_positive)`` of a metrics dict."""
    return f"{int(values.get('n', 0)):,} ({int(values.get('n_positive', 0)):,})"


def print_dataset_report(report: DatasetReport) -> None:
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
