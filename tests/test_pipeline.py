"""End to end: the real `dvc repro` on a copy of the repository with a forecasting case (tiny,
backtested) and a classification case (beats), against an authenticated MLflow server; then what
users do next: `python -m seqcase run`, predict, a second repro, a queued sweep, a killed search and
a distributed one. The event, text and generation cases run in test_pipeline_tasks.py, beside it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

from conftest import make_prices
from pipeline_project import (assert_every_case_carries_its_verdict, assert_every_stage_read_what_the_record_says,
                              champion_window_length, environment_variable,
                              headline_shown, project_fixture, run, shown_plots, verdict_chance, status_of)
from seqcase.commands.predict import predict_csv
from seqcase.reads import FOLDER_VARIABLE

pytestmark = pytest.mark.slow
CASES = ("tiny", "beats")
project = project_fixture(CASES)


def test_repro_runs_every_stage_and_writes_metrics_and_reports(project):
    root, context = project
    for stage in ("fetch@prices", "prepare@tiny", "tune@tiny", "train@tiny", "evaluate@tiny", "report@tiny", "summary"):
        assert f"Running stage '{stage}'" in context["output"]
    metrics = json.loads((root / "reports/tiny/metrics.json").read_text())
    assert set(metrics["models"]) == {"lstm", "transformer", "dense", "naive", "drift", "mean", "linear_lags"}
    assert metrics["horizon"] == 2 and metrics["test_examples"] > 20
    assert metrics["models"]["naive"]["per_horizon"]["h2"]["time_lag_steps"] is None  # a zero return never moves
    assert 0 <= metrics["models"]["linear_lags"]["per_horizon"]["h2"]["time_lag_steps"] <= 4
    lstm = metrics["models"]["lstm"]
    assert lstm["rmse"] > 0 and 0 <= lstm["dm_pvalue"] <= 1 and set(lstm["per_horizon"]) == {"h1", "h2"}
    assert lstm["rmse_ratio_to_naive"] == pytest.approx(lstm["rmse"] / metrics["models"]["naive"]["rmse"])
    # Intervals at the default levels, calibrated per step on validation (each seed on its own
    # errors, so the radii are a seed's), scored on test.
    first_seed = next(iter(lstm["seeds"].values()))
    assert set(first_seed["interval_radius"]) == {"80", "95"} and "interval_radius" not in lstm
    assert 0 < first_seed["interval_radius"]["80"]["h2"] < first_seed["interval_radius"]["95"]["h2"]
    assert first_seed["interval_scale"] == {"steps": 0, "floor": 0.0}  # tiny asks for no scaled intervals
    assert 0 <= lstm["per_horizon"]["h2"]["coverage_95"] <= 1 and lstm["wis"] > 0
    assert "## Prediction intervals, 95 %" in (root / "reports/tiny/report.md").read_text()
    assert (root / "reports/tiny/figures/intervals_h2.png").is_file()
    # The backtest: two origins, the second refitted on everything before it, scored pooled.
    backtest = metrics["backtest"]
    assert [origin["name"] for origin in backtest["origins"]] == ["origin_1", "origin_2"]
    assert backtest["origins"][1]["train_windows_end"] < backtest["origins"][1]["start"]
    assert [origin["windows"] for origin in backtest["origins"]] == [
        backtest["per_origin"][name]["lstm"]["windows"] for name in ("origin_1", "origin_2")]
    assert min(origin["windows"] for origin in backtest["origins"]) >= 10
    assert set(backtest["pooled"]) == set(metrics["models"]) and "p_value" in backtest["verdict"]
    assert (root / "data/models/tiny/refits/origin_2/lstm/seed_7.keras").is_file()
    assert "## Backtest: 2 origins pooled" in (root / "reports/tiny/report.md").read_text()
    assert (root / "reports/tiny/figures/backtest_by_origin.png").is_file()
    html = (root / "reports/tiny/report.html").read_text()
    assert "<h2>Verdict</h2>" in html and "data:image/png;base64," in html
    assert verdict_chance(root, "tiny", "test windows") in (root / "reports/tiny/report.md").read_text()
    assert "[tiny](tiny/report.md)" in (root / "reports/summary.md").read_text()
    landing = (root / "reports/index.html").read_text()
    pipeline_run = json.loads((root / "data/evaluation/tiny/runs.json").read_text())["parent_run_id"]
    assert '<section class="card" id="tiny">' in landing and 'href="tiny/report.html"' in landing
    assert f"/runs/{pipeline_run}" in landing and 'alt="tiny: seeds"' in landing
    assert "## Gradient diagnostics" in (root / "reports/tiny/report.md").read_text()
    assert (root / "reports/tiny/figures/input_gradient.png").is_file()
    assert sorted(path.name for path in (root / "reports/tiny/predictions").iterdir()) == sorted(
        f"{name}.csv" for name in metrics["models"])



def test_make_run_s_driver_goes_case_by_case_and_ends_on_the_recap(project):
    """`python -m seqcase run` on a project that is up to date says so and prints the recap without
    starting DVC per case; after an edit (a comment in params.yaml: validate re-runs, nothing else)
    each case gets its progress line and verdict, and the run ends on the recap, not on DVC's git hints."""
    root, context = project
    cases = list(yaml.safe_load((root / "params.yaml").read_text())["cases"])

    def seqcase_run() -> list[str]:
        result = subprocess.run([sys.executable, "-m", "seqcase", "run"], cwd=root, env=context["env"],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        lines = result.stdout.splitlines()
        assert lines[-1] == "Every case on one page: reports/index.html"
        assert any(line.startswith(f"{cases[0]} ") and "reports/" in line for line in lines[-len(cases) - 3:])
        return lines

    lines = seqcase_run()
    assert lines[0].startswith("Every stage is up to date") and not any(line.startswith("=> ") for line in lines)
    committed = (root / "params.yaml").read_text()
    (root / "params.yaml").write_text(committed + "# a comment changes no param\n")
    try:
        lines = seqcase_run()
        assert [line.split(":")[0] for line in lines if line.startswith("=> ")] == [f"=> {case}" for case in cases]
        ran = [line for line in lines if line.startswith("Running stage")]
        assert ran == ["Running stage 'validate':"]  # its output is the same: nothing downstream runs
        assert json.loads(run(["dvc", "status", "--json"], root, context["env"])) == {}  # a run ends clean
    finally:
        (root / "params.yaml").write_text(committed)
        run(["dvc", "repro", "validate"], root, context["env"])  # as committed, for the tests after this one


def test_every_cases_metrics_carry_its_verdict_with_the_test_behind_it(project):
    assert_every_case_carries_its_verdict(project[0], CASES)


def test_the_fundamentals_stage_reports_the_adding_problem(project):
    root, context = project
    assert "Running stage 'fundamentals'" in context["output"]
    metrics = json.loads((root / "reports/fundamentals/metrics.json").read_text())
    assert [(run["cell"], run["length"]) for run in metrics["runs"]] == [
        ("simple_rnn", 4), ("simple_rnn", 8), ("lstm", 4), ("lstm", 8)]
    assert "Adding problem: test MSE by sequence length" in (root / "reports/fundamentals/report.md").read_text()


def test_a_classification_case_runs_through_the_same_stages(project):
    root, context = project
    for stage in ("fetch@beats", "prepare@beats", "tune@beats", "train@beats", "evaluate@beats", "report@beats"):
        assert f"Running stage '{stage}'" in context["output"]
    metrics = json.loads((root / "reports/beats/metrics.json").read_text())
    assert metrics["task"] == "classification" and metrics["test_examples"] == 24  # stratified 20 % of 120
    assert metrics["classes"] == ["flat", "rising", "bump"]
    assert metrics["models"]["logistic_regression"]["accuracy"] >= 0.9
    assert metrics["models"]["majority"]["accuracy"] == pytest.approx(1 / 3)
    assert set(metrics["models"]["gru"]["per_class"]) == {"class_1", "class_2", "class_3"}
    report = (root / "reports/beats/report.md").read_text()
    assert "Recall per class" in report and verdict_chance(root, "beats", "test sequences") in report
    assert "confusion_" in report
    assert "[beats](beats/report.md) | classification | 24 | macro-F1" in (root / "reports/summary.md").read_text()
    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])
    experiment = MlflowClient().get_experiment_by_name("beats")
    runs = mlflow.search_runs([experiment.experiment_id], output_format="list")
    gru = [run for run in runs if run.info.run_name == "gru" and "test_macro_f1" in run.data.metrics]
    assert len(gru) == 1 and {"test_accuracy", "test_recall_class_3", "test_roc_auc_ovr"} <= set(gru[0].data.metrics)


