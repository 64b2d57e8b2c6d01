"""`python -m seqcase predict`: a registered model (the case's champion, or a named version) on new rows.

The rows are the kind the case's source holds: reviews for a text case, the series for a forecast,
one sequence per row for a sequence classifier, transactions for an event case. They go through
the prepare stage's own transforms, scaled with the statistics the model version was logged with
(its `facts`), so the version alone decides what the network reads, not the local data folder.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqcase import tracking
from seqcase.config import CaseBase
from seqcase.params import get_case, load_params
from seqcase.errors import DataError, UserError
from seqcase.io import atomic_path
from seqcase.tasks import get_task


def model_uri(case_name: str, version: int | None = None) -> str:
    name = tracking.registered_model_name(case_name)
    return f"models:/{name}/{version}" if version else f"models:/{name}@{tracking.CHAMPION}"


def registered_version(case_name: str, version: int | None = None):
    """The registry's record of the version (or the champion): its tags and run."""
    from mlflow.tracking import MlflowClient

    name = tracking.registered_model_name(case_name)
    client = MlflowClient()
    return (client.get_model_version(name, str(version)) if version
            else client.get_model_version_by_alias(name, tracking.CHAMPION))


def decision_threshold(case_name: str, version: int | None = None) -> float:
    """The threshold the model version was evaluated with (chosen on validation), from its run."""
    from mlflow.tracking import MlflowClient

    name = tracking.registered_model_name(case_name)
    registered = registered_version(case_name, version)
    metrics = MlflowClient().get_run(registered.run_id).data.metrics
    if "test_threshold" not in metrics:
        raise UserError(f"{name} version {registered.version}: its run {registered.run_id} has no test_threshold")
    return float(metrics["test_threshold"])


@dataclass(frozen=True)
class Request:
    """One prediction call: the case and its registered model, loaded (with the facts it was logged
    with) when the task first reads it."""

    case: CaseBase
    case_name: str
    version: int | None

    @functools.cached_property
    def served(self) -> tuple[object, dict]:
        """The pyfunc model and its facts, checked to be a model of the case's task."""
        from seqcase import serving

        model, facts = serving.load(served_uri(self.case_name, self.version))
        if facts["task"] != self.case.task:
            raise DataError(f"{model_uri(self.case_name, self.version)} is a {facts['task']} model; "
                            f"{self.case_name} is {self.case.task}")
        return model, facts

    @property
    def facts(self) -> dict:
        return self.served[1]

    @property
    def window_length(self) -> int:
        return int(self.facts["hyperparameters"]["window_length"])

    def predict(self, inputs) -> np.ndarray:
        return np.asarray(self.served[0].predict(inputs), dtype=np.float64)

    def threshold(self) -> float:
        return decision_threshold(self.case_name, self.version)

    def interval_radius(self) -> dict[str, list[float]]:
        """The version's interval radii per level ('80': one per step ahead), calibrated on
        validation when it was registered; none for a version registered before intervals."""
        return interval_radius(registered_version(self.case_name, self.version).tags)

    def interval_scale(self) -> dict[str, float]:
        """How the version's intervals scale with a window's recent volatility; {} for not at all."""
        return interval_scale(registered_version(self.case_name, self.version).tags)


def interval_scale(tags: dict[str, str]) -> dict[str, float]:
    """A model version's `seqcase.interval_scale` tag ('<rows> <floor>'): its radii are in units of a
    window's recent volatility over that many rows plus the floor; {} for one radius for every window."""
    value = tags.get("seqcase.interval_scale")
    if not value:
        return {}
    steps, floor = value.split()
    return {"steps": int(steps), "floor": float(floor)}


def interval_radius(tags: dict[str, str]) -> dict[str, list[float]]:
    """A model version's `seqcase.interval_radius_<level>` tags, by level (narrowest first)."""
    prefix = "seqcase.interval_radius_"
    levels = sorted((key.removeprefix(prefix) for key in tags if key.startswith(prefix)), key=float)
    return {level: [float(value) for value in tags[prefix + level].split()] for level in levels}


def served_uri(case_name: str, version: int | None = None) -> str:
    """The registered model's URI, once it is known to carry its facts: a version logged before
    seqcase's networks became pyfunc models (a bare Keras model) has no training statistics."""
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.models import get_model_info

    uri = model_uri(case_name, version)
    try:
        info = get_model_info(uri)
    except MlflowException:
        raise UserError(f"{uri}: not in the model registry of {mlflow.get_tracking_uri()}; `dvc repro` registers "
                        f"the case's models (the champion included), and --version takes a registered version") from None
    if "python_model" not in info.flavors.get("python_function", {}):
        raise UserError(f"{uri} is a bare Keras model, logged before seqcase's models carried the prepare stage's "
                         "statistics; `dvc repro` logs a new version, or pass --version of one logged since")
    return uri


def answered_by(case_name: str, version: int | None = None) -> str:
    """The registry version a call was served by, as a person reads it: "seqcase-glucose_cgm
    version 3 (the champion: gru_ensemble, ...)" with the version's own description."""
    registered = registered_version(case_name, version)
    role = "the champion" if version is None else "asked for by --version"
    described = f": {registered.description}" if registered.description else ""
    return f"{registered.name} version {registered.version} ({role}{described})"


def predict_csv(params_path: Path, case_name: str, input_path: Path, output_path: Path,
                version: int | None = None) -> tuple[int, str]:
    """Write the model's predictions for the input rows; returns the row count written and the
    registry version that answered. The task reads and checks the rows before it loads a model."""
    params = load_params(params_path, cases=[case_name])
    case = get_case(params, case_name, params_path)
    tracking.configure()
    result = get_task(case.task).predict(Request(case, case_name, version), input_path)
    with atomic_path(output_path, suffix=".csv") as temporary:
        result.to_csv(temporary, index=False)
    return len(result), answered_by(case_name, version)
