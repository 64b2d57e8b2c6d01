"""The fundamentals stage: the adding-problem report, its verdict, and its MLflow runs."""

import mlflow
import yaml

from seqcase.io import read_json
from seqcase.reporting.fundamentals import longest_solved, verdict
from seqcase.stages import fundamentals


def _run(cell, length, solved, mse=0.1):
    return {"cell": cell, "length": length, "solved": solved, "test_mse": mse}


def test_longest_solved_stops_at_the_first_failure():
    runs = [_run("simple_rnn", 10, True), _run("simple_rnn", 25, False), _run("simple_rnn", 50, True),
            _run("lstm", 10, True), _run("lstm", 25, True), _run("lstm", 50, True), _run("gru", 10, False)]
    assert longest_solved(runs) == {"simple_rnn": 10, "lstm": 50, "gru": None}


def test_verdict_needs_every_gated_cell_beyond_simple_rnn():
    runs = [_run("simple_rnn", 10, True), _run("simple_rnn", 25, False), _run("lstm", 10, True), _run("lstm", 25, True),
            _run("gru", 10, True), _run("gru", 25, True)]
    assert verdict(runs, 1 / 6)["beaten"]
    assert "lstm up to 25 steps" in verdict(runs, 1 / 6)["text"]
    runs[-1] = _run("gru", 25, False)
    assert not verdict(runs, 1 / 6)["beaten"]


def test_stage_writes_report_metrics_and_mlflow_runs(tmp_path, raw_params, mlflow_store, monkeypatch):
    monkeypatch.chdir(tmp_path)
    raw_params["fundamentals"] = {"adding": {"cells": ["simple_rnn", "lstm"], "sequence_lengths": [4, 8],
                                             "units": 8, "iterations": 40, "batch_size": 16}}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw_params))
    metrics = fundamentals.run(tmp_path / "params.yaml", tmp_path / "reports" / "fundamentals")
    directory = tmp_path / "reports" / "fundamentals"
    assert read_json(directory / "metrics.json") == metrics
    assert [(run["cell"], run["length"]) for run in metrics["runs"]] == [
        ("simple_rnn", 4), ("simple_rnn", 8), ("lstm", 4), ("lstm", 8)]
    assert all(0 < run["test_mse"] < 1 for run in metrics["runs"])
    assert {path.name for path in (directory / "figures").iterdir()} == {
        "adding_mse.png", "vanishing_gradient.png", "adding_learning_curves.png"}
    report = (directory / "report.md").read_text()
    assert "Adding problem: test MSE by sequence length" in report and "## Training" not in report
    runs = mlflow.search_runs(experiment_names=["fundamentals"], output_format="list")
    children = [run for run in runs if "mlflow.parentRunId" in run.data.tags]
    assert len(runs) == 5 and len(children) == 4
    assert {run.data.params["cell"] for run in children} == {"simple_rnn", "lstm"}
    lstm_8 = next(run for run in children if run.info.run_name == "lstm length 8")
    history = mlflow.MlflowClient().get_metric_history(lstm_8.info.run_id, "input_gradient_norm_at_start")
    assert len(history) == 8
    # A tracked report holds no timings (MLflow has them): the same params write the same bytes again.
    assert "| cell | length | first step / last step, at initialisation | after training |\n" in report
    assert mlflow.search_runs(experiment_names=["fundamentals"])["metrics.training_seconds"].notna().sum() == 4
    fundamentals.run(tmp_path / "params.yaml", tmp_path / "reports" / "fundamentals")
    assert (directory / "report.md").read_text() == report and read_json(directory / "metrics.json") == metrics
