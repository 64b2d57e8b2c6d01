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
