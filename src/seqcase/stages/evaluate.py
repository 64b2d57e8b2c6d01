"""evaluate@<case>: every network and baseline scored on the same untouched test windows."""

from __future__ import annotations

import csv
import logging
import math
from pathlib import Path

import keras
import mlflow
import numpy as np
import pandas as pd

from seqcase import tracking
from seqcase.evaluation import diebold_mariano, forecast_scores
from seqcase.io import atomic_directory, atomic_path, read_json, write_json
from seqcase.models.baselines import fit_baselines
from seqcase.stages import open_case
from seqcase.tasks import forecasting

logger = logging.getLogger(__name__)
BASELINE_FAMILY = "baseline"


def score_forecasts(series: forecasting.PreparedSeries, forecasters: dict) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """Predict the test windows every model can see, score each against actuals and the naive.

    Returns the windows' first-target positions, their actual values, the predictions and scores.
    """
    longest = max(forecaster.window_length for forecaster in forecasters.values())
    positions = forecasting.window_positions(series, longest, "test")
    if len(positions) < 3:
        raise ValueError(f"only {len(positions)} test windows for window length {longest}; the test part is too short")
    actual = forecasting.actual_values(series, positions)
    no_change = forecasting.no_change_forecast(series, positions)
    training_positions = forecasting.window_positions(series, 1, "train")
    naive_training_mae = float(np.abs(
        forecasting.actual_values(series, training_positions)[:, 0]
        - forecasting.no_change_forecast(series, training_positions)[:, 0]
    ).mean())
    predictions = {name: forecaster.predict(series, positions) for name, forecaster in forecasters.items()}
    naive_loss = ((actual - predictions["naive"]) ** 2).mean(axis=1)
    scores = {name: forecast_scores(actual, predicted, no_change, naive_training_mae)
              for name, predicted in predictions.items()}
    for name, result in scores.items():
        if name == "naive":
            statistic, p_value = float("nan"), float("nan")
        else:
            model_loss = ((actual - predictions[name]) ** 2).mean(axis=1)
            statistic, p_value = diebold_mariano(model_loss, naive_loss, series.horizon)
        result.update(dm_statistic=statistic, dm_pvalue=p_value,
                      rmse_ratio_to_naive=result["rmse"] / scores["naive"]["rmse"])
    return positions, actual, predictions, scores


def without_nan(value):
    """JSON for DVC: NaN (undefined, e.g. the naive forecast's DM test) becomes null."""
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    return None if isinstance(value, float) and math.isnan(value) else value


def mlflow_metrics(scores: dict) -> dict[str, float]:
    """The same metric names in every case of a task, so the compare view lines them up."""
    flat = {f"test_{name}": value for name, value in scores.items() if not isinstance(value, dict)}
    for step, values in scores.get("per_horizon", {}).items():
        flat.update({f"test_{name}_{step}": value for name, value in values.items()})
    return flat


def write_forecast_csv(path: Path, timestamps: np.ndarray, actual: np.ndarray, predicted: np.ndarray) -> None:
    with atomic_path(path) as temporary, open(temporary, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "actual", "forecast"])
        for timestamp, truth, forecast in zip(timestamps, actual, predicted):
            writer.writerow([pd.Timestamp(timestamp).isoformat(), f"{truth:.8g}", f"{forecast:.8g}"])


def run(params_path: Path, case_name: str) -> dict:
    _, case, paths = open_case(params_path, case_name)
    series = forecasting.load_prepared(paths.prepared)
    training = read_json(paths.models / "training.json")
    networks = {
        variant: forecasting.KerasForecaster(keras.saving.load_model(paths.models / f"{variant}.keras"),
                                             info["window_length"])
        for variant, info in training.items()
    }
    baselines = fit_baselines(series, case.baselines.chosen())
    positions, actual, predictions, scores = score_forecasts(series, {**networks, **baselines})
    families = {**{variant: info["family"] for variant, info in training.items()},
                **{name: BASELINE_FAMILY for name in baselines}}

    tracking.configure()
    book = tracking.continue_pipeline_run(tracking.RunBook.load(paths.models / "runs.json"), case_name, "evaluate")
    with tracking.failing_pipeline_run(book):
        for name, result in scores.items():
            tags = {"seqcase.kind": "model" if name in networks else "baseline", "seqcase.family": families[name]}
            if name in networks:
                tags["seqcase.trained_in"] = training[name]["run_id"]
            with tracking.child_run(book, name, case_name, "evaluate", tags):
                mlflow.log_metrics(mlflow_metrics(result))
                mlflow.log_metric("test_windows", len(positions))

        timestamps = series.timestamps[positions]
        with atomic_directory(paths.reports / "forecasts") as forecasts:
            for name, predicted in predictions.items():
                write_forecast_csv(forecasts / f"{name}.csv", timestamps, actual[:, 0], predicted[:, 0])
        metrics = {"test_windows": len(positions), "horizon": series.horizon, "models": without_nan(scores)}
        write_json(paths.reports / "metrics.json", metrics)
        with atomic_directory(paths.evaluation) as evaluation:
            np.savez(evaluation / "predictions.npz", timestamps=timestamps.astype(np.int64), actual=actual,
                     **{f"model_{name}": predicted for name, predicted in predictions.items()})
            write_json(evaluation / "models.json", {name: {"family": families[name]} for name in scores})
            book.save(evaluation / "runs.json")
        logger.info("%s: %d test windows; %s", case_name, len(positions),
                    {name: round(result["rmse"], 6) for name, result in scores.items()})
        return metrics
