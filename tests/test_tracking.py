import pytest
import mlflow
from mlflow.tracking import MlflowClient

from seqcase import tracking


def test_a_stage_joins_an_open_pipeline_run_and_starts_a_linked_one_after_it_closed(mlflow_store, tmp_path):
    book = tracking.start_pipeline_run("tiny", "tune")
    with tracking.child_run(book, "lstm", "tiny", "tune"):
        mlflow.log_param("units", 4)
    book.save(tmp_path / "runs.json")
    loaded = tracking.RunBook.load(tmp_path / "runs.json")
    joined = tracking.continue_pipeline_run(loaded, "tiny", "train")
    assert joined.parent_run_id == book.parent_run_id and joined.runs == book.runs
    with tracking.child_run(joined, "lstm", "tiny", "train"):
        mlflow.log_metric("best_val_loss", 0.5)
    client = MlflowClient()
    child = client.get_run(book.runs["lstm"])
    assert child.data.params == {"units": "4"} and child.data.metrics == {"best_val_loss": 0.5}
    assert child.data.tags["mlflow.parentRunId"] == book.parent_run_id
    assert child.data.tags["seqcase.dvc_stage"] == "train@tiny"

    tracking.finish_pipeline_run(joined)
    assert client.get_run(book.parent_run_id).info.status == "FINISHED"
    fresh = tracking.continue_pipeline_run(loaded, "tiny", "train")
    assert fresh.parent_run_id != book.parent_run_id and fresh.runs == {}
    parent = client.get_run(fresh.parent_run_id)
    assert parent.info.status == "RUNNING"
    assert parent.data.tags["seqcase.continues"] == book.parent_run_id
    assert parent.data.tags["seqcase.kind"] == "pipeline"
    assert client.get_experiment(parent.info.experiment_id).name == "tiny"


def test_a_models_run_lasts_the_work_its_stages_spent_on_it_not_the_hours_between_them(mlflow_store):
    import time

    book = tracking.start_pipeline_run("tiny", "tune")
    started = time.monotonic()
    with tracking.child_run(book, "gru", "tiny", "tune", work_elsewhere=100.0):
        mlflow.log_param("units", 4)
    inside = time.monotonic() - started
    time.sleep(1.5)  # other models' stages run meanwhile
    started = time.monotonic()
    with tracking.child_run(book, "gru", "tiny", "train", work_elsewhere=50.0):
        mlflow.log_metric("best_val_loss", 0.5)
    inside += time.monotonic() - started
    run = MlflowClient().get_run(book.runs["gru"])
    counted = float(run.data.tags["seqcase.work_seconds"])
    # The work elsewhere plus the time inside the two blocks (however slow the machine), not the sleep;
    # the tag keeps tenths of a second, rounded at each of the two blocks.
    assert 150.0 <= counted <= 150.0 + inside + 0.1 and run.info.status == "FINISHED"
    assert abs(run.info.end_time - run.info.start_time - counted * 1000) < 100  # not the 1.5 s of wall time


def test_a_stage_running_twice_in_one_pipeline_run_starts_a_new_one(mlflow_store):
    book = tracking.start_pipeline_run("tiny", "tune")
    with tracking.child_run(book, "lstm", "tiny", "tune"):
        pass
    first = tracking.continue_pipeline_run(book, "tiny", "train")
    with tracking.child_run(first, "lstm", "tiny", "train"):
        mlflow.log_param("epochs", 3)
    evaluated = tracking.continue_pipeline_run(first, "tiny", "evaluate")
    with tracking.child_run(evaluated, "lstm", "tiny", "evaluate"):
        mlflow.log_metric("test_rmse", 1.0)
    # The pipeline run is still open (no report yet) and evaluate wrote last, but train already
    # wrote to it: a re-run of train (say with epochs=4) must not log a second `epochs` there.
    second = tracking.continue_pipeline_run(first, "tiny", "train")
    client = MlflowClient()
    assert second.parent_run_id != book.parent_run_id
    assert client.get_run(second.parent_run_id).data.tags["seqcase.continues"] == book.parent_run_id
    assert client.get_run(book.parent_run_id).info.status == "KILLED"


