"""End to end: the real `dvc repro` on a copy of the repository with a tiny case the test makes."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

from conftest import BASE_PARAMS, make_prices, sha256_of
from seqcase.commands.predict import predict_csv
from servers import mlflow_server, postgres_binary, postgres_database, require_postgres

REPOSITORY = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run(command: list[str], cwd: Path, env: dict) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result.stdout + result.stderr


BEATS_CASE = {
    "task": "classification", "source": "beats", "description": "Three kinds of synthetic beat.",
    "prepare": {"train_file": "beats.tsv", "class_names": {1: "flat", 2: "rising", 3: "bump"}},
    "models": {"gru": {}, "dense": {}}, "tune": {}, "train": {},
    "baselines": {"majority": {}, "logistic_regression": {}}, "evaluate": {},
}


def make_beats(path: Path, per_class: int = 40, steps: int = 16) -> None:
    """A UCR-style file: label, then the sequence; flat, rising or bumped, with noise."""
    rng = np.random.default_rng(3)
    time = np.linspace(0, 1, steps)
    shapes = {1: np.zeros(steps), 2: 2 * time - 1, 3: np.exp(-((time - 0.5) ** 2) / 0.01)}
    rows = [np.concatenate([[label], shape + rng.normal(0, 0.3, steps)])
            for label, shape in shapes.items() for _ in range(per_class)]
    np.savetxt(path, np.array(rows), delimiter="\t", fmt="%.6g")


EVENTS_CASE = {
    "task": "event_classification", "source": "events", "description": "Synthetic transactions.",
    "prepare": {"time_column": "Time", "label_column": "Class", "log_columns": ["Amount"],
                "class_names": ["legitimate", "fraud"], "imbalance": {"method": "undersample", "ratio": 0.25}},
    "models": {"gru": {}, "dense": {"search_space": {"window_length": 1}}}, "tune": {}, "train": {},
    "baselines": {"logistic_regression": {"C": [0.1, 1.0]},
                  "histogram_gradient_boosting": {"max_iter": 20, "min_samples_leaf": 5}},
    "evaluate": {"threshold": "max_f1", "bootstrap_resamples": 100},
}

REVIEWS_CASE = {
    "task": "text_classification", "source": "reviews", "description": "Synthetic reviews.",
    "prepare": {"text_column": "review", "label_column": "sentiment", "positive_label": "positive",
                "test_fraction": 0.3},
    "models": {"gru": {}, "dense": {}},
    "tune": {"max_train_examples": 60, "search_space": {"vocabulary_size": 50, "sequence_length": 8,
                                                        "embedding_dim": 4, "kept_words": "last", "pooling": "mean",
                                                        "clipnorm": 1.0}},
    "train": {"seeds": 2}, "baselines": {"tfidf_logistic_regression": {"C": [1.0, 10.0]}},
    "evaluate": {"metric": "accuracy", "threshold": 0.5, "bootstrap_resamples": 100, "misclassified_examples": 3},
}


VERSES_CASE = {
    "task": "text_generation", "source": "verses", "description": "Made-up verses.",
    "prepare": {"validation_fraction": 0.15, "test_fraction": 0.15}, "models": {"gru": {}},
    "tune": {"max_trials": 1, "max_epochs": 1, "search_space": {"window_length": 16, "embedding_dim": 4, "units": 16}},
    "train": {"epochs": 2, "seeds": 2}, "baselines": {"kneser_ney": {"order": [2, 3]}, "add_k": {"order": 2, "k": [0.1, 1.0]}},
    "evaluate": {"seed_text": "the ", "sample_length": 40, "temperatures": [0.5, 1.0]},
}


def make_verses(path: Path, lines: int = 150) -> None:
    """Lines from a tiny grammar: enough structure for an n-gram model to find."""
    rng = np.random.default_rng(7)
    subjects, verbs, objects = ["the king", "a ghost", "my lord"], ["sees", "loves", "fears"], ["the night", "a sword"]
    path.write_text("\n".join(f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}."
                              for _ in range(lines)) + "\n")


def make_events(path: Path, rows: int = 900) -> None:
    """Transactions in time order; one in ten is positive and stands out in `signal`, and once in a
    while a positive follows a burst of `burst` in the events before it."""
    rng = np.random.default_rng(5)
    labels = (rng.random(rows) < 0.1).astype(int)
    signal = labels * 1.5 + rng.normal(0, 1, rows)
    table = {"Time": np.sort(rng.integers(0, 5000, rows)), "signal": signal, "burst": rng.normal(0, 1, rows),
             "Amount": rng.exponential(50, rows), "Class": labels}
    pd.DataFrame(table).to_csv(path, index=False)


def make_reviews(path: Path, per_class: int = 100) -> None:
    """Short reviews whose sentiment is in their words, with HTML breaks and duplicate rows."""
    rng = np.random.default_rng(6)
    words = {"positive": ["great", "loved", "superb", "fun"], "negative": ["awful", "boring", "dull", "hated"]}
    filler = ["the", "film", "plot", "actor", "was", "and", "a", "it"]
    rows = [(" ".join(rng.choice(filler + words[label] * 2, 7)) + "<br /><br />" + " ".join(rng.choice(filler, 3)),
             label) for label in words for _ in range(per_class)]
    pd.DataFrame(rows + rows[:5], columns=["review", "sentiment"]).to_csv(path, index=False)


CREDENTIALS = ("seqcase-admin", "not-in-git-" + os.urandom(6).hex())


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Iterator[tuple[Path, dict]]:
    """A copy of the repository whose params.yaml holds tiny cases over data made here, run with
    `dvc repro` against an MLflow tracking server on PostgreSQL behind basic authentication (SQLite
    where PostgreSQL is missing). This process reads the server with the same credentials."""
    with contextlib.ExitStack() as servers:
        root, context = run_project(tmp_path_factory.mktemp("project"), servers)
        for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
            if name in context["env"]:
                servers.enter_context(environment_variable(name, context["env"][name]))
        yield root, context


@contextlib.contextmanager
def environment_variable(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def run_project(root: Path, servers: contextlib.ExitStack) -> tuple[Path, dict]:
    for name in ("dvc.yaml", ".dvcignore", "pipelines", "src", ".dvc"):
        source = REPOSITORY / name
        (shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("tmp", "cache", "__pycache__"))
         if source.is_dir() else shutil.copy(source, root / name))
    make_prices(260, gap_after=130).to_csv(root / "prices.csv", index=False)
    make_beats(root / "beats.tsv")
    make_events(root / "events.csv")
    make_reviews(root / "reviews.csv")
    make_verses(root / "verses.txt")
    params = json.loads(json.dumps(BASE_PARAMS))
    params["sources"]["prices"]["sha256"] = sha256_of(root / "prices.csv")
    params["sources"]["beats"] = {"kind": "file", "path": "beats.tsv", "sha256": sha256_of(root / "beats.tsv")}
    params["cases"]["tiny"]["prepare"]["horizon"] = 2
    params["cases"]["tiny"]["evaluate"] = {"steps": [2], "metrics": ["time_lag"]}
    params["cases"]["tiny"]["train"] = {"backtest": {"origins": 2}}  # the test part in two, refitted at the second
    params["cases"]["beats"] = BEATS_CASE
    for name, case in (("events", EVENTS_CASE), ("reviews", REVIEWS_CASE)):
        params["sources"][name] = {"kind": "file", "path": f"{name}.csv", "sha256": sha256_of(root / f"{name}.csv")}
        params["cases"][name] = case
    params["sources"]["verses"] = {"kind": "file", "path": "verses.txt", "sha256": sha256_of(root / "verses.txt")}
    params["cases"]["verses"] = VERSES_CASE
    params["fundamentals"] = {"adding": {"cells": ["simple_rnn", "lstm"], "sequence_lengths": [4, 8], "units": 4,
                                         "iterations": 30, "batch_size": 8}}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    database, credentials = None, {}
    if postgres_binary("initdb") or os.environ.get("SEQCASE_REQUIRE_POSTGRES") == "1":
        database = servers.enter_context(postgres_database())
        tracking_uri = servers.enter_context(mlflow_server(database, root.parent / "mlflow-artifacts",
                                                           credentials=CREDENTIALS))
        credentials = {"MLFLOW_TRACKING_USERNAME": CREDENTIALS[0], "MLFLOW_TRACKING_PASSWORD": CREDENTIALS[1]}
    else:
        tracking_uri = f"sqlite:///{root}/mlflow.db"
    env = {**os.environ, **credentials, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "MLFLOW_TRACKING_URI": tracking_uri, "DVC_NO_ANALYTICS": "1",
           "MLFLOW_DISABLE_TELEMETRY": "true", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    run(["git", "init", "-q"], root, env)
    run(["git", "add", "-A"], root, env)
    run(["git", "commit", "-qm", "tiny"], root, env)
    output = run(["dvc", "repro"], root, env)
    return root, {"env": env, "output": output, "database": database, "artifacts": root.parent / "mlflow-artifacts"}


def test_repro_runs_every_stage_and_writes_metrics_and_reports(project):
    root, context = project
    for stage in ("fetch@prices", "prepare@tiny", "tune@tiny", "train@tiny", "evaluate@tiny", "report@tiny", "summary"):
        assert f"Running stage '{stage}'" in context["output"]
    metrics = json.loads((root / "reports/tiny/metrics.json").read_text())
    assert set(metrics["models"]) == {"lstm", "dense", "naive", "drift", "mean", "linear_lags"}
    assert metrics["horizon"] == 2 and metrics["test_examples"] > 20
    assert metrics["models"]["naive"]["per_horizon"]["h2"]["time_lag_steps"] is None  # a zero return never moves
    assert 0 <= metrics["models"]["linear_lags"]["per_horizon"]["h2"]["time_lag_steps"] <= 4
    lstm = metrics["models"]["lstm"]
    assert lstm["rmse"] > 0 and 0 <= lstm["dm_pvalue"] <= 1 and set(lstm["per_horizon"]) == {"h1", "h2"}
    assert metrics["models"]["naive"]["rmse_ratio_to_naive"] == 1.0
    # Intervals at the default levels, calibrated per step on validation, scored on test.
    assert set(lstm["interval_radius"]) == {"80", "95"}
    assert 0 < lstm["interval_radius"]["80"]["h2"] < lstm["interval_radius"]["95"]["h2"]
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
    assert "over resampled seeds and test windows" in (root / "reports/tiny/report.md").read_text()
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
    """`python -m seqcase run` on a project that is up to date: DVC skips every stage, each case
    gets its progress line and verdict, and the run ends on the recap, not on DVC's git hints."""
    root, context = project
    result = subprocess.run([sys.executable, "-m", "seqcase", "run"], cwd=root, env=context["env"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    cases = list(yaml.safe_load((root / "params.yaml").read_text())["cases"])
    assert [line.split(":")[0] for line in lines if line.startswith("=> ")] == [f"=> {case}" for case in cases]
    assert re.search(r"^\[stage 1/\d+ · \d+:\d\d elapsed · ~[^]]+ left[^]]*\] validate$", result.stdout, re.M)
    assert "Running stage 'report@" not in result.stdout  # up to date: nothing ran but validate
    assert lines[-1] == "Every case on one page: reports/index.html"
    assert any(line.startswith(f"{cases[0]} ") and "reports/" in line for line in lines[-len(cases) - 3:])
    assert "validate" in json.loads((root / ".dvc/tmp/seqcase/stage_seconds.json").read_text())


def test_every_cases_metrics_carry_its_verdict_with_the_test_behind_it(project):
    root, _ = project
    for case in ("tiny", "beats", "events", "reviews", "verses"):
        verdict = json.loads((root / f"reports/{case}/metrics.json").read_text())["verdict"]
        assert {"beaten", "model", "baseline", "p_value", "difference", "interval", "test", "text"} <= set(verdict), case
        low, high = verdict["interval"]
        assert low <= verdict["difference"] <= high and 0 <= verdict["p_value"] <= 1, case
        assert verdict["text"] in (root / f"reports/{case}/report.md").read_text()


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
    assert "Recall per class" in report and "over resampled seeds and test sequences" in report
    assert "confusion_" in report
    assert "[beats](beats/report.md) | classification | 24 | macro-F1" in (root / "reports/summary.md").read_text()
    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])
    experiment = MlflowClient().get_experiment_by_name("beats")
    runs = mlflow.search_runs([experiment.experiment_id], output_format="list")
    gru = [run for run in runs if run.info.run_name == "gru" and "test_macro_f1" in run.data.metrics]
    assert len(gru) == 1 and {"test_accuracy", "test_recall_class_3", "test_roc_auc_ovr"} <= set(gru[0].data.metrics)


