"""``prepare``: the demo the dashboard shows."""

from __future__ import annotations

from core.cli.common import Workers, console
from core.config import default_settings

__all__ = ["prepare_command"]


def prepare_command(workers: Workers = 2) -> None:
    """Prepare the demo the dashboard shows (generated archive, index, …); reuses what exists."""
    from core.demo import prepare_demo

    console.print(prepare_demo(default_settings(), workers=workers).summary())
