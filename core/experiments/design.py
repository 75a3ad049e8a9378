"""The paper suite's design: the dataset keys (configurations of ``core/configs/datasets.toml``) each
experiment uses, the variant families (a)–(c), the suite's parts and its training seeds.

The tables and the protocol of every fit: ``docs/evaluation.md`` (section "The paper suite").
"""

from __future__ import annotations

__all__ = [
    "ALIASES",
    "BACKGROUND_KEY",
    "DEFAULT_KEY",
    "DEFAULT_SEEDS",
    "FAMILIES",
    "FAMILY_TITLES",
    "PAPER_SUITE_CONFIGS",
    "QUICK_SUITE_CONFIGS",
    "SOURCE_BACKGROUND_KEY",
    "SOURCE_KEY",
    "SUITE_PARTS",
]

DEFAULT_KEY = "cses-default"
SOURCE_KEY = "demeter-default"
#: deviation-from-quiet-background variants: raw vs deviation is chosen on validation (``f_features``)
BACKGROUND_KEY = "cses-background"
SOURCE_BACKGROUND_KEY = "demeter-background"
#: training seeds of every model figure (mean ± sd over them, interval of the mean by event)
DEFAULT_SEEDS: tuple[int, ...] = (0, 1, 2)
#: the experiments of the suite: (a)–(c) the variant families, (d) transfer, (e) benchmarks, (f) features
SUITE_PARTS: tuple[str, ...] = ("a", "b", "c", "d", "e", "f")
_PART_TABLE = {
    "a": "a_spatial_windows",
    "b": "b_sequence_lengths",
    "c": "c_day_night",
    "d": "d_transfer",
    "e": "e_benchmarks",
    "f": "f_features",
}
ALIASES = {"cses": DEFAULT_KEY, "demeter": SOURCE_KEY}

#: Experiment families: dataset key → variant label (the default dataset belongs to each family).
FAMILIES: dict[str, dict[str, str]] = {
    "a_spatial_windows": {
        "cses-default": "Dobrovolsky R",
        "cses-2R": "2 R",
        "cses-500km": "500 km",
        "cses-1000km": "1000 km",
        "cses-5deg": "5° arc",
    },
    "b_sequence_lengths": {
        "cses-L10": "L = 10",
        "cses-default": "L = 20",
        "cses-L30": "L = 30",
        "cses-L40": "L = 40",
    },
    "c_day_night": {"cses-default": "night", "cses-day": "day", "cses-both": "day + night"},
}
#: Every dataset configuration (``core/configs/datasets.toml``) the full suite uses.
PAPER_SUITE_CONFIGS: tuple[str, ...] = (
    DEFAULT_KEY,
    SOURCE_KEY,
    *dict.fromkeys(k for fam in FAMILIES.values() for k in fam if k != DEFAULT_KEY),
    BACKGROUND_KEY,
    SOURCE_BACKGROUND_KEY,
)
#: A smaller set for the quick path: one variant per family besides the default, and the feature choice.
QUICK_SUITE_CONFIGS: tuple[str, ...] = (
    DEFAULT_KEY,
    SOURCE_KEY,
    "cses-500km",
    "cses-L10",
    "cses-day",
    BACKGROUND_KEY,
)
FAMILY_TITLES = {
    "a_spatial_windows": "(a) Spatial windows",
    "b_sequence_lengths": "(b) Sequence lengths",
    "c_day_night": "(c) Day vs night",
}