def test_an_event_case_is_split_by_time_and_judged_on_pr_auc(project):
    root, context = project
    metrics = json.loads((root / "reports/events/metrics.json").read_text())
    assert metrics["task"] == "event_classification" and metrics["test_examples"] == 180  # the last 20 % of 900
    assert set(metrics["models"]) == {"gru", "dense", "logistic_regression", "histogram_gradient_boosting"}
    assert metrics["baseline_search"]["logistic_regression"]["chosen"]["C"] in (0.1, 1.0)
    assert len(metrics["baseline_search"]["logistic_regression"]["grid"]) == 2
    logistic = metrics["models"]["logistic_regression"]
    assert logistic["average_precision"] > 0.3 and 0 < logistic["threshold"] < 1  # the signal is found
    assert {"recall_at_precision_0.8", "recall_at_precision_0.9", "true_positives"} <= set(logistic)
    training = json.loads((root / "data/models/events/training.json").read_text())
    assert training["dense"]["window_length"] == 1 and training["gru"]["window_length"] == 5
    report = (root / "reports/events/report.md").read_text()
    assert "beat gradient boosting" in report and "Decisions at the threshold chosen on validation" in report
    assert "precision_recall.png" in report
    assert "[events](events/report.md) | event_classification | 180 | PR-AUC" in (root / "reports/summary.md").read_text()


