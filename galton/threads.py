"""How many threads NumPy's BLAS uses: ``galton.set_num_threads`` / ``get_num_threads``.

The GEMMs are galton's only multi-threaded work, so the BLAS pool is the thread count that
matters (elementwise NumPy runs on one thread). threadpoolctl (a small pure-Python package)
changes it at run time; without it, set OMP_NUM_THREADS before Python starts.
"""
import os

_limiter = None  # keeps the limit in force


def _blas_pools():
    import numpy  # noqa: F401  (loads the BLAS library, so threadpoolctl can see it)
    from threadpoolctl import threadpool_info
    return [i for i in threadpool_info() if i.get("user_api") == "blas"]


def get_num_threads():
    """The number of threads of NumPy's BLAS."""
    try:
        pools = _blas_pools()
    except ImportError:
        return int(os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)
    return pools[0]["num_threads"] if pools else 1


def set_num_threads(n):
    """Use ``n`` threads for NumPy's BLAS (the matrix products), like ``torch.set_num_threads``."""
    global _limiter
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n!r}")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise RuntimeError("galton.set_num_threads needs threadpoolctl (pip install threadpoolctl);"
                           " or set OMP_NUM_THREADS=n before starting Python") from None
    _limiter = threadpool_limits(limits=n, user_api="blas")
