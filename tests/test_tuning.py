"""keras-tuner searches with every trial a nested MLflow run, on a real SQLite store."""

from __future__ import annotations

import dataclasses

import mlflow
import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from conftest import series_from
from seqcase import tracking
from seqcase.config import TuneConfig
from seqcase.models.search_space import ModelSpec

SPACE = {"window_length": [3], "units": [2, 4], "learning_rate": 0.01}


def problem_for(series):
    from seqcase.tasks.forecasting.problem import learning_problem

    return learning_problem(series)


def search(tmp_path, config: TuneConfig, problem, variant: str = "lstm", spec: ModelSpec | None = None):
    from seqcase.tuning import VariantHyperModel, make_tuner, run_search

    book = tracking.start_pipeline_run("tiny", "tune")
    spec = spec or ModelSpec(architecture=variant, search_space=SPACE)
    with tracking.child_run(book, variant, "tiny", "tune") as run:
        hypermodel = VariantHyperModel(variant, spec, problem, batch_size=16)
        tuner = make_tuner(hypermodel, config, tmp_path / "tuner", 1, run.info.run_id, book.experiment_id,
                           tracking.stage_tags("tiny", "tune"))
        try:
            return book, run_search(tuner, config)
        finally:
            book.runs[variant] = run.info.run_id


def trial_runs(book):
    return mlflow.search_runs([book.experiment_id], filter_string="tags.`seqcase.kind` = 'trial'", output_format="list")


@pytest.mark.parametrize("algorithm", ["random_search", "bayesian"])
def test_every_trial_is_a_nested_run_with_hyperparameters_epochs_status_and_score(
    tmp_path, mlflow_store, keras_seeded, algorithm
):
    series = series_from(np.sin(np.arange(160) / 4), horizon=1)
    config = TuneConfig(algorithm=algorithm, max_trials=2, max_epochs=2, batch_size=16)
    book, result = search(tmp_path, config, problem_for(series))
    runs = trial_runs(book)
    assert len(runs) == result["trials"] == result["completed_trials"] == 2
    client = MlflowClient()
    scores = []
    for run in runs:
        assert run.data.tags["mlflow.parentRunId"] == book.runs["lstm"]
        assert run.data.tags["seqcase.trial_status"] == "completed"
        assert run.data.params["units"] in {"2", "4"} and run.data.params["window_length"] == "3"
        assert [m.step for m in client.get_metric_history(run.info.run_id, "val_loss")] == [0, 1]
        scores.append(run.data.metrics["score"])
    assert result["score"] == pytest.approx(min(scores))
    assert result["best_trial_run_id"] in {run.info.run_id for run in runs}
    assert set(result["hyperparameters"]) == {"window_length", "units", "learning_rate"}
    assert sorted(run.info.run_name for run in runs) == ["lstm · trial 1", "lstm · trial 2"]


def test_the_trials_that_ended_are_read_from_the_searchs_own_files(tmp_path, mlflow_store, keras_seeded, capsys):
    from seqcase.tuning import ended_trials

    series = series_from(np.sin(np.arange(160) / 4), horizon=1)
    config = TuneConfig(algorithm="random_search", max_trials=2, max_epochs=2, batch_size=16)
    _, result = search(tmp_path, config, problem_for(series))
    ended = ended_trials(tmp_path / "tuner", "lstm")
    assert sorted(ended) == ["0", "1"] and min(ended.values()) == pytest.approx(result["score"])
    assert ended_trials(tmp_path / "tuner", "gru") == {}
    assert "Search: Running Trial" not in capsys.readouterr().out  # keras-tuner's banners are off


@pytest.mark.parametrize("config, trials", [
    (TuneConfig(algorithm="hyperband", max_epochs=3, factor=3), 6),  # brackets of 2 and of 3 then 1
    (TuneConfig(algorithm="hyperband", max_epochs=3, factor=3, hyperband_iterations=2), 12),
    (TuneConfig(algorithm="random_search", max_trials=5), 5),
])
def test_the_planned_trials_are_the_trials_asked_for_or_hyperbands_brackets(config, trials):
    from seqcase.tuning import planned_trials

    assert planned_trials(config) == trials


