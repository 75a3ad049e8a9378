"""``python -m core``: the workbench's command line (typer). Each subcommand calls the library.

One module per group of commands, named after the domain noun: :mod:`.catalog` (``catalog``),
:mod:`.archive` (``generate``, ``index``, ``passes``, ``testbed``), :mod:`.datasets` (``dataset``),
:mod:`.models` (``train``, ``evaluate``, ``score``), :mod:`.experiments` (``experiments``) and
:mod:`.demo` (``prepare``); :mod:`.common` holds the console, :func:`~core.cli.common.fail`, the options
several commands share and the printers. This module registers the commands on :data:`app`.
"""

from __future__ import annotations

import typer

from core.cli import archive, catalog, datasets, demo, experiments, models

__all__ = ["app", "main"]

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="``python -m core``: the workbench's command line (typer). Each subcommand calls the library.",
)


@app.callback()
def _root() -> None:
    """SeqNetQuake workbench: catalog, satellite data, datasets, models."""


# registration order is the order of `python -m core --help`
app.command("catalog")(catalog.catalog_command)
app.command("generate")(archive.generate_command)
app.command("prepare")(demo.prepare_command)
app.command("index")(archive.index_command)
app.command("passes")(archive.passes_command)
app.command("dataset")(datasets.dataset_command)
app.command("testbed")(archive.testbed_command)
app.command("train")(models.train_command)
app.command("evaluate")(models.evaluate_command)
app.command("experiments")(experiments.experiments_command)
app.command("score")(models.score_command)


def main() -> None:
    """Entry point of ``python -m core`` and of the ``seqnetquake`` console script."""
    app()
