"""New events through the prepare stage's transforms, and a registered model's decisions on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqcase.errors import DataError
from seqcase.evaluation.binary import binary_predictions
from seqcase.tasks.base import read_request_csv
from seqcase.tasks.event_classification.data import event_features, with_history
from seqcase.tasks.event_classification.schema import EventPrepare


def inference_windows(frame: pd.DataFrame, config: EventPrepare, facts: dict,
                      window_length: int) -> tuple[np.ndarray, np.ndarray]:
    """New events as a trained model reads them: sorted by time, scaled with the training
    statistics it was logged with, each with the events before it. Returns the frame's row of each
    window's last event (the first window_length - 1 events only serve as history) and the windows."""
    missing = [column for column in [config.time_column, *facts["feature_names"]] if column not in frame.columns]
    if missing:
        raise DataError(f"no column(s) {missing}; the model reads {facts['feature_names']}")
    order = np.argsort(frame[config.time_column].to_numpy(), kind="stable")
    features = event_features(frame, tuple(facts["feature_names"]), config.log_columns, order)
    features = (features - np.asarray(facts["feature_mean"], dtype=np.float32)) / np.asarray(
        facts["feature_scale"], dtype=np.float32)
    positions = with_history(np.arange(len(order)), window_length)
    if not len(positions):
        raise DataError(f"{len(order)} events: the model reads windows of {window_length}")
    return order[positions], features[positions[:, None] + np.arange(-window_length + 1, 1)]


def predict(request, input_path: Path) -> pd.DataFrame:
    """Every input row comes back; the first window_length - 1 in time order, which only serve as
    history, have no prediction."""
    config = request.case.prepare
    frame = read_request_csv(input_path, [config.time_column, *(config.feature_columns or config.log_columns)],
                             f"cases.{request.case_name}.prepare: the time column and the features the case reads")
    rows, windows = inference_windows(frame, request.case.prepare, request.facts, request.window_length)
    predicted = binary_predictions(request.predict(windows), request.threshold(),
                                   list(request.case.prepare.class_names)).set_index(frame.index[rows])
    return pd.concat([frame, predicted.reindex(frame.index)], axis=1)
