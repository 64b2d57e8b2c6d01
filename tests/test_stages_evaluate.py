"""The evaluate stage's groups of networks that read the same inputs (sent to the workers together)."""

from __future__ import annotations

from seqcase.stages.evaluate import input_groups


def test_networks_are_grouped_by_window_length_and_a_variant_s_seeds_never_split():
    trained = {"lstm": {"seeds": [1, 2], "window_length": 20}, "gru": {"seeds": [1, 2], "window_length": 40},
               "dense": {"seeds": [1, 2], "window_length": 20}}
    assert input_groups(trained) == [["lstm@seed1", "lstm@seed2", "dense@seed1", "dense@seed2"],
                                     ["gru@seed1", "gru@seed2"]]


def test_without_a_tuned_window_length_every_network_reads_the_same_inputs():
    trained = {"lstm": {"seeds": [1], "window_length": None}, "conv1d": {"seeds": [1], "window_length": None},
               "lstm_ensemble": {"seeds": [1], "variant": "lstm"}}  # a scored entry, not a network
    assert input_groups(trained) == [["lstm@seed1", "conv1d@seed1"]]
