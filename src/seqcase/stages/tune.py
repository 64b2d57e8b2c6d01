"""tune@<case>: keras-tuner search per variant; best hyperparameters and the MLflow run book.

A search is resumable: keras-tuner's trials and the run book live in data/tuning_state/<case>/
while it runs. If the stage is killed, the next `dvc repro` finds them and, when the case's
settings, data and code are unchanged, continues the same pipeline run from the finished trials
(each trial stays one MLflow run); otherwise it starts afresh. A completed search removes them.

Distributed (keras-tuner's chief and workers, `python -m seqcase tune-distributed`): the stage
process is the chief, which serves each variant's oracle on its own port (the base port plus the
variant's index, so that a worker never reaches the previous variant's oracle) and keeps the MLflow
runs; workers run this module with another KERASTUNER_TUNER_ID, read the chief's run book from the
state folder, and run the trials, each logged under its variant's run.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException

import seqcase
from seqcase import backends, tracking
from seqcase.config import CaseBase, TuneConfig
from seqcase.io import atomic_directory, write_json, write_text
from seqcase.models.hyperparameters import family
from seqcase.models.search_space import ModelSpec
from seqcase.stages import open_case
from seqcase.tasks.base import LearningProblem
from seqcase.training import freeze_imported_heap, set_seed
from seqcase.tuning import VariantHyperModel, make_tuner, run_search, search_arguments, search_fingerprint

logger = logging.getLogger(__name__)
RUN_BOOK = "runs.json"
WORKER_WAIT_SECONDS = 600  # how long a worker waits for the chief to open a variant's run


def worker_id() -> str | None:
    """This process's keras-tuner id when it is a worker of a distributed search, else None."""
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return None
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "")
    return None if "chief" in tuner_id else tuner_id


def serve_variant_on(base_port: int | None, index: int) -> None:
    """Point keras-tuner at the variant's own oracle port (distributed tuning only)."""
    if base_port is not None:
        os.environ["KERASTUNER_ORACLE_PORT"] = str(base_port + index)


def base_oracle_port() -> int | None:
    return int(os.environ["KERASTUNER_ORACLE_PORT"]) if "KERASTUNER_ORACLE_IP" in os.environ else None


def tune_variant(book: tracking.RunBook, case_name: str, variant: str, spec: ModelSpec, tune_config: TuneConfig,
                 problem: LearningProblem, seed: int, directory: Path) -> dict:
    """One variant's search, inside its MLflow run; every trial becomes a run nested under it."""
    set_seed(seed)
    tags = {"seqcase.kind": "model", "seqcase.architecture": spec.architecture, "seqcase.family": family(spec.architecture)}
    with tracking.child_run(book, variant, case_name, "tune", tags) as run:
        book.save(directory / RUN_BOOK)  # a killed search finds this variant's run again
        hypermodel = VariantHyperModel(variant, spec, problem, tune_config.batch_size,
                                       tune_config.max_train_examples, seed)
        tuner = make_tuner(hypermodel, tune_config, directory, seed, parent_run_id=run.info.run_id,
                           experiment_id=book.experiment_id, tags=tracking.stage_tags(case_name, "tune"),
                           overwrite=False)
        result = run_search(tuner, tune_config)
        mlflow.log_params({**result["hyperparameters"], "tuner": tune_config.algorithm,
                           "keras_backend": backends.active()})
        mlflow.log_metrics({"tuning_best_val_loss": result["score"], "tuning_trials": result["trials"],
                            "tuning_failed_trials": result["failed_trials"]})
        mlflow.set_tag("seqcase.best_trial_id", result["best_trial_id"])
        if result["best_trial_run_id"]:
            mlflow.MlflowClient().set_tag(result["best_trial_run_id"], "seqcase.best_trial", "true")
    logger.info("%s/%s: best %s (val_loss %.5f, %d trials)", case_name, variant, result["hyperparameters"],
                result["score"], result["trials"])
    return result


def fingerprint(case: CaseBase, seed: int, prepared_directory: Path) -> str:
    """The settings, the prepared data and the package's code a search depends on."""
    code = sorted(Path(seqcase.__file__).parent.rglob("*.py"))
    data = sorted(path for path in Path(prepared_directory).rglob("*") if path.is_file())
    settings = {"models": {name: spec.model_dump() for name, spec in case.models.items()},
                "tune": case.tune.model_dump(), "seed": seed}
    return search_fingerprint(settings, data + code)


