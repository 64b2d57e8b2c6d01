"""Backpropagation through time against central differences, in float64, for every weight and the input."""

import numpy as np
import pytest

from seqcase.reference import layers
from seqcase.reference.cells import GRU, GRU_RESET_BEFORE, LSTM, SIMPLE_RNN, cell_named
from seqcase.reference.checks import numerical_gradient, relative_error

CELLS = {"simple_rnn": SIMPLE_RNN, "lstm": LSTM, "gru": GRU, "gru_reset_before": GRU_RESET_BEFORE}
BATCH, STEPS, FEATURES, UNITS = 3, 6, 4, 5


def _setup(cell, seed=0):
    rng = np.random.default_rng(seed)
    params = cell.init_params(FEATURES, UNITS, rng)
    params["bias"] = rng.normal(scale=0.5, size=params["bias"].shape)  # non-zero biases exercise their gradient
    inputs = rng.normal(size=(BATCH, STEPS, FEATURES))
    return rng, params, inputs


@pytest.mark.parametrize("return_sequences", [False, True], ids=["many_to_one", "many_to_many"])
@pytest.mark.parametrize("name", CELLS)
def test_backpropagation_through_time_matches_numerical_gradients(name, return_sequences):
    cell = CELLS[name]
    rng, params, inputs = _setup(cell)
    shape = (BATCH, STEPS, UNITS) if return_sequences else (BATCH, UNITS)
    weights = rng.normal(size=shape)  # the loss sum(outputs * weights) sends a different gradient to each output

    def loss() -> float:
        return float(np.sum(layers.last_or_all(layers.forward(cell, params, inputs), return_sequences) * weights))

    input_gradient, gradients, _ = layers.backward(cell, params, layers.forward(cell, params, inputs), weights)
    for key, value in params.items():
        assert relative_error(gradients[key], numerical_gradient(loss, value)) < 1e-6, key
    assert relative_error(input_gradient, numerical_gradient(loss, inputs)) < 1e-6
    assert np.abs(input_gradient).max() > 1e-3  # a check of zeros against zeros would prove nothing


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_gradient_reaches_the_initial_state(name):
    cell = CELLS[name]
    rng, params, inputs = _setup(cell, seed=1)
    initial = tuple(rng.normal(size=(BATCH, UNITS)) for _ in range(cell.state_count))
    weights = rng.normal(size=(BATCH, UNITS))

    def loss() -> float:
        return float(np.sum(layers.forward(cell, params, inputs, initial).hidden_states[:, -1] * weights))

    _, _, state_gradient = layers.backward(cell, params, layers.forward(cell, params, inputs, initial), weights)
    for analytic, state in zip(state_gradient, initial):
        assert relative_error(analytic, numerical_gradient(loss, state)) < 1e-6


@pytest.mark.parametrize("return_sequences", [False, True], ids=["many_to_one", "many_to_many"])
def test_bidirectional_gradients(return_sequences):
    cell = LSTM
    rng = np.random.default_rng(2)
    params = {direction: cell.init_params(FEATURES, UNITS, rng) for direction in ("forward", "backward")}
    inputs = rng.normal(size=(BATCH, STEPS, FEATURES))
    weights = rng.normal(size=(BATCH, STEPS, 2 * UNITS) if return_sequences else (BATCH, 2 * UNITS))

    def loss() -> float:
        return float(np.sum(layers.bidirectional_forward(cell, params, inputs, return_sequences).outputs * weights))

    passed = layers.bidirectional_forward(cell, params, inputs, return_sequences)
    input_gradient, gradients = layers.bidirectional_backward(cell, params, passed, weights)
    for direction in params:
        for key, value in params[direction].items():
            assert relative_error(gradients[direction][key], numerical_gradient(loss, value)) < 1e-6, (direction, key)
    assert relative_error(input_gradient, numerical_gradient(loss, inputs)) < 1e-6


def test_backwards_reading_reverses_the_sequence():
    rng, params, inputs = _setup(GRU, seed=3)
    behind = layers.forward(GRU, params, inputs, go_backwards=True)
    reversed_ahead = layers.forward(GRU, params, inputs[:, ::-1].copy())
    np.testing.assert_allclose(behind.hidden_states, reversed_ahead.hidden_states)


def test_relative_error_is_scale_free_and_catches_a_wrong_gradient():
    gradient = np.array([1e-8, -2e-8])
    assert relative_error(gradient, gradient * (1 + 1e-9)) < 1e-8
    assert relative_error(gradient, gradient * 1.01) > 1e-3
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0


def test_unknown_cell_is_refused():
    with pytest.raises(ValueError, match="unknown cell 'rnn'"):
        cell_named("rnn")
    assert cell_named("gru", reset_after=False) is GRU_RESET_BEFORE
