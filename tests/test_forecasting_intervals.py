"""Split conformal intervals: exact radii on errors made here, and coverage counted by hand."""

from __future__ import annotations

import numpy as np
import pytest

from seqcase.tasks.forecasting.intervals import (FLOOR_SHARE, RecentRows, Scale, calibrated_scores, choose_scale,
                                                  conformal_radius, interval_bounds, interval_scores, level_key,
                                                  recent_volatility, weighted_interval_score)


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


def test_calibrated_scores_give_radii_per_level_and_step_and_the_scores_under_them():
    validation_actual = np.column_stack([np.arange(1, 20, dtype=float), 2 * np.arange(1, 20, dtype=float)])
    validation_forecast = np.zeros_like(validation_actual)  # errors 1..19 at step 1, 2..38 at step 2
    test_actual = np.array([[0.0, 0.0], [17.0, 30.0], [-20.0, 40.0]])
    result = calibrated_scores(validation_actual, validation_forecast, test_actual, np.zeros_like(test_actual),
                               [0.8, 0.95])
    # n = 19: level 0.8 takes the 16th smallest error, 0.95 the 19th (ceil(20 * 0.95) = 19).
    assert result["interval_radius"] == {"80": {"h1": 16.0, "h2": 32.0}, "95": {"h1": 19.0, "h2": 38.0}}
    # 80 %: step 1 covers 0 (yes), 17 (no, by 1), -20 (no, by 4); step 2 covers 0, 30; not 40 (by 8).
    assert result["per_horizon"]["h1"]["coverage_80"] == pytest.approx(1 / 3)
    assert result["per_horizon"]["h2"]["coverage_80"] == pytest.approx(2 / 3)
    assert result["coverage_80"] == pytest.approx(3 / 6) and result["width_80"] == pytest.approx((32 + 64) / 2)
    assert result["per_horizon"]["h1"]["winkler_80"] == pytest.approx(32 + 10 * (0 + 1 + 4) / 3)
    assert result["coverage_95"] == pytest.approx(4 / 6)  # 17 and 30 inside now; -20 and 40 still out


def test_the_weighted_interval_score_by_hand():
    # One value, forecast 0, actual 3; the 80 % interval [-1, 1] misses by 2, the 50 % one [-0.5, 0.5] by 2.5.
    bounds = {0.8: (np.array([[-1.0]]), np.array([[1.0]])), 0.5: (np.array([[-0.5]]), np.array([[0.5]]))}
    score = weighted_interval_score(np.array([[3.0]]), np.array([[0.0]]), bounds)
    interval_80 = 2 + (2 / 0.2) * 2  # 22
    interval_50 = 1 + (2 / 0.5) * 2.5  # 11
    assert score[0, 0] == pytest.approx((3 / 2 + 0.1 * interval_80 + 0.25 * interval_50) / 2.5)


def test_too_few_validation_windows_for_a_level_are_refused_with_how_many_it_needs():
    errors = np.ones((10, 1))
    with pytest.raises(ValueError, match="has 10 windows; a 95 % interval needs at least 19"):
        calibrated_scores(errors, np.zeros_like(errors), errors, np.zeros_like(errors), [0.95])
    assert level_key(0.8) == "80" and level_key(0.975) == "97.5"


def test_recent_volatility_is_the_mean_absolute_change_of_the_level():
    history = np.array([[100.0, 104.0, 101.0, 101.0], [5.0, 5.0, 5.0, 5.0]])
    # A level: changes 4, -3, 0 -> 7 / 3; a flat window does not move.
    np.testing.assert_allclose(recent_volatility(history, differenced=False), [7 / 3, 0.0])
    # Returns already are the level's changes: their mean absolute value.
    np.testing.assert_allclose(recent_volatility(np.array([[0.01, -0.03, 0.02]]), differenced=True), [0.02])


def returns_with(last_three: np.ndarray, last_six: np.ndarray) -> RecentRows:
    """Six rows of returns per window whose volatility (mean absolute return) is `last_three` over
    the last 3 rows and `last_six` over all 6."""
    earlier = 2 * last_six - last_three
    return RecentRows(np.c_[np.repeat(earlier[:, None], 3, axis=1), np.repeat(last_three[:, None], 3, axis=1)],
                      differenced=True)


