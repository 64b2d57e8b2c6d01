"""Bits per character by block, scoring windows and sampling."""

from __future__ import annotations

import numpy as np

from seqcase.tasks.text_generation.language import block_bits, network_next_distribution


def test_block_bits_are_the_means_of_consecutive_blocks_the_last_one_shorter():
    bits = np.array([1.0, 3.0, 2.0, 2.0, 5.0])
    assert block_bits(bits, 2).tolist() == [2.0, 2.0, 5.0]


def test_the_compiled_next_distribution_equals_the_network_s_last_step_for_any_history_length(keras_seeded):
    """Sampling pads every history to the context and runs each network as one compiled shape; it
    must give what the network itself gives at the history's last step, and an ensemble the mean of
    its members'."""
    import keras

    from seqcase.models.ensemble import SeedEnsemble

    def network(seed: int) -> keras.Model:
        keras.utils.set_random_seed(seed)
        inputs = keras.Input((None,), dtype="int32")
        states = keras.layers.GRU(8, return_sequences=True)(keras.layers.Embedding(7, 4)(inputs))
        return keras.Model(inputs, keras.layers.Dense(7, activation="softmax")(states))

    first, second = network(1), network(2)
    single, ensemble = network_next_distribution(first, 9), network_next_distribution(
        SeedEnsemble([first, second]), 9)
    for length in (1, 3, 9):
        histories = np.arange(2 * length).reshape(2, length) % 5 + 2
        expected = np.asarray(first(histories, training=False))[:, -1, :]
        assert np.allclose(single(histories), expected, atol=1e-6)
        both = (expected + np.asarray(second(histories, training=False))[:, -1, :]) / 2
        assert np.allclose(ensemble(histories), both, atol=1e-6)
        assert np.allclose(ensemble(histories).sum(axis=1), 1.0, atol=1e-5)
