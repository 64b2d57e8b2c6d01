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
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException

import seqcase
from seqcase import backends, tracking, workers
from seqcase.config import CaseBase, TuneConfig
from seqcase.io import atomic_directory, write_json, write_text
from seqcase.models.hyperparameters import family
from seqcase.models.search_space import ModelSpec, spec_values
from seqcase.progress import FitProgress
from seqcase.stages.case import open_case
from seqcase.tasks.base import LearningProblem
from seqcase.training import freeze_imported_heap, set_seed
from seqcase.tuning import (VariantHyperModel, ended_trials, make_tuner, planned_trials, run_search, search_arguments,
                            search_fingerprint, trial_number)

logger = logging.getLogger(__name__)
RUN_BOOK = "runs.json"
WORKER_WAIT_SECONDS = 600  # how long a worker waits for the chief to open a variant's run
WATCH_SECONDS = 1.0  # how often the progress line looks for trials that ended


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


def variant_tags(spec: ModelSpec) -> dict[str, str]:
    return {"seqcase.kind": "model", "seqcase.architecture": spec.architecture,
            "seqcase.family": family(spec.architecture)}


def search(case_name: str, variant: str, spec: ModelSpec, tune_config: TuneConfig, problem: LearningProblem,
           seed: int, directory: Path, book: tracking.RunBook) -> dict:
    """One variant's keras-tuner search, each trial a run nested under the variant's run in `book`;
    its best hyperparameters and score, and the seconds it took."""
    started = time.monotonic()
    tuner = variant_tuner(case_name, variant, spec, tune_config, problem, seed, directory, book)
    result = run_search(tuner, tune_config)
    logger.info("%s/%s: %.1f s inside Model.fit over %d trials", case_name, variant, tuner.hypermodel.fit_seconds,
                result["trials"])
    return {**result, "seconds": time.monotonic() - started}


def variant_tuner(case_name: str, variant: str, spec: ModelSpec, tune_config: TuneConfig, problem: LearningProblem,
                  seed: int, directory: Path, book: tracking.RunBook):
    """The variant's tracked tuner, seeded; it continues the trials a killed search left in `directory`."""
    set_seed(seed)
    hypermodel = VariantHyperModel(variant, spec, problem, tune_config.batch_size, tune_config.max_train_examples,
                                   seed)
    return make_tuner(hypermodel, tune_config, directory, seed, parent_run_id=book.runs[variant],
                      experiment_id=book.experiment_id, tags=tracking.stage_tags(case_name, "tune"), overwrite=False)


def log_search(book: tracking.RunBook, case_name: str, variant: str, spec: ModelSpec, tune_config: TuneConfig,
               result: dict) -> dict:
    """The search's outcome on the variant's run (its duration counts the search's seconds, spent
    elsewhere); the result without its seconds (what the stage writes: outputs hold no timings)."""
    seconds = result["seconds"]
    result = {key: value for key, value in result.items() if key != "seconds"}
    with tracking.child_run(book, variant, case_name, "tune", variant_tags(spec), work_elsewhere=seconds):
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


_worker: dict = {}


def load_case(params_path: Path, case_name: str) -> None:
    """A worker's set-up (seqcase.workers): the case's learning problem, loaded once."""
    params, case, task, paths = open_case(params_path, case_name)
    tracking.configure()
    _worker.update(case_name=case_name, case=case, seed=params.seed, state=paths.tuning_state,
                   problem=task.learning_problem(task.load_prepared(paths.prepared)))


def search_in_worker(variant: str, book: tracking.RunBook) -> dict:
    case = _worker["case"]
    return search(_worker["case_name"], variant, case.models[variant], case.tune, _worker["problem"], _worker["seed"],
                  _worker["state"], book)


@contextmanager
def trial_progress(case_name: str, case: CaseBase, state: Path, every: float = WATCH_SECONDS) -> Iterator[FitProgress]:
    """The stage's progress line while its searches run: a thread reads the trials that ended from
    the searches' files (trials run in worker processes, or a distributed search's workers), and the
    line counts them, with the best validation loss so far. The trials a killed run finished count
    from the start, outside the time estimate. The line is a convenience: a file it cannot read
    never stops the search."""
    seen: dict[str, set[str]] = {variant: set() for variant in case.models}

    def ended() -> list[tuple[str, float | None]]:
        """(the trial's name on the line, its score) of each trial that ended since the last look."""
        found = []
        for variant in case.models:
            for trial_id, score in ended_trials(state, variant, seen[variant]).items():
                seen[variant].add(f"trial_{trial_id}")
                found.append((f"{variant} · trial {trial_number(trial_id)}", score))
        return found

    before = ended()
    progress = FitProgress(f"tune@{case_name}", planned_trials(case.tune) * len(case.models), "val_loss", False,
                           unit="trials", done_before=len(before))
    for name, score in before:
        progress.consider(name, score)

    def look() -> None:
        try:
            for name, score in ended():
                progress.fit_done(name, score)
        except Exception:  # noqa: BLE001 (a progress line must not end a search)
            logger.debug("the progress line could not read the trials", exc_info=True)

    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(every):
            look()

    watcher = threading.Thread(target=watch, name="trial-progress", daemon=True)
    watcher.start()
    try:
        yield progress
    finally:
        stop.set()
        watcher.join()
        look()  # the last trials' files, written before their searches returned
        progress.finish()


