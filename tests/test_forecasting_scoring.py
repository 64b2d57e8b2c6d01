"""Forecasts scored on test, intervals calibrated on validation only."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import series_from
from seqcase.config import NoOptions
from seqcase.errors import DataError
from seqcase.splits import Split
from seqcase.tasks.forecasting.baselines import fit_baselines
from seqcase.tasks.forecasting.data import actual_values, window_positions
from seqcase.tasks.forecasting.scoring import score_forecasts


def scored(values: np.ndarray, levels=(0.8, 0.95)) -> dict:
    series = series_from(values, horizon=2)
    forecasters = fit_baselines(series, {"naive": NoOptions(), "mean": NoOptions()})
    return score_forecasts(series, forecasters, interval_levels=list(levels))[3]


def test_the_radius_comes_from_the_validation_errors_and_no_test_value_moves_it():
    values = np.random.default_rng(3).normal(0, 1, 300)
    scores = scored(values)
    series = series_from(values, horizon=2)
    positions = window_positions(series, 1, Split.VALIDATION)
    errors = np.sort(np.abs(actual_values(series, positions) - values[series.split == 0].mean()), axis=0)
    rank = math.ceil((len(errors) + 1) * 0.8)
    assert scores["mean"]["interval_radius"]["80"] == {"h1": pytest.approx(errors[rank - 1, 0]),
                                                       "h2": pytest.approx(errors[rank - 1, 1])}
    # Ten times wilder test values: the same radii (fitted and scaled on training, calibrated on
    # validation), and a coverage that collapses, as it must.
    wild = values.copy()
    wild[series.split == 2] *= 10
    wild_scores = scored(wild)
    assert wild_scores["mean"]["interval_radius"] == scores["mean"]["interval_radius"]
    assert wild_scores["naive"]["interval_radius"] == scores["naive"]["interval_radius"]
    assert scores["mean"]["coverage_95"] > 0.85 and wild_scores["mean"]["coverage_95"] < 0.4


def test_every_model_gets_coverage_width_and_winkler_per_level_and_step():
    scores = scored(np.random.default_rng(4).normal(0, 1, 300), levels=[0.9])
    for name in ("naive", "mean"):
        assert set(scores[name]["per_horizon"]["h2"]) >= {"coverage_90", "width_90", "winkler_90", "wis"}
        assert scores[name]["width_90"] == pytest.approx(np.mean(list(scores[name]["interval_radius"]["90"].values())) * 2)
    # The naive forecast of white noise errs by the difference of two draws: wider than the mean's.
    assert scores["naive"]["width_90"] > 1.2 * scores["mean"]["width_90"]
    assert "coverage_80" not in scores["mean"] and "interval_radius" not in scored(np.arange(300.0), levels=[])["mean"]


def test_a_validation_part_too_short_for_a_level_is_one_line():
    with pytest.raises(DataError, match=r"evaluate.interval_levels: the validation part has \d+ windows; a 99.9 %"):
        scored(np.random.default_rng(5).normal(0, 1, 300), levels=[0.999])