def test_predict_reads_raw_rows_of_a_series_of_prices_and_of_beats(project):
    root, context = project
    make_prices(40, gap_after=None).to_csv(root / "recent.csv", index=False)
    beats = pd.read_csv(root / "beats.tsv", sep="\t", header=None).iloc[[0, 40, 80], 1:]
    beats.to_csv(root / "new_beats.csv", index=False)
    # In this process (the CLI around predict_csv is run by the reviews test): more processes that
    # each import TensorFlow cost the suite seconds each.
    with environment_variable("MLFLOW_TRACKING_URI", context["env"]["MLFLOW_TRACKING_URI"]):
        for case, source in (("tiny", "recent.csv"), ("beats", "new_beats.csv")):
            rows, answered = predict_csv(root / "params.yaml", case, root / source, root / f"{case}_predicted.csv")
            assert answered.startswith(f"seqcase-{case} version ") and "(the champion" in answered
    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])

    forecasts = pd.read_csv(root / "tiny_predicted.csv")
    # 40 prices give 39 log returns; one forecast per full window, two steps each (the horizon).
    bounds = [f"_{side}_{level}" for level in ("80", "95") for side in ("lower", "upper")]
    assert forecasts.columns.tolist() == ["origin", *(f"Close_log_return_step_{step}{bound}" for step in (1, 2)
                                                      for bound in ("", *bounds))]
    # The bounds are the forecast plus or minus the champion version's radius, calibrated on validation.
    champion = MlflowClient().get_model_version_by_alias("seqcase-tiny", "champion")
    radius = float(champion.tags["seqcase.interval_radius_95"].split()[1])
    np.testing.assert_allclose(forecasts["Close_log_return_step_2_upper_95"] - forecasts["Close_log_return_step_2"],
                               radius)
    assert len(forecasts) == 39 - champion_window_length("tiny") + 1
    assert pd.Timestamp(forecasts["origin"].iloc[-1]) == pd.bdate_range("2020-01-01", periods=40)[-1]
    assert forecasts.filter(regex=r"step_\d$").abs().max().max() < 0.2  # daily log returns, not scaled values
    classes = pd.read_csv(root / "beats_predicted.csv")
    assert classes.filter(like="probability_").sum(axis=1).round(4).eq(1).all()
    assert set(classes["predicted"]) <= {"flat", "rising", "bump"} and len(classes) == 3


