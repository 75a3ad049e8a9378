"""The library's top-level API: a curated ``__all__``, each name importable, ``import core`` stays light."""

from __future__ import annotations

import subprocess
import sys

import core


def test_every_public_name_resolves_to_its_module_object() -> None:
    import core.archive
    import core.scoring

    assert core.__all__[0] == "__version__" and len(set(core.__all__)) == len(core.__all__)
    for name in core.__all__[1:]:
        assert callable(getattr(core, name)), name
    assert core.scan_archive is core.archive.scan_archive and core.score_event is core.scoring.score_event
    assert set(dir(core)) >= set(core.__all__)


def test_import_core_loads_neither_torch_nor_dash() -> None:
    code = "import sys, core; print(sorted({'torch', 'dash', 'PyIRI'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        core.nope  # noqa: B018
