"""Work on a ``dask.distributed`` cluster: check that every worker sees the data, run chunks with progress.

The archive scan (:func:`core.archive.scan_archive`) and the dataset build
(:func:`core.datasets.build_dataset`) take a scheduler address (``--scheduler``). Their workers open the
pass files themselves, by the **absolute path** the client computed, so every worker must see the archive
at the same absolute path as the client (one host, or a shared file system mounted at the same place).
:func:`map_on_cluster` checks this first (:func:`check_shared_paths`, one small task per connected
worker) and raises :class:`SharedPathError` naming the workers and paths, instead of failing file by file.
Then it submits one task per chunk and shows a tqdm bar as they finish — the same bar as the local path;
results come back in submission order, so they do not depend on the cluster.

``distributed`` is the optional ``cluster`` extra; it is imported only when a scheduler is given.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["SharedPathError", "check_shared_paths", "map_on_cluster"]

#: how many missing paths an error message lists
SHOWN = 5


class SharedPathError(FileNotFoundError):
    """Some workers of the cluster cannot see paths the client sees (``missing``: worker → paths)."""

    def __init__(self, missing: dict[str, list[str]], n_workers: int) -> None:
        self.missing = missing
        lines = []
        for worker, paths in sorted(missing.items()):
            more = f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else ""
            shown = ", ".join(paths[:SHOWN]) + more
            lines.append(f"  worker {worker} cannot see {shown}")
        super().__init__(
            f"{len(missing)} of {n_workers} dask workers cannot see the data at the client's paths:\n"
            + "\n".join(lines)
            + "\nEvery worker opens the pass files itself: mount the archive at the same absolute path on "
            "every worker host (docs/architecture.md#parallelism)."
        )


def _missing(paths: Sequence[str]) -> list[str]:
    """Worker side: the paths this process cannot see."""
    return [p for p in paths if not os.path.exists(p)]


def check_shared_paths(client: Client, paths: Sequence[str | os.PathLike[str]]) -> None:
    """Raise :class:`SharedPathError` unless every worker connected to ``client`` sees every one of ``paths``
    (absolute; relative ones are made absolute against the client's working directory first).

    Only the workers connected now are checked; a worker that joins later is not.
    """
    absolute = [str(Path(p).absolute()) for p in paths]
    if not absolute:
        return
    answers: dict[str, list[str]] = client.run(_missing, absolute)
    missing = {worker: found for worker, found in answers.items() if found}
    if missing:
        raise SharedPathError(missing, len(answers))


def _apply(func: Callable[..., Any], chunk: Sequence[Any], args: tuple[Any, ...]) -> list[Any]:
    """Worker side: ``func(item, *args)`` for every item of a chunk."""
    return [func(item, *args) for item in chunk]


def map_on_cluster(
    scheduler: str,
    func: Callable[..., Any],
    items: Sequence[Any],
    args: tuple[Any, ...] = (),
    *,
    paths: Sequence[str | os.PathLike[str]] = (),
    tasks_per_thread: int | None = None,
    desc: str,
    unit: str,
    progress: bool,
) -> list[Any]:
    """``[func(item, *args) for item in items]`` on the cluster at ``scheduler``, in the order of ``items``.

    ``paths`` must be visible to every worker (:func:`check_shared_paths`, before anything is submitted).
    Items go in one task each, or with ``tasks_per_thread`` in that many contiguous chunks per worker
    thread of the cluster. The tqdm bar counts items as their tasks finish.
    """
    from distributed import Client, as_completed
    from tqdm.auto import tqdm

    if not items:
        return []
    with Client(scheduler) as client:
        check_shared_paths(client, paths)
        n = len(items)
        if tasks_per_thread is not None:
            threads = sum(client.nthreads().values()) or 1
            n = min(len(items), threads * tasks_per_thread)
        size = math.ceil(len(items) / n)
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        futures = [client.submit(_apply, func, chunk, args, pure=False) for chunk in chunks]
        weight = {f.key: len(c) for f, c in zip(futures, chunks, strict=True)}
        with tqdm(total=len(items), desc=desc, unit=unit, disable=not progress) as bar:
            for future in as_completed(futures):
                bar.update(weight[future.key])
        parts = client.gather(futures)
    return [r for part in parts for r in part]