def test_plots_render_with_each_task_template(project):
    """One chart per case and kind, every model on it: not one chart per file."""
    root, context = project
    shown = shown_plots(root, context["env"], CASES)
    confusion = shown["reports/beats/plots/predictions.csv"][0]["content"]
    assert confusion["spec"]["encoding"]["x"]["field"] == "predicted" and confusion["facet"]["field"] == "panel"
    assert {row["model"] for row in confusion["data"]["values"]} == {"gru", "transformer", "dense", "majority",
                                                                     "logistic_regression"}
    forecast = shown["reports/tiny/plots/predictions.csv"][0]["content"]
    assert forecast["encoding"]["x"]["field"] == "date"
    assert {row["model"] for row in forecast["data"]["values"]} == {"lstm", "transformer", "dense", "naive", "drift",
                                                                     "mean", "linear_lags"}


def test_mlflow_holds_the_pipeline_run_with_models_trials_and_report(project):
    root, context = project
    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])
    client = MlflowClient()
    experiment = client.get_experiment_by_name("tiny")
    runs = mlflow.search_runs([experiment.experiment_id], output_format="list")
    parents = [run for run in runs if run.data.tags.get("seqcase.kind") == "pipeline"]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    parent = parents[0]
    assert parent.data.tags["mlflow.source.git.commit"] == run(["git", "rev-parse", "HEAD"], root, context["env"]).strip()
    children = {run.info.run_name: run for run in runs if run.data.tags.get("mlflow.parentRunId") == parent.info.run_id}
    assert set(children) == {"lstm", "transformer", "dense", "naive", "drift", "mean", "linear_lags"}
    assert children["transformer"].data.tags["seqcase.family"] == "attention"
    lstm = children["lstm"]
    assert {"test_rmse", "test_mase", "test_dm_pvalue", "test_rmse_h2", "best_val_loss"} <= set(lstm.data.metrics)
    assert lstm.data.params["window_length"] == "5" and lstm.data.tags["seqcase.family"] == "recurrent"
    assert not [(run.info.run_name, key) for run in runs for key, value in run.data.params.items() if value == "None"]
    nested = [run for run in runs if run.data.tags.get("mlflow.parentRunId") == lstm.info.run_id]
    assert sorted(run.data.tags["seqcase.kind"] for run in nested) == ["origin", "origin", "seed", "trial", "trial"]
    # A run per backtest origin under each model: the refit's training and its test scores on one run.
    origins = {run.info.run_name: run for run in nested if run.data.tags["seqcase.kind"] == "origin"}
    assert set(origins) == {"lstm · origin_1", "lstm · origin_2"}
    assert origins["lstm · origin_2"].data.params["refit"] == "origin_2"
    backtest = json.loads((root / "reports/tiny/metrics.json").read_text())["backtest"]
    assert origins["lstm · origin_2"].data.metrics["test_rmse"] == pytest.approx(
        backtest["per_origin"]["origin_2"]["lstm"]["rmse"])
    assert {"test_rmse", "best_val_loss"} <= set(origins["lstm · origin_2"].data.metrics)
    (seed,) = [run for run in nested if run.data.tags["seqcase.kind"] == "seed"]
    assert {"val_loss", "best_val_loss", "learning_rate"} <= set(seed.data.metrics) and seed.data.params["seed"] == "7"
    models = mlflow.search_logged_models(experiment_ids=[experiment.experiment_id], output_format="list")
    assert {model.name for model in models} == {"lstm", "transformer", "dense"}  # one seed: no ensemble
    assert all(client.get_run(model.source_run_id).data.tags["mlflow.parentRunId"]
               in {lstm.info.run_id, children["transformer"].info.run_id, children["dense"].info.run_id}
               for model in models)
    artifacts = {item.path for item in client.list_artifacts(parent.info.run_id, "report")}
    assert {"report/report.html", "report/report.md", "report/metrics.json"} <= artifacts
    comparison = client.load_table(experiment.experiment_id, "comparison.json", run_ids=[parent.info.run_id])
    assert set(comparison["model"]) == set(children)
    naive = comparison.set_index("model").loc["naive"]
    assert naive["test_rmse"] == pytest.approx(children["naive"].data.metrics["test_rmse"])
    assert "## Every model, every overall test metric" in (root / "reports/tiny/report.md").read_text()
    champion = client.get_model_version_by_alias("seqcase-tiny", "champion")
    scores = json.loads((root / "reports/tiny/metrics.json").read_text())["models"]
    assert champion.tags["seqcase.metric"] == "validation_rmse"  # the network best on validation, one seed each
    assert champion.tags["seqcase.variant"] == min(("lstm", "transformer", "dense"),
                                                   key=lambda name: scores[name]["validation_rmse"])
    assert float(champion.tags["seqcase.test_value"]) == json.loads((root / "reports/tiny/metrics.json").read_text())[
        "models"][champion.tags["seqcase.variant"]]["rmse"]
    assert parent.data.tags["seqcase.champion_version"] == str(champion.version)
    # The experiment's comparison view (what the landing page's "MLflow comparison" opens): the
    # models this evaluate compared, best validation RMSE first, with their metric columns.
    view = json.loads(client.get_experiment(experiment.experiment_id).tags["mlflow.sharedViewState.seqcase-comparison"])
    assert view["orderByKey"] == "metrics.`validation_rmse`" and view["orderByAsc"] is True
    assert "metrics.`test_rmse`" in view["selectedColumns"]
    parallel = next(chart for chart in view["compareRunCharts"] if chart["type"] == "PARALLEL")
    assert set(parallel["selectedParams"]) <= {param for run in children.values() for param in run.data.params}
    compared = client.search_runs([experiment.experiment_id], view["searchFilter"],
                                  order_by=["metrics.`validation_rmse` ASC"])
    assert [run.info.run_name for run in compared] == sorted(
        children, key=lambda name: children[name].data.metrics["validation_rmse"])


