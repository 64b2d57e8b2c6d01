"""New rows of a series through the prepare stage's transforms, and a registered model's forecasts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqcase.errors import DataError
from seqcase.tasks.forecasting.data import feature_rows, read_table
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


def forecast_table(origins: np.ndarray, scaled: np.ndarray, facts: dict,
                   radius: dict[str, list[float]] | None = None) -> pd.DataFrame:
    """One row per forecast origin; per step ahead the forecast in the target's own units, and the
    bounds of each interval level beside it (`<target>_step_1_lower_80`, `..._upper_80`)."""
    forecasts = np.asarray(scaled, dtype=np.float64).reshape(len(origins), facts["horizon"])
    forecasts = forecasts * facts["feature_scale"][0] + facts["feature_mean"][0]
    target = facts["feature_names"][0]
    columns = {"origin": origins}
    for step in range(facts["horizon"]):
        name = f"{target}_step_{step + 1}"
        columns[name] = forecasts[:, step]
        for level, radii in (radius or {}).items():
            columns[f"{name}_lower_{level}"] = forecasts[:, step] - radii[step]
            columns[f"{name}_upper_{level}"] = forecasts[:, step] + radii[step]
    return pd.DataFrame(columns)


def predict(request, input_path: Path) -> pd.DataFrame:
    """One row per full window of the input series (`origin`: its last timestamp), the forecast per
    step ahead in the target's units and its interval bounds at the levels the version was
    calibrated at."""
    frame = read_table(input_path, request.case.prepare)
    origins, windows = inference_windows(frame, request.case.prepare, request.facts, request.window_length)
    return forecast_table(origins, request.predict(windows), request.facts, request.interval_radius())
