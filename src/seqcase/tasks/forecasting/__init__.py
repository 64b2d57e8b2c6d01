"""Forecasting: a dated table becomes a scaled series split by time; networks forecast the next
`horizon` values from windows of the past; every model is judged against the naive forecast.

data: cleaning, gaps, the split, scaling, windows. problem: what the networks get. baselines:
naive, drift, mean, linear extrapolation, ridge on lags. metrics, glucose: forecast and clinical
accuracy, the Diebold-Mariano test. scoring: every model on the test windows and the verdict.
report: its tables and figures. predict: forecasts from new rows. backtest: the rolling origins
and the data each refit is trained on.
"""

from __future__ import annotations

from seqcase.tasks.base import PackageTask
from seqcase.tasks.forecasting.schema import ForecastingCase


TASK = PackageTask(__name__, "forecasting", ForecastingCase, ("rmse", False), refits=True)
