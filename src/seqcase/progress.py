"""One progress line per stage that a person can follow: fits (or a search's trials) done of all,
the best validation value so far, time elapsed and left.

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
                 stream: TextIO | None = None, now=time.monotonic, unit: str = "fits", done_before: int = 0) -> None:
        self.label, self.total, self.monitor, self.higher = label, total, monitor, higher_is_better
        self.unit = unit
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self.now, self.started = now, now()
        # Done before this process started (a resumed search's trials): counted, never timed.
        self.done = self.done_before = done_before
        self.best: tuple[float, str] | None = None

    def line(self) -> str:
        elapsed = self.now() - self.started
        parts = [self.label, f"{self.done}/{self.total} {self.unit}"]
        if self.best is not None:
            parts.append(f"best {self.monitor} {self.best[0]:.4g} ({self.best[1]})")
        parts.append(f"{clock(elapsed)} elapsed")
        if self.done_before < self.done < self.total:
            parts.append(f"~{clock(elapsed / (self.done - self.done_before) * (self.total - self.done))} left")
        return " · ".join(parts)

    def consider(self, name: str, value: float | None) -> None:
        """A fit's best validation value (None when it has none), for the best so far."""
        if value is not None and value == value and (
                self.best is None or (value > self.best[0] if self.higher else value < self.best[0])):
            self.best = (float(value), name)

    def fit_done(self, name: str, value: float | None) -> None:
        """A fit has ended with its best validation value (None when it has none)."""
        self.done += 1
        self.consider(name, value)
        if self.live:
            self.stream.write("\r\x1b[2K" + self.line() + ("\n" if self.done == self.total else ""))
        else:
            self.stream.write(f"{self.line()} (last: {name})\n")
        self.stream.flush()

    def finish(self) -> None:
        """End a live line that stopped short of its total (a search that ran out of new values)."""
        if self.live and self.done_before < self.done < self.total:  # a line was written, and not ended
            self.stream.write("\n")
            self.stream.flush()
