"""Predictions from a registered model: the case's champion (or a named version) on new rows.

The rows are the kind the case's source holds: reviews for a text case, the series for a forecast,
one sequence per row for a sequence classifier, transactions for an event case. They go through
the prepare stage's own transforms, scaled with the statistics the model version was logged with
(its `facts`), so the version alone decides what the network reads, not the local data folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seqcase import tracking
from seqcase.config import CaseBase, get_case, load_params
from seqcase.io import atomic_path


def model_uri(case_name: str, version: int | None = None) -> str:
    name = tracking.registered_model_name(case_name)
    return f"models:/{name}/{version}" if version else f"models:/{name}@{tracking.CHAMPION}"


def decision_threshold(case_name: str, version: int | None = None) -> float:
    """The threshold the model version was evaluated with (chosen on validation), from its run."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    name = tracking.registered_model_name(case_name)
    registered = (client.get_model_version(name, str(version)) if version
                  else client.get_model_version_by_alias(name, tracking.CHAMPION))
    metrics = client.get_run(registered.run_id).data.metrics
    if "test_threshold" not in metrics:
        raise LookupError(f"{name} version {registered.version}: its run {registered.run_id} has no test_threshold")
    return float(metrics["test_threshold"])


def binary_predictions(probabilities: np.ndarray, threshold: float, class_names: list[str]) -> pd.DataFrame:
    """Probability of the positive class (the second), and the class at the validation threshold."""
    positive = probabilities[:, 1]
    return pd.DataFrame({f"probability_{class_names[1]}": positive,
                         "predicted": np.where(positive >= threshold, class_names[1], class_names[0])})


def class_predictions(probabilities: np.ndarray, class_names: list[str]) -> pd.DataFrame:
    """Each class's probability, and the most probable class."""
    return pd.DataFrame({**{f"probability_{name}": probabilities[:, index] for index, name in enumerate(class_names)},
                         "predicted": np.asarray(class_names)[probabilities.argmax(axis=1)]})


@dataclass(frozen=True)
class Request:
    """One prediction call: the case, its registered model and that model's facts."""

    case: CaseBase
    case_name: str
    version: int | None
    model: object  # an mlflow.pyfunc.PyFuncModel
    facts: dict

    @property
    def window_length(self) -> int:
        return int(self.facts["hyperparameters"]["window_length"])

    def predict(self, inputs) -> np.ndarray:
        return np.asarray(self.model.predict(inputs), dtype=np.float64)

    def threshold(self) -> float:
        return decision_threshold(self.case_name, self.version)


def predict_texts(request: Request, input_path: Path) -> pd.DataFrame:
    from seqcase.serving import TEXT_COLUMN

    frame = pd.read_csv(input_path)
    column = request.case.prepare.text_column
    if column not in frame.columns:
        raise ValueError(f"{input_path}: no column {column!r} (cases.{request.case_name}.prepare.text_column); "
                         f"columns: {', '.join(map(str, frame.columns))}")
    probabilities = request.predict(pd.DataFrame({TEXT_COLUMN: frame[column].fillna("").astype(str)}))
    return pd.concat([frame, binary_predictions(probabilities, request.threshold(), request.facts["class_names"])],
                     axis=1)


def predict_series(request: Request, input_path: Path) -> pd.DataFrame:
    from seqcase.tasks import forecasting

    frame = forecasting.read_table(input_path, request.case.prepare)
    origins, windows = forecasting.inference_windows(frame, request.case.prepare, request.facts, request.window_length)
    return forecasting.forecast_table(origins, request.predict(windows), request.facts)


def predict_sequences(request: Request, input_path: Path) -> pd.DataFrame:
    from seqcase.tasks import classification

    frame = pd.read_csv(input_path)
    probabilities = request.predict(classification.inference_inputs(frame, request.case.prepare, request.facts))
    return pd.concat([frame, class_predictions(probabilities, request.facts["class_names"])], axis=1)


def predict_events(request: Request, input_path: Path) -> pd.DataFrame:
    """Every input row comes back; the first window_length - 1 in time order, which only serve as
    history, have no prediction."""
    from seqcase.tasks import events

    frame = pd.read_csv(input_path)
    rows, windows = events.inference_windows(frame, request.case.prepare, request.facts, request.window_length)
    predicted = binary_predictions(request.predict(windows), request.threshold(),
                                   list(request.case.prepare.class_names)).set_index(frame.index[rows])
    return pd.concat([frame, predicted.reindex(frame.index)], axis=1)


def served_uri(case_name: str, version: int | None = None) -> str:
    """The registered model's URI, once it is known to carry its facts: a version logged before
    seqcase's networks became pyfunc models (a bare Keras model) has no training statistics."""
    from mlflow.models import get_model_info

    uri = model_uri(case_name, version)
    if "python_model" not in get_model_info(uri).flavors.get("python_function", {}):
        raise ValueError(f"{uri} is a bare Keras model, logged before seqcase's models carried the prepare stage's "
                         "statistics; `dvc repro` logs a new version, or pass --version of one logged since")
    return uri


PREDICTORS: dict[str, Callable[[Request, Path], pd.DataFrame]] = {
    "text_classification": predict_texts, "forecasting": predict_series,
    "classification": predict_sequences, "event_classification": predict_events,
}


def predict_csv(params_path: Path, case_name: str, input_path: Path, output_path: Path,
                version: int | None = None) -> int:
    """Write the model's predictions for the input rows; returns the row count written."""
    from seqcase import serving

    params = load_params(params_path)
    case = get_case(params, case_name, params_path)
    if case.task not in PREDICTORS:
        raise NotImplementedError(f"{case_name} is a language model: `python -m seqcase generate --case {case_name}` "
                                  "samples text from it")
    tracking.configure()
    model, facts = serving.load(served_uri(case_name, version))
    if facts["task"] != case.task:
        raise ValueError(f"{model_uri(case_name, version)} is a {facts['task']} model; {case_name} is {case.task}")
    result = PREDICTORS[case.task](Request(case, case_name, version, model, facts), input_path)
    with atomic_path(output_path, suffix=".csv") as temporary:
        result.to_csv(temporary, index=False)
    return len(result)
