"""Thread control for small numeric work: BLAS on one thread while a query's products run."""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import lru_cache

from threadpoolctl import ThreadpoolController


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


def single_threaded_blas() -> AbstractContextManager[object]:
    """A context in which BLAS runs on one thread.

    Per-query products are small (a few hundred rows); waking BLAS threads for them costs more than it saves, and
    on a machine whose cores are busy it costs ten times the work itself.
    """
    return _blas_controller().limit(limits=1, user_api="blas")
