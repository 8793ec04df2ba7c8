"""One BLAS thread for the small matrix products of the learners.

The learners multiply small or thin matrices many times over (one sample,
a block of candidates, a Gram matrix of 128 input species). Waking BLAS
threads for them costs more than it gives, and on a machine whose cores
are shared their spin-waiting slows everything down several-fold, so fit
and predict run their products on one thread.
"""

import functools

from threadpoolctl import ThreadpoolController

__all__ = ["BLAS_THREADS", "single_blas_thread"]

#: BLAS threads inside fit and predict.
BLAS_THREADS = 1


@functools.lru_cache(maxsize=1)
def _controller():
    """One controller per process: building it scans the loaded libraries."""
    return ThreadpoolController()


def single_blas_thread():
    """Context that limits BLAS to :data:`BLAS_THREADS` (costs about 20 us).

    Examples
    --------
    >>> import numpy as np
    >>> with single_blas_thread():
    ...     float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3))
    9.0
    """
    return _controller().limit(limits=BLAS_THREADS, user_api="blas")
