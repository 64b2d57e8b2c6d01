"""Prediction intervals by split conformal prediction, and how to score them.

A forecaster's absolute errors on the validation windows (never the test windows) give, per step
ahead, the radius that covers a new window's actual value with the chosen probability: the
ceil((n + 1) * level)-th smallest of the n errors (Vovk et al.; Lei et al. 2018). A 60-minute
forecast gets its own, wider, radius than a 5-minute one. The guarantee needs the validation and
test windows to be exchangeable, which a series only approximates: coverage on test is measured,
not assumed.
"""

from __future__ import annotations

import math

import numpy as np


def conformal_radius(absolute_errors: np.ndarray, level: float) -> np.ndarray:
    """Per step ahead (columns), the radius of the `level` interval from n calibration errors: the
    k-th smallest with k = ceil((n + 1) * level); infinite when k > n (too few windows to promise it)."""
    errors = np.sort(np.abs(np.asarray(absolute_errors, dtype=np.float64)), axis=0)
    count = errors.shape[0]
    rank = math.ceil((count + 1) * level)
    if rank > count:
        return np.full(errors.shape[1:], np.inf)
    return errors[rank - 1]


def interval_bounds(forecast: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return forecast - radius, forecast + radius


def interval_scores(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float) -> dict:
    """Coverage (the share of actual values inside), mean width and the interval (Winkler) score,
    overall and per step ahead: width plus 2 / alpha times how far outside an actual value falls."""
    alpha = 1 - level
    inside = (actual >= lower) & (actual <= upper)
    penalty = (2 / alpha) * (np.maximum(lower - actual, 0) + np.maximum(actual - upper, 0))
    winkler = (upper - lower) + penalty
    return {"coverage": float(inside.mean()), "width": float((upper - lower).mean()), "winkler": float(winkler.mean()),
            "per_step": {f"h{step + 1}": {"coverage": float(inside[:, step].mean()),
                                          "width": float((upper - lower)[:, step].mean()),
                                          "winkler": float(winkler[:, step].mean())}
                         for step in range(actual.shape[1])}}
