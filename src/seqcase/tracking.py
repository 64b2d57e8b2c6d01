"""MLflow: one experiment per case, a parent run per pipeline run, a child run per model and trial.

DVC runs each stage in its own process, so the runs a stage created are handed on in a small
JSON run book (a stage output). A pipeline run stays RUNNING until the report stage closes it; a
stage whose upstream pipeline run is already closed (it re-ran alone) starts a new pipeline run
that points back to the old one.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import mlflow
import requests
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from seqcase.errors import UserError
from seqcase.io import read_json, write_json
from seqcase.models.ensemble import ENSEMBLE_SUFFIX

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"


def project_root(directory: Path | None = None) -> Path:
    """The repository a stage runs for. A queued DVC experiment (`dvc queue start`) runs in a copy
    under <repository>/.dvc/tmp/exps/; its runs belong in the repository's own store."""
    directory = (directory or Path.cwd()).resolve()
    parts = directory.parts
    for index in range(len(parts) - 2):
        if parts[index:index + 3] == (".dvc", "tmp", "exps"):
            return Path(*parts[:index])
    return directory


def resolve_tracking_uri(uri: str, directory: Path | None = None) -> str:
    """A relative SQLite path is relative to the repository, wherever the stage runs."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
        return f"{prefix}{project_root(directory) / uri[len(prefix):]}"
    return uri


SERVER_TIMEOUT_SECONDS = 10


def configure() -> str:
    """Point MLflow at MLFLOW_TRACKING_URI, or at the SQLite file in the repository. A tracking
    server that does not answer is one line within seconds, not minutes of retries."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    uri = resolve_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI)
    if uri.startswith(("http://", "https://")):
        check_server(uri)
    mlflow.set_tracking_uri(uri)
    return uri


def check_server(uri: str, timeout: float = SERVER_TIMEOUT_SECONDS) -> None:
    """The server answers, and lets these credentials in (MLFLOW_TRACKING_USERNAME and _PASSWORD,
    for a server behind MLflow's basic authentication): one line otherwise, not minutes of retries."""
    user, password = os.environ.get("MLFLOW_TRACKING_USERNAME"), os.environ.get("MLFLOW_TRACKING_PASSWORD")
    try:
        answer = requests.get(f"{uri.rstrip('/')}/api/2.0/mlflow/experiments/get-by-name",
                              params={"experiment_name": "Default"}, timeout=timeout,
                              auth=(user, password) if user and password else None)
    except requests.RequestException as error:
        reason = type(error).__name__
        raise UserError(f"MLFLOW_TRACKING_URI={uri}: the tracking server does not answer ({reason} within "
                        f"{timeout:g} s); start it, or unset MLFLOW_TRACKING_URI to log to mlflow.db") from None
    if answer.status_code in (401, 403):
        who = f"user {user!r}" if user else "a client without MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD"
        raise UserError(f"MLFLOW_TRACKING_URI={uri}: the tracking server refuses {who} (HTTP {answer.status_code}); "
                        "set both to an account of the server")


# What a run itself rewrites as it goes (DVC's lock, the reports kept in git): not an edit of the commit.
PIPELINE_FILE, PIPELINE_FOLDER = "dvc.lock", "reports/"


def edited(porcelain: str) -> list[str]:
    """The tracked files `git status --porcelain` lists as changed, less those the pipeline writes:
    a default run's report stage finds dvc.lock and reports/ already rewritten by the stages before it."""
    paths = [line[3:].split(" -> ")[-1] for line in porcelain.splitlines() if line.strip()]
    return [path for path in paths if path != PIPELINE_FILE and not path.startswith(PIPELINE_FOLDER)]