def test_a_window_longer_than_the_series_ends_the_search_in_the_data_s_own_one_line(tmp_path, mlflow_store,
                                                                                     keras_seeded):
    from seqcase.errors import DataError

    series = series_from(np.sin(np.arange(160) / 4), horizon=1)  # 96 training rows, 32 validation
    config = TuneConfig(algorithm="random_search", max_trials=2, max_epochs=1, batch_size=16)
    too_long = ModelSpec(architecture="lstm", search_space={**SPACE, "window_length": [120]})
    with pytest.raises(DataError, match=r"^search_space.window_length = 120: no training window fits \(the longest "
                                        r"unbroken stretch of rows up to the end of the training part has 96, and a "
                                        r"window needs 120 input rows and 1 to forecast\); give a shorter window_length$"):
        search(tmp_path, config, problem_for(series), spec=too_long)


def test_hyperband_trials_are_tracked_too(tmp_path, mlflow_store, keras_seeded):
    from seqcase.tuning import planned_trials

    series = series_from(np.sin(np.arange(160) / 4), horizon=1)
    config = TuneConfig(algorithm="hyperband", max_epochs=2, factor=2, batch_size=16)
    book, result = search(tmp_path, config, problem_for(series), variant="gru")
    runs = trial_runs(book)
    # Planned: brackets of 2 and of 2 then 1; the space (units 2 or 4) has no third value to try.
    assert planned_trials(config) == 5 and len(runs) == result["trials"] == 3
    assert all("tuner/epochs" in run.data.params for run in runs)
    assert all(not name.startswith("tuner/") for name in result["hyperparameters"])


def test_a_search_in_which_every_trial_fails_raises_with_the_cause(tmp_path, mlflow_store, keras_seeded):
    from seqcase.tuning import TuningError

    def broken(values):
        raise ValueError("the windows are broken")

    problem = dataclasses.replace(problem_for(series_from(np.sin(np.arange(160) / 4), horizon=1)), datasets=broken)

    config = TuneConfig(algorithm="random_search", max_trials=2, max_epochs=1, batch_size=16)
    with pytest.raises(TuningError, match="no trial of 'lstm' completed .2 failed.*the windows are broken"):
        search(tmp_path, config, problem)
    runs = mlflow.search_runs(filter_string="tags.`seqcase.kind` = 'trial'", search_all_experiments=True,
                              output_format="list")
    assert len(runs) == 2
    assert {run.info.status for run in runs} == {"FAILED"}
    assert {run.data.tags["seqcase.trial_status"] for run in runs} == {"failed"}


def test_trials_may_fit_on_a_seeded_sample_of_the_training_part():
    from seqcase.tuning import training_sample

    inputs, labels = np.arange(100)[:, None], np.arange(100) % 2
    sample, sample_labels = training_sample(inputs, labels, 10, seed=3)
    assert len(sample) == 10 and np.all(np.diff(sample[:, 0]) > 0)
    np.testing.assert_array_equal(sample_labels, sample[:, 0] % 2)
    np.testing.assert_array_equal(training_sample(inputs, labels, 10, seed=3)[0], sample)
    assert training_sample(inputs, labels, None, seed=3)[0] is inputs


def test_a_search_interrupted_mid_trial_continues_from_its_finished_trials(tmp_path, mlflow_store, keras_seeded):
    """The second trial dies (as under SIGKILL, nothing is caught); a tuner on the same directory
    keeps the first trial, runs the second again and the third, and each trial stays one run."""
    from seqcase.tuning import VariantHyperModel, make_tuner, run_search

    series = series_from(np.sin(np.arange(160) / 4), horizon=1)
    problem = problem_for(series)
    config = TuneConfig(algorithm="random_search", max_trials=3, max_epochs=1, batch_size=16)
    spec = ModelSpec(architecture="gru", search_space={**SPACE, "units": [2, 3, 4, 5, 6]})
    fitted = []

    class Killed(VariantHyperModel):
        def fit(self, hp, model, *args, **kwargs):
            fitted.append(hp.values["units"])
            if len(fitted) == 2:
                raise KeyboardInterrupt  # not an Exception: keras-tuner does not record it as a failure
            return super().fit(hp, model, *args, **kwargs)

    book = tracking.start_pipeline_run("tiny", "tune")
    with tracking.child_run(book, "gru", "tiny", "tune") as run:
        variant_run = run.info.run_id
    arguments = (config, tmp_path / "tuner", 1, variant_run, book.experiment_id, tracking.stage_tags("tiny", "tune"))
    with pytest.raises(KeyboardInterrupt):
        run_search(make_tuner(Killed("gru", spec, problem, 16), *arguments, overwrite=False), config)
    first = {run.data.tags["seqcase.trial_id"]: run.info.run_id for run in trial_runs(book)}
    assert len(first) == 2
    result = run_search(make_tuner(Killed("gru", spec, problem, 16), *arguments, overwrite=False), config)
    assert len(fitted) == 4 and fitted[2] == fitted[1]  # the killed trial again (same values), then the third
    runs = trial_runs(book)
    assert sorted(run.data.tags["seqcase.trial_id"] for run in runs) == ["0", "1", "2"]
    by_trial = {run.data.tags["seqcase.trial_id"]: run for run in runs}
    assert by_trial["0"].info.run_id == first["0"]  # kept, not logged again
    assert by_trial["1"].info.run_id != first["1"] and by_trial["1"].data.tags["seqcase.trial_retried"] == "true"
    assert MlflowClient().get_run(first["1"]).info.lifecycle_stage == "deleted"
    assert result["trials"] == result["completed_trials"] == 3


