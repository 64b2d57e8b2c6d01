"""Rolling-origin backtests: the test part cut into consecutive windows, each scored by models
fitted on what came before its origin.

At origin k the series is split again, in time order: training is every row before the validation
stretch, validation the stretch just before the origin (as many rows as the prepare stage's
validation part), test the rows from the origin to the next one; later rows are in no part. The
windows of `data.window_positions` then follow, so no window of a fold has a target at or after
its origin in training or validation. The first origin is the test part's start: its fold is the
prepare stage's own split (less the later test rows), so the networks trained once serve it and
only the later origins are refitted.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from seqcase.errors import DataError
from seqcase.splits import Split
from seqcase.tasks.forecasting.data import PreparedSeries
from seqcase.tasks.forecasting.schema import Backtest, ForecastingCase

OUTSIDE = 3  # the split value of rows after a fold's test window: in no part


@dataclasses.dataclass(frozen=True)
class Origin:
    """One backtest window: rows [start, end) are its test part."""

    name: str  # origin_1, origin_2, ...: how files, runs and tables name it
    start: int
    end: int
    timestamp: str  # the origin's first test timestamp, as a reader names the window


def origins(series: PreparedSeries, backtest: Backtest) -> list[Origin]:
    """The backtest's windows: the test part from its first row, each `step` after the last (the
    last one runs to the end of the series), or `origins` windows of equal row counts."""
    test_rows = np.flatnonzero(series.split == Split.TEST)
    if not len(test_rows):
        raise DataError("train.backtest: the series has no test part to backtest")
    first, end, count = int(test_rows[0]), len(series.split), backtest.origins
    if backtest.step is None:
        starts = np.linspace(first, end, count + 1).round().astype(int)[:-1]
    elif isinstance(backtest.step, int):
        starts = first + backtest.step * np.arange(count)
    else:
        times = series.timestamps[first] + np.arange(count) * pd.Timedelta(backtest.step).to_timedelta64()
        starts = np.searchsorted(series.timestamps, times)
    if starts[-1] >= end - 1 or len(set(starts.tolist())) < count:
        raise DataError(f"train.backtest: {count} origins {backtest.step or ''} apart do not fit in the test part "
                        f"({end - first} rows from {timestamp_text(series, first)}); give fewer origins, a shorter "
                        "step, or a larger prepare.test_fraction")
    bounds = [*starts.tolist(), end]
    return [Origin(f"origin_{index + 1}", bounds[index], bounds[index + 1], timestamp_text(series, bounds[index]))
            for index in range(count)]


def timestamp_text(series: PreparedSeries, row: int) -> str:
    return str(pd.Timestamp(series.timestamps[row]).isoformat())


def fold_series(series: PreparedSeries, origin: Origin) -> PreparedSeries:
    """The series split again at `origin`: train before the validation stretch, validation just
    before the origin, test up to the next origin, nothing after."""
    validation_rows = int((series.split == Split.VALIDATION).sum())
    split = np.full(len(series.split), OUTSIDE, dtype=np.int8)
    split[:origin.start] = Split.TRAIN
    split[max(origin.start - validation_rows, 0):origin.start] = Split.VALIDATION
    split[origin.start:origin.end] = Split.TEST
    return dataclasses.replace(series, split=split)


def refits(case: ForecastingCase, series: PreparedSeries) -> dict[str, PreparedSeries]:
    """The data each refit of the networks is trained on: every origin after the first (whose
    fold is the prepare stage's split), or none without a backtest or with `refit: false`."""
    backtest = case.train.backtest
    if backtest is None or not backtest.refit:
        return {}
    return {origin.name: fold_series(series, origin) for origin in origins(series, backtest)[1:]}
