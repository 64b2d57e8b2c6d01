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
