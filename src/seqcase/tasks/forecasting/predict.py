"""New rows of a series through the prepare stage's transforms, and a registered model's forecasts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqcase.errors import DataError
from seqcase.tasks.forecasting.data import DIFFERENCING_TRANSFORMS, feature_rows, read_table
from seqcase.tasks.forecasting.intervals import RecentRows, Scale
from seqcase.tasks.forecasting.schema import ForecastingPrepare


def inference_windows(frame: pd.DataFrame, config: ForecastingPrepare, facts: dict,
                      window_length: int) -> tuple[np.ndarray, np.ndarray]:
    """New rows as a trained model reads them: each window of `window_length` rows inside one
    segment, scaled with the training statistics the model was logged with. Returns the timestamp
    of each window's last row (the forecast origin) and the windows."""
    rows = feature_rows(frame, config)
    names = [feature.name for feature in (config.target, *config.features)]
    if names != facts["feature_names"]:
        raise DataError(f"the case's features {names} differ from the model's {facts['feature_names']}")
    inputs = ((rows.raw - np.asarray(facts["feature_mean"])) / np.asarray(facts["feature_scale"])).astype(np.float32)
    last = np.arange(window_length - 1, len(inputs))
    last = last[rows.segment[last - window_length + 1] == rows.segment[last]]
    if not len(last):
        raise DataError(f"no {window_length} consecutive rows without a gap: the model reads windows that long")
    return rows.timestamps[last], inputs[last[:, None] + np.arange(-window_length + 1, 1)]


def window_spread(windows: np.ndarray, facts: dict, scale: Scale) -> np.ndarray:
    """Each window's interval scale, measured as evaluate measured it: the recent volatility of its
    last rows in the target's units, plus the floor (ones for a version with one radius for all)."""
    target = np.asarray(windows[:, :, 0], dtype=np.float64) * facts["feature_scale"][0] + facts["feature_mean"][0]
    return scale.spread(RecentRows(target, facts["target_transform"] in DIFFERENCING_TRANSFORMS))


def forecast_table(origins: np.ndarray, scaled: np.ndarray, facts: dict,
                   radius: dict[str, list[float]] | None = None, spread: np.ndarray | None = None) -> pd.DataFrame:
    """One row per forecast origin; per step ahead the forecast in the target's own units, and the
    bounds of each interval level beside it (`<target>_step_1_lower_80`, `..._upper_80`): the
    radius, times each window's spread where the version scales its intervals."""
    forecasts = np.asarray(scaled, dtype=np.float64).reshape(len(origins), facts["horizon"])
    forecasts = forecasts * facts["feature_scale"][0] + facts["feature_mean"][0]
    target = facts["feature_names"][0]
    spread = np.ones(len(origins)) if spread is None else np.asarray(spread, dtype=np.float64)
    columns = {"origin": origins}
    for step in range(facts["horizon"]):
        name = f"{target}_step_{step + 1}"
        columns[name] = forecasts[:, step]
        for level, radii in (radius or {}).items():
            columns[f"{name}_lower_{level}"] = forecasts[:, step] - radii[step] * spread
            columns[f"{name}_upper_{level}"] = forecasts[:, step] + radii[step] * spread
    return pd.DataFrame(columns)


def predict(request, input_path: Path) -> pd.DataFrame:
    """One row per full window of the input series (`origin`: its last timestamp), the forecast per
    step ahead in the target's units and its interval bounds at the levels the version was
    calibrated at."""
    frame = read_table(input_path, request.case.prepare)
    origins, windows = inference_windows(frame, request.case.prepare, request.facts, request.window_length)
    spread = window_spread(windows, request.facts, Scale(**request.interval_scale()))
    return forecast_table(origins, request.predict(windows), request.facts, request.interval_radius(), spread)
