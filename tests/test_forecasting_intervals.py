"""Split conformal intervals: exact radii on errors made here, and coverage counted by hand."""

from __future__ import annotations

import numpy as np
import pytest

from seqcase.tasks.forecasting.intervals import conformal_radius, interval_bounds, interval_scores


def test_the_radius_is_the_ceil_n_plus_1_level_th_smallest_error_per_step():
    errors = np.column_stack([np.arange(1, 20, dtype=float), 10 * np.arange(1, 20, dtype=float)])  # n = 19
    # level 0.8: k = ceil(20 * 0.8) = 16 -> the 16th smallest; level 0.9: k = 18
    assert conformal_radius(errors, 0.8).tolist() == [16.0, 160.0]
    assert conformal_radius(-errors, 0.9).tolist() == [18.0, 180.0]  # signs do not matter
    assert np.isinf(conformal_radius(errors, 0.96)).all()  # k = 20 > 19: no finite radius can promise it


def test_coverage_width_and_winkler_score_by_hand():
    actual = np.array([[1.0], [2.0], [3.0], [10.0]])
    lower, upper = interval_bounds(np.array([[1.5], [2.0], [5.0], [9.0]]), np.array([1.0]))
    scores = interval_scores(actual, lower, upper, level=0.8)
    # inside: 1 in [0.5, 2.5], 2 in [1, 3], 3 below [4, 6] by 1, 10 in [8, 10] -> 3 of 4
    assert scores["coverage"] == 0.75 and scores["width"] == 2.0
    assert scores["winkler"] == pytest.approx(2.0 + (2 / 0.2) * 1 / 4)
    assert scores["per_step"]["h1"]["coverage"] == 0.75


def test_calibrated_on_validation_errors_the_test_coverage_is_near_nominal():
    rng = np.random.default_rng(0)
    validation, test = rng.normal(0, 2, (2000, 3)), rng.normal(0, 2, (2000, 3))
    radius = conformal_radius(validation, 0.9)
    lower, upper = interval_bounds(np.zeros_like(test), radius)
    assert interval_scores(test, lower, upper, 0.9)["coverage"] == pytest.approx(0.9, abs=0.015)
