"""``Work``: the handle ``async_op=True`` returns. The MPI request runs in the background; ``wait``
completes it and then does what must follow on this side (the AVG division, copying a result
into a tensor that was not contiguous)."""

__all__ = ["Work"]


class Work:
    """A started collective: ``work.wait()`` blocks until it is done, ``is_completed()`` asks."""

    def __init__(self, request=None, finish=None):
        self._request = request
        self._finish = finish
        self._done = False

    def is_completed(self):
        """True once the operation finished (testing the request does not block)."""
        if not self._done and (self._request is None or self._request.Test()):
            self._complete()
        return self._done

    def wait(self, timeout=None):
        """Block until the operation is done; return True, as PyTorch's ``Work.wait``."""
        if not self._done:
            if self._request is not None:
                self._request.Wait()
            self._complete()
        return True

    def _complete(self):
        self._done = True
        self._request = None
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def __repr__(self):
        return f"Work(completed={self._done})"


def run(request, finish, async_op):
    """Return a Work for ``async_op``, else complete the operation now and return None."""
    work = Work(request, finish)
    if async_op:
        return work
    work.wait()
    return None
