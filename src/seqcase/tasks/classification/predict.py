"""New sequences through the prepare stage's scaling, and a registered model's classes for them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqcase.errors import DataError
from seqcase.tasks.classification.data import scaled_inputs, sequence_values
from seqcase.tasks.base import read_request_csv
from seqcase.tasks.classification.schema import ClassificationPrepare


def inference_inputs(frame: pd.DataFrame, config: ClassificationPrepare, facts: dict) -> np.ndarray:
    """New sequences, one per row (a label column, if the rows have one, is left out), scaled as the
    model's training part was."""
    if config.label_column in frame.columns:
        frame = frame.drop(columns=[config.label_column])
    if frame.shape[1] != facts["steps"]:
        raise DataError(f"rows have {frame.shape[1]} values; the model reads sequences of {facts['steps']}")
    return scaled_inputs(sequence_values(frame), facts["value_mean"], facts["value_scale"])


def class_predictions(probabilities: np.ndarray, class_names: list[str]) -> pd.DataFrame:
    """Each class's probability, and the most probable class."""
    return pd.DataFrame({**{f"probability_{name}": probabilities[:, index] for index, name in enumerate(class_names)},
                         "predicted": np.asarray(class_names)[probabilities.argmax(axis=1)]})


def predict(request, input_path: Path) -> pd.DataFrame:
    """Each row's class probabilities and its most probable class, beside the row."""
    frame = read_request_csv(input_path, [], "one sequence per row")
    values = frame.drop(columns=[request.case.prepare.label_column], errors="ignore")
    words = [column for column in values.columns if not pd.api.types.is_numeric_dtype(values[column])]
    if words:  # before the model is loaded: a header row is fine, a column of words is not
        raise DataError(f"{input_path}: column(s) {words[:5]} hold values that are not numbers; "
                        "each row is one sequence of numbers")
    probabilities = request.predict(inference_inputs(frame, request.case.prepare, request.facts))
    return pd.concat([frame, class_predictions(probabilities, request.facts["class_names"])], axis=1)
