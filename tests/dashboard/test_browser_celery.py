"""End to end with ``REDIS_URL`` set: Debian's redis-server, a Celery worker of the dashboard and the app
served with the Celery manager, each in its own process; a real browser opens an event and its analysis
jobs run on the worker."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import (
    NetworkLog,
    build_tiny_archive,
    build_tiny_registry,
    celery_worker,
    dashboard_server,
    redis_server,
    services_left,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class CeleryServer:
    url: str  # the app
    work_dir: Path
    worker_log: Path


@pytest.fixture
def celery_server(tmp_path: Path) -> Iterator[CeleryServer]:
    """redis-server on a free loopback port (no persistence), a Celery worker (prefork, one process) for an
    app on a tiny archive and model registry, and that app served by ``python -m dashboard`` with
    ``REDIS_URL``; afterwards all three are stopped and none of their processes is left."""
    if shutil.which("redis-server") is None:
        pytest.skip("Debian's redis-server is not installed (`make test` installs it: make redis-server)")
    pytest.importorskip("celery", reason="celery[redis] is not installed (requirements.txt pins it)")
    work_dir, reports_dir = tmp_path / "work", tmp_path / "reports"
    reports_dir.mkdir()
    build_tiny_archive(work_dir)
    build_tiny_registry(work_dir)
    log = tmp_path / "worker.log"
    pgids = []
    with redis_server(tmp_path) as redis_url:
        env = dict(
            os.environ,
            REDIS_URL=redis_url,
            SEQNETQUAKE_WORK_DIR=str(work_dir),
            SEQNETQUAKE_REPORTS_DIR=str(reports_dir),
            PYTHONUNBUFFERED="1",
        )
        env.pop("SEQNETQUAKE_REGISTRY", None)  # the tiny registry in the work dir scores
        with celery_worker(env, log, pool="prefork", concurrency=1) as worker:
            pgids.append(worker.pid)
            with dashboard_server(env, tmp_path / "dashboard.log") as url:
                yield CeleryServer(url, work_dir, log)
    left = services_left(pgids[0])
    assert left == [], f"processes left running: {left}"


def test_event_analysis_runs_on_the_celery_worker(page: Page, celery_server: CeleryServer) -> None:
    net = NetworkLog(page, celery_server.url)
    page.goto(celery_server.url + "/event/us6000f65h")
    expect(page.locator("#event-title")).to_contain_text("Nippes, Haiti")
    expect(page.locator("#passes-count")).to_contain_text("1 pass crosses the circle")

    # the analysis job: queued on Redis, run by the worker, polled by the page until its result came
    expect(page.locator("#sequences-count")).to_contain_text(
        "sequences of L = 20 observations", timeout=60_000
    )
    expect(page.locator("#scores-table-rows")).to_contain_text("SeqNetQuake", timeout=60_000)
    expect(page.locator("#scores-table-rows")).to_contain_text("SVM")
    expect(page.locator("#an-status")).to_have_text("done")

    # a changed setting is a second job on the worker, scored by the models trained on L = 10
    page.get_by_label("10", exact=True).check()
    expect(page.locator("#sequences-count")).to_contain_text("of L = 10 observations", timeout=60_000)
    expect(page.locator("#scores-table-rows")).to_contain_text("SeqNetQuake")
    assert net.failed == [] and net.external == []

    # both ran as Celery tasks of the worker; the server forked no job (no local job store)
    log = celery_server.worker_log.read_text(errors="replace")
    assert log.count("] succeeded in ") >= 2, log[-3000:]
    assert "background_callback_" in log
    assert not (celery_server.work_dir / "cache" / "dash-jobs").exists()