def test_a_text_case_saves_models_that_read_raw_text(project):
    root, context = project
    metrics = json.loads((root / "reports/reviews/metrics.json").read_text())
    prepared = json.loads((root / "data/prepared/reviews/meta.json").read_text())["summary"]
    assert prepared["dropped_duplicates_after_cleaning"] == prepared["duplicate_rows_in_file"] == 5
    assert metrics["test_examples"] == 60  # 30 % of 200 distinct reviews
    assert metrics["models"]["tfidf_logistic_regression"]["accuracy"] >= 0.9
    report = (root / "reports/reviews/report.md").read_text()
    assert "Misclassified test texts" in report or metrics["models"]["gru"]["accuracy"] == 1.0
    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])
    experiment = MlflowClient().get_experiment_by_name("reviews")
    logged = mlflow.search_logged_models(experiment_ids=[experiment.experiment_id], output_format="list")
    assert sorted(model.name for model in logged) == ["dense", "dense", "dense_ensemble", "gru", "gru", "gru_ensemble"]
    (model,) = [model for model in logged if model.name == "gru_ensemble"]  # both seeds' networks, averaged
    # MLflow links the metrics a run logs to the model it logged, so the Models view can rank them
    assert all("test_accuracy" in {metric.key for metric in other.metrics or []} for other in logged)
    pipeline = mlflow.search_runs([experiment.experiment_id], "tags.`seqcase.kind` = 'pipeline'",
                                  order_by=["attributes.start_time DESC"], output_format="list")[0]
    verdict = "**Recurrent wins.**" if metrics["verdict"]["beaten"] else "**Baseline holds.**"
    assert pipeline.data.tags["mlflow.note.content"].startswith(verdict)
    assert pipeline.data.metrics["verdict.recurrent_wins"] == float(metrics["verdict"]["beaten"])
    assert "test_accuracy.tfidf_logistic_regression" in pipeline.data.metrics
    assert experiment.tags["seqcase.task"] == "text_classification" and experiment.tags["mlflow.note.content"]
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"  # the UI opens on the runs
    loaded = mlflow.pyfunc.load_model(model.model_uri)
    networks = loaded.unwrap_python_model().network.networks
    assert len(networks) == 2 and networks[1].get_layer("tokenizer").get_layer("last_words").length == 8
    probabilities = loaded.predict(pd.DataFrame({"text": ["great superb fun loved", "awful dull boring hated"]}))
    assert probabilities.shape == (2, 2) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_mlflow_models_predict_serves_the_champion_from_a_csv(project):
    """MLflow's own command, in a process that never imports seqcase itself: the model brings it."""
    root, context = project
    pd.DataFrame({"text": ["great superb fun loved", "awful dull boring hated"]}).to_csv(root / "serve.csv",
                                                                                       index=False)
    run(["mlflow", "models", "predict", "-m", "models:/seqcase-reviews@champion", "-i", "serve.csv", "-t", "csv",
         "-o", "served.json", "--env-manager", "local"], root, context["env"])
    served = np.array(json.loads((root / "served.json").read_text())["predictions"])
    assert served.shape == (2, 2) and served[0, 1] > served[1, 1]
    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])
    champion = MlflowClient().get_model_version_by_alias("seqcase-reviews", "champion")
    assert champion.tags["seqcase.seeds"] == "7 8" and len(champion.tags["seqcase.seed_test_interval"].split()) == 2
    assert re.fullmatch(r"\w+( \(the average of 2 seeds' networks\)|, seed [78] \(its best on validation of 2\)), "
                        r"test accuracy [0-9.]+(, [0-9.]+ of \w+'s [0-9.]+)?; chosen on validation", champion.description)
    model = mlflow.pyfunc.load_model("models:/seqcase-reviews@champion").unwrap_python_model()
    expected = model.network.predict(np.array(["great superb fun loved", "awful dull boring hated"], dtype=object))
    np.testing.assert_allclose(served, expected, atol=1e-6)  # the ensemble when it is the champion


