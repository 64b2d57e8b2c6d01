"""train@<case>: each variant retrained on its best hyperparameters, saved and logged to MLflow."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import mlflow

from seqcase import serving, tracking
from seqcase.config import TrainConfig
from seqcase.gradients import GradientDiagnostics
from seqcase.io import atomic_directory, atomic_path, read_json, write_json
from seqcase.models.hyperparameters import family
from seqcase.models.networks import build_network
from seqcase.models.search_space import ModelSpec
from seqcase.stages import open_case
from seqcase.training import (EpochMetricsLogger, LearningProblem, best_epoch, fit_network, freeze_imported_heap,
                              set_seed)

logger = logging.getLogger(__name__)
PROBE_EXAMPLES = 256  # validation examples the gradient diagnostics read each epoch


def write_learning_curve(path: Path, history: dict[str, list[float]]) -> None:
    columns = ["epoch", *history]
    with atomic_path(path) as temporary, open(temporary, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for epoch in range(len(history["loss"])):
            writer.writerow([epoch + 1, *(history[name][epoch] for name in history)])


def train_variant(book: tracking.RunBook, case_name: str, variant: str, spec: ModelSpec, hyperparameters: dict,
                  train_config: TrainConfig, problem: LearningProblem, seed: int,
                  model_directory: Path, curves_directory: Path, facts: dict) -> dict:
    """Retrain one variant inside its MLflow run; save the model and its learning curve."""
    set_seed(seed)
    model = build_network(spec.architecture, problem.input_shape(hyperparameters), problem.head, hyperparameters,
                          spec.cell, variant)
    train, validation = problem.datasets(hyperparameters)
    tags = {"seqcase.kind": "model", "seqcase.architecture": spec.architecture, "seqcase.family": family(spec.architecture)}
    with tracking.child_run(book, variant, case_name, "train", tags):
        mlflow.log_params({**hyperparameters, **train_config.model_dump(), "train_examples": len(train[0])})
        diagnostics = GradientDiagnostics(validation[0][:PROBE_EXAMPLES], validation[1][:PROBE_EXAMPLES])
        history = fit_network(model, train, validation, train_config, [EpochMetricsLogger(), diagnostics],
                              problem.class_weight).history
        write_json(model_directory / "gradients" / f"{variant}.json", diagnostics.records)
        mlflow.log_dict(diagnostics.records, "gradients.json")
        saved = problem.export(model, hyperparameters)
        saved.save(model_directory / f"{variant}.keras")
        sample = problem.example_inputs(hyperparameters)
        serving.log_network(model_directory / f"{variant}.keras", variant, sample, saved.predict(sample, verbose=0),
                            {**facts, "hyperparameters": hyperparameters})
        kept = best_epoch(history, train_config.monitor)
        mlflow.log_metrics({"best_epoch": kept + 1, "best_val_loss": history["val_loss"][kept],
                            f"best_{train_config.monitor}": history[train_config.monitor][kept]})
    write_learning_curve(curves_directory / f"{variant}.csv", history)
    summary = {
        "architecture": spec.architecture, "family": family(spec.architecture), "hyperparameters": hyperparameters,
        "window_length": hyperparameters.get("window_length"), "epochs_run": len(history["loss"]), "best_epoch": kept + 1,
        "best_val_loss": float(history["val_loss"][kept]), "parameters": int(model.count_params()),
        "run_id": book.runs[variant],
    }
    logger.info("%s/%s: %s", case_name, variant, summary)
    return summary


def run(params_path: Path, case_name: str) -> dict:
    params, case, task, paths = open_case(params_path, case_name)
    prepared = task.load_prepared(paths.prepared)
    problem = task.learning_problem(prepared)
    facts = {"case": case_name, "task": case.task, **prepared.serving_facts()}
    tuned = read_json(paths.tuning / "best_hyperparameters.json")
    tracking.configure()
    freeze_imported_heap()
    book = tracking.continue_pipeline_run(tracking.RunBook.load(paths.tuning / "runs.json"), case_name, "train")
    with (tracking.failing_pipeline_run(book), atomic_directory(paths.models) as model_directory,
          atomic_directory(paths.reports / "learning_curves") as curves_directory):
        summary = {
            variant: train_variant(book, case_name, variant, spec, tuned[variant]["hyperparameters"], case.train,
                                   problem, params.seed, model_directory, curves_directory, facts)
            for variant, spec in case.models.items()
        }
        write_json(model_directory / "training.json", summary)
        book.save(model_directory / "runs.json")
    return summary
