"""The adding problem, the NumPy Adam and the reference regressor's gradients."""

import numpy as np

from seqcase.reference.adding import (GUESS_THE_MEAN_MSE, Adam, adding_examples, gradient_by_distance,
                                      init_regressor, loss_and_gradients, train_adding)
from seqcase.reference.cells import GRU, LSTM, SIMPLE_RNN
from seqcase.reference.checks import numerical_gradient, relative_error


def test_adding_examples_mark_one_step_in_each_half_and_sum_them():
    inputs, targets = adding_examples(np.random.default_rng(0), 500, 20)
    assert inputs.shape == (500, 20, 2) and targets.shape == (500,)
    markers = inputs[..., 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :10].sum(axis=1) == 1) and np.all(markers[:, 10:].sum(axis=1) == 1)
    np.testing.assert_allclose(targets, (inputs[..., 0] * markers).sum(axis=1))
    assert abs(targets.var() - GUESS_THE_MEAN_MSE) < 0.03  # the mean guess's MSE, 1/6


def test_adam_clips_the_global_norm_and_descends():
    params = {"w": np.array([3.0, -4.0])}
    optimizer = Adam(learning_rate=0.1, clipnorm=1.0)
    norm = optimizer.update(params, {"w": 2 * params["w"]})
    assert norm == 10.0
    # Adam's first step moves each weight by the learning rate against its gradient's sign.
    np.testing.assert_allclose(params["w"], [2.9, -3.9], atol=1e-6)
    for _ in range(300):
        optimizer.update(params, {"w": 2 * params["w"]})
    assert np.abs(params["w"]).max() < 0.05


def test_regressor_gradients_match_numerical_ones_head_included():
    rng = np.random.default_rng(1)
    params = init_regressor(GRU, 4, rng)
    params["bias"] = rng.normal(scale=0.3, size=params["bias"].shape)
    inputs, targets = adding_examples(rng, 5, 6)
    loss, gradients, input_gradient = loss_and_gradients(GRU, params, inputs, targets)
    assert loss > 0
    for name, value in params.items():
        numeric = numerical_gradient(lambda: loss_and_gradients(GRU, params, inputs, targets)[0], value)
        assert relative_error(gradients[name], numeric) < 1e-6, name
    numeric_inputs = numerical_gradient(lambda: loss_and_gradients(GRU, params, inputs, targets)[0], inputs)
    assert relative_error(input_gradient, numeric_inputs) < 1e-6


def test_gradient_by_distance_counts_back_from_the_last_step():
    gradient = np.zeros((2, 4, 2))
    gradient[:, -1] = [3.0, 4.0]
    assert gradient_by_distance(gradient).tolist() == [5.0, 0.0, 0.0, 0.0]


def test_simple_rnn_gradient_vanishes_faster_than_lstm_at_initialisation():
    rng = np.random.default_rng(2)
    inputs, targets = adding_examples(rng, 64, 60)
    ratios = {}
    for cell in (SIMPLE_RNN, LSTM):
        params = init_regressor(cell, 16, np.random.default_rng(3))
        curve = gradient_by_distance(loss_and_gradients(cell, params, inputs, targets)[2])
        ratios[cell.name] = curve[-1] / curve[0]
    assert ratios["simple_rnn"] < 1e-3


def test_lstm_solves_a_short_sequence_and_simple_rnn_fails_a_long_one():
    solved = train_adding(LSTM, 10, 16, 400, 32, 0.01, 1.0, seed=0, test_size=500)
    assert solved.solved and solved.test_mse < 0.01
    failed = train_adding(SIMPLE_RNN, 60, 16, 300, 32, 0.01, 1.0, seed=0, test_size=500)
    assert not failed.solved and failed.test_mse > 0.5 * GUESS_THE_MEAN_MSE
    assert len(solved.learning_curve) == 20 and solved.learning_curve[-1] < solved.learning_curve[0]
