"""tune@<case>: keras-tuner search per variant; best hyperparameters and the MLflow run book."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import mlflow

from seqcase import tracking
from seqcase.config import ModelSpec, TuneConfig
from seqcase.io import atomic_directory, write_json
from seqcase.models.catalog import family
from seqcase.stages import open_case
from seqcase.tasks import load_prepared
from seqcase.training import LearningProblem, freeze_imported_heap, learning_problem, set_seed
from seqcase.tuning import VariantHyperModel, make_tuner, run_search

logger = logging.getLogger(__name__)


def tune_variant(book: tracking.RunBook, case_name: str, variant: str, spec: ModelSpec, tune_config: TuneConfig,
                 problem: LearningProblem, seed: int, directory: Path) -> dict:
    """One variant's search, inside its MLflow run; every trial becomes a run nested under it."""
    set_seed(seed)
    tags = {"seqcase.kind": "model", "seqcase.architecture": spec.architecture, "seqcase.family": family(spec.architecture)}
    with tracking.child_run(book, variant, case_name, "tune", tags) as run:
        hypermodel = VariantHyperModel(variant, spec, problem, tune_config.batch_size,
                                       tune_config.max_train_examples, seed)
        tuner = make_tuner(hypermodel, tune_config, directory, seed, parent_run_id=run.info.run_id,
                           experiment_id=book.experiment_id, tags=tracking.stage_tags(case_name, "tune"))
        result = run_search(tuner, tune_config)
        mlflow.log_params({**result["hyperparameters"], "tuner": tune_config.algorithm})
        mlflow.log_metrics({"tuning_best_val_loss": result["score"], "tuning_trials": result["trials"],
                            "tuning_failed_trials": result["failed_trials"]})
        mlflow.set_tag("seqcase.best_trial_id", result["best_trial_id"])
        if result["best_trial_run_id"]:
            mlflow.MlflowClient().set_tag(result["best_trial_run_id"], "seqcase.best_trial", "true")
    logger.info("%s/%s: best %s (val_loss %.5f, %d trials)", case_name, variant, result["hyperparameters"],
                result["score"], result["trials"])
    return result


def run(params_path: Path, case_name: str) -> dict:
    params, case, paths = open_case(params_path, case_name)
    prepared = load_prepared(paths.prepared)
    problem = learning_problem(prepared)
    tracking.configure()
    freeze_imported_heap()
    book = tracking.start_pipeline_run(case_name, "tune")
    with tracking.failing_pipeline_run(book), tempfile.TemporaryDirectory(prefix="seqcase-tune-") as directory:
        client = mlflow.MlflowClient()
        for key, value in {"task": case.task, "source": case.source, "seed": params.seed,
                           **prepared.describe()}.items():
            client.log_param(book.parent_run_id, key, value)
        results = {
            variant: tune_variant(book, case_name, variant, spec, case.tune, problem, params.seed, Path(directory))
            for variant, spec in case.models.items()
        }
        with atomic_directory(paths.tuning) as tuning_directory:
            write_json(tuning_directory / "best_hyperparameters.json", results)
            book.save(tuning_directory / "runs.json")
    return results
