"""The contract every task keeps, and what its methods hand back to the generic stages.

A stage loads its case, looks up the case's task in the registry (seqcase.tasks) and calls these
methods; it never asks which task it runs. A task's methods import the module they need when
called (its schema alone is imported with the package), so that a stage loads only what it uses:
`tests/test_dvc_stages.py` reads which methods each stage calls to check dvc.yaml's dependencies.

| stage | calls |
|---|---|
| prepare | `prepare`, `save_prepared` |
| tune | `load_prepared`, `learning_problem` |
| train | `load_prepared`, `learning_problem`, `refits` |
| evaluate | `load_prepared`, `evaluate` |
| report | `report`, `summary_row`, `main_metric` |
| `python -m seqcase predict` | `predict` |
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    import keras
    import pandas as pd

    from seqcase.config import CaseBase
    from seqcase.models.networks import Head
    from seqcase.paths import CasePaths
    from seqcase.reporting.report import ReportContent

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class LearningProblem:
    """What tuning and training need from a task: the head, the data for given hyperparameters
    (a forecast's windows depend on the tuned window length, a text's tokens on the vocabulary),
    input shapes, class weights, and the model to save (a text model keeps its tokenizer beside it)."""

    head: Head
    datasets: Callable[[dict], tuple[Arrays, Arrays]]
    input_shape: Callable[[dict], tuple[int, ...]]
    class_weight: dict[int, float] | None = None
    export: Callable[[keras.Model, dict], Any] = lambda model, hyperparameters: model
    saved_model_examples: np.ndarray | None = None

    def example_inputs(self, hyperparameters: dict) -> np.ndarray:
        """A few inputs of the saved model, for the signature MLflow logs with it."""
        if self.saved_model_examples is not None:
            return self.saved_model_examples
        return self.datasets(hyperparameters)[1][0][:8]



# Finds one of the case source's fetched files: by its name, or the source's only file when None.
Locate = Callable[[str | None], Path]


class Evaluation(NamedTuple):
    """What a task's scoring hands to the shared writing: every model's scores, the verdict (with
    the test behind it), DVC plot tables, the arrays the report draws from, and facts."""

    examples: int
    scores: dict
    verdict: dict
    plot_tables: dict[str, pd.DataFrame]
    arrays: dict[str, np.ndarray]
    facts: dict
    samples: dict[str, dict[str, str]] = {}  # a language model's generated texts, by temperature
    folds: dict[str, dict[str, dict]] = {}  # scores at each refit (a backtest origin), by model


class ScoringSettings(NamedTuple):
    """What scoring takes from outside the case: the seed of its resamples and the significance of verdicts."""

    seed: int
    significance: float


def read_request_csv(path: Path, required: list[str], why: str) -> pd.DataFrame:
    """The rows a `predict` call was given, refused in one line before any model is loaded when the
    file is empty, is not a CSV, or lacks a column the case reads (`why` says where it comes from)."""
    import pandas as pd

    from seqcase.errors import DataError

    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: empty; it needs a header row and at least one data row") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable CSV ({str(error).strip().splitlines()[0]})") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise DataError(f"{path}: no column(s) {missing} ({why}); the header has {list(map(str, frame.columns))}")
    if frame.empty:
        raise DataError(f"{path}: a header and no rows; nothing to predict")
    return frame


@runtime_checkable
class Prepared(Protocol):
    """A prepared data set, whatever the task."""

    def describe(self) -> dict[str, str | int]:
        """The facts an MLflow run of this data records as params."""

    def serving_facts(self) -> dict:
        """What a logged model needs to turn new rows into its inputs."""


class Task(Protocol):
    """One kind of case study: what its params say, how its data is made, what its networks are
    given, how every model is scored and judged, what its report shows, how it predicts."""

    name: str
    schema: type[CaseBase]
    # The gradient diagnostics' x axis: what an input step is, counted back from the end.
    step_label: str

    def prepare(self, case: CaseBase, locate: Locate, seed: int) -> tuple[Prepared, dict]:
        """The source's files to a cleaned, split and scaled data set, and a summary for the report."""

    def save_prepared(self, prepared: Prepared, summary: dict, directory: Path) -> None:
        """Write the data set (with meta.json naming the task), atomically."""

    def load_prepared(self, directory: Path) -> Prepared: ...

    def learning_problem(self, prepared: Prepared) -> LearningProblem:
        """What tuning and training give the networks: the head, the data, shapes, class weights."""

    def refits(self, case: CaseBase, prepared: Prepared) -> dict[str, Prepared]:
        """The data sets the networks are trained on again besides the prepared split, by name (a
        forecast's later backtest origins); none for a task without them."""

    def evaluate(self, case: CaseBase, prepared: Prepared, networks: dict[str, Any], training: dict,
                 settings: ScoringSettings, refit_networks: dict[str, dict[str, Any]] | None = None) -> Evaluation:
        """Every network and baseline scored on the test part, and the verdict with its test;
        `refit_networks` holds the networks of each refit (by refit, then by network name)."""

    def main_metric(self, case: CaseBase) -> tuple[str, bool]:
        """The test metric a case is judged on, and whether higher is better."""

    def report(self, case: CaseBase, metrics: dict, families: dict[str, str], paths: CasePaths,
               figure_directory: Path) -> ReportContent:
        """The report's tables, figures and data facts, from what evaluate wrote."""

    def summary_row(self, metrics: dict) -> dict:
        """The case's row in reports/summary.md."""

    def predict(self, request: Any, input_path: Path) -> pd.DataFrame:
        """A registered model's predictions on a CSV of the source's kind of rows; a task that
        cannot predict from rows raises a UserError that says what to use instead."""


