import math

import numpy as np
import pytest
from scipy import stats

from seqcase.tasks.forecasting.metrics import diebold_mariano, directional_accuracy, forecast_scores, smape


def test_diebold_mariano_matches_the_hand_computation():
    loss, reference = np.array([1.0, 2, 3, 4, 5]), np.full(5, 2.0)
    # d = [-1, 0, 1, 2, 3]: mean 1, gamma0 = 2, var = 0.4, DM = 1/sqrt(0.4), HLN factor sqrt(0.8).
    statistic, p_value = diebold_mariano(loss, reference, horizon=1)
    assert statistic == pytest.approx(math.sqrt(2))
    assert p_value == pytest.approx(stats.t.cdf(math.sqrt(2), df=4))
    # With horizon 2 the lag-1 autocovariance (0.8) enters: var = 0.72, HLN factor sqrt(0.48).
    statistic, _ = diebold_mariano(loss, reference, horizon=2)
    assert statistic == pytest.approx(math.sqrt(2 / 3))


def test_diebold_mariano_finds_a_clearly_better_forecast_and_is_antisymmetric():
    rng = np.random.default_rng(0)
    errors = rng.normal(size=500)
    better, worse = (0.8 * errors) ** 2, errors ** 2
    statistic, p_value = diebold_mariano(better, worse)
    assert p_value < 1e-6 and statistic < 0
    swapped_statistic, swapped_p = diebold_mariano(worse, better)
    assert swapped_statistic == pytest.approx(-statistic)
    assert swapped_p == pytest.approx(1 - p_value)


def test_diebold_mariano_is_undefined_for_identical_losses():
    assert all(math.isnan(value) for value in diebold_mariano(np.ones(10), np.ones(10)))


def test_smape_and_directional_accuracy_on_known_values():
    np.testing.assert_allclose(smape(np.array([[1.0], [-1.0]]), np.array([[1.0], [1.0]])), [100.0])
    np.testing.assert_allclose(smape(np.zeros((2, 1)), np.zeros((2, 1))), [0.0])
    actual, predicted = np.array([1.0, -1.0, 1.0]), np.array([0.5, 0.5, -0.2])
    assert directional_accuracy(actual, predicted, np.zeros(3)) == pytest.approx(1 / 3)
    assert math.isnan(directional_accuracy(actual, np.zeros(3), np.zeros(3)))


def test_forecast_scores_overall_and_per_horizon():
    actual = np.array([[1.0, 2.0], [3.0, 4.0]])
    predicted = np.array([[1.0, 3.0], [2.0, 4.0]])
    scores = forecast_scores(actual, predicted, np.zeros_like(actual), naive_training_mae=2.0)
    assert scores["mae"] == pytest.approx(0.5)
    assert scores["rmse"] == pytest.approx(math.sqrt(0.5))
    assert scores["per_horizon"]["h1"]["mae"] == pytest.approx(0.5)
    assert scores["per_horizon"]["h2"]["rmse"] == pytest.approx(math.sqrt(0.5))
    # One scale for every step: MAE 0.5 over the in-sample one-step naive MAE of 2.
    assert scores["per_horizon"]["h1"]["mase"] == scores["per_horizon"]["h2"]["mase"] == pytest.approx(0.25)
    assert scores["mase"] == pytest.approx(0.25)


def test_time_lag_of_a_persistence_forecast_is_its_horizon():
    from seqcase.tasks.forecasting.metrics import time_lag

    actual = np.sin(np.arange(300) / 7.0)
    segment = np.zeros(300, dtype=int)
    rows = np.arange(20, 300)
    for steps_ahead in (1, 3, 6):
        persistence = actual[rows - steps_ahead]
        assert time_lag(actual, segment, rows, persistence, max_lag=12) == steps_ahead
    assert time_lag(actual, segment, rows, actual[rows], max_lag=12) == 0