@functools.cache
def git_state() -> dict[str, str]:
    """The commit a stage runs on, asked of git once per process, and whether its code was edited."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"mlflow.source.git.commit": commit, "seqcase.git_dirty": str(bool(edited(status))).lower()}


def process_tag() -> str:
    """host:pid of the stage process writing a run: a run still RUNNING whose process is gone was killed."""
    return f"{socket.gethostname()}:{os.getpid()}"


def stage_tags(case_name: str, stage: str) -> dict[str, str]:
    """`seqcase.dvc_stage` names the last stage that wrote to a run; `seqcase.stage.<stage>` stays."""
    return {"seqcase.case": case_name, "seqcase.dvc_stage": f"{stage}@{case_name}", f"seqcase.stage.{stage}": "true",
            "seqcase.process": process_tag(), **git_state()}


def process_gone(tag: str | None) -> bool:
    """Whether the process a run's `seqcase.process` names has ended (only this host's can be asked)."""
    host, _, pid = (tag or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def close_abandoned(experiment_id: str, case_name: str, stage: str) -> list[str]:
    """Mark KILLED the runs an earlier run of this stage left RUNNING when it was killed (its process
    is gone), so that no run stays RUNNING for good. Pipeline runs are left to continue_pipeline_run."""
    client = MlflowClient()
    abandoned = [run for run in client.search_runs(
        [experiment_id], filter_string=f"attributes.status = 'RUNNING' and tags.`seqcase.dvc_stage` = '{stage}@{case_name}'",
        max_results=1000)
        if run.data.tags.get("seqcase.kind") != "pipeline" and process_gone(run.data.tags.get("seqcase.process"))]
    for run in abandoned:
        client.set_terminated(run.info.run_id, "KILLED")
    return [run.info.run_id for run in abandoned]


@dataclass
class RunBook:
    """The MLflow runs of one pipeline run of a case: the parent and a child per model."""

    experiment_id: str
    parent_run_id: str
    runs: dict[str, str] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        write_json(path, {"experiment_id": self.experiment_id, "parent_run_id": self.parent_run_id, "runs": self.runs})

    @classmethod
    def load(cls, path: Path) -> RunBook:
        data = read_json(path)
        return cls(data["experiment_id"], data["parent_run_id"], dict(data["runs"]))


def start_pipeline_run(case_name: str, stage: str, extra_tags: dict[str, str] | None = None) -> RunBook:
    experiment = mlflow.set_experiment(case_name)
    close_abandoned(experiment.experiment_id, case_name, stage)
    run = MlflowClient().create_run(
        experiment.experiment_id,
        run_name=f"{case_name} {time.strftime('%Y-%m-%d %H:%M:%S')}",
        tags={**stage_tags(case_name, stage), "seqcase.kind": "pipeline", **(extra_tags or {})},
    )
    return RunBook(experiment.experiment_id, run.info.run_id)


def continue_pipeline_run(upstream: RunBook, case_name: str, stage: str) -> RunBook:
    """Join the upstream pipeline run while it is open and this stage has not written to it yet.

    Otherwise (it closed, failed, or this stage runs a second time in it) open a new pipeline run
    that points back: MLflow refuses a param logged twice with different values.
    """
    client = MlflowClient()
    with contextlib.suppress(MlflowException):
        close_abandoned(upstream.experiment_id, case_name, stage)
    try:
        status = client.get_run(upstream.parent_run_id).info.status
    except MlflowException as error:  # the upstream stage logged to another tracking store
        if error.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        return start_pipeline_run(case_name, stage, {"seqcase.continues": upstream.parent_run_id})
    if status == "RUNNING":
        written = any(f"seqcase.stage.{stage}" in client.get_run(run_id).data.tags for run_id in upstream.runs.values())
        if not written:
            return RunBook(upstream.experiment_id, upstream.parent_run_id, dict(upstream.runs))
        client.set_terminated(upstream.parent_run_id, "KILLED")  # superseded: it will never be completed
    return start_pipeline_run(case_name, stage, {"seqcase.continues": upstream.parent_run_id})


def finish_pipeline_run(book: RunBook, status: str = "FINISHED") -> None:
    MlflowClient().set_terminated(book.parent_run_id, status)


@contextlib.contextmanager
def failing_pipeline_run(book: RunBook) -> Iterator[RunBook]:
    """A stage that fails marks its pipeline run FAILED, so a re-run starts a fresh one."""
    try:
        yield book
    except BaseException:
        finish_pipeline_run(book, "FAILED")
        raise


WORK_SECONDS = "seqcase.work_seconds"


def add_work(run_id: str, seconds: float, run=None) -> None:
    """Count `seconds` of work on the run and end it at its start plus all the work counted so far.

    A model's run is written by several stages (tune, train, evaluate) that run minutes apart, so
    MLflow's duration (end minus start) would count the other models' and cases' time too; this way
    the Duration column is the time spent on this run. The total is kept in `seqcase.work_seconds`.
    `run` is the run as this process opened it, when it has it: its start and the work counted by
    earlier stages are there, so the server is not asked again.
    """
    client = MlflowClient()
    run = run or client.get_run(run_id)
    total = float(run.data.tags.get(WORK_SECONDS, 0.0)) + max(0.0, seconds)
    client.set_tag(run_id, WORK_SECONDS, f"{total:.1f}")
    client.set_terminated(run_id, "FINISHED", end_time=run.info.start_time + round(total * 1000))


def open_child_run(book: RunBook, key: str, case_name: str, stage: str, tags: dict[str, str] | None = None) -> str:
    """Start the child `key` of the pipeline run without entering it (it stays RUNNING), unless the
    book has it: a stage whose workers log under several models' runs at once opens them all
    first, and logs to each with `child_run` as its work ends."""
    if key not in book.runs:
        run = MlflowClient().create_run(book.experiment_id, run_name=key, tags={
            **stage_tags(case_name, stage), **(tags or {}), "mlflow.parentRunId": book.parent_run_id})
        book.runs[key] = run.info.run_id
    return book.runs[key]


@contextlib.contextmanager
def child_run(book: RunBook, key: str, case_name: str, stage: str, tags: dict[str, str] | None = None,
              parent: str | None = None, work_elsewhere: float = 0.0) -> Iterator:
    """Resume the child `key` of the pipeline run, or start it nested under the parent (or under
    the run of `parent`, a key of the book: a model's run per backtest origin).

    Its duration counts the time spent inside the block, plus `work_elsewhere` seconds spent on it
    outside (the train stage fits the seeds in worker processes before it logs them)."""
    all_tags = {**stage_tags(case_name, stage), **(tags or {})}
    started = time.monotonic()
    if key in book.runs:
        with mlflow.start_run(run_id=book.runs[key]) as run:
            mlflow.set_tags(all_tags)
            yield run
    else:
        parent_run_id = book.runs[parent] if parent else book.parent_run_id
        with mlflow.start_run(
            experiment_id=book.experiment_id, run_name=key, parent_run_id=parent_run_id, tags=all_tags
        ) as run:
            book.runs[key] = run.info.run_id
            yield run
    add_work(run.info.run_id, time.monotonic() - started + work_elsewhere, run)  # the block ended FINISHED


COMPARED_IN = "seqcase.compared_in"  # on each model run an evaluate compared: its pipeline run
COMPARISON_VIEW = "seqcase-comparison"  # the share key of each experiment's comparison view


def comparison_view(pipeline_run_id: str, metric: str, higher: bool, hyperparameters: list[str]) -> dict:
    """The runs table a case's MLflow link opens on (MLflow's shared view state): the variants,
    ensembles and baselines its last evaluate compared, best validation value first (what every
    choice is made on), with the main metric's columns shown, where MLflow's default shows none.

    Its charts tab opens on the same answer: the validation and the test metric of every model, and
    a parallel-coordinates plot of the `hyperparameters` every network logs against both metrics.
    (MLflow's own compare page plots the first three parameter names in alphabetical order whose
    values differ or are missing between the runs; across architectures those are a convolution's
    `filters` and `kernel_size`, which one run of the seven logs.)"""
    validation, test = f"validation_{metric}", f"test_{metric}"

    def section(name: str, title: str, columns: int) -> dict:
        return {"uuid": f"seqcase-{name}", "name": title, "display": True, "isReordered": False,
                "deleted": False, "isGenerated": False, "columns": columns, "cardHeight": 420}

    def chart(kind: str, name: str, section_name: str, **settings) -> dict:
        return {"type": kind, "uuid": f"seqcase-{name}", "metricSectionId": f"seqcase-{section_name}",
                "deleted": False, "isGenerated": False, "runsCountToCompare": 100, **settings}

    # MLflow lists the sections by name: "Models" before "Networks".
    sections = [section("scores", f"Models: {metric} on validation and test", 2)]
    charts = [chart("BAR", validation, "scores", metricKey=validation),
              chart("BAR", test, "scores", metricKey=test)]
    if hyperparameters:
        sections.append(section("hyperparameters", f"Networks: hyperparameters against {metric}", 1))
        charts.append(chart("PARALLEL", "parallel", "hyperparameters", selectedParams=list(hyperparameters),
                            selectedMetrics=[validation, test], showAllRuns=True))
    return {"searchFilter": f"tags.`{COMPARED_IN}` = '{pipeline_run_id}'",
            "orderByKey": f"metrics.`{validation}`", "orderByAsc": not higher,
            "selectedColumns": ["tags.`seqcase.kind`", "tags.`seqcase.family`", f"metrics.`{validation}`",
                                f"metrics.`{test}`", f"metrics.`{test}_low`",
                                f"metrics.`{test}_high`", "attributes.`Models`"],
            "runsHiddenMode": "SHOW_ALL", "compareRunCharts": charts, "compareRunSections": sections}


def test_metrics(scores: dict) -> dict[str, float]:
    """test_<metric>, and test_<metric>_<group> for grouped ones (h6, class_3): one name per task,
    so MLflow's compare view lines up the cases of a task. Scores on the validation part (what every
    choice is made on) keep their own name, validation_<metric>.

    Undefined values (NaN) are left out rather than logged.
    """
    named = [(name if name.startswith("validation_") else f"test_{name}", value) for name, value in scores.items()]
    for group in ("per_horizon", "per_class"):
        for key, values in scores.get(group, {}).items():
            named += [(f"test_{name}_{key}", value) for name, value in values.items()]
    return {name: float(value) for name, value in named
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)}


def best_network(metrics: dict, training: dict, key: str, higher: bool) -> tuple[str, str, float, bool] | None:
    """(network, validation metric, its value, higher is better) of the trained network with the best
    validation value of the case's main metric (the task's `main_metric`): a variant (by its mean
    over seeds) or a variant's seed ensemble. The logged models are the networks (the baselines are
    refitted by the evaluate stage, not logged as models)."""
    chosen_by = f"validation_{key}"
    networks = {*training, *(f"{variant}{ENSEMBLE_SUFFIX}" for variant in training)}
    values = {name: scores[chosen_by] for name, scores in metrics["models"].items()
              if name in networks and scores.get(chosen_by) is not None}
    if not values:
        return None
    best = (max if higher else min)(values, key=values.get)
    return best, chosen_by, float(values[best]), higher


CHAMPION = "champion"


def registered_model_name(case_name: str) -> str:
    return f"seqcase-{case_name}"


def logged_model(experiment_id: str, run_id: str, name: str):
    """The model a run logged under `name` (MLflow 3 keeps models beside runs), or None."""
    models = mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list",
                                         filter_string=f"source_run_id = '{run_id}' AND name = '{name}'")
    return models[-1] if models else None


def logged_model_uri(experiment_id: str, run_id: str, name: str) -> str:
    model = logged_model(experiment_id, run_id, name)
    if model is None:
        raise LookupError(f"run {run_id} logged no model named {name!r}")
    return model.model_uri


def _beats(value: float, champion: float, higher_is_better: bool) -> bool:
    return value > champion if higher_is_better else value < champion


def register_champion(case_name: str, model_uri: str, variant: str, metric: str, value: float,
                      higher_is_better: bool, tags: dict[str, str] | None = None) -> dict:
    """Register a new version of seqcase-<case>; the `champion` alias moves to it only if it beats
    the current champion on the validation metric both were chosen by (or there is none)."""
    name = registered_model_name(case_name)
    client = MlflowClient()
    version = mlflow.register_model(model_uri, name, tags={
        "seqcase.variant": variant, "seqcase.metric": metric, "seqcase.metric_value": repr(float(value)),
        "seqcase.higher_is_better": str(higher_is_better).lower(), **(tags or {}), **git_state()})
    try:
        current = client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException as error:
        if error.error_code not in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            raise
        current = None
    same_metric = current is not None and current.tags.get("seqcase.metric") == metric
    promoted = not same_metric or _beats(float(value), float(current.tags["seqcase.metric_value"]), higher_is_better)
    if promoted:
        client.set_registered_model_alias(name, CHAMPION, version.version)
    return {"name": name, "version": int(version.version), "promoted": promoted,
            "champion": int(version.version) if promoted else int(current.version)}
