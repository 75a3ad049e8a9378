"""Which manager runs the dashboard's background jobs, and the fixes on top of Dash's managers (no Redis
needed: nothing here connects; tests/dashboard/test_browser_celery.py runs a job through Redis)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import Settings
from dashboard.jobs import CeleryJobs, SharedJobs, job_manager

celery = pytest.importorskip("celery", reason="celery[redis] is not installed (requirements.txt pins it)")

UNUSED_REDIS = "redis://127.0.0.1:9/0"  # never connected to by these tests


def test_redis_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert Settings().redis_url is None
    monkeypatch.setenv("REDIS_URL", "")
    assert Settings().redis_url is None
    monkeypatch.setenv("REDIS_URL", UNUSED_REDIS)
    assert Settings().redis_url == UNUSED_REDIS


def test_the_manager_follows_redis_url(tmp_path: Path) -> None:
    local = job_manager(Settings(work_dir=tmp_path, redis_url=None))
    assert isinstance(local, SharedJobs)
    assert (tmp_path / "cache" / "dash-jobs").is_dir()
    remote = job_manager(Settings(work_dir=tmp_path / "other", redis_url=UNUSED_REDIS))
    assert isinstance(remote, CeleryJobs)
    conf = remote.handle.conf
    assert conf.broker_url == UNUSED_REDIS and conf.result_backend == UNUSED_REDIS
    assert conf.accept_content == ["json"] and conf.worker_prefetch_multiplier == 1
    assert not (tmp_path / "other").exists()  # the Celery path keeps no local job store


def test_each_celery_job_has_its_own_result_key() -> None:
    jobs = job_manager(Settings(redis_url=UNUSED_REDIS))

    def callback(request):  # only its source matters
        return None

    keys = {jobs.build_cache_key(callback, [{"event": "us6000f65h"}], [], None) for _ in range(2)}
    assert len(keys) == 2


class _FakeBackend:
    """The Redis result store, in memory (get/set/delete as Celery's RedisBackend, a client for SET NX)."""

    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}
        self.client = self

    def get(self, key: str) -> bytes | None:
        return self.values.get(key)

    def set(self, key: str, value: bytes | str, nx: bool = False) -> None:
        if not (nx and key in self.values):
            self.values[key] = value.encode() if isinstance(value, str) else value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


def test_a_read_job_is_not_terminated_a_running_one_is(monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = job_manager(Settings(redis_url=UNUSED_REDIS))
    assert isinstance(jobs, CeleryJobs)
    backend, terminated = _FakeBackend(), []
    monkeypatch.setattr(type(jobs.handle), "backend", property(lambda _self: backend))
    monkeypatch.setattr(jobs.handle.control, "terminate", terminated.append)

    assert jobs.get_result("key-1", "job-1") is jobs.UNDEFINED  # still running: nothing read
    backend.set("key-1", json.dumps({"an-summary": "done"}))
    assert jobs.get_result("key-1", "job-1") == {"an-summary": "done"}
    assert backend.get("key-1") is None  # read once, then gone
    jobs.terminate_job("job-1")  # what Dash does next when the task has not stored its state yet
    jobs.terminate_job("job-2")  # cancel of a job whose result nobody read
    jobs.terminate_job(None)
    assert terminated == ["job-2"]


def test_the_signing_secret_is_set_once_and_never_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = job_manager(Settings(redis_url=UNUSED_REDIS))
    backend = _FakeBackend()
    monkeypatch.setattr(type(jobs.handle), "backend", property(lambda _self: backend))
    first = jobs.get_or_create_signing_secret(lambda: b"first")
    second = jobs.get_or_create_signing_secret(lambda: b"second")
    assert first == second == b"first"


def test_the_worker_needs_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboard.worker

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(dashboard.worker, "_celery", None)
    with pytest.raises(RuntimeError, match="REDIS_URL is not set"):
        _ = dashboard.worker.celery_app
    with pytest.raises(AttributeError):
        _ = dashboard.worker.something_else
