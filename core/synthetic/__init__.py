"""Physics-based synthetic archive generator (docs/synthetic.md): real orbits, a PyIRI background ionosphere
driven by the real F10.7/Kp/Dst-like history, disturbances, injected precursors with a ground truth,
written in the real CSES-01 / DEMETER file formats through :func:`core.io.write_pass`.

Modules: :mod:`.orbit` (sun-synchronous orbits, half-orbits, ground tracks), :mod:`.ionosphere`
(background), :mod:`.disturbances` (variability, storms, bubbles, instrument behaviour),
:mod:`.precursors` (injection model, ground truth), :mod:`.generator` (:func:`generate_archive`).
Submodules are imported lazily, so ``import core.synthetic`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "GenerationReport",
    "HalfOrbit",
    "PrecursorModel",
    "generate_archive",
    "half_orbits",
    "track",
]

_WHERE = {
    "GenerationReport": "generator",
    "generate_archive": "generator",
    "HalfOrbit": "orbit",
    "half_orbits": "orbit",
    "track": "orbit",
    "PrecursorModel": "precursors",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"core.synthetic.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'core.synthetic' has no attribute {name!r}")