def gru_search_of_two_trials(tmp_path):
    """What a resumable search of two one-epoch gru trials needs: the problem, its settings, the
    pipeline run and make_tuner's arguments on a directory that a second tuner finds again."""
    problem = problem_for(series_from(np.sin(np.arange(160) / 4), horizon=1))
    config = TuneConfig(algorithm="random_search", max_trials=2, max_epochs=1, batch_size=16)
    spec = ModelSpec(architecture="gru", search_space={**SPACE, "units": [2, 3, 4, 5, 6]})
    book = tracking.start_pipeline_run("tiny", "tune")
    with tracking.child_run(book, "gru", "tiny", "tune") as run:
        variant_run = run.info.run_id
    arguments = (config, tmp_path / "tuner", 1, variant_run, book.experiment_id, tracking.stage_tags("tiny", "tune"))
    return problem, config, spec, book, arguments


def test_a_search_killed_before_its_finished_trial_was_tagged_tags_it_when_it_continues(tmp_path, mlflow_store,
                                                                                       keras_seeded):
    """Killed between keras-tuner saving a finished trial and that trial's run getting its status:
    the continued search does not run the trial again, so it gives the run its status and score."""
    from seqcase.tuning import VariantHyperModel, make_tuner, run_search

    problem, config, spec, book, arguments = gru_search_of_two_trials(tmp_path)
    run_search(make_tuner(VariantHyperModel("gru", spec, problem, 16), *arguments, overwrite=False), config)
    (first,) = [run for run in trial_runs(book) if run.data.tags["seqcase.trial_id"] == "0"]
    MlflowClient().delete_tag(first.info.run_id, "seqcase.trial_status")  # the kill came in between
    make_tuner(VariantHyperModel("gru", spec, problem, 16), *arguments, overwrite=False)
    assert MlflowClient().get_run(first.info.run_id).data.tags["seqcase.trial_status"] == "completed"
    assert len(trial_runs(book)) == 2  # tagged, not run again


def test_a_search_killed_just_after_saving_a_finished_trial_does_not_run_it_again(tmp_path, mlflow_store,
                                                                                   keras_seeded):
    """keras-tuner saves oracle.json with the trial it just ended still ongoing; killed before it
    pops it, the reloaded oracle would retry that finished trial. The continued search does not."""
    import json

    from seqcase.tuning import VariantHyperModel, make_tuner, run_search

    problem, config, spec, book, arguments = gru_search_of_two_trials(tmp_path)
    run_search(make_tuner(VariantHyperModel("gru", spec, problem, 16), *arguments, overwrite=False), config)
    oracle_file = tmp_path / "tuner" / "gru" / "oracle.json"
    state = json.loads(oracle_file.read_text())
    assert state["end_order"] == ["0", "1"]
    oracle_file.write_text(json.dumps({**state, "ongoing_trials": {"tuner0": "1"}}))  # the moment of the kill
    again = make_tuner(VariantHyperModel("gru", spec, problem, 16), *arguments, overwrite=False)
    assert again.oracle._retry_queue == []
    result = run_search(again, config)
    assert len(trial_runs(book)) == 2 and result["trials"] == result["completed_trials"] == 2


