"""The gunicorn load test in Celery mode (``bench/bench_load.py --celery``), small: a few users replay the
map page and an event page over HTTP against ``gunicorn -w 2`` whose background jobs run on a Celery worker
through a new redis-server, on a tiny archive; every visit must succeed and every process must stop."""

from __future__ import annotations

import json
import shutil

import pytest

from bench import bench_load
from bench.results import RESULTS_ENV
from tests.helpers import build_tiny_archive, build_tiny_registry, services_left

pytestmark = pytest.mark.slow


def test_every_visit_of_the_load_test_succeeds_with_jobs_on_celery(tmp_path, monkeypatch, capsys) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("Debian's redis-server is not installed (`make test` installs it: make redis-server)")
    pytest.importorskip("celery", reason="celery[redis] is not installed (requirements.txt pins it)")
    work_dir, results = tmp_path / "work", tmp_path / "results"
    build_tiny_archive(work_dir)
    build_tiny_registry(work_dir)
    monkeypatch.setenv("SEQNETQUAKE_WORK_DIR", str(work_dir))
    monkeypatch.setenv("SEQNETQUAKE_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv(RESULTS_ENV, str(results))
    monkeypatch.delenv("SEQNETQUAKE_REGISTRY", raising=False)  # the tiny registry in the work dir scores
    args = ["--celery", "--celery-workers", "1", "--clients", "4", "--passes", "1", "--baseline", "1"]
    assert bench_load.main([*args, "--event", "us6000f65h", "--time-limit", "240"]) == 0
    out = capsys.readouterr().out
    assert "background jobs: Celery worker" in out and "redis-server at redis://127.0.0.1:" in out
    report = json.loads((results / "load-celery.json").read_text())
    figures = {m["name"]: m["value"] for m in report["metrics"]}
    assert figures["load test, warm-up: failed page visits"] == 0  # cold: the analysis ran on the worker
    assert figures["load test: failed page visits"] == 0 and figures["load test: failed requests"] == 0
    assert figures["load test: panel: event analysis, p95"] is not None  # the event page's analysis arrived
    assert report["restarts"] == 0 and report["last_traceback"] == []
    assert report["worker_log_problems"] == [], report["worker_log_problems"]
    left = services_left()
    assert left == [], f"processes left running: {left}"