def test_a_failing_stage_marks_its_pipeline_run_failed(mlflow_store):
    book = tracking.start_pipeline_run("tiny", "tune")
    try:
        with tracking.failing_pipeline_run(book):
            raise RuntimeError("out of memory")
    except RuntimeError:
        pass
    assert MlflowClient().get_run(book.parent_run_id).info.status == "FAILED"
    assert tracking.continue_pipeline_run(book, "tiny", "train").parent_run_id != book.parent_run_id


def test_an_upstream_run_from_another_store_starts_a_new_pipeline_run(mlflow_store):
    """Tuned under one MLFLOW_TRACKING_URI, trained under another: a new run, pointing back."""
    missing = tracking.RunBook("0", "0123456789abcdef0123456789abcdef", {"lstm": "fedcba9876543210fedcba9876543210"})
    fresh = tracking.continue_pipeline_run(missing, "tiny", "train")
    parent = MlflowClient().get_run(fresh.parent_run_id)
    assert fresh.runs == {} and parent.data.tags["seqcase.continues"] == missing.parent_run_id


def test_a_relative_sqlite_store_belongs_to_the_repository_even_in_a_queued_experiment(tmp_path):
    repository = tmp_path / "repo"
    queued = repository / ".dvc" / "tmp" / "exps" / "tmpab12cd"
    queued.mkdir(parents=True)
    assert tracking.project_root(queued) == repository.resolve()
    assert tracking.project_root(repository) == repository.resolve()
    assert tracking.resolve_tracking_uri("sqlite:///mlflow.db", queued) == f"sqlite:///{repository.resolve()}/mlflow.db"
    assert tracking.resolve_tracking_uri("sqlite:////srv/mlflow.db", queued) == "sqlite:////srv/mlflow.db"
    assert tracking.resolve_tracking_uri("http://127.0.0.1:5000", queued) == "http://127.0.0.1:5000"