# Which module of a task's package holds each part of the contract (see PackageTask).
CONTRACT_MODULES = {"prepare": "data", "save_prepared": "data", "load_prepared": "data",
                    "learning_problem": "problem", "refits": "backtest", "evaluate": "scoring", "report": "report",
                    "summary_row": "report", "predict": "predict"}


class PackageTask:
    """A task whose package keeps the contract module by module: each method is the function of the
    same name in the module CONTRACT_MODULES names (data, problem, scoring, report, predict),
    imported on first call. The package's __init__ makes its TASK with the name, the schema and the
    main metric: (metric, higher is better), or a function of the case that returns them. A task
    whose networks may be refitted (`refits=True`) keeps `refits` in its backtest module and takes
    the refitted networks in `evaluate`."""

    def __init__(self, package: str, name: str, schema: type, main_metric: tuple[str, bool] | Callable,
                 step_label: str = "steps before the end", refits: bool = False) -> None:
        self.package, self.name, self.schema, self.step_label = package, name, schema, step_label
        self._main_metric = main_metric
        self.has_refits = refits

    def main_metric(self, case) -> tuple[str, bool]:
        return self._main_metric(case) if callable(self._main_metric) else self._main_metric

    def _call(self, method: str, *arguments):
        return getattr(importlib.import_module(f"{self.package}.{CONTRACT_MODULES[method]}"), method)(*arguments)

    def prepare(self, case, locate: Locate, seed: int):
        return self._call("prepare", case, locate, seed)

    def save_prepared(self, prepared, summary: dict, directory: Path) -> None:
        self._call("save_prepared", prepared, summary, directory)

    def load_prepared(self, directory: Path):
        return self._call("load_prepared", directory)

    def learning_problem(self, prepared):
        return self._call("learning_problem", prepared)

    def refits(self, case, prepared) -> dict:
        return self._call("refits", case, prepared) if self.has_refits else {}

    def evaluate(self, case, prepared, networks: dict, training: dict, settings: ScoringSettings,
                 refit_networks: dict | None = None) -> Evaluation:
        if self.has_refits:
            return self._call("evaluate", case, prepared, networks, training, settings, refit_networks or {})
        return self._call("evaluate", case, prepared, networks, training, settings)

    def report(self, case, metrics: dict, families: dict[str, str], paths, figure_directory: Path):
        return self._call("report", case, metrics, families, paths, figure_directory)

    def summary_row(self, metrics: dict) -> dict:
        return self._call("summary_row", metrics)

    def predict(self, request, input_path: Path):
        return self._call("predict", request, input_path)