def test_a_second_repro_runs_nothing_and_a_train_edit_spares_prepare_and_tune(project):
    root, context = project
    output = run(["dvc", "repro"], root, context["env"])
    assert re.findall(r"Running stage '([^']+)'", output) == []  # nothing changed: nothing runs
    # Compiled Python differs with the clone's path and timestamps: it must not count as a change.
    (root / "src/seqcase/tasks/__pycache__").mkdir(exist_ok=True)
    (root / "src/seqcase/tasks/__pycache__/stray.cpython-311.pyc").write_bytes(b"\x00" * 64)
    assert status_of(root, context["env"]) == {}
    # A misspelt key beside a real one changes no tracked param, and still stops `dvc repro` at once.
    params_path = root / "params.yaml"
    original_params = params_path.read_text()
    params_path.write_text(original_params.replace("\n    models:", "\n    modles: {}\n    models:", 1))
    try:
        failed = subprocess.run(["dvc", "repro"], cwd=root, env=context["env"], capture_output=True, text=True)
    finally:
        params_path.write_text(original_params)
    assert failed.returncode != 0 and "modles = {}: not a key here" in failed.stderr + failed.stdout
    assert re.findall(r"Running stage '([^']+)'", failed.stdout + failed.stderr) == ["validate"]
    run(["dvc", "repro", "validate"], root, context["env"])  # DVC removed the failed stage's output
    # An edit to one task's package re-runs that task's cases alone (and the summary, if a row changes).
    edited = root / "src/seqcase/tasks/classification/report.py"
    original = edited.read_text()
    edited.write_text(original + "\n# an edit\n")
    try:
        status = status_of(root, context["env"])
    finally:
        edited.write_text(original)
    assert set(status) == {f"{stage}@beats" for stage in ("prepare", "tune", "train", "evaluate", "report")}
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["cases"]["tiny"]["train"] = {"epochs": 4}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    status = status_of(root, context["env"])
    assert "train@tiny" in status
    assert not {"fetch@prices", "prepare@tiny", "tune@tiny"} & set(status)
    assert not any(stage.endswith("@beats") for stage in status)