class _Constant(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return [0.0] * len(model_input)


def _logged_model(experiment_id: str, name: str) -> tuple[str, str]:
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.pyfunc.log_model(name=name, python_model=_Constant(), pip_requirements=[])  # none to infer
    return run.info.run_id, tracking.logged_model_uri(experiment_id, run.info.run_id, name)


def test_the_champion_alias_moves_only_to_a_better_model(mlflow_store):
    experiment = mlflow.set_experiment("tiny").experiment_id
    client = MlflowClient()
    first = tracking.register_champion("tiny", _logged_model(experiment, "lstm")[1], "lstm", "rmse", 1.00, False)
    assert first == {"name": "seqcase-tiny", "version": 1, "promoted": True, "champion": 1}
    worse = tracking.register_champion("tiny", _logged_model(experiment, "gru")[1], "gru", "rmse", 1.05, False)
    assert worse == {"name": "seqcase-tiny", "version": 2, "promoted": False, "champion": 1}
    better = tracking.register_champion("tiny", _logged_model(experiment, "dense")[1], "dense", "rmse", 0.95, False)
    assert better["promoted"] and better["champion"] == 3
    champion = client.get_model_version_by_alias("seqcase-tiny", "champion")
    assert int(champion.version) == 3 and champion.tags["seqcase.variant"] == "dense"
    assert champion.tags["seqcase.metric_value"] == "0.95"
    # Higher is better for accuracy: 0.90 does not displace 0.91.
    tracking.register_champion("reviews", _logged_model(experiment, "gru")[1], "gru", "accuracy", 0.91, True)
    kept = tracking.register_champion("reviews", _logged_model(experiment, "lstm")[1], "lstm", "accuracy", 0.90, True)
    assert not kept["promoted"] and kept["champion"] == 1


def test_a_run_without_the_named_model_is_a_clear_error(mlflow_store):
    experiment = mlflow.set_experiment("tiny").experiment_id
    run_id, _ = _logged_model(experiment, "lstm")
    with pytest.raises(LookupError, match="logged no model named 'gru'"):
        tracking.logged_model_uri(experiment, run_id, "gru")



def test_the_comparison_view_lists_the_compared_models_and_charts_their_metric_and_hyperparameters():
    view = tracking.comparison_view("pipeline-1", "rmse", False, ["window_length", "learning_rate"])
    assert view["searchFilter"] == "tags.`seqcase.compared_in` = 'pipeline-1'"
    assert view["orderByKey"] == "metrics.`validation_rmse`" and view["orderByAsc"] is True  # lower is better
    assert view["runsHiddenMode"] == "SHOW_ALL"
    sections = {section["uuid"]: section["name"] for section in view["compareRunSections"]}
    assert sections == {"seqcase-scores": "Models: rmse on validation and test",
                        "seqcase-hyperparameters": "Networks: hyperparameters against rmse"}
    bars, parallel = view["compareRunCharts"][:2], view["compareRunCharts"][2]
    assert [(chart["type"], chart["metricKey"]) for chart in bars] == [("BAR", "validation_rmse"), ("BAR", "test_rmse")]
    assert parallel["type"] == "PARALLEL" and parallel["metricSectionId"] == "seqcase-hyperparameters"
    assert parallel["selectedParams"] == ["window_length", "learning_rate"]
    assert parallel["selectedMetrics"] == ["validation_rmse", "test_rmse"]
    # Higher is better: the best validation value comes first; no shared hyperparameter, no parallel plot.
    accuracy = tracking.comparison_view("pipeline-1", "accuracy", True, [])
    assert accuracy["orderByAsc"] is False and [chart["type"] for chart in accuracy["compareRunCharts"]] == ["BAR", "BAR"]
    assert [section["uuid"] for section in accuracy["compareRunSections"]] == ["seqcase-scores"]


def test_runs_a_killed_stage_left_running_are_marked_killed_by_its_next_run(mlflow_store):
    """kill -9 leaves the stage's runs RUNNING; the next run of the stage finds their process gone."""
    import socket
    import subprocess
    import sys

    book = tracking.start_pipeline_run("tiny", "train")
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = f"{socket.gethostname()}:{finished.stdout.strip()}"
    client = MlflowClient()
    killed = client.create_run(book.experiment_id, tags={**tracking.stage_tags("tiny", "train"),
                                                         "seqcase.kind": "model", "seqcase.process": dead})
    alive = client.create_run(book.experiment_id, tags={**tracking.stage_tags("tiny", "train"), "seqcase.kind": "model"})
    other_stage = client.create_run(book.experiment_id, tags={**tracking.stage_tags("tiny", "tune"),
                                                              "seqcase.kind": "trial", "seqcase.process": dead})
    again = tracking.continue_pipeline_run(book, "tiny", "train")
    assert client.get_run(killed.info.run_id).info.status == "KILLED"
    assert client.get_run(alive.info.run_id).info.status == "RUNNING"  # this process: still working
    assert client.get_run(other_stage.info.run_id).info.status == "RUNNING"  # another stage's
    assert client.get_run(again.parent_run_id).info.status == "RUNNING"


def test_a_tracking_server_that_does_not_answer_is_one_line_naming_it(monkeypatch):
    import socket
    import time

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{port}")
    start = time.perf_counter()
    with pytest.raises(tracking.UserError, match=rf"MLFLOW_TRACKING_URI=http://127.0.0.1:{port}: the tracking "
                                                 r"server does not answer \(ConnectionError"):
        tracking.configure()
    assert time.perf_counter() - start < 15


def test_a_run_s_own_outputs_do_not_make_its_commit_dirty_an_edit_of_the_code_does(tmp_path, monkeypatch):
    """A default run's report stage finds dvc.lock and reports/ rewritten by the stages before it:
    the version it registers is still of a clean commit. An edited source file is not."""
    import subprocess

    def git(*arguments):
        subprocess.run(["git", *arguments], cwd=tmp_path, check=True, capture_output=True)

    for path in ("dvc.lock", "reports/glucose/metrics.json", "src/model.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("before\n")
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "x", "--allow-empty")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "files")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dvc.lock").write_text("after\n")
    (tmp_path / "reports/glucose/metrics.json").write_text("after\n")
    (tmp_path / "notes.txt").write_text("untracked\n")
    tracking.git_state.cache_clear()
    assert tracking.git_state()["seqcase.git_dirty"] == "false"
    (tmp_path / "src/model.py").write_text("after\n")
    tracking.git_state.cache_clear()
    assert tracking.git_state()["seqcase.git_dirty"] == "true"
    tracking.git_state.cache_clear()
    assert tracking.edited(" M dvc.lock\nR  src/a.py -> src/b.py\n M reports/x.md\n") == ["src/b.py"]