def largest_first(models: dict[str, ModelSpec]) -> list[str]:
    """The variants by their search's expected work (its space's largest network), the largest
    first (ties in params.yaml's order): the long searches start first and no core waits alone at
    the end."""
    def work(spec: ModelSpec) -> float:
        largest = {name: max(spec_values(spec.search_space[name])) for name in ("units", "layers")
                   if name in spec.search_space}
        return workers.expected_work(spec.architecture, spec.cell, largest)
    return sorted(models, key=lambda variant: -work(models[variant]))


def search_side_by_side(params_path: Path, case_name: str, case: CaseBase, book: tracking.RunBook,
                        state: Path) -> dict:
    """Every variant's search at once in one-thread worker processes (seqcase.workers): a search's
    numbers depend only on the seed, never on the worker that runs it. The variants' runs are opened
    first (a killed search finds them in the run book); each is logged as its search ends."""
    for variant, spec in case.models.items():
        tracking.open_child_run(book, variant, case_name, "tune", variant_tags(spec))
    book.save(state / RUN_BOOK)
    results = {}
    with (trial_progress(case_name, case, state),
          workers.pool(len(case.models), backends.active(), backends.machine_cores(), load_case,
                       (params_path, case_name)) as pool):
        futures = {variant: pool.submit(search_in_worker, variant, book) for variant in largest_first(case.models)}
        for variant, spec in case.models.items():
            results[variant] = log_search(book, case_name, variant, spec, case.tune, futures[variant].result())
    return results


def search_one_by_one(case_name: str, case: CaseBase, problem: LearningProblem, book: tracking.RunBook, seed: int,
                      state: Path, base_port: int) -> dict:
    """A distributed search's chief: one variant after the other, each served on its own port while
    the workers run its trials."""
    results = {}
    with trial_progress(case_name, case, state):
        for index, (variant, spec) in enumerate(case.models.items()):
            serve_variant_on(base_port, index)
            tracking.open_child_run(book, variant, case_name, "tune", variant_tags(spec))
            book.save(state / RUN_BOOK)  # a killed search finds this variant's run again; workers find it too
            results[variant] = log_search(book, case_name, variant, spec, case.tune,
                                          search(case_name, variant, spec, case.tune, problem, seed, state, book))
    return results


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
        tuner = variant_tuner(case_name, variant, spec, case.tune, problem, params.seed, paths.tuning_state, book)
        tuner.search(**search_arguments(case.tune))
        logger.info("%s/%s: worker %s ran its trials", case_name, variant, tuner_id)
    return 0


def run(params_path: Path, case_name: str) -> dict | int:
    tuner_id = worker_id()
    if tuner_id is not None:
        return run_worker(params_path, case_name, tuner_id)
    params, case, task, paths = open_case(params_path, case_name)
    prepared = task.load_prepared(paths.prepared)
    tracking.configure()
    state, base_port = paths.tuning_state, base_oracle_port()
    book = resume_or_start(state, fingerprint(case, params.seed, paths.prepared), case_name)
    with tracking.failing_pipeline_run(book):
        client = mlflow.MlflowClient()
        for key, value in {"task": case.task, "source": case.source, "seed": params.seed,
                           **prepared.describe()}.items():
            client.log_param(book.parent_run_id, key, value)
        if base_port is None:  # the workers load the learning problem, each its own
            results = search_side_by_side(params_path, case_name, case, book, state)
        else:
            problem = task.learning_problem(prepared)
            freeze_imported_heap()
            results = search_one_by_one(case_name, case, problem, book, params.seed, state, base_port)
        with atomic_directory(paths.tuning) as tuning_directory:
            write_json(tuning_directory / "best_hyperparameters.json", results)
            book.save(tuning_directory / RUN_BOOK)
    shutil.rmtree(state, ignore_errors=True)
    return results