def heteroscedastic_errors(seed: int = 0) -> tuple[np.ndarray, RecentRows]:
    """Validation errors whose spread is each window's volatility over 6 rows: calm (1) in most of
    the first half, moving (10) in most of the second, as a series whose later weeks are wilder."""
    rng = np.random.default_rng(seed)
    calm_share = np.r_[np.full(1000, 0.9), np.full(1000, 0.3)]
    volatility = np.where(rng.random(2000) < calm_share, 1.0, 10.0)
    noise = rng.random(2000)  # the last 3 rows' "volatility", which says nothing about the errors
    errors = (volatility * rng.normal(0, 1, 2000))[:, None] * np.array([1.0, 2.0])  # two steps ahead
    return errors, returns_with(noise, volatility)


def test_a_window_s_scale_is_its_recent_volatility_over_the_chosen_rows_plus_the_floor():
    recent = returns_with(np.array([0.5, 0.0]), np.array([1.0, 2.0]))
    np.testing.assert_allclose(recent.volatility(3), [0.5, 0.0])
    np.testing.assert_allclose(Scale(6, 0.25).spread(recent), [1.25, 2.25])
    np.testing.assert_allclose(Scale().spread(recent), [1.0, 1.0])  # unscaled: one radius for all
    np.testing.assert_allclose(Scale().spread(RecentRows.none(3)), [1.0, 1.0, 1.0])


def test_the_scale_is_chosen_on_validation_halves_and_fitted_on_all_of_it():
    errors, recent = heteroscedastic_errors()
    scale = choose_scale(errors, recent, [3, 6], [0.8, 0.95])
    # One radius from the calm first half under-covers the wild second; scaled by the volatility
    # that drives the errors, the first half's quantile carries over. Its floor: a share of the median.
    assert scale == Scale(6, FLOOR_SHARE * float(np.median(recent.volatility(6))))
    assert np.median(recent.volatility(6)) == pytest.approx(1.0)
    # Errors of one spread everywhere: scaling cannot help, and the tie goes to no scale.
    rng = np.random.default_rng(1)
    assert choose_scale(rng.normal(0, 1, (2000, 2)), returns_with(np.ones(2000), np.ones(2000)), [6], [0.8]) == Scale()
    # A series that never moved has no floor to set: that row count is skipped.
    assert choose_scale(errors, returns_with(np.zeros(2000), np.zeros(2000)), [6], [0.8]) == Scale()


def test_scaled_intervals_take_the_quantile_of_the_scaled_errors_and_widen_with_each_window():
    # Validation: 20 calm windows (volatility 1), then 20 moving ones (3); the floor is 0.25 of the
    # median volatility 2, so the scales are 1.5 and 3.5, and errors i times the scale, i = 1..20.
    # Levels (glucose, not returns): two rows whose one change is the volatility.
    count = np.arange(1, 21, dtype=float)
    validation_change = np.r_[np.ones(20), np.full(20, 3.0)]
    validation_recent = RecentRows(np.c_[np.full(40, 100.0), 100.0 + validation_change])
    validation_actual = np.r_[count * 1.5, count * 3.5][:, None]
    test_actual = np.array([[10.0], [10.0]])
    test_recent = RecentRows(np.array([[100.0, 100.0], [100.0, 97.0]]))
    result = calibrated_scores(validation_actual, np.zeros_like(validation_actual), test_actual,
                               np.zeros_like(test_actual), [0.8], [2], validation_recent, test_recent)
    # One radius from the calm half would miss most of the moving half, so the scale is chosen.
    assert result["interval_scale"] == {"steps": 2, "floor": 0.5}
    # Scaled errors 1, 1, 2, 2, ..., 20, 20: the ceil(41 * 0.8) = 33rd smallest is 17.
    assert result["interval_radius"] == {"80": {"h1": 17.0}}
    # Test windows: radius 17 times 0.5 and times 3.5; 10 is outside +-8.5 and inside +-59.5.
    assert result["coverage_80"] == 0.5 and result["width_80"] == pytest.approx((17 + 119) / 2)
