"""keras-tuner over each variant's search space, every trial a nested MLflow run.

keras-tuner has no tracking hook of its own; the tuner class is wrapped so that each trial runs
inside its own MLflow run (hyperparameters, per-epoch metrics, status, score), nested under the
variant's run. keras-tuner swallows a failing trial; a search in which no trial completed raises.
A search keeps its trials in a directory; a tuner made on that directory again continues where
a killed search stopped, and finds the MLflow runs of the trials it already ran.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import time
from pathlib import Path

import keras
import keras_tuner
import mlflow
import numpy as np
from keras_tuner.src import utils as keras_tuner_utils
from mlflow.tracking import MlflowClient

from seqcase.config import TuneConfig
from seqcase.errors import UserError
from seqcase.io import write_text
from seqcase.models.search_space import ModelSpec, Range
from seqcase.models.networks import build_network
from seqcase.tasks.base import LearningProblem
from seqcase.training import EpochMetricsLogger

logger = logging.getLogger(__name__)

TUNERS = {
    "hyperband": keras_tuner.Hyperband,
    "random_search": keras_tuner.RandomSearch,
    "bayesian": keras_tuner.BayesianOptimization,
}


class TuningError(RuntimeError):
    """No trial of a search completed; the message carries what the trials failed with."""


def register(hp: keras_tuner.HyperParameters, name: str, spec) -> object:
    """Declare one hyperparameter from its params.yaml form: a range, a list of choices, or a value."""
    if isinstance(spec, Range):
        if spec.is_integer:
            return hp.Int(name, int(spec.min), int(spec.max), step=int(spec.step or 1), sampling=spec.sampling)
        return hp.Float(name, float(spec.min), float(spec.max), step=spec.step, sampling=spec.sampling)
    if isinstance(spec, list):
        return hp.Choice(name, spec)
    return hp.Fixed(name, spec)


def training_sample(inputs: np.ndarray, labels: np.ndarray, size: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded sample of `size` training examples, in their order (all of them when size is None)."""
    if size is None or size >= len(labels):
        return inputs, labels
    chosen = np.sort(np.random.default_rng(seed).choice(len(labels), size=size, replace=False))
    return inputs[chosen], labels[chosen]


class VariantHyperModel(keras_tuner.HyperModel):
    """Builds a variant from its search space; the data may depend on the trial (a window length)."""

    def __init__(self, variant: str, spec: ModelSpec, problem: LearningProblem, batch_size: int,
                 max_train_examples: int | None = None, seed: int = 0) -> None:
        super().__init__(name=variant)
        self.spec, self.problem, self.batch_size = spec, problem, batch_size
        self.max_train_examples, self.seed = max_train_examples, seed
        self.fit_seconds = 0.0  # inside Model.fit, over the search's trials: the stage logs it
        self.user_errors: list[UserError] = []  # a trial that failed on the user's data or params (keras-tuner keeps only text)

    def build(self, hp: keras_tuner.HyperParameters) -> keras.Model:
        # keras-tuner collects garbage twice before each build (0.15 s a pass over a JAX process's
        # heap, a fifth of a small trial); what survived them lives on, so later passes skip it.
        # A trial's own objects stay collectable: they are made after this.
        gc.freeze()
        values = {name: register(hp, name, spec) for name, spec in self.spec.search_space.items()}
        return build_network(self.spec.architecture, self.problem.input_shape(values), self.problem.head, values,
                             self.spec.cell, self.name)

    def fit(self, hp: keras_tuner.HyperParameters, model: keras.Model, *args, **kwargs):
        try:
            (train_x, train_y), validation = self.problem.datasets(hp.values)
        except UserError as error:
            self.user_errors.append(error)
            raise
        train_x, train_y = training_sample(train_x, train_y, self.max_train_examples, self.seed)
        kwargs.pop("verbose", None)  # the search's verbosity is keras-tuner's; the fit stays quiet
        started = time.perf_counter()
        try:
            return model.fit(train_x, train_y, validation_data=validation, batch_size=self.batch_size,
                             class_weight=self.problem.class_weight, verbose=0, **kwargs)
        finally:
            self.fit_seconds += time.perf_counter() - started


def trial_number(trial_id: str) -> str:
    """keras-tuner's trial "03" is a person's trial 4."""
    return str(int(trial_id) + 1) if trial_id.isdigit() else trial_id


