"""Predictions from a registered model: labels at the threshold, every class, and clear refusals."""

import numpy as np
import pytest

from conftest import with_verses_case
from seqcase.commands.predict import interval_radius, interval_scale, model_uri, predict_csv
from seqcase.errors import UserError
from seqcase.evaluation.binary import binary_predictions
from seqcase.tasks.classification.predict import class_predictions


def test_labels_follow_the_validation_threshold_not_one_half():
    frame = binary_predictions(np.array([[0.8, 0.2], [0.6, 0.4], [0.1, 0.9]]), 0.3, ["negative", "positive"])
    assert frame["predicted"].tolist() == ["negative", "positive", "positive"]
    assert frame["probability_positive"].tolist() == [0.2, 0.4, 0.9]


def test_a_sequence_gets_every_class_probability_and_the_most_probable_class():
    frame = class_predictions(np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]]), ["normal", "PVC", "other"])
    assert frame.columns.tolist() == ["probability_normal", "probability_PVC", "probability_other", "predicted"]
    assert frame["predicted"].tolist() == ["PVC", "normal"]


def test_the_champion_or_a_named_version():
    assert model_uri("imdb") == "models:/seqcase-imdb@champion"
    assert model_uri("imdb", 3) == "models:/seqcase-imdb/3"


def test_interval_radii_come_from_the_versions_tags_narrowest_level_first():
    tags = {"seqcase.variant": "gru", "seqcase.interval_radius_95": "2.5 4.0", "seqcase.interval_radius_80": "1.5 2.0",
            "seqcase.seeds": "7 8 9"}
    assert interval_radius(tags) == {"80": [1.5, 2.0], "95": [2.5, 4.0]}
    assert list(interval_radius(tags)) == ["80", "95"] and interval_radius({"seqcase.variant": "gru"}) == {}
    assert interval_scale({**tags, "seqcase.interval_scale": "6 1.25"}) == {"steps": 6, "floor": 1.25}
    assert interval_scale(tags) == {}


def test_a_language_model_is_refused_with_the_command_that_serves_it(tmp_path, raw_params, mlflow_store):
    with_verses_case(raw_params, tmp_path)
    (tmp_path / "in.csv").write_text("x\n1\n")
    with pytest.raises(UserError, match="python -m seqcase generate --case verses"):
        predict_csv(tmp_path / "params.yaml", "verses", tmp_path / "in.csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_a_version_logged_as_a_bare_keras_model_is_refused_with_what_to_do(mlflow_store, keras_seeded):
    import mlflow

    from seqcase import tracking
    from seqcase.commands.predict import served_uri

    inputs = keras_seeded.Input((3,))
    model = keras_seeded.Model(inputs, keras_seeded.layers.Dense(1)(inputs))
    mlflow.set_experiment("old")
    with mlflow.start_run():
        # Requirements given: MLflow would infer them in a process that imports TensorFlow (10 s).
        mlflow.keras.log_model(model, name="dense", registered_model_name=tracking.registered_model_name("old"),
                               pip_requirements=["tensorflow"])
    with pytest.raises(UserError, match="bare Keras model.*`dvc repro` logs a new version"):
        served_uri("old", 1)


def test_a_case_with_nothing_registered_or_a_missing_version_is_one_line(mlflow_store, keras_seeded):
    from seqcase.commands.predict import served_uri

    with pytest.raises(UserError, match=r"^models:/seqcase-nothing@champion: not in the model registry of sqlite"):
        served_uri("nothing")
    test_a_version_logged_as_a_bare_keras_model_is_refused_with_what_to_do(mlflow_store, keras_seeded)
    with pytest.raises(UserError, match=r"^models:/seqcase-old/7: not in the model registry"):
        served_uri("old", 7)


def test_a_missing_input_file_is_refused_by_the_parser():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "seqcase", "predict", "--case", "x", "--input", "no-such.csv",
                             "--output", "out.csv", "--version", "0"], capture_output=True, text=True)
    assert result.returncode == 2 and "argument --input: no-such.csv: no such file" in result.stderr


class UnloadedRequest:
    """A predict call whose model must not be needed: reading it fails the test."""

    def __init__(self, **prepare):
        from types import SimpleNamespace

        self.case, self.case_name = SimpleNamespace(prepare=SimpleNamespace(**prepare)), "mine"

    @property
    def facts(self):
        raise AssertionError("the model was loaded before the rows were checked")

    def predict(self, inputs):
        raise AssertionError("the model was loaded before the rows were checked")


@pytest.mark.parametrize(("task", "prepare", "rows", "refusal"), [
    ("text_classification", {"text_column": "review"}, "text\nfine film\n",
     r"in\.csv: no column\(s\) \['review'\] \(cases\.mine\.prepare\.text_column\); the header has \['text'\]"),
    ("event_classification", {"time_column": "Time", "feature_columns": None, "log_columns": ["Amount"],
                              "label_column": "Class"}, "Amount,V1\n3,0.5\n",
     r"no column\(s\) \['Time'\] \(cases\.mine\.prepare: the time column"),
    ("classification", {"label_column": "label"}, "a,b,c\n0.1,high,0.3\n",
     r"column\(s\) \['b'\] hold values that are not numbers"),
    ("forecasting", None, "", r"in\.csv: empty; it needs a header row and at least one data row"),
    ("text_classification", {"text_column": "review"}, "review\n", r"a header and no rows; nothing to predict"),
])
def test_predict_checks_the_rows_before_it_loads_a_model(tmp_path, task, prepare, rows, refusal):
    from seqcase.errors import DataError
    from seqcase.tasks import get_task
    from seqcase.tasks.base import read_request_csv

    (tmp_path / "in.csv").write_text(rows)
    with pytest.raises(DataError, match=refusal):
        if prepare is None:
            read_request_csv(tmp_path / "in.csv", ["time"], "the case's time column")
        else:
            get_task(task).predict(UnloadedRequest(**prepare), tmp_path / "in.csv")
