"""The reference weights in the matching Keras layers, to check that both compute the same thing."""

from __future__ import annotations

import keras
import numpy as np

from seqcase.reference.cells import Cell, Params

_LAYERS = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def _weights(params: Params) -> list[np.ndarray]:
    return [params["kernel"], params["recurrent_kernel"], params["bias"]]


def keras_layer(cell: Cell, params: Params, input_size: int, return_sequences: bool = False,
                go_backwards: bool = False) -> keras.layers.Layer:
    """A built Keras layer holding the reference weights (Keras keeps the same names, shapes and
    gate order; the GRU needs the same `reset_after`)."""
    units = params["recurrent_kernel"].shape[0]
    options = {"reset_after": cell.reset_after} if cell.name == "gru" else {}
    layer = _LAYERS[cell.name](units, return_sequences=return_sequences, go_backwards=go_backwards,
                               dtype="float64", **options)
    layer.build((None, None, input_size))
    layer.set_weights(_weights(params))
    return layer


def keras_bidirectional(cell: Cell, params: dict[str, Params], input_size: int,
                        return_sequences: bool = False) -> keras.layers.Bidirectional:
    """`Bidirectional(layer)` with the reference's forward and backward weights, in that order."""
    units = params["forward"]["recurrent_kernel"].shape[0]
    options = {"reset_after": cell.reset_after} if cell.name == "gru" else {}
    layer = keras.layers.Bidirectional(
        _LAYERS[cell.name](units, return_sequences=return_sequences, dtype="float64", **options), dtype="float64")
    layer.build((None, None, input_size))
    layer.set_weights(_weights(params["forward"]) + _weights(params["backward"]))
    return layer
