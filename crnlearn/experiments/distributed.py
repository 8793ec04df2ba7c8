"""Running a sweep on a Dask distributed cluster.

The data are scattered to every worker once; each run is a task
``execute_run(run, spec, data)`` whose key is the run's key, a pure function
of its spec (the seed is inside it), so any worker computes the same record
and the scheduler may recompute a task whose worker was lost. Records are
written by the client, in this process, as tasks complete: a worker that dies
never holds a result that was reported finished.
"""

import contextlib
import logging

__all__ = ["dask_client", "run_on_cluster", "TASK_PREFIX"]

logger = logging.getLogger(__name__)

#: Prefix of task keys on the scheduler's dashboard.
TASK_PREFIX = "crnlearn-"


@contextlib.contextmanager
def dask_client(scheduler=None, n_workers=None):
    """A Dask client: on an existing cluster, or on a local one started here.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    n_workers : int, optional
        Start ``distributed.LocalCluster(n_workers, threads_per_worker=1,
        processes=True)`` instead (no dashboard), closed on exit.

    Yields
    ------
    distributed.Client

    Examples
    --------
    >>> with dask_client(n_workers=1) as client:  # doctest: +SKIP
    ...     client.submit(sum, [1, 2]).result()
    3
    """
    from distributed import Client, LocalCluster

    if (scheduler is None) == (n_workers is None):
        raise ValueError(
            "give exactly one of scheduler (an address) and n_workers (a local "
            f"cluster); got scheduler={scheduler!r}, n_workers={n_workers!r}."
        )
    if scheduler is not None:
        with Client(scheduler) as client:
            logger.info("connected to the scheduler at %s", scheduler)
            yield client
        return
    n_workers = int(n_workers)
    if n_workers < 1:
        raise ValueError(f"n_workers must be >= 1; got {n_workers}.")
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        logger.info("started a local cluster of %d workers", n_workers)
        yield client


def run_on_cluster(client, runs, specs, data):
    """Submit runs to a cluster and yield their outcomes as they complete.

    Parameters
    ----------
    client : distributed.Client
    runs : sequence of Run
    specs : mapping of str to ModelSpec
        The models the runs name; sent with each task, so workers need no
        registry (models registered at run time work too).
    data : DatasetSplit
        Scattered to every worker once.

    Yields
    ------
    (Run, dict or None, str or None)
        The run, its record, and the error message when it failed.

    Notes
    -----
    Stopping the iteration early (an interrupt) cancels the tasks not yet
    finished.
    """
    from distributed import as_completed

    from .sweep import execute_run

    data_future = client.scatter(data, broadcast=True)
    futures = {}
    for run in runs:
        future = client.submit(
            execute_run,
            run,
            specs[run.model],
            data_future,
            key=TASK_PREFIX + run.key,
            pure=True,
        )
        futures[future.key] = (future, run)
    logger.info("submitted %d runs to %s", len(futures), client.scheduler.address)
    try:
        for future in as_completed([f for f, _ in futures.values()]):
            _, run = futures.pop(future.key)
            if future.status == "error":
                exc = future.exception()
                yield run, None, f"{type(exc).__name__}: {exc}"
            else:
                yield run, future.result(), None
            future.release()
    finally:
        if futures:
            logger.info("cancelling %d unfinished runs", len(futures))
            client.cancel([f for f, _ in futures.values()])
