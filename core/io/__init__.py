"""Readers and writers of satellite half-orbit pass files, one module per source format.

================  ===========================================  =======================================
module            files                                        products
================  ===========================================  =======================================
:mod:`.cses`      CSES-01 Level-2 HDF5, ``CSES_01_*.h5``        LAP_1, PAP_0, HPM_5, HPM_6, EFD_n, SCM_n
:mod:`.demeter`   DEMETER N1 binary, ``DMT_N1_*.DAT``           ISL survey (1144), IAP survey (1140)
================  ===========================================  =======================================

Every reader returns the Pass dataset of docs/data-contracts.md (:mod:`core.passes`); :func:`read_pass`
picks the reader from the file name and checks the content, :func:`write_pass` picks the writer from
``ds.attrs["satellite"]``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import xarray as xr

from core.io.cses import HDF5_SIGNATURE, read_cses, write_cses
from core.io.demeter import read_demeter, write_demeter
from core.passes import PassFormatError

__all__ = ["read_cses", "read_demeter", "read_pass", "write_cses", "write_demeter", "write_pass"]


def read_pass(path: str | os.PathLike[str], **kwargs: Any) -> xr.Dataset:
    """Read any supported pass file into a Pass; :class:`PassFormatError` naming it when unknown.

    ``CSES_01_*.h5`` (with the HDF5 signature) → :func:`read_cses`; ``DMT_N1_*.DAT`` →
    :func:`read_demeter`. Keyword arguments go to the reader.
    """
    path = Path(path)
    name = path.name
    if name.startswith("CSES_01_") and name.endswith(".h5"):
        with open(path, "rb") as fh:
            head = fh.read(len(HDF5_SIGNATURE))
        if head != HDF5_SIGNATURE:
            raise PassFormatError(f"{name}: has a CSES-01 name but is not an HDF5 file (no signature)")
        return read_cses(path, **kwargs)
    if name.startswith("DMT_N1_") and name.upper().endswith(".DAT"):
        return read_demeter(path, **kwargs)
    raise PassFormatError(f"{name}: unknown pass file format (expected CSES_01_*.h5 or DMT_N1_*.DAT)")


def write_pass(ds: xr.Dataset, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write a Pass in its satellite's real format (``ds.attrs["satellite"]``); return the file path."""
    satellite = ds.attrs.get("satellite")
    if satellite == "CSES-01":
        return write_cses(ds, out_dir, **kwargs)
    if satellite == "DEMETER":
        return write_demeter(ds, out_dir, **kwargs)
    raise ValueError(f"cannot write a pass of satellite {satellite!r} (CSES-01 or DEMETER)")
