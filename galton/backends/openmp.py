"""``galton.backends.openmp``: galton's threads are its BLAS's (see galton.set_num_threads)."""


def is_available():
    return True
