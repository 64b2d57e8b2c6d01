"""The tune stage's progress line, fed by the trials' own files while the searches run."""

from __future__ import annotations

import types

import numpy as np
import pytest

from conftest import series_from
from seqcase.config import TuneConfig
from seqcase.models.search_space import ModelSpec
from test_tuning import SPACE, problem_for, search


def test_the_progress_line_counts_each_trial_as_it_ends_with_the_best_loss_so_far(tmp_path, mlflow_store,
                                                                                   keras_seeded, capsys):
    from seqcase.stages.tune import trial_progress

    config = TuneConfig(algorithm="random_search", max_trials=2, max_epochs=2, batch_size=16)
    case = types.SimpleNamespace(models={"lstm": ModelSpec(architecture="lstm", search_space=SPACE)}, tune=config)
    with trial_progress("tiny", case, tmp_path / "tuner", every=0.01):
        _, result = search(tmp_path, config, problem_for(series_from(np.sin(np.arange(160) / 4), horizon=1)))
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" · ")[:2] for line in lines] == [["tune@tiny", "1/2 trials"], ["tune@tiny", "2/2 trials"]]
    assert lines[0].endswith("(last: lstm · trial 1)") and lines[1].endswith("(last: lstm · trial 2)")
    assert f"best val_loss {result['score']:.4g}" in lines[1]


def test_the_trials_a_killed_run_finished_count_from_the_start_outside_the_time_left(tmp_path, mlflow_store,
                                                                                     keras_seeded, capsys):
    from seqcase.stages.tune import trial_progress

    config = TuneConfig(algorithm="random_search", max_trials=2, max_epochs=2, batch_size=16)
    case = types.SimpleNamespace(models={"lstm": ModelSpec(architecture="lstm", search_space=SPACE)}, tune=config)
    _, result = search(tmp_path, config, problem_for(series_from(np.sin(np.arange(160) / 4), horizon=1)))
    capsys.readouterr()
    with trial_progress("tiny", case, tmp_path / "tuner", every=0.01) as progress:
        assert (progress.done, progress.done_before) == (2, 2)
        assert progress.best[0] == pytest.approx(result["score"])
    assert capsys.readouterr().out == ""  # nothing ended while it watched: no line


def test_the_searches_of_the_largest_networks_start_first_ties_in_params_order():
    from seqcase.models.search_space import Range
    from seqcase.stages.tune import largest_first

    def spec(architecture: str, cell: str = "lstm", **space) -> ModelSpec:
        return ModelSpec(architecture=architecture, cell=cell, search_space={"learning_rate": 0.001, **space})

    models = {"dense": spec("dense"), "simple_rnn": spec("simple_rnn", units=[16, 64]),
              "gru": spec("gru", units=32), "bidirectional_gru": spec("bidirectional", cell="gru", units=32),
              "conv1d": spec("conv1d"), "lstm": spec("lstm", units=Range(min=8, max=16), layers=[1, 2])}
    # bidirectional GRU 2 x 3 x 32 = 192, LSTM 4 x 16 x 2 = 128, GRU 96, SimpleRNN 64, then the cheap ones
    assert largest_first(models) == ["bidirectional_gru", "lstm", "gru", "simple_rnn", "dense", "conv1d"]
