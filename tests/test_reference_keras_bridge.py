"""The NumPy reference and Keras' layers, given the same weights, compute the same outputs."""

import numpy as np
import pytest

from seqcase.reference import layers
from seqcase.reference.cells import GRU, GRU_RESET_BEFORE, LSTM, SIMPLE_RNN
from seqcase.reference.keras_bridge import keras_bidirectional, keras_layer

CELLS = {"simple_rnn": SIMPLE_RNN, "lstm": LSTM, "gru": GRU, "gru_reset_before": GRU_RESET_BEFORE}


def _random_params(cell, rng, features=3, units=4):
    params = cell.init_params(features, units, rng)
    params["bias"] = rng.normal(scale=0.5, size=params["bias"].shape)  # Keras' zero biases would hide a bias mix-up
    return params


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("name", CELLS)
def test_reference_equals_keras(name, return_sequences, go_backwards):
    cell = CELLS[name]
    rng = np.random.default_rng(0)
    params = _random_params(cell, rng)
    inputs = rng.normal(size=(2, 7, 3))
    reference = layers.last_or_all(layers.forward(cell, params, inputs, go_backwards=go_backwards), return_sequences)
    framework = np.asarray(keras_layer(cell, params, 3, return_sequences, go_backwards)(inputs))
    assert reference.shape == framework.shape
    np.testing.assert_allclose(reference, framework, atol=1e-5, rtol=0)
    assert np.abs(reference).max() > 0.1


@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("name", ["simple_rnn", "lstm", "gru"])
def test_bidirectional_equals_keras(name, return_sequences):
    cell = CELLS[name]
    rng = np.random.default_rng(1)
    params = {direction: _random_params(cell, rng) for direction in ("forward", "backward")}
    inputs = rng.normal(size=(2, 5, 3))
    reference = layers.bidirectional_forward(cell, params, inputs, return_sequences).outputs
    framework = np.asarray(keras_bidirectional(cell, params, 3, return_sequences)(inputs))
    np.testing.assert_allclose(reference, framework, atol=1e-5, rtol=0)


def test_gru_gate_conventions_differ():
    """The same weights give different outputs with and without reset_after: the check above
    would catch a reference that ignored the setting."""
    rng = np.random.default_rng(2)
    params = _random_params(GRU_RESET_BEFORE, rng)
    inputs = rng.normal(size=(2, 5, 3))
    before = layers.forward(GRU_RESET_BEFORE, params, inputs).hidden_states
    after_params = {**params, "bias": np.stack([params["bias"], np.zeros_like(params["bias"])])}
    after = layers.forward(GRU, after_params, inputs).hidden_states
    assert np.abs(before - after).max() > 1e-3