def test_predict_reads_a_csv_of_reviews_with_the_champion(project):
    root, context = project
    pd.DataFrame({"review": ["a great and wonderful film", "an awful, boring film"]}).to_csv(root / "new.csv",
                                                                                           index=False)
    output = run([sys.executable, "-m", "seqcase", "predict", "--case", "reviews", "--input", "new.csv",
                  "--output", "predicted.csv"], root, context["env"])
    assert "2 rows predicted by seqcase-reviews version" in output and "(the champion: " in output
    predicted = pd.read_csv(root / "predicted.csv")
    assert predicted["review"].tolist() == ["a great and wonderful film", "an awful, boring film"]
    assert predicted["probability_positive"].between(0, 1).all()
    assert set(predicted["predicted"]) <= {"negative", "positive"}


def test_predict_reads_raw_rows_of_a_series_of_beats_and_of_transactions(project):
    root, context = project
    make_prices(40, gap_after=None).to_csv(root / "recent.csv", index=False)
    beats = pd.read_csv(root / "beats.tsv", sep="\t", header=None).iloc[[0, 40, 80], 1:]
    beats.to_csv(root / "new_beats.csv", index=False)
    pd.read_csv(root / "events.csv").drop(columns=["Class"]).iloc[-30:].to_csv(root / "new_events.csv", index=False)
    # In this process (the CLI around predict_csv is run by the reviews test): three more processes
    # that each import TensorFlow cost the suite half a minute.
    with environment_variable("MLFLOW_TRACKING_URI", context["env"]["MLFLOW_TRACKING_URI"]):
        for case, source in (("tiny", "recent.csv"), ("beats", "new_beats.csv"), ("events", "new_events.csv")):
            rows, answered = predict_csv(root / "params.yaml", case, root / source, root / f"{case}_predicted.csv")
            assert answered.startswith(f"seqcase-{case} version ") and "(the champion" in answered
    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])

    def window_length(case: str) -> int:
        facts = mlflow.pyfunc.load_model(f"models:/seqcase-{case}@champion").unwrap_python_model().facts
        return facts["hyperparameters"]["window_length"]

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
    assert len(forecasts) == 39 - window_length("tiny") + 1
    assert pd.Timestamp(forecasts["origin"].iloc[-1]) == pd.bdate_range("2020-01-01", periods=40)[-1]
    assert forecasts.filter(regex=r"step_\d$").abs().max().max() < 0.2  # daily log returns, not scaled values
    classes = pd.read_csv(root / "beats_predicted.csv")
    assert classes.filter(like="probability_").sum(axis=1).round(4).eq(1).all()
    assert set(classes["predicted"]) <= {"flat", "rising", "bump"} and len(classes) == 3
    transactions = pd.read_csv(root / "events_predicted.csv")
    # Every row comes back; the earliest window_length - 1 only serve as history.
    unscored = transactions.sort_values("Time", kind="stable").head(window_length("events") - 1)
    assert len(transactions) == 30 and transactions["probability_fraud"].isna().sum() == len(unscored)
    assert unscored["probability_fraud"].isna().all()
    assert set(transactions["predicted"].dropna()) <= {"legitimate", "fraud"}