def tracked(tuner_class: type) -> type:
    """A subclass of a keras-tuner tuner that logs each trial as a nested MLflow run."""

    class TrackedTuner(tuner_class):
        def __init__(self, *args, parent_run_id: str, experiment_id: str, tags: dict[str, str], **kwargs):
            self.parent_run_id, self.experiment_id, self.run_tags = parent_run_id, experiment_id, tags
            # A resumed search (its trials reloaded from the tuner's directory) finds its trials' runs.
            self.trial_runs, logged = existing_trial_runs(experiment_id, parent_run_id)
            super().__init__(*args, **kwargs)
            reload_oracle_without_tuner_file(self)  # (with overwrite=True keras-tuner left no oracle file)
            forget_unstarted(self.oracle)
            not_again(self.oracle)
            # A search killed after keras-tuner saved a finished trial but before that trial's run
            # got its status and score: keras-tuner will not run it again, so finish its run here.
            # (A worker of a distributed search has no trials of its own: its chief does this.)
            for trial_id, trial in getattr(self.oracle, "trials", {}).items():
                if trial_id in self.trial_runs and trial_id not in logged and trial.status in FINISHED:
                    self.log_trial_end(trial)

        def run_trial(self, trial, *args, **kwargs):
            tags = {**self.run_tags, "seqcase.kind": "trial", "seqcase.trial_id": trial.trial_id,
                    "seqcase.tuner_id": self.tuner_id}
            interrupted = self.trial_runs.pop(trial.trial_id, None)
            if interrupted is not None:
                # keras-tuner runs a trial that a killed search left unfinished again, from its start:
                # the half-logged run goes, so that each trial is one run.
                MlflowClient().delete_run(interrupted)
                tags["seqcase.trial_retried"] = "true"
            with mlflow.start_run(experiment_id=self.experiment_id,
                                  run_name=f"{self.hypermodel.name} · trial {trial_number(trial.trial_id)}",
                                  parent_run_id=self.parent_run_id, nested=True, tags=tags) as run:
                self.trial_runs[trial.trial_id] = run.info.run_id
                mlflow.log_params({**trial.hyperparameters.values, "keras_backend": keras.backend.backend()})
                kwargs["callbacks"] = [*kwargs.get("callbacks", []), EpochMetricsLogger()]
                return super().run_trial(trial, *args, **kwargs)

        def on_trial_end(self, trial):
            super().on_trial_end(trial)
            self.log_trial_end(trial)

        def log_trial_end(self, trial):
            """The trial's status, score and message on its run."""
            run_id = self.trial_runs.get(trial.trial_id)
            if run_id is None:
                return
            client = MlflowClient()
            client.set_tag(run_id, "seqcase.trial_status", str(trial.status).lower())
            if trial.score is not None:
                client.log_metric(run_id, "score", float(trial.score))
            if trial.message:
                client.set_tag(run_id, "seqcase.trial_message", str(trial.message)[-4000:])

    TrackedTuner.__name__ = f"Tracked{tuner_class.__name__}"
    return TrackedTuner


def reload_oracle_without_tuner_file(tuner) -> None:
    """keras-tuner reloads a search only when it finds the tuner's own file (<tuner id>.json), which
    it first writes just after the oracle's save at the end of the first trial: a search killed in
    between would start over and run its finished first trial again. That file holds no state ({}),
    so the oracle's saved state is reloaded on its own. (A worker's oracle is its chief's.)"""
    if tuner._is_worker():
        return
    if Path(tuner.oracle._get_oracle_fname()).is_file() and not Path(tuner._get_tuner_fname()).is_file():
        tuner.oracle.reload()


def forget_unstarted(oracle) -> None:
    """keras-tuner's create_trial writes a new trial's trial.json before oracle.json: a search killed
    in between reloads a trial that its oracle never started (not in start_order, nor ongoing, nor to
    be retried), which would never run nor end, and the search would have one trial fewer. The oracle
    saved before it comes back to the same trial, with the same values, under the same id."""
    started = getattr(oracle, "start_order", None)  # a worker's oracle is its chief's client: none here
    if started is None:
        return
    for trial_id in [trial_id for trial_id in oracle.trials if trial_id not in started]:
        del oracle.trials[trial_id]


def not_again(oracle) -> None:
    """keras-tuner's end_trial saves oracle.json with the ended trial still among the ongoing ones
    (it pops it just after), and a reloaded oracle sends every ongoing trial to be retried: a search
    killed in between would run a finished trial a second time. A trial in end_order has ended."""
    ended = set(getattr(oracle, "end_order", ()))
    queue = getattr(oracle, "_retry_queue", None)  # a worker's oracle is its chief's client: none here
    if queue:
        oracle._retry_queue = [trial_id for trial_id in queue if trial_id not in ended]


# keras-tuner's statuses of a trial that has ended and will not run again.
FINISHED = ("COMPLETED", "FAILED", "INVALID")


def planned_trials(config: TuneConfig) -> int:
    """How many trials a variant's search runs (fewer when its space runs out of new values): the
    trials asked for, or Hyperband's brackets summed (each round's survivors are new trials)."""
    if config.algorithm != "hyperband":
        return config.max_trials
    oracle = keras_tuner.oracles.HyperbandOracle(objective="val_loss", max_epochs=config.max_epochs,
                                                 factor=config.factor)
    brackets = range(oracle._get_num_brackets())
    per_iteration = sum(oracle._get_size(bracket, step) for bracket in brackets for step in range(bracket + 1))
    return per_iteration * config.hyperband_iterations