def test_a_queued_sweep_runs_in_two_parallel_workers(project):
    """`dvc exp run --queue -S ...` twice, then `dvc queue start -j 2`, as the README shows: `+` adds a
    key to a block, and only the stages that read it run in each experiment. The README sweeps the
    epochs; here the span of the fan chart, which re-runs evaluate and report alone (no refits)."""
    root, context = project
    env = context["env"]
    run(["git", "checkout", "params.yaml"], root, env)
    run(["git", "add", "-A"], root, env)
    run(["git", "commit", "-qm", "baseline"], root, env)
    for days in (5, 10):
        run(["dvc", "exp", "run", "--queue", "-S", f"+cases.tiny.evaluate.interval_span={days}D",
             "--name", f"sweep-{days}"], root, env)
    try:
        run(["dvc", "queue", "start", "-j", "2"], root, env)
        deadline = time.monotonic() + 600
        while any(state in (status := run(["dvc", "queue", "status"], root, env)) for state in ("Queued", "Running")):
            assert time.monotonic() < deadline, status
            time.sleep(5)  # each `dvc queue status` costs a second of the CPU the experiments run on
    finally:
        run(["dvc", "queue", "stop"], root, env)
    assert status.count("Success") == 2, status
    assert {"sweep-5", "sweep-10"} <= set(run(["dvc", "exp", "show", "--csv"], root, env).replace(",", "\n").split())
    logs = run(["dvc", "queue", "logs", "sweep-10"], root, env)
    assert "Running stage 'evaluate@tiny'" in logs and "Running stage 'report@tiny'" in logs
    assert "Running stage 'train@tiny'" not in logs and "Running stage 'evaluate@beats'" not in logs


