"""Seconds of work per model, wherever a task's scoring spends them.

A baseline is fitted (and tuned on validation) inside its task's scoring, so the MLflow run the
evaluate stage logs it to would last only as long as its logging: the stage opens a `ledger`
around the scoring, the baselines' fits are `counted` on their names, and each run's duration
adds what its model cost.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

Fitted = TypeVar("Fitted")

_LEDGER: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar("seqcase_work", default=None)


@contextlib.contextmanager
def ledger() -> Iterator[dict[str, float]]:
    """Collect the seconds counted inside the block, by model name."""
    seconds: dict[str, float] = {}
    token = _LEDGER.set(seconds)
    try:
        yield seconds
    finally:
        _LEDGER.reset(token)


@contextlib.contextmanager
def counted(name: str) -> Iterator[None]:
    """Count the block's seconds on `name` in the open ledger (none open: nothing is kept)."""
    started = time.monotonic()
    try:
        yield
    finally:
        seconds = _LEDGER.get()
        if seconds is not None:
            seconds[name] = seconds.get(name, 0.0) + time.monotonic() - started


def fit_each(chosen: dict[str, Any], fit: Callable[[str, Any], Fitted]) -> dict[str, Fitted]:
    """`fit(name, options)` for every baseline a case names, each one's seconds counted on its name."""
    fitted = {}
    for name, options in chosen.items():
        with counted(name):
            fitted[name] = fit(name, options)
    return fitted
