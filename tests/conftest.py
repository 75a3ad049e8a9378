"""Shared fixtures: a live dashboard server on loopback and Playwright with Debian's Chromium."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium (``playwright install`` cannot run offline)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it with apt-get")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


def build_tiny_archive(work_dir: Path) -> None:
    """A three-pass CSES-01 archive around the 2021-08-14 M7.2 Nippes (Haiti) event, indexed: a night pass
    over the epicentre 30 h before, one starting 1 s after the shock, and a day pass far away."""
    import numpy as np

    from core.archive import scan_archive
    from core.io import write_pass
    from tests.core.test_archive import _pass

    root = work_dir / "archive"
    origin = np.datetime64("2021-08-14T12:29:08", "ns")
    write_pass(_pass(1, origin - np.timedelta64(30, "h") - np.timedelta64(300, "s"), -78.0), root)
    write_pass(_pass(2, origin + np.timedelta64(1, "s"), -78.0), root)
    write_pass(_pass(3, origin - np.timedelta64(50, "h"), 60.0, half="day"), root)
    scan_archive(root, workers=1, progress=False)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the dashboard (built-in catalog, a tiny generated archive) on a free loopback port."""
    from werkzeug.serving import make_server

    from core.config import Settings
    from dashboard.app import create_app

    work_dir = tmp_path_factory.mktemp("work")
    build_tiny_archive(work_dir)
    server = make_server("127.0.0.1", 0, create_app(Settings(work_dir=work_dir)).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
