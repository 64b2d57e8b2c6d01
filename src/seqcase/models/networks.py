"""Keras networks built by name from a dict of hyperparameters (the functional API).

The recurrent layers keep Keras' defaults (tanh, sigmoid gates, no recurrent dropout, unroll
off, GRU reset_after) so that on a GPU LSTM and GRU run on the cuDNN kernel; dropout sits between
layers instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from seqcase.models.hyperparameters import ARCHITECTURES, DEFAULTS, RECURRENT_ARCHITECTURES, SKIP_ARCHITECTURES

RECURRENT_LAYERS = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}


@dataclass(frozen=True)
class Head:
    """What the task asks of the last layer: its width, activation, loss and metrics."""

    units: int
    activation: str | None
    loss: str
    metrics: tuple[str, ...]
    per_step: bool = False  # an output at every step (a language model), not one per sequence


def forecasting_head(horizon: int) -> Head:
    return Head(units=horizon, activation=None, loss="mse", metrics=("mae",))


def language_model_head(vocabulary_size: int) -> Head:
    """The next character's distribution at every step of the window (many-to-many)."""
    return Head(units=vocabulary_size, activation="softmax", loss="sparse_categorical_crossentropy",
                metrics=("accuracy",), per_step=True)


def classification_head(class_count: int) -> Head:
    """Softmax over the classes; labels are integers (sparse), so no one-hot copy of the data."""
    return Head(units=class_count, activation="softmax", loss="sparse_categorical_crossentropy",
                metrics=("accuracy",))


@keras.saving.register_keras_serializable(package="seqcase")
class KeepLastTokens(layers.Layer):
    """The last `length` token ids of each row (rows padded with 0 at the end), padded again to `length`.

    TextVectorization cuts a long text at its end; a review's verdict is often in its last words.
    """

    def __init__(self, length: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.length = length

    def call(self, token_ids):
        token_ids = keras.ops.convert_to_tensor(token_ids)
        lengths = keras.ops.cast(keras.ops.count_nonzero(token_ids, axis=1), "int32")
        start = keras.ops.maximum(lengths - self.length, 0)
        steps = keras.ops.arange(self.length, dtype="int32")
        padded = keras.ops.pad(token_ids, [[0, 0], [0, self.length]])
        taken = keras.ops.take_along_axis(padded, start[:, None] + steps[None, :], axis=1)
        return keras.ops.where(steps[None, :] < lengths[:, None], taken, keras.ops.zeros_like(taken))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.length)

    def get_config(self) -> dict:
        return {**super().get_config(), "length": self.length}


@keras.saving.register_keras_serializable(package="seqcase")
class PositionEmbedding(layers.Layer):
    """Adds a learned vector for each position: self-attention alone does not see order. A
    sequence may be shorter than `length` (a language model's seed): it takes the first positions."""

    def __init__(self, length: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.length = length
        self.supports_masking = True

    def build(self, input_shape) -> None:
        self.positions = self.add_weight(shape=(self.length, input_shape[-1]), initializer="glorot_uniform",
                                         name="positions")

    def call(self, inputs):
        steps = keras.ops.shape(inputs)[1]
        return inputs + keras.ops.cast(self.positions, inputs.dtype)[None, :steps, :]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "length": self.length}


@keras.saving.register_keras_serializable(package="seqcase")
class MaskedMaxPooling(layers.Layer):
    """The maximum of each feature over the steps, padding left out (GlobalMaxPooling1D reads the
    padding too)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return keras.ops.max(inputs, axis=1)
        kept = keras.ops.cast(mask, "bool")[:, :, None]
        largest = keras.ops.max(keras.ops.where(kept, inputs, keras.ops.full_like(inputs, -1e9)), axis=1)
        return keras.ops.where(keras.ops.any(kept, axis=1), largest, keras.ops.zeros_like(largest))  # an empty text: 0

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package="seqcase")
class LastStep(layers.Layer):
    """Each sequence's last step that is not padding. Padding comes at the end (TextVectorization's
    and KeepLastTokens' rows), so that step is the count of unmasked steps less one."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return inputs[:, -1, :]
        last = keras.ops.maximum(keras.ops.sum(keras.ops.cast(mask, "int32"), axis=1) - 1, 0)
        return keras.ops.take_along_axis(inputs, last[:, None, None], axis=1)[:, 0, :]

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


