"""Forecast metrics and the Diebold-Mariano test, shared by every model and baseline."""

from __future__ import annotations

import numpy as np
from scipy import stats
from sklearn.metrics import mean_absolute_error, root_mean_squared_error


def smape(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Symmetric MAPE in percent per column; a 0/0 term counts as a perfect forecast."""
    denominator = np.abs(actual) + np.abs(predicted)
    ratio = np.divide(2 * np.abs(actual - predicted), denominator, out=np.zeros_like(denominator, dtype=float),
                      where=denominator > 0)
    return 100 * ratio.mean(axis=0)


def directional_accuracy(actual: np.ndarray, predicted: np.ndarray, reference: np.ndarray) -> float:
    """Share of forecasts that move the right way from the no-change reference.

    Undefined (NaN) for a forecast that never moves, like the random walk itself.
    """
    predicted_move = np.sign(predicted - reference)
    if not predicted_move.any():
        return float("nan")
    return float((np.sign(actual - reference) == predicted_move).mean())


def _difference_variance(loss: np.ndarray, reference_loss: np.ndarray, horizon: int) -> tuple[np.ndarray, float, float]:
    """The loss differences, the variance of their mean (autocovariances up to lag horizon-1, as
    overlapping h-step forecasts have them) and the Harvey-Leybourne-Newbold correction."""
    difference = np.asarray(loss, dtype=float) - np.asarray(reference_loss, dtype=float)
    count = len(difference)
    centred = difference - difference.mean()
    autocovariances = [np.dot(centred[lag:], centred[: count - lag]) / count for lag in range(horizon)]
    variance = (autocovariances[0] + 2 * sum(autocovariances[1:])) / count
    if variance <= 0:
        variance = autocovariances[0] / count
    correction = np.sqrt((count + 1 - 2 * horizon + horizon * (horizon - 1) / count) / count)
    return difference, variance, correction


def diebold_mariano(loss: np.ndarray, reference_loss: np.ndarray, horizon: int = 1) -> tuple[float, float]:
    """DM statistic with the Harvey-Leybourne-Newbold correction, and the one-sided p-value.

    H1: `loss` is smaller than `reference_loss` on average.
    """
    if len(loss) < 3:
        return float("nan"), float("nan")
    difference, variance, correction = _difference_variance(loss, reference_loss, horizon)
    if variance == 0:
        return float("nan"), float("nan")
    statistic = difference.mean() / np.sqrt(variance)
    statistic *= correction
    return float(statistic), float(stats.t.cdf(statistic, df=len(difference) - 1))


def forecast_scores(
    actual: np.ndarray,
    predicted: np.ndarray,
    no_change: np.ndarray,
    naive_training_mae: float,
) -> dict:
    """Overall and per-horizon metrics.

    MASE divides every step's MAE by one number, the one-step naive forecast's in-sample MAE
    (Hyndman and Koehler, 2006), so it compares across steps ahead.
    """
    per_step_mae = mean_absolute_error(actual, predicted, multioutput="raw_values")
    per_step_rmse = root_mean_squared_error(actual, predicted, multioutput="raw_values")
    per_step_smape = smape(actual, predicted)
    per_step_mase = per_step_mae / naive_training_mae
    scores = {
        "mae": float(per_step_mae.mean()),
        "rmse": float(np.sqrt((per_step_rmse**2).mean())),
        "smape": float(per_step_smape.mean()),
        "mase": float(per_step_mase.mean()),
        "directional_accuracy": directional_accuracy(actual, predicted, no_change),
    }
    if actual.shape[1] > 1:
        scores["per_horizon"] = {
            f"h{step + 1}": {
                "mae": float(per_step_mae[step]),
                "rmse": float(per_step_rmse[step]),
                "smape": float(per_step_smape[step]),
                "mase": float(per_step_mase[step]),
                "directional_accuracy": directional_accuracy(actual[:, step], predicted[:, step], no_change[:, step]),
            }
            for step in range(actual.shape[1])
        }
    return scores


def time_lag(actual_series: np.ndarray, segment: np.ndarray, rows: np.ndarray, predicted: np.ndarray,
             max_lag: int) -> int | None:
    """The delay, in steps, at which a forecast best matches the actual series (cross-correlation).

    `predicted[i]` is the forecast for row `rows[i]`; it is compared with the actual value `lag`
    rows earlier, within one segment. A persistence forecast h steps ahead lags by exactly h.
    """
    rows = np.asarray(rows)
    correlations = []
    for lag in range(max_lag + 1):
        earlier = rows - lag
        usable = (earlier >= 0) & (segment[np.maximum(earlier, 0)] == segment[rows])
        if usable.sum() < 3:
            correlations.append(np.nan)
            continue
        correlations.append(np.corrcoef(predicted[usable], actual_series[earlier[usable]])[0, 1])
    return None if np.isnan(correlations).all() else int(np.nanargmax(correlations))