def test_a_generation_case_scores_bits_per_character_and_writes_samples(project):
    root, context = project
    metrics = json.loads((root / "reports/verses/metrics.json").read_text())
    assert metrics["task"] == "text_generation"
    assert set(metrics["models"]) == {"gru", "gru_ensemble", "kneser_ney", "add_k"}
    assert list(metrics["models"]["gru"]["seeds"]) == ["7", "8"] and metrics["verdict"]["seed_agreement"]["seeds"] == 2
    characters = len((root / "verses.txt").read_text())
    assert metrics["test_examples"] == characters - round(characters * 0.85) - 1
    for scores in [*metrics["models"].values(), *metrics["models"]["gru"]["seeds"].values()]:
        assert 0 < scores["bits_per_character"] < 6.1  # below log2(vocabulary) unless a model learnt nothing
        if "seeds" not in scores:  # a variant's is the mean of its seeds' perplexities, not 2 ** its mean bits
            assert scores["perplexity"] == pytest.approx(2 ** scores["bits_per_character"])
    gru = metrics["models"]["gru"]
    assert gru["perplexity"] == pytest.approx(np.mean([2 ** seed["bits_per_character"] for seed in gru["seeds"].values()]))
    assert metrics["models"]["kneser_ney"]["bits_per_character"] < 2.0  # the grammar is easy to count
    assert metrics["baseline_search"]["kneser_ney"]["chosen"]["order"] in (2, 3)
    samples = json.loads((root / "data/evaluation/verses/samples.json").read_text())
    assert set(samples) == set(metrics["models"]) and set(samples["gru"]) == {"0.5", "1.0"}
    assert all(text.startswith("the ") and len(text) == 44 for texts in samples.values() for text in texts.values())
    report = (root / "reports/verses/report.md").read_text()
    assert "## Samples: the seed 'the ' continued one character at a time" in report
    assert "over resampled seeds and 500-character blocks of the test text" in report
    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])
    client = MlflowClient()
    experiment = client.get_experiment_by_name("verses")
    gru = next(run for run in mlflow.search_runs([experiment.experiment_id], output_format="list")
               if run.info.run_name == "gru" and "test_bits_per_character" in run.data.metrics)
    assert {item.path for item in client.list_artifacts(gru.info.run_id, "samples")} == {
        "samples/temperature_0.5.txt", "samples/temperature_1.0.txt"}
    champion = client.get_model_version_by_alias("seqcase-verses", "champion")
    assert champion.tags["seqcase.metric"] == "validation_bits_per_character"
    assert champion.tags["seqcase.higher_is_better"] == "false" and champion.tags["seqcase.test_metric"] == "bits_per_character"
    generated = subprocess.run([sys.executable, "-m", "seqcase", "generate", "--case", "verses", "--seed", "a ghost",
                                "--length", "25", "--temperature", "0.7", "--random-seed", "3"],
                               cwd=root, env=context["env"], capture_output=True, text=True, check=True)
    assert generated.stdout.startswith("a ghost") and len(generated.stdout.rstrip("\n")) >= 25
    assert re.search(r"verses/gru(_ensemble)?, temperature 0.7", generated.stderr)


