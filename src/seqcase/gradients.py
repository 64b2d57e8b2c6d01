"""Gradient diagnostics for the Keras networks: how large each layer's gradient is, and how much
of the loss's gradient reaches each input step (the vanishing curve), epoch by epoch."""

from __future__ import annotations

import keras
import mlflow
import numpy as np
import tensorflow as tf

from seqcase.evaluation.gradient_flow import first_to_last


# Tracing the graph costs about what two eager epochs do: a fit of one or two epochs stays eager, a
# longer one compiles at its third epoch.
COMPILED_FROM_EPOCH = 3


def gradient_function(model: keras.Model, compiled: bool = True):
    """The loss's gradient on a batch, for the weights and (without an embedding) the inputs, as a
    compiled graph: eagerly, a recurrent layer steps through its window in Python, which cost up to
    a second an epoch, more than the epoch itself on a small data set. Traced once per probe batch.

    A language model predicts at every step; the loss here is its last step's alone.
    """
    weights = model.trainable_weights
    embedding = _embedding(model)
    loss_function = keras.losses.get(model.loss)

    def gradients(features, targets):
        with tf.GradientTape() as tape:
            if embedding is None:
                tape.watch(features)
            outputs = model(features, training=False)
            if len(outputs.shape) == 3:  # a language model: the last step's prediction, and how far back it reaches
                outputs, targets = outputs[:, -1], targets[:, -1]
            loss = tf.reduce_mean(loss_function(targets, outputs))
        return tape.gradient(loss, [*weights] if embedding is not None else [*weights, features])

    return tf.function(gradients) if compiled else gradients


def _embedding(model: keras.Model):
    return next((layer for layer in model.layers if isinstance(layer, keras.layers.Embedding)), None)


def _input_gradient_by_step(model: keras.Model, inputs: np.ndarray, targets: np.ndarray,
                            compute) -> tuple[np.ndarray, list]:
    """Mean norm of d loss / d input at each step, last step first, and the weight gradients.

    Token ids have no gradient; for a text the input is the word vector the embedding looks up,
    whose gradient arrives as one row per (example, step) of the embedding's IndexedSlices.
    """
    weights = model.trainable_weights
    embedding = _embedding(model)
    features = tf.constant(inputs, dtype=tf.int32 if embedding is not None else tf.float32)
    gradients = compute(features, tf.constant(targets))
    if embedding is None:
        per_step = tf.norm(gradients[-1], axis=-1).numpy()
        gradients = gradients[:-1]
    else:
        rows = gradients[[id(weight) for weight in weights].index(id(embedding.embeddings))]
        if not isinstance(rows, tf.IndexedSlices) or rows.values.shape[0] != inputs.size:
            raise ValueError("the embedding's gradient does not come one row per looked-up word")
        per_step = tf.norm(rows.values, axis=-1).numpy().reshape(inputs.shape)
        return _mean_from_each_last_word(per_step, inputs), gradients
    return per_step.mean(axis=0)[::-1], gradients


def _mean_from_each_last_word(per_step: np.ndarray, token_ids: np.ndarray) -> np.ndarray:
    """Texts end at different steps (padding follows): count each one back from its own last word."""
    aligned = np.full(per_step.shape, np.nan)
    for row, (values, ids) in enumerate(zip(per_step, token_ids)):
        length = int(np.count_nonzero(ids))
        aligned[row, :length] = values[:length][::-1]
    present = ~np.isnan(aligned).all(axis=0)
    return np.nanmean(aligned[:, present], axis=0)


def gradient_diagnostics(model: keras.Model, inputs: np.ndarray, targets: np.ndarray, compute=None) -> dict:
    """{'layers': {layer name: gradient norm}, 'input_by_step': [norm, last step first]} on a batch;
    `compute` is the model's compiled `gradient_function`, made once for the epochs of a fit."""
    by_step, gradients = _input_gradient_by_step(model, inputs, targets,
                                                 compute or gradient_function(model, compiled=False))
    owner = {id(weight): layer.name for layer in model.layers for weight in layer.trainable_weights}
    squares: dict[str, float] = {}
    for weight, gradient in zip(model.trainable_weights, gradients):
        if gradient is None:
            continue
        dense = tf.convert_to_tensor(gradient)  # an embedding's IndexedSlices, summed per word
        squares[owner[id(weight)]] = squares.get(owner[id(weight)], 0.0) + float(tf.reduce_sum(dense**2))
    return {"layers": {name: float(np.sqrt(value)) for name, value in squares.items()},
            "input_by_step": [float(value) for value in by_step]}


class GradientDiagnostics(keras.callbacks.Callback):
    """At each epoch's end, the diagnostics on a fixed probe batch: to MLflow as
    `training/gradient_norm.<layer>` and `training/input_gradient_first_to_last`, and kept in `records`."""

    def __init__(self, inputs: np.ndarray, targets: np.ndarray) -> None:
        super().__init__()
        self.inputs, self.targets = inputs, targets
        self.records: list[dict] = []
        self.compute = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.compute = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.compute is None and epoch + 1 >= COMPILED_FROM_EPOCH:
            self.compute = gradient_function(self.model)
        record = {"epoch": epoch + 1, **gradient_diagnostics(self.model, self.inputs, self.targets, self.compute)}
        self.records.append(record)
        if mlflow.active_run() is not None:
            mlflow.log_metrics(record_metrics(record), step=epoch)


DIAGNOSTICS_PREFIX = "training/"


def record_metrics(record: dict) -> dict[str, float]:
    """One epoch's diagnostics as MLflow metrics: `training/gradient_norm.<layer>` and
    `training/input_gradient_first_to_last`. The prefix groups them in a section of their own in
    MLflow's charts and sorts them after the test_ metrics in its tables."""
    metrics = {f"{DIAGNOSTICS_PREFIX}gradient_norm.{name}": value for name, value in record["layers"].items()}
    metrics[f"{DIAGNOSTICS_PREFIX}input_gradient_first_to_last"] = first_to_last(record["input_by_step"])
    return {name: value for name, value in metrics.items() if np.isfinite(value)}
