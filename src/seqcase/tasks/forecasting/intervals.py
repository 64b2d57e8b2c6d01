"""Prediction intervals by split conformal prediction, and how to score them.

A forecaster's absolute errors on the validation windows (never the test windows) give, per step
ahead, the radius that covers a new window's actual value with the chosen probability: the
ceil((n + 1) * level)-th smallest of the n errors (Vovk et al.; Lei et al. 2018). A 60-minute
forecast gets its own, wider, radius than a 5-minute one. The guarantee needs the validation and
test windows to be exchangeable, which a series only approximates: coverage on test is measured,
not assumed.

A series is calmer in some hours than in others, so one radius for every window is too wide when it
is calm and too narrow when it moves. Locally adaptive (normalized) conformal prediction (Papadopoulos
et al. 2008; Lei et al. 2018) divides each error by a scale the window's own inputs give, here its
recent volatility (the mean absolute one-step change of the level over its last k rows, plus a floor),
calibrates the quantile of those ratios, and multiplies it back by each new window's scale. Whether to
scale, and over how many rows, is chosen per model on validation alone: calibrated on validation's
first half, the choice whose coverage on its second half is nearest nominal wins; it is then
recalibrated on all of validation.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from seqcase.tasks.forecasting.data import DIFFERENCING_TRANSFORMS, PreparedSeries

# The scale's floor, as a share of the calibration windows' median volatility: a window that did not
# move at all still gets an interval, and no error is divided by zero. Fixed, not tuned.
FLOOR_SHARE = 0.25


@dataclass(frozen=True)
class RecentRows:
    """Each window's last rows of the target before its first step ahead, in the target's units
    (windows, rows): what a window's interval scale is measured on, in evaluate, in the fan chart and
    in `predict` alike. `differenced`: the rows already are the level's changes (returns)."""

    values: np.ndarray
    differenced: bool = False

    @classmethod
    def of(cls, series: PreparedSeries, positions: np.ndarray, rows: int) -> RecentRows:
        """The `rows` rows before each window's first target (at `positions`)."""
        return cls(series.target_original[np.asarray(positions)[:, None] + np.arange(-rows, 0)],
                   series.target_transform in DIFFERENCING_TRANSFORMS)

    @classmethod
    def none(cls, windows: int) -> RecentRows:
        """No rows: what an unscaled model's windows need."""
        return cls(np.empty((windows, 0)))

    @property
    def windows(self) -> int:
        return len(self.values)

    def part(self, windows: slice) -> RecentRows:
        return RecentRows(self.values[windows], self.differenced)

    def volatility(self, steps: int) -> np.ndarray:
        """Each window's recent volatility over its last `steps` rows (at least one)."""
        return recent_volatility(self.values[:, -steps:], self.differenced)


@dataclass(frozen=True)
class Scale:
    """How a window's interval is scaled: by its recent volatility over `steps` rows plus `floor`
    (in the target's units per step); steps 0 is plain split conformal, one radius for all windows."""

    steps: int = 0
    floor: float = 0.0

    def spread(self, recent: RecentRows) -> np.ndarray:
        """Each window's scale: a radius is in these units (ones when unscaled)."""
        return np.ones(recent.windows) if self.steps == 0 else recent.volatility(self.steps) + self.floor

    def describe(self) -> str:
        return "none" if self.steps == 0 else f"volatility over {self.steps} rows"


def recent_volatility(history: np.ndarray, differenced: bool) -> np.ndarray:
    """Each window's mean absolute one-step change of the level over its rows (windows, rows), in the
    target's units: of a level target (glucose) its differences, of a differenced one (returns) the
    values themselves, which already are the level's changes."""
    history = np.asarray(history, dtype=np.float64)
    changes = history if differenced else np.diff(history, axis=1)
    return np.abs(changes).mean(axis=1)