def test_plots_render_with_each_task_template(project):
    """One chart per case and kind, every model on it: not one chart per file."""
    root, context = project
    shown = json.loads(run(["dvc", "plots", "show", "--json"], root, context["env"]))["data"]
    cases = ("tiny", "beats", "events", "reviews", "verses")
    assert set(shown) == {f"reports/{case}/plots/{kind}.csv" for case in cases
                          for kind in ("learning_curves", "predictions")}
    confusion = shown["reports/beats/plots/predictions.csv"][0]["content"]
    assert confusion["spec"]["encoding"]["x"]["field"] == "predicted" and confusion["facet"]["field"] == "panel"
    assert {row["model"] for row in confusion["data"]["values"]} == {"gru", "dense", "majority", "logistic_regression"}
    forecast = shown["reports/tiny/plots/predictions.csv"][0]["content"]
    assert forecast["encoding"]["x"]["field"] == "date"
    assert {row["model"] for row in forecast["data"]["values"]} == {"lstm", "dense", "naive", "drift", "mean",
                                                                     "linear_lags"}
    curves = shown["reports/reviews/plots/learning_curves.csv"][0]["content"]
    assert {row["variant"] for row in curves["data"]["values"]} == {"gru", "dense"}
    # Two seeds: the ensemble's precision-recall curve stands for the variant.
    reviews = {row["model"] for row in shown["reports/reviews/plots/predictions.csv"][0]["content"]["data"]["values"]}
    assert reviews == {"gru_ensemble", "dense_ensemble", "tfidf_logistic_regression"}
    assert shown["reports/events/plots/predictions.csv"][0]["content"]["encoding"]["x"]["field"] == "recall"


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
    assert set(children) == {"lstm", "dense", "naive", "drift", "mean", "linear_lags"}
    lstm = children["lstm"]
    assert {"test_rmse", "test_mase", "test_dm_pvalue", "test_rmse_h2", "best_val_loss"} <= set(lstm.data.metrics)
    assert lstm.data.params["window_length"] == "5" and lstm.data.tags["seqcase.family"] == "recurrent"
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
    assert {model.name for model in models} == {"lstm", "dense"}  # one seed: no ensemble
    assert all(client.get_run(model.source_run_id).data.tags["mlflow.parentRunId"]
               in {lstm.info.run_id, children["dense"].info.run_id} for model in models)
    artifacts = {item.path for item in client.list_artifacts(parent.info.run_id, "report")}
    assert {"report/report.html", "report/report.md", "report/metrics.json"} <= artifacts
    comparison = client.load_table(experiment.experiment_id, "comparison.json", run_ids=[parent.info.run_id])
    assert set(comparison["model"]) == set(children)
    naive = comparison.set_index("model").loc["naive"]
    assert naive["test_rmse"] == pytest.approx(children["naive"].data.metrics["test_rmse"])
    assert "## Every model, every overall test metric" in (root / "reports/tiny/report.md").read_text()
    champion = client.get_model_version_by_alias("seqcase-tiny", "champion")
    assert champion.tags["seqcase.variant"] in {"lstm", "dense"} and champion.tags["seqcase.metric"] == "validation_rmse"
    assert float(champion.tags["seqcase.test_value"]) == json.loads((root / "reports/tiny/metrics.json").read_text())[
        "models"][champion.tags["seqcase.variant"]]["rmse"]
    assert parent.data.tags["seqcase.champion_version"] == str(champion.version)
    # Two seeds: the ensemble has a run and a model of its own, and its test scores are linked to that
    # model (MLflow's Models view); the variant's run logs no model, its scores being a mean over seeds.
    reviews = client.get_experiment_by_name("reviews").experiment_id
    by_name = {run.info.run_name: run for run in mlflow.search_runs([reviews], output_format="list")}
    (ensemble,) = mlflow.search_logged_models(experiment_ids=[reviews], output_format="list",
                                              filter_string="name = 'gru_ensemble'")
    assert ensemble.source_run_id == by_name["gru_ensemble"].info.run_id
    linked = {metric.key: metric.value for metric in ensemble.metrics or []}
    assert linked["test_accuracy"] == by_name["gru_ensemble"].data.metrics["test_accuracy"]
    assert not mlflow.search_logged_models(experiment_ids=[reviews], output_format="list",
                                           filter_string=f"source_run_id = '{by_name['gru'].info.run_id}'")
    (seed_model,) = mlflow.search_logged_models(experiment_ids=[reviews], output_format="list", filter_string=(
        f"source_run_id = '{by_name['gru seed 7'].info.run_id}'"))
    assert {metric.key for metric in seed_model.metrics or []} >= {"test_accuracy"}
    # A model's run lasts the work spent on it (its search, its seeds' fits...), not the stages between.
    gru = by_name["gru"]
    assert abs(gru.info.end_time - gru.info.start_time - 1000 * float(gru.data.tags["seqcase.work_seconds"])) < 100
    diagnostics = [name for name in by_name["gru seed 7"].data.metrics if name.startswith("training/")]
    assert "training/input_gradient_first_to_last" in diagnostics and len(diagnostics) >= 3  # and a norm per layer
    assert not any(name.startswith("gradient_norm") for name in by_name["gru seed 7"].data.metrics)


