"""Rolling origins: where they fall, what each fold trains and validates on, and pooled scores."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import series_from
from seqcase.params import parse_params
from seqcase.errors import DataError
from seqcase.splits import Split
from seqcase.tasks.base import ScoringSettings
from seqcase.tasks.forecasting.backtest import fold_series, origins, refits
from seqcase.tasks.forecasting.data import actual_values, window_positions
from seqcase.tasks.forecasting.schema import Backtest
from seqcase.tasks.forecasting.scoring import backtest


def case_with(raw_params, **settings):
    raw_params["cases"]["tiny"]["train"] = {"backtest": settings}
    raw_params["cases"]["tiny"]["baselines"] = {"naive": {}, "mean": {}}
    return parse_params(raw_params).cases["tiny"]


def test_origins_cut_the_test_part_by_rows_by_a_row_step_or_by_a_duration():
    series = series_from(np.arange(100.0))  # test part: rows 80..99, one row a day
    assert [(origin.start, origin.end) for origin in origins(series, Backtest(origins=4))] == [
        (80, 85), (85, 90), (90, 95), (95, 100)]
    assert [(origin.start, origin.end) for origin in origins(series, Backtest(origins=3, step=6))] == [
        (80, 86), (86, 92), (92, 100)]  # the last window runs to the end
    by_week = origins(series, Backtest(origins=2, step="7D"))
    assert [(origin.start, origin.end, origin.name) for origin in by_week] == [(80, 87, "origin_1"), (87, 100, "origin_2")]
    assert by_week[1].timestamp == "1970-03-29T00:00:00"  # day 87
    with pytest.raises(DataError, match="train.backtest: 3 origins 10 apart do not fit in the test part"):
        origins(series, Backtest(origins=3, step=10))


def test_no_fold_trains_or_validates_on_its_own_future():
    series = series_from(np.random.default_rng(0).normal(0, 1, 300), horizon=3)
    windows = origins(series, Backtest(origins=4))
    for index, origin in enumerate(windows):
        fold = fold_series(series, origin)
        origin_time = series.timestamps[origin.start]
        targets = {part: series.timestamps[window_positions(fold, 5, part)[:, None] + np.arange(3)]
                   for part in (Split.TRAIN, Split.VALIDATION, Split.TEST)}
        assert targets[Split.TRAIN].max() < targets[Split.VALIDATION].min()
        assert targets[Split.VALIDATION].max() < origin_time <= targets[Split.TEST].min()
        if index + 1 < len(windows):
            assert targets[Split.TEST].max() < series.timestamps[windows[index + 1].start]
        # The validation stretch is as long as the prepare stage's, just before the origin.
        assert (fold.split == Split.VALIDATION).sum() == (series.split == Split.VALIDATION).sum()
    first = fold_series(series, windows[0])
    np.testing.assert_array_equal(first.split[:windows[0].start], series.split[:windows[0].start])


def test_refits_are_the_origins_after_the_first_and_none_without_refitting(raw_params):
    series = series_from(np.random.default_rng(1).normal(0, 1, 300))
    assert list(refits(case_with(raw_params, origins=3), series)) == ["origin_2", "origin_3"]
    assert refits(case_with(raw_params, origins=3, refit=False), series) == {}


def test_pooled_scores_are_every_origins_windows_scored_together_by_the_model_fitted_there(raw_params):
    values = np.random.default_rng(2).normal(0, 1, 300)
    series = series_from(values, horizon=2)
    case = case_with(raw_params, origins=3)
    result, by_origin = backtest(case, series, {}, {"origin_2": {}, "origin_3": {}}, {}, ScoringSettings(0, 0.05))
    assert [origin["name"] for origin in result["origins"]] == ["origin_1", "origin_2", "origin_3"]
    errors = []
    for origin in origins(series, case.train.backtest):
        fold = fold_series(series, origin)
        positions = window_positions(fold, 1, Split.TEST)
        train_mean = values[fold.split == Split.TRAIN].mean()  # the mean baseline, refitted at the origin
        errors.append(actual_values(series, positions) - train_mean)
        assert by_origin[origin.name]["mean"]["windows"] == len(positions)
        assert by_origin[origin.name]["mean"]["rmse"] == pytest.approx(np.sqrt(np.mean(errors[-1] ** 2)))
    pooled = np.concatenate(errors)
    assert result["pooled"]["mean"]["rmse"] == pytest.approx(np.sqrt(np.mean(pooled ** 2)))
    assert 0 <= result["pooled"]["mean"]["coverage_80"] <= 1 and result["pooled"]["naive"]["rmse_ratio_to_naive"] == 1
    assert result["verdict"]["model"] is None  # no recurrent model here
