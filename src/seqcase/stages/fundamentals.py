"""fundamentals: the NumPy reference cells learn the adding problem at growing lengths; a report
in reports/fundamentals/ and a run per cell and length in MLflow's `fundamentals` experiment."""

from __future__ import annotations

import dataclasses
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import mlflow

from seqcase import tracking
from seqcase.params import load_params
from seqcase.reference.settings import AddingConfig
from seqcase.io import atomic_directory, write_json, write_text
from seqcase.reference.adding import GUESS_THE_MEAN_MSE, train_adding
from seqcase.reference.cells import cell_named
from seqcase.reporting import fundamentals
from seqcase.reporting.report import html_report, markdown_report

logger = logging.getLogger(__name__)
REPORT_DIRECTORY = Path("reports/fundamentals")
DESCRIPTION = ("The recurrent cells from first principles: NumPy SimpleRNN, LSTM and GRU with backpropagation "
               "through time written out (seqcase.reference, checked against numerical gradients and Keras), "
               "trained on the adding problem: two marked values among random ones, one in each half of the "
               "sequence; the target is their sum.")


def _train(arguments: tuple[str, int, AddingConfig, int]) -> dict:
    name, length, config, seed = arguments
    run = train_adding(cell_named(name), length, config.units, config.iterations, config.batch_size,
                       config.learning_rate, config.clipnorm, seed)
    return {**dataclasses.asdict(run), "solved": run.solved}


def adding_runs(config: AddingConfig, seed: int, workers: int | None = None) -> list[dict]:
    """Every (cell, length) pair, spread over the cores; each run seeds itself, so the order of
    completion changes nothing."""
    jobs = [(name, length, config, seed) for name in config.cells for length in config.sequence_lengths]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    if workers == 1:
        return [_train(job) for job in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_train, jobs))


def log_to_mlflow(runs: list[dict], config: AddingConfig, seed: int, directory: Path) -> None:
    experiment = mlflow.set_experiment("fundamentals")
    with mlflow.start_run(experiment_id=experiment.experiment_id, run_name="adding problem",
                          tags={"seqcase.kind": "pipeline", "seqcase.dvc_stage": "fundamentals",
                                **tracking.git_state()}):
        mlflow.log_params({**config.model_dump(), "seed": seed})
        for run in runs:
            with mlflow.start_run(run_name=f"{run['cell']} length {run['length']}", nested=True):
                mlflow.log_params({"cell": run["cell"], "sequence_length": run["length"]})
                mlflow.log_metrics({"test_mse": run["test_mse"], "solved": float(run["solved"]),
                                    "training_seconds": run["seconds"]})
                for step, loss in enumerate(run["learning_curve"]):
                    mlflow.log_metric("training_mse", loss, step=step)
                for distance, norm in enumerate(run["gradient_at_start"]):
                    mlflow.log_metric("input_gradient_norm_at_start", norm, step=distance)
        mlflow.log_artifacts(str(directory), "report")


def run(params_path: Path, directory: Path = REPORT_DIRECTORY) -> dict:
    params = load_params(params_path, cases=())
    config = params.fundamentals.adding
    runs = adding_runs(config, params.seed)
    with atomic_directory(directory) as staging:
        content = fundamentals.content(runs, GUESS_THE_MEAN_MSE, {
            "cells": ", ".join(config.cells), "sequence lengths": ", ".join(map(str, config.sequence_lengths)),
            "units": config.units, "iterations (fresh batches)": config.iterations, "batch size": config.batch_size,
            "optimiser": f"Adam, learning rate {config.learning_rate}, clipnorm {config.clipnorm}",
            "seed": params.seed}, staging / "figures")
        title = "fundamentals: the adding problem"
        write_text(staging / "report.md", markdown_report(title, DESCRIPTION, content))
        write_text(staging / "report.html", html_report(title, DESCRIPTION, content))
        metrics = {"guess_the_mean_mse": GUESS_THE_MEAN_MSE, "longest_solved": content.verdict["longest_solved"],
                   "runs": [{key: run[key] for key in ("cell", "length", "test_mse", "solved")} for run in runs]}
        write_json(staging / "metrics.json", metrics)
    tracking.configure()
    log_to_mlflow(runs, config, params.seed, directory)
    logger.info(content.verdict["text"])
    return metrics