def status_of(root: Path, env: dict) -> dict:
    """`dvc status`, less the params check that runs at every repro."""
    status = json.loads(run(["dvc", "status", "--json"], root, env))
    assert status.pop("validate", ["always changed"]) == ["always changed"]
    return status


def test_a_second_repro_runs_only_the_params_check_and_a_train_edit_spares_prepare_and_tune(project):
    root, context = project
    output = run(["dvc", "repro"], root, context["env"])
    assert re.findall(r"Running stage '([^']+)'", output) == ["validate"]
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
    edited = root / "src/seqcase/tasks/text_classification/report.py"
    original = edited.read_text()
    edited.write_text(original + "\n# an edit\n")
    try:
        status = status_of(root, context["env"])
    finally:
        edited.write_text(original)
    assert set(status) == {f"{stage}@reviews" for stage in ("prepare", "tune", "train", "evaluate", "report")}
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["cases"]["tiny"]["train"] = {"epochs": 4}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    status = status_of(root, context["env"])
    assert "train@tiny" in status
    assert not {"fetch@prices", "prepare@tiny", "tune@tiny"} & set(status)
    assert not any(stage.endswith(("@beats", "@events", "@reviews", "@verses")) for stage in status)


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
            time.sleep(3)
    finally:
        run(["dvc", "queue", "stop"], root, env)
    assert status.count("Success") == 2, status
    assert {"sweep-5", "sweep-10"} <= set(run(["dvc", "exp", "show", "--csv"], root, env).replace(",", "\n").split())
    logs = run(["dvc", "queue", "logs", "sweep-10"], root, env)
    assert "Running stage 'evaluate@tiny'" in logs and "Running stage 'report@tiny'" in logs
    assert "Running stage 'train@tiny'" not in logs and "Running stage 'evaluate@events'" not in logs


