"""evaluate@<case>: every network and baseline scored on the same untouched test part, and the verdict.

The task scores (`Task.evaluate`): its metrics, its baselines, the test behind its verdict. This
stage writes what it returns: metrics.json, the DVC plot tables, the arrays the report draws from,
and a run per model in MLflow.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from seqcase import tracking
from seqcase.evaluation.verdicts import model_families
from seqcase.io import atomic_directory, atomic_path, read_json, write_json
from seqcase.models.networks import load_network
from seqcase.stages import open_case
from seqcase.tasks.base import ScoringSettings

logger = logging.getLogger(__name__)


def without_nan(value):
    """JSON for DVC: NaN (undefined, e.g. the naive forecast's DM test) becomes null."""
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nan(item) for item in value]
    return None if isinstance(value, float) and math.isnan(value) else value


def write_table(path: Path, table: pd.DataFrame) -> None:
    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=False)


def run(params_path: Path, case_name: str) -> dict:
    params, case, task, paths = open_case(params_path, case_name)
    prepared = task.load_prepared(paths.prepared)
    training = read_json(paths.models / "training.json")
    networks = {variant: load_network(paths.models / f"{variant}.keras") for variant in training}
    result = task.evaluate(case, prepared, networks, training,
                           ScoringSettings(params.seed, params.evaluate.significance))
    families = model_families(result.scores, training)

    tracking.configure()
    book = tracking.continue_pipeline_run(tracking.RunBook.load(paths.models / "runs.json"), case_name, "evaluate")
    with tracking.failing_pipeline_run(book):
        for name, scores in result.scores.items():
            tags = {"seqcase.kind": "model" if name in networks else "baseline", "seqcase.family": families[name]}
            if name in networks:
                tags["seqcase.trained_in"] = training[name]["run_id"]
            with tracking.child_run(book, name, case_name, "evaluate", tags):
                mlflow.log_metrics(tracking.test_metrics(scores))
                mlflow.log_metric("test_examples", result.examples)
                for temperature, sample in result.samples.get(name, {}).items():
                    mlflow.log_text(sample, f"samples/temperature_{temperature}.txt")

        with atomic_directory(paths.reports / "predictions") as tables:
            for name, table in result.plot_tables.items():
                write_table(tables / f"{name}.csv", table)
        metrics = {"task": case.task, "test_examples": result.examples, **result.facts,
                   "verdict": without_nan(result.verdict), "models": without_nan(result.scores)}
        write_json(paths.reports / "metrics.json", metrics)
        with atomic_directory(paths.evaluation) as evaluation:
            np.savez(evaluation / "predictions.npz", **result.arrays)
            write_json(evaluation / "models.json", {name: {"family": families[name]} for name in result.scores})
            if result.samples:
                write_json(evaluation / "samples.json", result.samples)
            book.save(evaluation / "runs.json")
        logger.info("%s: %d test examples", case_name, result.examples)
        return metrics