def ended_trials(directory: Path, variant: str, known: set[str] = frozenset()) -> dict[str, float | None]:
    """trial id -> score (None for a failed trial) of a variant's trials that have ended, read from
    the trial files keras-tuner keeps in the search's directory (written whole: see
    save_json_atomically); wherever the trials run, a worker process or a distributed worker. The
    trials in `known` (their folders, trial_<id>) are not read again."""
    ended = {}
    for path in sorted((Path(directory) / variant).glob("trial_*/trial.json")):
        if path.parent.name in known:
            continue
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError):  # removed by a search that started afresh
            continue
        if state.get("status") in FINISHED:
            ended[state["trial_id"]] = state.get("score")
    return ended


def existing_trial_runs(experiment_id: str, parent_run_id: str) -> tuple[dict[str, str], set[str]]:
    """trial id -> run id of the trials already logged under a variant's run, and the trial ids
    whose run already carries its final status."""
    runs = MlflowClient().search_runs(
        [experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent_run_id}' and tags.`seqcase.kind` = 'trial'")
    return ({run.data.tags["seqcase.trial_id"]: run.info.run_id for run in runs},
            {run.data.tags["seqcase.trial_id"] for run in runs if "seqcase.trial_status" in run.data.tags})


def search_fingerprint(settings: dict, files: list[Path]) -> str:
    """What a search depends on (its settings and the bytes of its data and code), as one digest:
    a search left by a killed run is continued only when nothing it depends on changed."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for path in sorted(files):
        digest.update(str(path.name).encode())
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def save_json_atomically(path: str, state: object) -> str:
    """keras-tuner's own save_json truncates the file, then writes it: a search killed in between
    leaves an empty oracle.json that no later search can reload. This one renames a whole file in."""
    text = json.dumps(state)
    write_text(path, text)
    return text


def make_tuner(hypermodel: VariantHyperModel, config: TuneConfig, directory: Path, seed: int,
               parent_run_id: str, experiment_id: str, tags: dict[str, str], overwrite: bool = True):
    """A tracked tuner; with overwrite=False one that finds its trials in `directory` continues them."""
    common = dict(
        hypermodel=hypermodel, objective="val_loss", seed=seed, directory=str(directory),
        project_name=hypermodel.name, overwrite=overwrite, executions_per_trial=config.executions_per_trial,
        parent_run_id=parent_run_id, experiment_id=experiment_id, tags=tags,
    )
    # Every state file keras-tuner writes (oracle, tuner, trials) goes through utils.save_json.
    keras_tuner_utils.save_json = save_json_atomically
    tuner_class = tracked(TUNERS[config.algorithm])
    if config.algorithm == "hyperband":
        return tuner_class(max_epochs=config.max_epochs, factor=config.factor,
                           hyperband_iterations=config.hyperband_iterations, **common)
    return tuner_class(max_trials=config.max_trials, **common)


def search_arguments(config: TuneConfig) -> dict:
    """What tuner.search() passes on to each trial's fit: early stopping, and the epochs (Hyperband sets its own)."""
    arguments = {"callbacks": [keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.early_stopping_patience)],
                 "verbose": 0}  # keras-tuner's banners name no variant: each trial ends on one line of ours
    if config.algorithm != "hyperband":
        arguments["epochs"] = config.max_epochs
    return arguments


def run_search(tuner, config: TuneConfig) -> dict:
    """Search, check that trials completed, and return the best trial's hyperparameters and score.

    A chief (distributed tuning) serves the oracle while workers run the trials; it finds the
    trials' runs in MLflow afterwards."""
    tuner.search(**search_arguments(config))
    trials = list(tuner.oracle.trials.values())
    completed = [trial for trial in trials if str(trial.status) == "COMPLETED" and trial.score is not None]
    failed = [trial for trial in trials if str(trial.status) == "FAILED"]
    if not completed and tuner.hypermodel.user_errors:  # the user's to fix, in one line: no trial could run
        raise tuner.hypermodel.user_errors[0]
    if not completed:
        messages = "; ".join(str(trial.message).strip().splitlines()[-1] for trial in failed if trial.message)
        raise TuningError(f"no trial of {tuner.hypermodel.name!r} completed ({len(failed)} failed): {messages}")
    if failed:
        logger.warning("%s: %d of %d trials failed", tuner.hypermodel.name, len(failed), len(trials))
    best = min(completed, key=lambda trial: trial.score)
    hyperparameters = {k: v for k, v in best.hyperparameters.values.items() if not k.startswith("tuner/")}
    return {
        "hyperparameters": hyperparameters,
        "score": float(best.score),
        "best_trial_id": best.trial_id,
        "best_trial_run_id": tuner.trial_runs.get(best.trial_id)
        or existing_trial_runs(tuner.experiment_id, tuner.parent_run_id)[0].get(best.trial_id),
        "trials": len(trials),
        "completed_trials": len(completed),
        "failed_trials": len(failed),
    }
