"""The Celery worker of the dashboard's background jobs (``REDIS_URL`` set; :mod:`dashboard.jobs`).

Start it with ``make worker`` or::

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/celery -A dashboard.worker worker --loglevel INFO

on any host that has the same code and sees the same data as the web servers. Celery asks this module for its
app: that builds the dashboard from the environment (``SEQNETQUAKE_*``, ``REDIS_URL``; the worker reads no
command-line setting of ``python -m dashboard``), which registers each background callback as a Celery task
named after the callback's source, and returns that app's Celery application (``celery_app``). The default
prefork pool (``-c N`` processes, N = the cores by default) can terminate a cancelled job; ``--pool solo``
cannot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.config import default_settings
from dashboard.jobs import CeleryJobs, jobs_of

if TYPE_CHECKING:
    from celery import Celery

_celery: Celery | None = None


def build_celery_app() -> Celery:
    """Build the dashboard from the environment and return its Celery application (its job tasks
    registered). Raises RuntimeError when ``REDIS_URL`` is not set."""
    from dashboard.app import create_app

    settings = default_settings()
    if not settings.redis_url:
        raise RuntimeError(
            "REDIS_URL is not set: the Celery worker takes the dashboard's jobs from that Redis "
            "(e.g. REDIS_URL=redis://127.0.0.1:6379/0)"
        )
    jobs = jobs_of(create_app(settings))
    assert isinstance(jobs, CeleryJobs)
    return jobs.handle


def __getattr__(name: str) -> Any:
    """``celery_app`` — and ``app``, the name ``celery -A dashboard.worker`` looks for — built on first
    access (:func:`build_celery_app`), so importing this module (the API reference does) builds nothing."""
    global _celery
    if name in ("celery_app", "app"):
        if _celery is None:
            _celery = build_celery_app()
        return _celery
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