def fitted_scale(recent: RecentRows, steps: int) -> Scale | None:
    """The scale over `steps` rows with its floor from these (calibration) windows; None when the
    series did not move over them (no floor can be set from a median of zero)."""
    if steps == 0:
        return Scale()
    floor = FLOOR_SHARE * float(np.median(recent.volatility(steps)))
    return Scale(steps, floor) if floor > 0 else None


def conformal_radius(absolute_errors: np.ndarray, level: float) -> np.ndarray:
    """Per step ahead (columns), the radius of the `level` interval from n calibration errors: the
    k-th smallest with k = ceil((n + 1) * level); infinite when k > n (too few windows to promise it)."""
    errors = np.sort(np.abs(np.asarray(absolute_errors, dtype=np.float64)), axis=0)
    count = errors.shape[0]
    rank = math.ceil((count + 1) * level)
    if rank > count:
        return np.full(errors.shape[1:], np.inf)
    return errors[rank - 1]


def choose_scale(errors: np.ndarray, recent: RecentRows, scale_steps: list[int], levels: list[float]) -> Scale:
    """The scale (none, or the volatility over one of `scale_steps` rows) whose intervals,
    calibrated on the first half of these validation errors, cover the second half nearest to
    nominal (mean absolute gap over levels and steps; a tie goes to the simpler, fewer rows). Then
    fitted again on all of them."""
    half = len(errors) // 2
    early, late = recent.part(slice(None, half)), recent.part(slice(half, None))
    gaps = {}
    for steps in (0, *sorted(scale_steps)):
        scale = fitted_scale(early, steps)
        if scale is None:
            continue
        calibration = errors[:half] / scale.spread(early)[:, None]
        radius = np.stack([conformal_radius(calibration, level) for level in levels])  # (levels, steps ahead)
        inside = np.abs(errors[half:])[None] <= radius[:, None] * scale.spread(late)[None, :, None]
        gaps[steps] = float(np.mean(np.abs(inside.mean(axis=1) - np.asarray(levels)[:, None])))
    best = min(gaps, key=lambda steps: (gaps[steps], steps))
    return fitted_scale(recent, best)


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
                      test_forecast: np.ndarray, levels: list[float], scale_steps: list[int] = (),
                      validation_recent: RecentRows | None = None, test_recent: RecentRows | None = None) -> dict:
    """One forecaster's intervals: the radius per level and step from its validation errors, and its
    test scores under them. With `scale_steps` (and each validation and test window's recent rows)
    the scale is chosen on validation (`choose_scale`) and the radius is of the scaled errors: a
    window's interval is its forecast plus or minus radius times its own scale.

    Returns `interval_radius` ({'80': {'h1': r, ...}}), `interval_scale` ({'steps': k, 'floor': f};
    steps 0: unscaled), the overall scores (coverage_80, width_80, winkler_80, ..., wis) and the
    same per step (`per_horizon`).

    Raises ValueError when the validation part has too few windows to promise a level."""
    steps = validation_actual.shape[1]
    errors = validation_actual - validation_forecast
    scale = choose_scale(errors, validation_recent, scale_steps, levels) if scale_steps else Scale()
    calibration = errors / scale.spread(validation_recent or RecentRows.none(len(errors)))[:, None]
    test_scale = scale.spread(test_recent or RecentRows.none(len(test_actual)))[:, None]
    result: dict = {"interval_radius": {}, "interval_scale": {"steps": scale.steps, "floor": scale.floor},
                    "per_horizon": {f"h{step + 1}": {} for step in range(steps)}}
    bounds = {}
    for level in levels:
        radius = conformal_radius(calibration, level)
        if np.isinf(radius).any():
            needed = next(count for count in itertools.count(1) if math.ceil((count + 1) * level) <= count)
            raise ValueError(f"the validation part has {len(validation_actual)} windows; a {level_key(level)} % "
                             f"interval needs at least {needed}: lengthen validation_fraction or drop the level")
        key = level_key(level)
        result["interval_radius"][key] = {f"h{step + 1}": float(radius[step]) for step in range(steps)}
        bounds[level] = interval_bounds(test_forecast, radius * test_scale)
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
