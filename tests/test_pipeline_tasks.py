"""End to end: the event, text classification and text generation cases (events, reviews with two
seeds, verses) through the real `dvc repro` against an MLflow server on PostgreSQL behind basic
authentication; their models served by MLflow and by `python -m seqcase`, and the server refusing
anonymous clients. The forecasting and classification cases run in test_pipeline.py, beside it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

from pipeline_project import (CREDENTIALS, assert_every_case_carries_its_verdict, assert_every_stage_read_what_the_record_says,
                              best_on_validation, champion_window_length,
                              environment_variable, headline_shown, project_fixture, run, shown_plots, verdict_chance)
from seqcase.commands.predict import predict_csv
from servers import require_postgres

pytestmark = pytest.mark.slow
CASES = ("events", "reviews", "verses")
project = project_fixture(CASES, targets=("summary",))  # every case; the fundamentals stage runs in test_pipeline.py


def test_every_cases_metrics_carry_its_verdict_with_the_test_behind_it(project):
    assert_every_case_carries_its_verdict(project[0], CASES)


def test_an_event_case_is_split_by_time_and_judged_on_pr_auc(project):
    root, context = project
    metrics = json.loads((root / "reports/events/metrics.json").read_text())
    assert metrics["task"] == "event_classification" and metrics["test_examples"] == 180  # the last 20 % of 900
    assert set(metrics["models"]) == {"gru", "transformer", "dense", "logistic_regression", "histogram_gradient_boosting"}
    search = metrics["baseline_search"]["logistic_regression"]
    assert len(search["grid"]) == 2 and search["chosen"] == best_on_validation(search, "validation_average_precision", True)
    logistic = metrics["models"]["logistic_regression"]
    assert logistic["average_precision"] > 0.3 and 0 < logistic["threshold"] < 1  # the signal is found
    assert {"recall_at_precision_0.8", "recall_at_precision_0.9", "true_positives"} <= set(logistic)
    training = json.loads((root / "data/models/events/training.json").read_text())
    assert training["dense"]["window_length"] == 1 and training["gru"]["window_length"] == 5
    assert training["transformer"]["hyperparameters"]["skip_last_step"] is True  # it also reads the event itself
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
    assert sorted(model.name for model in logged) == ["dense", "dense", "dense_ensemble", "gru", "gru", "gru_ensemble",
                                                      "transformer", "transformer", "transformer_ensemble"]
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
    # Each network reads raw text through the tokenizer kept beside it: the last 8 words of a review.
    assert len(networks) == 2 and (networks[1].tokenizer.kept_words, networks[1].tokenizer.sequence_length) == ("last", 8)
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


def test_predict_reads_raw_rows_of_transactions_and_keeps_every_row(project):
    root, context = project
    pd.read_csv(root / "events.csv").drop(columns=["Class"]).iloc[-30:].to_csv(root / "new_events.csv", index=False)
    with environment_variable("MLFLOW_TRACKING_URI", context["env"]["MLFLOW_TRACKING_URI"]):  # in this process
        rows, answered = predict_csv(root / "params.yaml", "events", root / "new_events.csv",
                                     root / "events_predicted.csv")
        assert answered.startswith("seqcase-events version ") and "(the champion" in answered
    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])
    transactions = pd.read_csv(root / "events_predicted.csv")
    # Every row comes back; the earliest window_length - 1 only serve as history.
    unscored = transactions.sort_values("Time", kind="stable").head(champion_window_length("events") - 1)
    assert len(transactions) == 30 and transactions["probability_fraud"].isna().sum() == len(unscored)
    assert unscored["probability_fraud"].isna().all()
    assert set(transactions["predicted"].dropna()) <= {"legitimate", "fraud"}


def test_a_generation_case_scores_bits_per_character_and_writes_samples(project):
    root, context = project
    metrics = json.loads((root / "reports/verses/metrics.json").read_text())
    assert metrics["task"] == "text_generation"
    assert set(metrics["models"]) == {"gru", "gru_ensemble", "transformer", "transformer_ensemble", "kneser_ney", "add_k"}
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
    search = metrics["baseline_search"]["kneser_ney"]
    assert {entry["order"] for entry in search["grid"]} == {2, 3}
    assert search["chosen"] == best_on_validation(search, "validation_bits_per_character", False)
    samples = json.loads((root / "data/evaluation/verses/samples.json").read_text())
    assert set(samples) == set(metrics["models"]) and set(samples["gru"]) == {"0.5", "1.0"}
    assert all(text.startswith("the ") and len(text) == 44 for texts in samples.values() for text in texts.values())
    report = (root / "reports/verses/report.md").read_text()
    assert "## Samples: the seed 'the ' continued one character at a time" in report
    assert verdict_chance(root, "verses", "500-character blocks of the test text") in report
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
    assert re.search(r"verses/(gru|transformer)(_ensemble)?, temperature 0.7", generated.stderr)  # fewest validation bits


def test_plots_render_with_each_task_template(project):
    """One chart per case and kind, every model on it: not one chart per file."""
    root, context = project
    shown = shown_plots(root, context["env"], CASES)
    curves = shown["reports/reviews/plots/learning_curves.csv"][0]["content"]
    assert {row["variant"] for row in curves["data"]["values"]} == {"gru", "transformer", "dense"}
    # Two seeds: the ensemble's precision-recall curve stands for the variant.
    reviews = {row["model"] for row in shown["reports/reviews/plots/predictions.csv"][0]["content"]["data"]["values"]}
    assert reviews == {"gru_ensemble", "transformer_ensemble", "dense_ensemble", "tfidf_logistic_regression"}
    assert shown["reports/events/plots/predictions.csv"][0]["content"]["encoding"]["x"]["field"] == "recall"


def test_a_seed_ensemble_has_its_own_run_and_model_with_its_test_scores_linked(project):
    _, context = project
    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])
    client = MlflowClient()
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


def test_metrics_show_reads_two_seeds_mean_and_interval_in_the_headline(project):
    root, context = project
    reviews = headline_shown(root, context["env"], "reviews")  # two seeds: a network's mean, with the interval
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


def test_tensorflow_trains_the_text_case_whose_models_read_raw_text(project):
    """On TensorFlow too the text networks keep their tokenizer beside them, and the registered
    version trained on TensorFlow reads raw text."""
    root, context = project
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["keras_backend"] = "tensorflow"
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    output = run(["dvc", "repro", "report@reviews"], root, context["env"])
    assert "Running stage 'prepare@reviews'" not in output and "Running stage 'train@reviews'" in output
    training = json.loads((root / "data/models/reviews/training.json").read_text())
    assert {entry["keras_backend"] for entry in training.values()} == {"tensorflow"}
    assert (root / "data/models/reviews/gru/seed_7.tokenizer.json").is_file()
    mlflow.set_tracking_uri(context["env"]["MLFLOW_TRACKING_URI"])
    # The newest version is the TensorFlow run's (the champion alias moves only if it beats the JAX one).
    newest = max(MlflowClient().search_model_versions("name = 'seqcase-reviews'"), key=lambda version: int(version.version))
    assert newest.tags["seqcase.keras_backend"] == "tensorflow"
    model = mlflow.pyfunc.load_model(f"models:/seqcase-reviews/{newest.version}")
    probabilities = model.predict(pd.DataFrame({"text": ["great superb fun loved", "awful dull boring hated"]}))
    assert probabilities.shape == (2, 2) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_every_stage_read_what_tests_stage_reads_json_records(project):
    assert_every_stage_read_what_the_record_says(*project)
