"""Where the grid of cells runs: this process, local processes (joblib) or a Dask cluster.

Every backend goes through joblib's ``Parallel``. ``dask`` uses joblib's Dask backend on a
``dask.distributed`` client: the cluster at ``scheduler`` (``tcp://host:8786``) when given,
otherwise a ``LocalCluster`` on this machine, closed again afterwards. The data and the
schema are scattered to the workers once, not sent with every cell. Results do not depend on
the backend: each cell derives its own seeds (see :mod:`.protocol`).
"""

from __future__ import annotations

import contextlib
import sys

from joblib import Parallel, delayed, parallel_config

from ..errors import GensampleError, ParameterError

BACKENDS = ("loky", "sequential", "threading", "dask")


def check_backend(backend: str, n_jobs, scheduler) -> None:
    if backend not in BACKENDS:
        raise ParameterError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if scheduler is not None and backend != "dask":
        raise ParameterError(f"scheduler={scheduler!r} needs backend='dask' (got backend={backend!r})")
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0):
        raise ParameterError(f"n_jobs must be a non-zero integer (-1 = all cores) or None, got {n_jobs!r}")


def run_grid(fn, cells: list, shared: tuple, backend: str = "loky", n_jobs=None, scheduler=None,
             progress: bool = False, description: str = "compare") -> list:
    """``[fn(cell, *shared) for cell in cells]``, in parallel on ``backend``, in the order of ``cells``."""
    check_backend(backend, n_jobs, scheduler)
    bar = _bar(len(cells), progress, description)
    with _context(backend, n_jobs, scheduler, shared) as jobs:
        results = [None] * len(cells)
        parallel = Parallel(n_jobs=jobs, return_as="generator_unordered")
        for index, outcome in parallel(delayed(_indexed)(fn, i, cell, shared) for i, cell in enumerate(cells)):
            results[index] = outcome
            bar.update(1)
    bar.close()
    return results


def _indexed(fn, index, cell, shared):
    return index, fn(cell, *shared)


@contextlib.contextmanager
def _context(backend, n_jobs, scheduler, shared):
    if backend == "sequential":
        with parallel_config(backend="sequential"):
            yield 1
        return
    if backend in ("loky", "threading"):
        with parallel_config(backend=backend):
            yield n_jobs or 1
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise GensampleError(
            "backend='dask' needs dask.distributed: pip install 'gensample[dask]'"
        ) from exc
    cluster = None
    try:
        if scheduler is None:
            workers = n_jobs if n_jobs and n_jobs > 0 else None
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout="30s")
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise GensampleError(f"could not reach the Dask scheduler at {scheduler!r}: {exc}") from exc
    try:
        # One task per worker thread at a time: joblib then hands out cells as workers free up.
        with parallel_config(backend="dask", scatter=list(shared)):
            yield -1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _bar(total: int, progress: bool, description: str):
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit="cell", file=sys.stderr, leave=False)
