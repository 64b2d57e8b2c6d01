"""Predictions from a registered model: the case's champion (or a named version) on new data.

Text models read raw text (their tokenizer is inside), so a CSV with the case's text column is
all they need. Forecast, sequence and event models read windows that the prepare stage scales and
cuts; predicting for them from a raw CSV is not built yet, and says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqcase import tracking
from seqcase.config import TextCase, get_case, load_params
from seqcase.io import atomic_path, read_json
from seqcase.paths import CasePaths


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


def text_predictions(probabilities: np.ndarray, threshold: float, class_names: list[str]) -> pd.DataFrame:
    """Probability of the positive class (the second), and the class at the validation threshold."""
    positive = probabilities[:, 1]
    return pd.DataFrame({f"probability_{class_names[1]}": positive,
                         "predicted": np.where(positive >= threshold, class_names[1], class_names[0])})


def class_names_of(case_name: str, positive_label: str) -> list[str]:
    """(negative, positive) as the prepare stage named them; without its output, 'not <positive>'."""
    meta = CasePaths(case_name).prepared / "meta.json"
    return list(read_json(meta)["class_names"]) if meta.is_file() else [f"not {positive_label}", positive_label]


def predict_csv(params_path: Path, case_name: str, input_path: Path, output_path: Path,
                version: int | None = None) -> int:
    """Write the input rows with the model's predictions beside them; returns the row count."""
    import mlflow

    import seqcase.models.networks  # noqa: F401  registers the custom layers the saved models hold

    params = load_params(params_path)
    case = get_case(params, case_name, params_path)
    if case.task == "text_generation":
        raise NotImplementedError(f"{case_name} is a language model: `python -m seqcase generate --case {case_name}` "
                                  "samples text from it")
    if not isinstance(case, TextCase):
        raise NotImplementedError(f"predict reads raw rows for text cases only; {case_name} is a {case.task} case, "
                                  f"whose model reads windows the prepare stage builds")
    frame = pd.read_csv(input_path)
    column = case.prepare.text_column
    if column not in frame.columns:
        raise ValueError(f"{input_path}: no column {column!r} (cases.{case_name}.prepare.text_column); "
                         f"columns: {', '.join(map(str, frame.columns))}")
    tracking.configure()
    model = mlflow.keras.load_model(model_uri(case_name, version))
    texts = frame[column].fillna("").astype(str).to_numpy(dtype=object)
    probabilities = np.asarray(model.predict(texts, batch_size=512, verbose=0))
    class_names = class_names_of(case_name, str(case.prepare.positive_label))
    result = pd.concat([frame, text_predictions(probabilities, decision_threshold(case_name, version), class_names)],
                       axis=1)
    with atomic_path(output_path, suffix=".csv") as temporary:
        result.to_csv(temporary, index=False)
    return len(result)
