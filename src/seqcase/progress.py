"""One progress line per stage that a person can follow: fits done of all, the best validation
value so far, time elapsed and left.

Networks train side by side in worker processes, so their epochs interleave; each epoch's numbers
go to the learning curves and MLflow, and the console gets this instead. On a terminal it is one
live line, rewritten in place; where the output is a file or a pipe (a log, `make run`), a plain
line per fit.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def clock(seconds: float) -> str:
    """12:05 under an hour, 1:02:05 above."""
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class FitProgress:
    """Counts fits as they end and says where the stage stands."""

    def __init__(self, label: str, total: int, monitor: str, higher_is_better: bool,
                 stream: TextIO | None = None, now=time.monotonic) -> None:
        self.label, self.total, self.monitor, self.higher = label, total, monitor, higher_is_better
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self.now, self.started = now, now()
        self.done = 0
        self.best: tuple[float, str] | None = None

    def line(self) -> str:
        elapsed = self.now() - self.started
        parts = [self.label, f"{self.done}/{self.total} fits"]
        if self.best is not None:
            parts.append(f"best {self.monitor} {self.best[0]:.4g} ({self.best[1]})")
        parts.append(f"{clock(elapsed)} elapsed")
        if 0 < self.done < self.total:
            parts.append(f"~{clock(elapsed / self.done * (self.total - self.done))} left")
        return " · ".join(parts)

    def fit_done(self, name: str, value: float | None) -> None:
        """A fit has ended with its best validation value (None when it has none)."""
        self.done += 1
        if value is not None and value == value and (
                self.best is None or (value > self.best[0] if self.higher else value < self.best[0])):
            self.best = (float(value), name)
        if self.live:
            self.stream.write("\r\x1b[2K" + self.line() + ("\n" if self.done == self.total else ""))
        else:
            self.stream.write(f"{self.line()} (last: {name})\n")
        self.stream.flush()
