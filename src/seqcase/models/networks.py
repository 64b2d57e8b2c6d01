"""Keras networks built by name from a dict of hyperparameters (the functional API).

The recurrent layers keep Keras' defaults (tanh, sigmoid gates, no recurrent dropout, unroll
off, GRU reset_after) so that on a GPU LSTM and GRU run on the cuDNN kernel; dropout sits between
layers instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from seqcase.models.catalog import ARCHITECTURES, RECURRENT_ARCHITECTURES

RECURRENT_LAYERS = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}
HYPERPARAMETER_DEFAULTS = {"units": 32, "layers": 1, "dropout": 0.0, "filters": 32, "kernel_size": 3}


@dataclass(frozen=True)
class Head:
    """What the task asks of the last layer: its width, activation, loss and metrics."""

    units: int
    activation: str | None
    loss: str
    metrics: tuple[str, ...]


def forecasting_head(horizon: int) -> Head:
    return Head(units=horizon, activation=None, loss="mse", metrics=("mae",))


def classification_head(class_count: int) -> Head:
    """Softmax over the classes; labels are integers (sparse), so no one-hot copy of the data."""
    return Head(units=class_count, activation="softmax", loss="sparse_categorical_crossentropy",
                metrics=("accuracy",))


def _recurrent(x, architecture: str, cell: str, units: int, depth: int, dropout: float):
    kind = cell if architecture == "bidirectional" else architecture
    for index in range(depth):
        layer = RECURRENT_LAYERS[kind](units, return_sequences=index < depth - 1, name=f"{kind}_{index + 1}")
        if architecture == "bidirectional":
            layer = layers.Bidirectional(layer, name=f"bidirectional_{kind}_{index + 1}")
        x = layer(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout_{index + 1}")(x)
    return x


def _encoder_decoder(x, cell: str, units: int, depth: int, dropout: float, steps_out: int):
    """Sequence to sequence: the encoder's last state starts a decoder that unrolls one step per output."""
    layer_class = RECURRENT_LAYERS[cell]
    for index in range(depth - 1):
        x = layer_class(units, return_sequences=True, name=f"encoder_{index + 1}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"encoder_dropout_{index + 1}")(x)
    encoded, *states = layer_class(units, return_state=True, name=f"encoder_{depth}")(x)
    if dropout:
        encoded = layers.Dropout(dropout, name="encoder_dropout")(encoded)
    repeated = layers.RepeatVector(steps_out, name="repeat_encoding")(encoded)
    return layer_class(units, return_sequences=True, name="decoder")(repeated, initial_state=states)


def _convolutional(x, filters: int, kernel_size: int, depth: int, dropout: float):
    for index in range(depth):
        x = layers.Conv1D(filters, kernel_size, padding="causal", activation="relu", name=f"conv1d_{index + 1}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout_{index + 1}")(x)
    return layers.Flatten(name="flatten")(x)


def _feed_forward(x, units: int, depth: int, dropout: float):
    x = layers.Flatten(name="flatten")(x)
    for index in range(depth):
        x = layers.Dense(units, activation="relu", name=f"dense_{index + 1}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout_{index + 1}")(x)
    return x


def build_network(
    architecture: str,
    input_shape: tuple[int, ...],
    head: Head,
    hyperparameters: dict,
    cell: str = "lstm",
    name: str | None = None,
) -> keras.Model:
    """A compiled model; `hyperparameters` needs learning_rate, the rest fall back to defaults."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; allowed: {', '.join(ARCHITECTURES)}")
    values = {**HYPERPARAMETER_DEFAULTS, **hyperparameters}
    depth, dropout = int(values["layers"]), float(values["dropout"])
    inputs = keras.Input(shape=input_shape, name="window")
    if architecture == "encoder_decoder":
        decoded = _encoder_decoder(inputs, cell, int(values["units"]), depth, dropout, head.units)
        per_step = layers.Dense(1, activation=head.activation, name="step_output")(decoded)
        outputs = layers.Reshape((head.units,), name="output")(per_step)
    else:
        if architecture in RECURRENT_ARCHITECTURES:
            features = _recurrent(inputs, architecture, cell, int(values["units"]), depth, dropout)
        elif architecture == "conv1d":
            features = _convolutional(inputs, int(values["filters"]), int(values["kernel_size"]), depth, dropout)
        else:
            features = _feed_forward(inputs, int(values["units"]), depth, dropout)
        outputs = layers.Dense(head.units, activation=head.activation, name="output")(features)
    model = keras.Model(inputs, outputs, name=name or architecture)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=float(values["learning_rate"])),
        loss=head.loss,
        metrics=list(head.metrics),
    )
    return model
