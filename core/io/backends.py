"""xarray backends: ``xr.open_dataset(path, engine="cses")`` / ``engine="demeter"`` return the Pass dataset.

Registered as the entry points ``cses`` and ``demeter`` of the group ``xarray.backends`` (pyproject.toml;
visible after ``pip install -e .``); without the install, pass the class itself:
``xr.open_dataset(path, engine=CSESBackendEntrypoint)``. The result is what :func:`core.io.read_pass`
returns, minus ``drop_variables``, in the Pass contract's units (``docs/data-contracts.md``). Opening a
folder of passes with ``open_mfdataset``: ``docs/formats.md`` (section "Opening pass files with xarray").
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xarray as xr
from xarray.backends import BackendEntrypoint

from core.io.cses import HDF5_SIGNATURE, read_cses
from core.io.demeter import read_demeter

__all__ = ["CSESBackendEntrypoint", "DemeterBackendEntrypoint"]

_DOCS_URL = (Path(__file__).resolve().parents[2] / "docs" / "data-contracts.md").as_uri()
_CSES_NAME = re.compile(r"^CSES_01_[A-Z]{3}_\d_L\w{2}_\w{2}_\d{6}_\d{8}_\d{6}_\d{8}_\d{6}_\d{3}\.h5$")
_DEMETER_NAME = re.compile(r"^DMT_N1_\d{4}_\d{6}_\d{8}_\d{6}_\d{8}_\d{6}\.(?:DAT|dat)$")


def _path(filename_or_obj: Any) -> Path | None:
    """A local file path, or None for what these readers cannot take (file objects, stores, URLs)."""
    try:
        return Path(os.fspath(filename_or_obj))
    except TypeError:
        return None


def _drop(ds: xr.Dataset, drop_variables: str | Iterable[str] | None) -> xr.Dataset:
    if drop_variables is None:
        return ds
    names = [drop_variables] if isinstance(drop_variables, str) else list(drop_variables)
    return ds.drop_vars(names, errors="ignore")


def _open_path(filename_or_obj: Any, engine: str) -> Path:
    path = _path(filename_or_obj)
    if path is None:
        raise TypeError(f"engine={engine!r} reads local files by path, got {type(filename_or_obj).__name__}")
    return path


class CSESBackendEntrypoint(BackendEntrypoint):
    """CSES-01 Level-2 HDF5 half-orbit files (``CSES_01_*.h5``) as a Pass (:func:`core.io.cses.read_cses`).

    Extra keyword arguments of ``xr.open_dataset``: ``keep_spectrum`` (bool), ``n_bands`` (int) — see
    :func:`~core.io.cses.read_cses`.
    """

    description = "CSES-01 Level-2 HDF5 half-orbit files as a SeqNetQuake Pass dataset (units converted)"
    url = _DOCS_URL
    open_dataset_parameters = ("filename_or_obj", "drop_variables", "keep_spectrum", "n_bands")

    def open_dataset(
        self,
        filename_or_obj: Any,
        *,
        drop_variables: str | Iterable[str] | None = None,
        keep_spectrum: bool = False,
        n_bands: int = 8,
    ) -> xr.Dataset:
        path = _open_path(filename_or_obj, "cses")
        return _drop(read_cses(path, keep_spectrum=keep_spectrum, n_bands=n_bands), drop_variables)

    def guess_can_open(self, filename_or_obj: Any) -> bool:
        """A ``CSES_01_*.h5`` name and, when the file exists, the HDF5 signature."""
        path = _path(filename_or_obj)
        if path is None or not _CSES_NAME.match(path.name):
            return False
        try:
            with open(path, "rb") as fh:
                return fh.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE
        except OSError:
            return False


class DemeterBackendEntrypoint(BackendEntrypoint):
    """DEMETER N1 ISL/IAP survey files (``DMT_N1_*.DAT``) as a Pass (:func:`core.io.demeter.read_demeter`)."""

    description = "DEMETER N1 ISL/IAP survey files as a SeqNetQuake Pass dataset (units converted)"
    url = _DOCS_URL
    open_dataset_parameters = ("filename_or_obj", "drop_variables")

    def open_dataset(
        self,
        filename_or_obj: Any,
        *,
        drop_variables: str | Iterable[str] | None = None,
    ) -> xr.Dataset:
        path = _open_path(filename_or_obj, "demeter")
        return _drop(read_demeter(path), drop_variables)

    def guess_can_open(self, filename_or_obj: Any) -> bool:
        """A ``DMT_N1_<APID>_…`` name (the binary format has no signature to check)."""
        path = _path(filename_or_obj)
        return path is not None and bool(_DEMETER_NAME.match(path.name))