def resume_or_start(state: Path, digest: str, case_name: str) -> tracking.RunBook:
    """The run book of a search a killed run left with the same fingerprint, reopened; else a fresh
    state directory and a new pipeline run."""
    marker, saved = state / "fingerprint", state / RUN_BOOK
    if marker.is_file() and marker.read_text() == digest and saved.is_file():
        book = tracking.RunBook.load(saved)
        client = mlflow.MlflowClient()
        try:
            client.update_run(book.parent_run_id, status="RUNNING")
        except MlflowException as error:  # the earlier run logged to another tracking store
            if error.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
        else:
            for run_id in book.runs.values():
                client.update_run(run_id, status="RUNNING")
            client.set_tag(book.parent_run_id, "seqcase.tuning_resumed", "true")
            logger.info("%s: continuing the search a killed run left (pipeline run %s)", case_name, book.parent_run_id)
            return book
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    book = tracking.start_pipeline_run(case_name, "tune")
    book.save(saved)
    write_text(marker, digest)
    return book


def wait_for_variant_run(state: Path, digest: str, variant: str) -> tracking.RunBook:
    """The chief's run book once it holds `variant`'s run, for the search with this fingerprint."""
    deadline = time.monotonic() + WORKER_WAIT_SECONDS
    while time.monotonic() < deadline:
        marker, saved = state / "fingerprint", state / RUN_BOOK
        if marker.is_file() and marker.read_text() == digest and saved.is_file():
            book = tracking.RunBook.load(saved)
            if variant in book.runs:
                return book
        time.sleep(0.5)
    raise TimeoutError(f"{state}: no chief opened a run for {variant!r} within {WORKER_WAIT_SECONDS} s")


def run_worker(params_path: Path, case_name: str, tuner_id: str) -> int:
    """A worker of a distributed search: each variant's trials that its chief hands out; no outputs."""
    params, case, task, paths = open_case(params_path, case_name)
    problem = task.learning_problem(task.load_prepared(paths.prepared))
    tracking.configure()
    freeze_imported_heap()
    digest, base_port = fingerprint(case, params.seed, paths.prepared), base_oracle_port()
    for index, (variant, spec) in enumerate(case.models.items()):
        book = wait_for_variant_run(paths.tuning_state, digest, variant)
        serve_variant_on(base_port, index)
        set_seed(params.seed)
        hypermodel = VariantHyperModel(variant, spec, problem, case.tune.batch_size, case.tune.max_train_examples,
                                       params.seed)
        tuner = make_tuner(hypermodel, case.tune, paths.tuning_state, params.seed, parent_run_id=book.runs[variant],
                           experiment_id=book.experiment_id, tags=tracking.stage_tags(case_name, "tune"),
                           overwrite=False)
        tuner.search(**search_arguments(case.tune))
        logger.info("%s/%s: worker %s ran its trials", case_name, variant, tuner_id)
    return 0


def run(params_path: Path, case_name: str) -> dict | int:
    tuner_id = worker_id()
    if tuner_id is not None:
        return run_worker(params_path, case_name, tuner_id)
    params, case, task, paths = open_case(params_path, case_name)
    prepared = task.load_prepared(paths.prepared)
    problem = task.learning_problem(prepared)
    tracking.configure()
    freeze_imported_heap()
    state, base_port = paths.tuning_state, base_oracle_port()
    book = resume_or_start(state, fingerprint(case, params.seed, paths.prepared), case_name)
    with tracking.failing_pipeline_run(book):
        client = mlflow.MlflowClient()
        for key, value in {"task": case.task, "source": case.source, "seed": params.seed,
                           **prepared.describe()}.items():
            client.log_param(book.parent_run_id, key, value)
        results = {}
        for index, (variant, spec) in enumerate(case.models.items()):
            serve_variant_on(base_port, index)
            results[variant] = tune_variant(book, case_name, variant, spec, case.tune, problem, params.seed, state)
        with atomic_directory(paths.tuning) as tuning_directory:
            write_json(tuning_directory / "best_hyperparameters.json", results)
            book.save(tuning_directory / RUN_BOOK)
    shutil.rmtree(state, ignore_errors=True)
    return results