def test_a_search_killed_before_keras_tuner_wrote_its_tuner_file_does_not_start_over(tmp_path, mlflow_store,
                                                                                      keras_seeded):
    """keras-tuner writes tuner0.json (an empty state) only after the oracle's save at the end of a
    trial, and reloads a search only when it finds that file: killed in between, the search would
    start over and run its finished trials again. The continued search reloads the oracle anyway."""
    from seqcase.tuning import VariantHyperModel, make_tuner, run_search

    problem, config, spec, book, arguments = gru_search_of_two_trials(tmp_path)
    run_search(make_tuner(VariantHyperModel("gru", spec, problem, 16), *arguments, overwrite=False), config)
    logged = {run.data.tags["seqcase.trial_id"]: run.info.run_id for run in trial_runs(book)}
    (tmp_path / "tuner" / "gru" / "tuner0.json").unlink()  # the moment of the kill
    again = make_tuner(VariantHyperModel("gru", spec, problem, 16), *arguments, overwrite=False)
    assert sorted(again.oracle.trials) == ["0", "1"] and again.oracle.end_order == ["0", "1"]
    result = run_search(again, config)
    assert result["trials"] == result["completed_trials"] == 2
    assert {run.data.tags["seqcase.trial_id"]: run.info.run_id for run in trial_runs(book)} == logged
    assert not [run for run in trial_runs(book) if "seqcase.trial_retried" in run.data.tags]


def test_a_search_killed_between_a_new_trial_s_file_and_the_oracle_s_runs_that_trial(tmp_path, mlflow_store,
                                                                                     keras_seeded, monkeypatch):
    """keras-tuner writes a new trial's trial.json, then oracle.json: killed in between, the reloaded
    oracle would hold a trial it never started, never run it, and end the search a trial short. The
    continued search runs that trial under its id, once."""
    from seqcase.tuning import VariantHyperModel, make_tuner, run_search

    problem, config, spec, book, arguments = gru_search_of_two_trials(tmp_path)
    tuner = make_tuner(VariantHyperModel("gru", spec, problem, 16), *arguments, overwrite=False)
    oracle, save = tuner.oracle, tuner.oracle.save

    def killed_when_the_second_trial_starts():
        if oracle.start_order == ["0", "1"] and oracle.end_order == ["0"]:
            raise KeyboardInterrupt  # trial_1/trial.json is written, oracle.json is not
        save()

    monkeypatch.setattr(oracle, "save", killed_when_the_second_trial_starts)
    with pytest.raises(KeyboardInterrupt):
        run_search(tuner, config)
    assert (tmp_path / "tuner" / "gru" / "trial_1" / "trial.json").is_file()
    again = make_tuner(VariantHyperModel("gru", spec, problem, 16), *arguments, overwrite=False)
    assert sorted(again.oracle.trials) == ["0"]
    result = run_search(again, config)
    assert result["trials"] == result["completed_trials"] == 2
    assert sorted(run.data.tags["seqcase.trial_id"] for run in trial_runs(book)) == ["0", "1"]


def test_a_search_killed_while_saving_its_state_keeps_the_last_whole_state(tmp_path, mlflow_store, keras_seeded,
                                                                             monkeypatch):
    """keras-tuner's own save truncates oracle.json before writing it; killed in between, the next
    search could not reload it (an empty file). Saved by rename, the last whole state stays."""
    import json

    from keras_tuner.src import utils as keras_tuner_utils

    from seqcase import io
    from seqcase.tuning import VariantHyperModel, make_tuner, run_search

    problem, config, spec, book, arguments = gru_search_of_two_trials(tmp_path)
    tuner = make_tuner(VariantHyperModel("gru", spec, problem, 16), *arguments, overwrite=False)
    run_search(tuner, config)
    oracle_file = tmp_path / "tuner" / "gru" / "oracle.json"
    saved = oracle_file.read_text()

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(io.os, "replace", killed)
    tuner.oracle._seed_state = -1  # a state that differs from the saved one
    with pytest.raises(KeyboardInterrupt):
        tuner.oracle.save()
    monkeypatch.undo()
    assert oracle_file.read_text() == saved and json.loads(saved)["seed_state"] != -1
    assert not [path for path in oracle_file.parent.iterdir() if path.name.endswith(io.TEMPORARY_SUFFIX)]
    again = make_tuner(VariantHyperModel("gru", spec, problem, 16), *arguments, overwrite=False)
    assert len(again.oracle.trials) == 2
    assert keras_tuner_utils.load_json(str(oracle_file)) == json.loads(saved)


def test_a_search_fingerprint_changes_with_its_settings_and_the_bytes_it_reads(tmp_path):
    from seqcase.tuning import search_fingerprint

    data = tmp_path / "ids.npy"
    data.write_bytes(b"abc")
    base = search_fingerprint({"max_trials": 3}, [data])
    assert search_fingerprint({"max_trials": 3}, [data]) == base
    assert search_fingerprint({"max_trials": 4}, [data]) != base
    data.write_bytes(b"abd")
    assert search_fingerprint({"max_trials": 3}, [data]) != base