def test_a_one_core_machine_trains_and_scores_the_same_bytes_as_two_cores(project):
    """On JAX each tune and train worker is pinned to its own core, and every stage that computes
    with a network to one: tiny searched and trained again on a machine that shows one core
    (taskset), by one worker instead of two, finds the same hyperparameters as the project's run on
    both cores and scores to the same metrics.json and predictions, byte for byte. (It runs after
    the tests that count MLflow's runs, and after the sweep put params.yaml back as committed, with
    every output up to date.)"""
    root, context = project
    assert status_of(root, context["env"]) == {}
    outputs = [root / "reports/tiny/metrics.json", *sorted((root / "reports/tiny/predictions").glob("*.csv"))]
    before = {path: path.read_bytes() for path in outputs}
    tuned_before = chosen_in_search(root)
    training = json.loads((root / "data/models/tiny/training.json").read_text())
    assert {entry["keras_backend"] for entry in training.values()} == {"jax"}
    one_core = ["taskset", "-c", "1", "dvc", "repro", "--single-item"]
    output = run([*one_core, "--force", "tune@tiny"], root, context["env"])
    assert chosen_in_search(root) == tuned_before
    assert_a_progress_line_per_trial(output, root)
    output = run([*one_core, "--force", "train@tiny"], root, context["env"])
    assert re.findall(r"train@tiny · \d+/\d+ fits", output)  # a line per fit, not per epoch
    assert "epoch 1/" not in output
    run([*one_core, "evaluate@tiny"], root, context["env"])
    assert {path: path.read_bytes() for path in outputs} == before
    run(["dvc", "repro"], root, context["env"])  # the report and summary of the new runs: up to date again


def test_metrics_show_reads_each_case_s_headline_not_every_metric(project):
    root, context = project
    headline = headline_shown(root, context["env"], "tiny")
    # One seed: a network's test value (two seeds' mean and interval: the reviews case's, in test_pipeline_tasks).
    assert set(headline) == {"verdict", "test_rmse"} and isinstance(headline["test_rmse"]["lstm"], float)
    verdict = json.loads((root / "reports/tiny/metrics.json").read_text())["verdict"]
    assert headline["verdict"]["recurrent_wins"] == verdict["beaten"] and headline["verdict"]["p_value"] == verdict["p_value"]


def search_tiny_with(root: Path, env: dict, max_trials: int) -> None:
    """params.yaml as committed, but the tiny case searches `max_trials` trials over six unit counts."""
    run(["git", "checkout", "params.yaml"], root, env)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["cases"]["tiny"]["tune"] = {"max_trials": max_trials, "search_space": {"units": [2, 3, 4, 5, 6, 7]}}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def completed_trials(state: Path) -> set[str]:
    """(variant/trial id) of the trials keras-tuner finished in a search's state directory: its
    trial.json says COMPLETED and its oracle (oracle.json) has ended it and no longer lists it as
    ongoing. keras-tuner's Oracle.end_trial saves oracle.json with the trial in end_order but still
    in ongoing_trials (it pops it after saving), and a reload retries every ongoing trial; and it
    writes tuner0.json, without which it does not reload at all, only after that; and it writes a new
    trial's trial.json before the oracle starts it. tuning.py closes these gaps on resume (their unit
    tests kill inside them); this test kills after the oracle ended a trial, wherever the other
    variant's search then is."""
    done = set()
    for path in state.glob("*/trial_*/trial.json"):
        with contextlib.suppress(ValueError, OSError, KeyError):  # a file being written
            oracle = json.loads((path.parent.parent / "oracle.json").read_text())
            trial = json.loads(path.read_text())
            if (trial["status"] == "COMPLETED" and trial["trial_id"] in oracle["end_order"]
                    and trial["trial_id"] not in oracle["ongoing_trials"].values()):
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
    for variant in ("lstm", "dense"):  # side by side: the kill lands anywhere in the other's search
        trials = client.search_runs([book["experiment_id"]], f"tags.mlflow.parentRunId = '{book['runs'][variant]}'")
        assert sorted(run.data.tags["seqcase.trial_id"] for run in trials) == ["0", "1", "2"], variant
        assert all(run.data.tags["seqcase.trial_status"] == "completed" for run in trials)
    # The variants search side by side: whichever trial finished before the kill was not run again.
    for finished in before:
        variant, _, trial = finished.partition("/")
        kept = client.search_runs([book["experiment_id"]], f"tags.mlflow.parentRunId = '{book['runs'][variant]}' "
                                                           f"and tags.`seqcase.trial_id` = '{trial.removeprefix('trial_')}'")
        assert "seqcase.trial_retried" not in kept[0].data.tags, finished


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
    assert_a_progress_line_per_trial(output, root)  # the chief's, counting its workers' trials
    book = json.loads((root / "data/tuning/tiny/runs.json").read_text())
    mlflow.set_tracking_uri(env["MLFLOW_TRACKING_URI"])
    client = MlflowClient()
    for variant in ("lstm",):
        trials = client.search_runs([book["experiment_id"]], f"tags.mlflow.parentRunId = '{book['runs'][variant]}'")
        assert sorted(run.data.tags["seqcase.trial_id"] for run in trials) == ["0", "1", "2", "3"], variant
        assert {run.data.tags["seqcase.tuner_id"] for run in trials} == {"tuner0", "tuner1"}, variant
        assert all(run.data.tags["seqcase.trial_status"] == "completed" for run in trials)
    best = json.loads((root / "data/tuning/tiny/best_hyperparameters.json").read_text())
    assert best["lstm"]["trials"] == 4 and best["lstm"]["best_trial_run_id"]