def _read_out(x, pooling: str, name: str):
    """What the head reads of a sequence of states: every step's (none), the last step's, or the
    mean or maximum over the steps that are not padding."""
    if pooling == "none":
        return x
    if pooling == "mean":
        return layers.GlobalAveragePooling1D(name=f"mean_{name}")(x)
    return MaskedMaxPooling(name=f"max_{name}")(x) if pooling == "max" else LastStep(name=f"last_{name}")(x)


def _recurrent(x, architecture: str, cell: str, units: int, depth: int, dropout: float, pooling: str = "last"):
    """Stacked recurrent layers; the head reads the last state, or (`pooling: mean` or `max`) the
    mean or maximum of the last layer's states over the unmasked steps, which a long text's opening
    words still reach, or (`pooling: none`) every step's state."""
    kind = cell if architecture == "bidirectional" else architecture
    for index in range(depth):
        sequences = index < depth - 1 or pooling != "last"
        layer = RECURRENT_LAYERS[kind](units, return_sequences=sequences, name=f"{kind}_{index + 1}")
        if architecture == "bidirectional":
            layer = layers.Bidirectional(layer, name=f"bidirectional_{kind}_{index + 1}")
        x = layer(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout_{index + 1}")(x)
    return x if pooling == "last" else _read_out(x, pooling, "state")


def _attention(x, length: int, units: int, heads: int, depth: int, dropout: float, causal: bool, pooling: str):
    """A Transformer encoder (pre-norm blocks: self-attention, then a feed-forward layer twice as
    wide, each added back to its input) over the projected steps with learned positions. Causal for
    a language model: a step attends to itself and the steps before it only. Padding is masked."""
    x = layers.Dense(units, name="projection")(x)
    x = PositionEmbedding(length, name="positions")(x)
    for index in range(1, depth + 1):
        attended = layers.LayerNormalization(epsilon=1e-6, name=f"attention_norm_{index}")(x)
        # Dropout after the attention, not on its weights: Keras then takes the fused kernel.
        attended = layers.MultiHeadAttention(heads, key_dim=max(1, units // heads), name=f"attention_{index}")(
            attended, attended, use_causal_mask=causal)
        if dropout:
            attended = layers.Dropout(dropout, name=f"attention_dropout_{index}")(attended)
        x = layers.Add(name=f"attention_residual_{index}")([x, attended])
        fed = layers.LayerNormalization(epsilon=1e-6, name=f"feed_forward_norm_{index}")(x)
        fed = layers.Dense(2 * units, activation="relu", name=f"feed_forward_{index}")(fed)
        fed = layers.Dense(units, name=f"feed_forward_out_{index}")(fed)
        if dropout:
            fed = layers.Dropout(dropout, name=f"feed_forward_dropout_{index}")(fed)
        x = layers.Add(name=f"feed_forward_residual_{index}")([x, fed])
    x = layers.LayerNormalization(epsilon=1e-6, name="final_norm")(x)
    return _read_out(x, pooling, "step")


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


def _convolutional(x, filters: int, kernel_size: int, depth: int, dropout: float, reduce: str = "flatten"):
    """Causal convolutions; over a window every position feeds the head (flatten), over a text the
    strongest response of each filter anywhere in it (max), for a language model each step's
    response, which sees only that step and the ones before (none)."""
    for index in range(depth):
        x = layers.Conv1D(filters, kernel_size, padding="causal", activation="relu", name=f"conv1d_{index + 1}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout_{index + 1}")(x)
    if reduce == "none":
        return x
    return layers.GlobalMaxPooling1D(name="max_pool")(x) if reduce == "max" else layers.Flatten(name="flatten")(x)


def _feed_forward(x, units: int, depth: int, dropout: float, reduce: str = "flatten"):
    """Dense layers on the flattened window, on a text's mean embedding (padding masked out), or on
    each step alone (a language model that sees one character: a bigram model)."""
    if reduce != "none":
        x = layers.GlobalAveragePooling1D(name="mean_embedding")(x) if reduce == "mean" else layers.Flatten(name="flatten")(x)
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
    """A compiled model; `hyperparameters` needs learning_rate, the rest fall back to defaults.

    With `vocabulary_size` among them the input is token ids (0 is padding): an Embedding comes
    first, and its mask tells the recurrent layers to skip the padding. A per-step head (a language
    model) reads character ids of the head's vocabulary, unpadded, and gets an output at every step.
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; allowed: {', '.join(ARCHITECTURES)}")
    values = {**DEFAULTS, **hyperparameters}
    depth, dropout = int(values["layers"]), float(values["dropout"])
    tokens = "vocabulary_size" in values or head.per_step
    if tokens:
        inputs = keras.Input(shape=input_shape, dtype="int32", name="token_ids")
        # Conv1D cannot use a mask (Keras would drop it with a warning): its padding stays visible.
        sequence = layers.Embedding(int(values.get("vocabulary_size", head.units)), int(values["embedding_dim"]),
                                    mask_zero=architecture != "conv1d" and not head.per_step, name="embedding")(inputs)
        if dropout:  # word vectors overfit first: 20k reviews, a million embedding weights
            sequence = layers.Dropout(dropout, name="embedding_dropout")(sequence)
    else:
        inputs = sequence = keras.Input(shape=input_shape, name="window")
    if architecture == "encoder_decoder":
        decoded = _encoder_decoder(sequence, cell, int(values["units"]), depth, dropout, head.units)
        per_step = layers.Dense(1, activation=head.activation, name="step_output")(decoded)
        outputs = layers.Reshape((head.units,), name="output")(per_step)
    else:
        pooling = "none" if head.per_step else str(values["pooling"])
        if architecture in RECURRENT_ARCHITECTURES:
            features = _recurrent(sequence, architecture, cell, int(values["units"]), depth, dropout, pooling)
        elif architecture == "transformer":
            # A language model reads any length up to its window (a seed, a last window).
            length = input_shape[0] if input_shape[0] is not None else int(values["window_length"])
            features = _attention(sequence, length, int(values["units"]), int(values["heads"]), depth, dropout,
                                  causal=head.per_step, pooling=pooling)
        elif architecture == "conv1d":
            features = _convolutional(sequence, int(values["filters"]), int(values["kernel_size"]), depth, dropout,
                                      "none" if head.per_step else "max" if tokens else "flatten")
        else:
            features = _feed_forward(sequence, int(values["units"]), depth, dropout,
                                     "none" if head.per_step else "mean" if tokens else "flatten")
        if values.get("skip_last_step") and architecture in SKIP_ARCHITECTURES and not tokens:
            last = LastStep(name="window_last_step")(inputs)
            features = layers.Concatenate(name="summary_and_last_step")([features, last])
        outputs = layers.Dense(head.units, activation=head.activation, name="output")(features)
    model = keras.Model(inputs, outputs, name=name or architecture)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=float(values["learning_rate"]), clipnorm=values.get("clipnorm"),
                                        clipvalue=values.get("clipvalue")),
        loss=head.loss,
        metrics=list(head.metrics),
    )
    return model


def load_network(path):
    """A saved network (importing this module first registers the custom layers it may hold); a text
    network comes with the tokenizer saved beside it, and reads raw text."""
    from seqcase.models.text import TextNetwork, Tokenizer, tokenizer_path

    network = keras.saving.load_model(path)
    tokenizer = tokenizer_path(path)
    return TextNetwork(Tokenizer.load(tokenizer), network) if tokenizer.is_file() else network
