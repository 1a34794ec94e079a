"""A progress bar per epoch: tqdm when installed, else a plain line every few seconds; and
``log`` for the loop's other news."""
import sys
import time


def log(message, file=None):
    """One line of news from the fit loop (an interrupt, a saved checkpoint) on stderr."""
    print(message, file=file or sys.stderr, flush=True)


class Progress:
    """``with Progress(total, desc) as bar: bar.update(postfix="loss 0.12")``."""

    def __init__(self, total, desc="", enabled=True, file=None):
        self.total, self.desc, self.enabled = total, desc, enabled
        self.file = file or sys.stderr
        self.n = 0
        self._bar = None
        self._last = 0.0
        self._postfix = ""
        if enabled:
            try:
                from tqdm.auto import tqdm
                self._bar = tqdm(total=total, desc=desc, file=self.file, leave=True,
                                 dynamic_ncols=True, mininterval=0.2)
            except ImportError:
                self._bar = None

    def update(self, n=1, postfix=None):
        self.n += n
        if not self.enabled:
            return
        if postfix is not None:
            self._postfix = postfix
        if self._bar is not None:
            self._bar.update(n)
            if postfix is not None and (self.n == self.total or time.monotonic() - self._last > 0.2):
                self._bar.set_postfix_str(postfix, refresh=False)
                self._last = time.monotonic()
            return
        now = time.monotonic()
        if now - self._last > 2.0 or self.n == self.total:
            self._last = now
            pct = 100.0 * self.n / self.total if self.total else 100.0
            print(f"{self.desc} | {self.n}/{self.total} ({pct:.0f}%) | {self._postfix}",
                  file=self.file, flush=True)

    def close(self, postfix=None):
        if self._bar is not None:
            if postfix:
                self._bar.set_postfix_str(postfix, refresh=True)
            self._bar.close()
        elif self.enabled and postfix:
            print(f"{self.desc} | {postfix}", file=self.file, flush=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