def assert_a_progress_line_per_trial(output: str, root: Path) -> None:
    """The tune stage's progress, in a log: a line as each trial ends, the last one counting every
    trial the searches ran, and no line from keras-tuner or the workers per trial."""
    tuned = json.loads((root / "data/tuning/tiny/best_hyperparameters.json").read_text())
    trials = sum(result["trials"] for result in tuned.values())
    assert [int(done) for done in re.findall(r"tune@tiny · (\d+)/\d+ trials", output)] == list(range(1, trials + 1))
    assert "best so far" not in output and "Search: Running Trial" not in output


def chosen_in_search(root: Path) -> dict:
    """Each variant's best hyperparameters and score, its trial counts: the search's result less
    the MLflow run ids (new runs each time)."""
    tuned = json.loads((root / "data/tuning/tiny/best_hyperparameters.json").read_text())
    return {variant: {key: value for key, value in result.items() if not key.endswith("run_id")}
            for variant, result in tuned.items()}


def test_tensorflow_runs_the_forecasting_case_end_to_end_and_re_runs_only_the_network_stages(project):
    """The other backend: `keras_backend: tensorflow` re-runs exactly the stages that build, train
    or score a network (and what reads their outputs), and tiny runs through them on TensorFlow."""
    root, context = project
    run(["git", "checkout", "params.yaml"], root, context["env"])  # as committed (the searches above edited it)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["keras_backend"] = "tensorflow"
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    status = status_of(root, context["env"])  # (prepare may be there too: it reads tiny's tune block, restored)
    reading = {stage.split("@")[0] for stage, changes in status.items() if "keras_backend" in json.dumps(changes)}
    assert reading == {"tune", "train", "evaluate"}  # the stages that declare it
    # Recorded with the first run's reads: the stages that load the TensorFlow backend's module.
    output = run(["dvc", "repro", "report@tiny"], root, {**context["env"], FOLDER_VARIABLE: str(context["reads"])})
    assert "Running stage 'train@tiny'" in output
    training = json.loads((root / "data/models/tiny/training.json").read_text())
    assert {entry["keras_backend"] for entry in training.values()} == {"tensorflow"}
    metrics = json.loads((root / "reports/tiny/metrics.json").read_text())
    assert metrics["models"]["lstm"]["rmse"] > 0 and "p_value" in metrics["verdict"]


def test_every_stage_read_what_tests_stage_reads_json_records(project):
    assert_every_stage_read_what_the_record_says(*project)