def test_metrics_show_reads_each_case_s_headline_not_every_metric(project):
    root, context = project
    shown = json.loads(subprocess.run(["dvc", "metrics", "show", "--json"], cwd=root, env=context["env"],
                                      capture_output=True, text=True, check=True).stdout)
    (revision,) = shown.values()
    assert "reports/tiny/metrics.json" not in revision["data"]
    headline = revision["data"]["reports/tiny/headline.json"]["data"]
    # One seed: a network's test value; two seeds (reviews): its mean over seeds with the interval.
    assert set(headline) == {"verdict", "test_rmse"} and isinstance(headline["test_rmse"]["lstm"], float)
    assert "recurrent_wins" in headline["verdict"]
    reviews = revision["data"]["reports/reviews/headline.json"]["data"]
    assert set(reviews["test_accuracy"]["gru"]) == {"mean", "low", "high"}
    assert reviews["test_accuracy"]["gru"]["low"] <= reviews["test_accuracy"]["gru"]["mean"] <= reviews[
        "test_accuracy"]["gru"]["high"]


def test_runs_reach_a_tracking_server_on_postgresql_with_proxied_artifacts(project):
    root, context = project
    if context["database"] is None:
        require_postgres()  # skips (fails in CI) where PostgreSQL is not installed
    import psycopg

    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])
    assert context["env"]["MLFLOW_TRACKING_URI"].startswith("http://127.0.0.1:")
    parent = next(run for run in mlflow.search_runs(experiment_names=["reviews"], output_format="list")
                  if run.data.tags.get("seqcase.kind") == "pipeline")
    # Artifacts go through the server (mlflow-artifacts:), which keeps them in its own folder.
    assert parent.info.artifact_uri.startswith("mlflow-artifacts:/")
    stored = context["artifacts"] / parent.info.experiment_id / parent.info.run_id / "artifacts" / "report"
    assert (stored / "report.html").is_file() and (stored / "metrics.json").is_file()
    with psycopg.connect(context["database"]) as connection:
        rows = connection.execute("select status, count(*) from runs join experiments using (experiment_id) "
                                  "where experiments.name = 'reviews' group by status").fetchall()
    runs = mlflow.search_runs(experiment_names=["reviews"], output_format="list")
    assert dict(rows)["FINISHED"] == sum(run.info.status == "FINISHED" for run in runs) > 5


def test_the_team_server_answers_its_users_and_refuses_everyone_else(project):
    """The pipeline above ran against a server behind MLflow's basic authentication; a client
    without credentials, or with a wrong password, is refused."""
    root, context = project
    if context["database"] is None:
        require_postgres()
    import requests

    uri = context["env"]["MLFLOW_TRACKING_URI"]
    search = f"{uri}/api/2.0/mlflow/experiments/search"
    assert requests.post(search, json={"max_results": 5}, timeout=10).status_code == 401
    assert requests.post(search, json={"max_results": 5}, auth=(CREDENTIALS[0], "wrong"), timeout=10).status_code == 401
    answer = requests.post(search, json={"max_results": 50}, auth=CREDENTIALS, timeout=10)
    assert answer.status_code == 200 and "reviews" in {item["name"] for item in answer.json()["experiments"]}
    anonymous = {key: value for key, value in context["env"].items() if not key.startswith("MLFLOW_TRACKING_USER")
                 and key != "MLFLOW_TRACKING_PASSWORD"}
    pd.DataFrame({"review": ["a great film"]}).to_csv(root / "anonymous.csv", index=False)
    refused = subprocess.run([sys.executable, "-m", "seqcase", "predict", "--case", "reviews", "--input",
                              "anonymous.csv", "--output", "y.csv"], cwd=root, env=anonymous, capture_output=True,
                             text=True)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines()[-1] == (
        f"error: MLFLOW_TRACKING_URI={uri}: the tracking server refuses a client without MLFLOW_TRACKING_USERNAME "
        "and MLFLOW_TRACKING_PASSWORD (HTTP 401); set both to an account of the server")


def search_tiny_with(root: Path, env: dict, max_trials: int) -> None:
    """params.yaml as committed, but the tiny case searches `max_trials` trials over six unit counts."""
    run(["git", "checkout", "params.yaml"], root, env)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["cases"]["tiny"]["tune"] = {"max_trials": max_trials, "search_space": {"units": [2, 3, 4, 5, 6, 7]}}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def completed_trials(state: Path) -> set[str]:
    """(variant/trial id) of the trials keras-tuner finished in a search's state directory: its
    trial.json says COMPLETED and its oracle (oracle.json) has ended it. keras-tuner writes the one,
    then the other; a search killed between the two runs that trial again when it continues."""
    done = set()
    for path in state.glob("*/trial_*/trial.json"):
        with contextlib.suppress(ValueError, OSError, KeyError):  # a file being written
            ended = json.loads((path.parent.parent / "oracle.json").read_text())["end_order"]
            trial = json.loads(path.read_text())
            if trial["status"] == "COMPLETED" and trial["trial_id"] in ended:
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
