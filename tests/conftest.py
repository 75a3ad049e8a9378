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


@pytest.fixture(scope="session", autouse=True)
def _patient_expect() -> None:
    """Browser assertions wait up to 20 s (2 shared cores in CI; background callbacks start processes)."""
    try:
        from playwright.sync_api import expect
    except ImportError:  # pragma: no cover - the test requirements install it
        return
    expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium (``playwright install`` cannot run offline)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it with apt-get")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


def build_tiny_report(folder: Path) -> None:
    """A minimal experiments report (Markdown, one figure, one table) like ``core.experiments`` writes."""
    import base64

    (folder / "figures").mkdir(parents=True)
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    (folder / "figures" / "roc.png").write_bytes(base64.b64decode(pixel))
    (folder / "e_benchmarks.csv").write_text("model,split,sample_mcc\nseqnetquake,test,0.41\n")
    (folder / "report.md").write_text(
        "# SeqNetQuake paper suite\n\n> synthetic testbed, not real CSES data\n\n"
        "| model | test MCC |\n|---|---|\n| SeqNetQuake | 0.41 |\n\n![roc](figures/roc.png)\n"
    )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the dashboard (built-in catalog, a tiny generated archive) on a free loopback port."""
    from werkzeug.serving import make_server

    from core.config import Settings
    from dashboard.app import create_app
    from tests.helpers import build_tiny_archive, build_tiny_registry

    work_dir = tmp_path_factory.mktemp("work")
    build_tiny_archive(work_dir)
    build_tiny_registry(work_dir)
    reports = tmp_path_factory.mktemp("reports")
    build_tiny_report(reports / "tiny-run")
    settings = Settings(work_dir=work_dir, reports_dir=reports)
    server = make_server("127.0.0.1", 0, create_app(settings).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session", autouse=True)
def _tiny_splits_may_train() -> Iterator[None]:
    """Tests train on tiny seeded datasets: the protocol's 50-events-per-class guard is lowered to 2 for
    the session (``tests/core/test_search_resume.py`` checks the guard itself at its real value)."""
    import core.models.inputs

    real = core.models.inputs.MIN_EVENTS_PER_CLASS
    core.models.inputs.MIN_EVENTS_PER_CLASS = 2
    yield
    core.models.inputs.MIN_EVENTS_PER_CLASS = real
