"""End to end: a search killed mid-way continues, and a chief and two workers share one out.

Both need a tuned case and the tracking server, not the whole project of test_pipeline.py: this
module makes the tiny forecasting case alone, prepared, so that it runs beside that one.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest
import yaml
from mlflow.tracking import MlflowClient

from test_pipeline import environment_variable, run, run_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Iterator[tuple[Path, dict]]:
    """The tiny forecasting case, fetched and prepared, beside its MLflow server."""
    with contextlib.ExitStack() as servers:
        root, context = run_project(tmp_path_factory.mktemp("tuning"), servers, tiny_only=True,
                                    targets=("prepare@tiny",))
        for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
            if name in context["env"]:
                servers.enter_context(environment_variable(name, context["env"][name]))
        yield root, context


def search_tiny_with(root: Path, env: dict, max_trials: int) -> None:
    """params.yaml as committed, but the tiny case searches `max_trials` trials over six unit counts."""
    run(["git", "checkout", "params.yaml"], root, env)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["cases"]["tiny"]["tune"] = {"max_trials": max_trials, "search_space": {"units": [2, 3, 4, 5, 6, 7]}}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def completed_trials(state: Path) -> set[str]:
    """(variant/trial id) of the trials keras-tuner finished in a search's state directory."""
    done = set()
    for path in state.glob("*/trial_*/trial.json"):
        with contextlib.suppress(ValueError, OSError):  # a file being written
            if json.loads(path.read_text())["status"] == "COMPLETED":
                done.add(f"{path.parent.parent.name}/{path.parent.name}")
    return done


def test_a_killed_tune_stage_continues_from_its_finished_trials(project):
    """SIGKILL `dvc repro` in the middle of a search, run it again: the finished trials are not run
    again, and MLflow holds each trial once, in one pipeline run."""
    root, context = project
    env = context["env"]
    search_tiny_with(root, env, max_trials=3)
    state = root / "data/tuning_state/tiny"
    process = subprocess.Popen(["dvc", "repro", "tune@tiny"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while not completed_trials(state):
        assert process.poll() is None, "the search ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = completed_trials(state)
    runs_before = json.loads((state / "runs.json").read_text())
    output = run(["dvc", "repro", "tune@tiny"], root, env)
    assert "continuing the search a killed run left" in output
    assert not state.exists()  # a completed search leaves no state behind
    book = json.loads((root / "data/tuning/tiny/runs.json").read_text())
    assert book["parent_run_id"] == runs_before["parent_run_id"]
    mlflow.set_tracking_uri(env["MLFLOW_TRACKING_URI"])
    client = MlflowClient()
    assert client.get_run(book["parent_run_id"]).data.tags["seqcase.tuning_resumed"] == "true"
    for variant in ("lstm", "dense"):
        trials = client.search_runs([book["experiment_id"]], f"tags.mlflow.parentRunId = '{book['runs'][variant]}'")
        assert sorted(run.data.tags["seqcase.trial_id"] for run in trials) == ["0", "1", "2"], variant
        assert all(run.data.tags["seqcase.trial_status"] == "completed" for run in trials)
    finished_first = [trial for trial in before if trial.startswith("lstm/")]
    assert finished_first  # the first variant's first trial finished before the kill...
    assert "lstm/trial_0" in before
    kept = client.search_runs([book["experiment_id"]], f"tags.mlflow.parentRunId = '{book['runs']['lstm']}' "
                                                       "and tags.`seqcase.trial_id` = '0'")
    assert "seqcase.trial_retried" not in kept[0].data.tags  # ...and was not run again


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_chief_and_two_workers_share_out_the_trials_and_log_each_once(project):
    root, context = project
    env = context["env"]
    search_tiny_with(root, env, max_trials=4)
    base = free_port()
    output = run([sys.executable, "-m", "seqcase", "tune-distributed", "--case", "tiny", "--workers", "2",
                  "--port", str(base)], root, env)
    assert "Running stage 'tune@tiny'" in output
    book = json.loads((root / "data/tuning/tiny/runs.json").read_text())
    mlflow.set_tracking_uri(env["MLFLOW_TRACKING_URI"])
    client = MlflowClient()
    for variant in ("lstm", "dense"):
        trials = client.search_runs([book["experiment_id"]], f"tags.mlflow.parentRunId = '{book['runs'][variant]}'")
        assert sorted(run.data.tags["seqcase.trial_id"] for run in trials) == ["0", "1", "2", "3"], variant
        assert {run.data.tags["seqcase.tuner_id"] for run in trials} == {"tuner0", "tuner1"}, variant
        assert all(run.data.tags["seqcase.trial_status"] == "completed" for run in trials)
    best = json.loads((root / "data/tuning/tiny/best_hyperparameters.json").read_text())
    assert best["lstm"]["trials"] == 4 and best["lstm"]["best_trial_run_id"]
