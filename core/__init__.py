"""SeqNetQuake workbench core library (no Dash import).

Data readers, the earthquake catalog, geometry, space weather, windowing, datasets, models, training,
evaluation and export for pre-earthquake ionospheric perturbation identification. The names of
:data:`__all__` are the library's entry points (docs/architecture.md); each is imported from its module
on first use, so ``import core`` stays light (no PyTorch, no PyIRI).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__: str = version("seqnetquake-workbench")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

#: public name → the module that defines it (imported on first access, PEP 562)
_API: dict[str, str] = {
    "Settings": "core.config",
    "default_settings": "core.config",
    "load_default_catalog": "core.catalog",
    "load_catalog": "core.catalog",
    "filter_catalog": "core.catalog",
    "dobrovolsky_radius_km": "core.geo",
    "geodesic_circle": "core.geo",
    "read_pass": "core.io",
    "write_pass": "core.io",
    "scan_archive": "core.archive",
    "load_index": "core.archive",
    "passes_near_event": "core.archive",
    "windows_for_event": "core.windows",
    "get_config": "core.datasets",
    "build_dataset": "core.datasets",
    "load_samples": "core.datasets",
    "make_model": "core.models.zoo",
    "train_model": "core.training",
    "load_model": "core.models.registry",
    "score_event": "core.scoring",
    "model_card": "core.model_cards",
    "run_paper_suite": "core.experiments",
    "generate_archive": "core.synthetic",
    "needed_passes": "core.pass_requests",
}

__all__ = ["__version__", *sorted(_API)]


def __getattr__(name: str) -> object:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
