"""SeqNetQuake workbench core library (no Dash import).

Data readers, the earthquake catalog, geometry, space weather, windowing, datasets, models, training,
evaluation and export for pre-earthquake ionospheric perturbation identification.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__: str = version("seqnetquake-workbench")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
