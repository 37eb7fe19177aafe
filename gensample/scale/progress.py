"""Progress of a long pass on stderr: rows done, rate and time left.

tqdm draws the bar when it is installed; otherwise a line is printed every few seconds.
Progress is shown when asked (``progress=True``) or, by default, only when stderr is a
terminal, so logs and pipes stay clean.
"""

from __future__ import annotations

import sys
import time


def wanted(progress: bool | None) -> bool:
    """Whether to show progress: as asked, else only on a terminal."""
    if progress is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return bool(progress)


class Progress:
    """A counter of rows over a known total, drawn on stderr.

    Parameters
    ----------
    total : int
        Rows the pass will go through.
    what : str
        What the pass does, e.g. ``"reading (minority and schema)"``.
    enabled : bool
        Draw anything at all.
    """

    def __init__(self, total: int, what: str, enabled: bool):
        self.total = int(total)
        self.what = what
        self.done = 0
        self.enabled = enabled
        self._bar = None
        self._started = time.perf_counter()
        self._last = 0.0
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:  # pragma: no cover - tqdm is a dependency of the deep extra
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=self.total, desc=what, unit="rows", unit_scale=True, file=sys.stderr,
                                 dynamic_ncols=True, leave=True)

    def update(self, rows: int) -> None:
        self.done += int(rows)
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(int(rows))
            return
        now = time.perf_counter()
        if now - self._last >= 5.0 or self.done >= self.total:
            self._last = now
            elapsed = now - self._started
            rate = self.done / elapsed if elapsed > 0 else 0.0
            left = (self.total - self.done) / rate if rate > 0 else float("nan")
            print(f"{self.what}: {self.done:,}/{self.total:,} rows, {rate:,.0f} rows/s, about {left:,.0f} s left",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
