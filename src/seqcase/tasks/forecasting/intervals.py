"""Prediction intervals by split conformal prediction, and how to score them.

A forecaster's absolute errors on the validation windows (never the test windows) give, per step
ahead, the radius that covers a new window's actual value with the chosen probability: the
ceil((n + 1) * level)-th smallest of the n errors (Vovk et al.; Lei et al. 2018). A 60-minute
forecast gets its own, wider, radius than a 5-minute one. The guarantee needs the validation and
test windows to be exchangeable, which a series only approximates: coverage on test is measured,
not assumed.
"""

from __future__ import annotations

import itertools
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


def winkler_score(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float) -> np.ndarray:
    """Per window and step: the width plus 2 / alpha times how far outside the actual value falls."""
    alpha = 1 - level
    return (upper - lower) + (2 / alpha) * (np.maximum(lower - actual, 0) + np.maximum(actual - upper, 0))


def interval_scores(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float) -> dict:
    """Coverage (the share of actual values inside), mean width and the interval (Winkler) score,
    overall and per step ahead: width plus 2 / alpha times how far outside an actual value falls."""
    inside = (actual >= lower) & (actual <= upper)
    winkler = winkler_score(actual, lower, upper, level)
    return {"coverage": float(inside.mean()), "width": float((upper - lower).mean()), "winkler": float(winkler.mean()),
            "per_step": {f"h{step + 1}": {"coverage": float(inside[:, step].mean()),
                                          "width": float((upper - lower)[:, step].mean()),
                                          "winkler": float(winkler[:, step].mean())}
                         for step in range(actual.shape[1])}}


def interval_keys(scores: dict) -> list[str]:
    """The overall interval scores among a model's scores: coverage_80, width_80, winkler_80, wis..."""
    return [key for key in scores if key == "wis" or key.partition("_")[0] in ("coverage", "width", "winkler")]


def level_key(level: float) -> str:
    """0.8 -> '80': how a level names its scores (coverage_80) and radii."""
    return f"{level * 100:g}"


def weighted_interval_score(actual: np.ndarray, forecast: np.ndarray, bounds: dict[float, tuple]) -> np.ndarray:
    """Per window and step, the weighted interval score of the central forecast and its intervals
    (Bracher et al. 2021): the CRPS as a handful of quantiles approximate it, in the target's units.
    (|y - m| / 2 + sum over levels of alpha / 2 * interval score) / (levels + 1/2)."""
    total = np.abs(actual - forecast) / 2
    for level, (lower, upper) in bounds.items():
        total = total + (1 - level) / 2 * winkler_score(actual, lower, upper, level)
    return total / (len(bounds) + 0.5)


def calibrated_scores(validation_actual: np.ndarray, validation_forecast: np.ndarray, test_actual: np.ndarray,
                      test_forecast: np.ndarray, levels: list[float]) -> dict:
    """One forecaster's intervals: the radius per level and step from its validation errors, and its
    test scores under them. Returns `interval_radius` ({'80': {'h1': r, ...}}), the overall scores
    (coverage_80, width_80, winkler_80, ..., wis) and the same per step (`per_horizon`).

    Raises ValueError when the validation part has too few windows to promise a level."""
    steps = validation_actual.shape[1]
    result: dict = {"interval_radius": {}, "per_horizon": {f"h{step + 1}": {} for step in range(steps)}}
    bounds = {}
    for level in levels:
        radius = conformal_radius(validation_actual - validation_forecast, level)
        if np.isinf(radius).any():
            needed = next(count for count in itertools.count(1) if math.ceil((count + 1) * level) <= count)
            raise ValueError(f"the validation part has {len(validation_actual)} windows; a {level_key(level)} % "
                             f"interval needs at least {needed}: lengthen validation_fraction or drop the level")
        key = level_key(level)
        result["interval_radius"][key] = {f"h{step + 1}": float(radius[step]) for step in range(steps)}
        bounds[level] = interval_bounds(test_forecast, radius)
        scores = interval_scores(test_actual, *bounds[level], level)
        result.update({f"{name}_{key}": scores[name] for name in ("coverage", "width", "winkler")})
        for step_key, values in scores["per_step"].items():
            result["per_horizon"][step_key].update({f"{name}_{key}": value for name, value in values.items()})
    if bounds:
        wis = weighted_interval_score(test_actual, test_forecast, bounds)
        result["wis"] = float(wis.mean())
        for step in range(steps):
            result["per_horizon"][f"h{step + 1}"]["wis"] = float(wis[:, step].mean())
    return result
