"""The paper suite: regenerate the structure of Xiong et al. (2021)'s results from our own runs.

:func:`run_paper_suite` trains the models of experiments (a)–(f) on Samples datasets keyed by their
configuration name (``core/configs/datasets.toml``) and writes CSV tables, figures, ``report.md`` and
``suite.json`` to a folder. The tables, the dataset keys and the protocol of every fit:
``docs/evaluation.md`` (section "The paper suite"); the committed run: ``docs/protocol.md``.

Submodules: :mod:`.design` (dataset keys, families, parts, seeds), :mod:`.suite` (the runner, seed
statistics, the registry of the suite's models), :mod:`.figures` (plots and their export),
:mod:`.report` (``report.md``, the paper's headline numbers). The names below are re-exported here.
"""

from __future__ import annotations

from core.experiments.design import (
    BACKGROUND_KEY,
    DEFAULT_KEY,
    DEFAULT_SEEDS,
    FAMILIES,
    PAPER_SUITE_CONFIGS,
    QUICK_SUITE_CONFIGS,
    SOURCE_BACKGROUND_KEY,
    SOURCE_KEY,
    SUITE_PARTS,
)
from core.experiments.figures import (
    export_figures,
    plot_confusion_matrices,
    plot_learning_curve,
    plot_metric_bars,
    plot_roc_pr,
)
from core.experiments.report import PAPER_HEADLINES, SYNTHETIC_STATEMENT
from core.experiments.suite import SeedRuns, SuiteResult, load_suite_datasets, run_paper_suite, seed_row

__all__ = [
    "BACKGROUND_KEY",
    "DEFAULT_KEY",
    "DEFAULT_SEEDS",
    "FAMILIES",
    "PAPER_HEADLINES",
    "PAPER_SUITE_CONFIGS",
    "QUICK_SUITE_CONFIGS",
    "SOURCE_BACKGROUND_KEY",
    "SOURCE_KEY",
    "SUITE_PARTS",
    "SYNTHETIC_STATEMENT",
    "SeedRuns",
    "SuiteResult",
    "export_figures",
    "load_suite_datasets",
    "plot_confusion_matrices",
    "plot_learning_curve",
    "plot_metric_bars",
    "plot_roc_pr",
    "run_paper_suite",
    "seed_row",
]
