"""Classical forecasting baselines, fitted on training rows and scored by the networks' code.

Each keeps the networks' contract: `window_length` (the history it needs) and
`predict(series, positions)` in original units, shaped (windows, horizon).
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import RidgeCV

from seqcase.evaluation.work import fit_each
from seqcase.splits import Split

from seqcase.tasks.forecasting.data import (
    DIFFERENCING_TRANSFORMS,
    PreparedSeries,
    make_windows,
    no_change_forecast,
    window_positions,
)


class NaiveForecaster:
    """Random walk: the level stays at its last value (a zero change for differenced targets)."""

    window_length = 1

    def fit(self, series: PreparedSeries) -> NaiveForecaster:
        return self

    def predict(self, series: PreparedSeries, positions: np.ndarray) -> np.ndarray:
        return no_change_forecast(series, positions)


class MeanForecaster:
    """The training mean of the target, whatever the history."""

    window_length = 1

    def fit(self, series: PreparedSeries) -> MeanForecaster:
        self.mean_ = float(series.target_original[series.split == Split.TRAIN].mean())
        return self

    def predict(self, series: PreparedSeries, positions: np.ndarray) -> np.ndarray:
        return np.full((len(positions), series.horizon), self.mean_)


class DriftForecaster:
    """Random walk with drift: the level moves by the mean training step, h steps ahead."""

    window_length = 1

    def fit(self, series: PreparedSeries) -> DriftForecaster:
        target = series.target_original
        if series.target_transform in DIFFERENCING_TRANSFORMS:
            self.step_ = float(target[series.split == Split.TRAIN].mean())
        else:
            steps = np.diff(target)
            same = (series.segment[1:] == series.segment[:-1]) & (series.split[1:] == Split.TRAIN)
            self.step_ = float(steps[same].mean())
        return self

    def predict(self, series: PreparedSeries, positions: np.ndarray) -> np.ndarray:
        if series.target_transform in DIFFERENCING_TRANSFORMS:
            return np.full((len(positions), series.horizon), self.step_)
        steps_ahead = np.arange(1, series.horizon + 1)
        return no_change_forecast(series, positions) + self.step_ * steps_ahead[None, :]


class LinearExtrapolationForecaster:
    """A least-squares line through the last `points` values, extended h steps ahead.

    What a patient does reading a CGM trend arrow: where the recent slope leads.
    """

    def __init__(self, points: int = 7) -> None:
        self.window_length = points

    def fit(self, series: PreparedSeries) -> LinearExtrapolationForecaster:
        return self

    def predict(self, series: PreparedSeries, positions: np.ndarray) -> np.ndarray:
        steps = np.arange(-self.window_length + 1, 1, dtype=np.float64)  # 0 is the last value
        recent = series.target_original[np.asarray(positions)[:, None] + np.arange(-self.window_length, 0)]
        centred = steps - steps.mean()
        slope = (recent - recent.mean(axis=1, keepdims=True)) @ centred / (centred @ centred)
        at_last = recent.mean(axis=1) - slope * steps.mean()
        return at_last[:, None] + slope[:, None] * np.arange(1, series.horizon + 1)[None, :]


class LinearLagsForecaster:
    """Ridge regression on the flattened window of the last `lags` rows of every input feature."""

    def __init__(self, lags: int = 20) -> None:
        self.window_length = lags

    def fit(self, series: PreparedSeries) -> LinearLagsForecaster:
        inputs, targets = make_windows(series, window_positions(series, self.window_length, Split.TRAIN), self.window_length)
        self.model_ = RidgeCV(alphas=np.logspace(-3, 4, 15)).fit(inputs.reshape(len(inputs), -1), targets)
        return self

    def predict(self, series: PreparedSeries, positions: np.ndarray) -> np.ndarray:
        inputs, _ = make_windows(series, positions, self.window_length)
        scaled = self.model_.predict(inputs.reshape(len(inputs), -1)).reshape(len(positions), series.horizon)
        return series.to_original(scaled)


def fit_baselines(series: PreparedSeries, chosen: dict) -> dict:
    """Fit every baseline a case names; `chosen` maps name to its options from params.yaml."""
    factories = {
        "naive": lambda options: NaiveForecaster(),
        "drift": lambda options: DriftForecaster(),
        "mean": lambda options: MeanForecaster(),
        "linear_lags": lambda options: LinearLagsForecaster(options.lags),
        "linear_extrapolation": lambda options: LinearExtrapolationForecaster(options.points),
    }
    return fit_each(chosen, lambda name, options: factories[name](options).fit(series))
