"""Gradient diagnostics for the Keras networks: how large each layer's gradient is, and how much
of the loss's gradient reaches each input step (the vanishing curve), epoch by epoch."""

from __future__ import annotations

import contextlib

import keras
import mlflow
import numpy as np

from seqcase import backends
from seqcase.evaluation.gradient_flow import first_to_last


# Compiling the gradient costs about what two uncompiled epochs do: a fit of one or two epochs
# stays uncompiled, a longer one compiles at its third epoch.
COMPILED_FROM_EPOCH = 3


def _embedding(model: keras.Model):
    return next((layer for layer in model.layers if isinstance(layer, keras.layers.Embedding)), None)


def _perturbation_at_inputs(embedding):
    """A context that adds a perturbation where the inputs enter the network: to the window itself,
    or (token ids have no gradient) to the word vectors the embedding looks up. The loss's gradient
    for it is the gradient for each input step, one row per (example, step), on every backend."""

    @contextlib.contextmanager
    def perturb(perturbation, inputs):
        if embedding is None:
            yield inputs + perturbation
            return
        look_up = embedding.call
        embedding.call = lambda ids, *args, **kwargs: look_up(ids, *args, **kwargs) + perturbation
        try:
            yield inputs
        finally:
            del embedding.call  # the class's own method again

    return perturb


def gradient_function(model: keras.Model, compiled: bool = True):
    """The loss's gradient on a batch, for the weights and for each input step, through the active
    backend's own differentiation. A language model predicts at every step; the loss here is its
    last step's alone."""
    loss_function = keras.losses.get(model.loss)

    def loss(outputs, targets):
        if len(outputs.shape) == 3:  # a language model: the last step's prediction, and how far back it reaches
            outputs, targets = outputs[:, -1], targets[:, -1]
        return keras.ops.mean(loss_function(targets, outputs))

    return backends.module().gradient_function(model, loss, _perturbation_at_inputs(_embedding(model)), compiled)


def _input_width(model: keras.Model) -> int:
    embedding = _embedding(model)
    return int(embedding.output_dim) if embedding is not None else int(model.inputs[0].shape[-1])


def _input_gradient_by_step(model: keras.Model, inputs: np.ndarray, targets: np.ndarray,
                            compute) -> tuple[np.ndarray, list]:
    """Mean norm of d loss / d input at each step, last step first, and the weight gradients.

    For a text the input is the word vector the embedding looks up at each step.
    """
    embedding = _embedding(model)
    features = np.asarray(inputs, dtype=np.int32 if embedding is not None else np.float32)
    perturbation = np.zeros((*features.shape[:2], _input_width(model)), dtype=np.float32)
    gradients, by_input = compute(features, np.asarray(targets), perturbation)
    per_step = np.linalg.norm(by_input, axis=-1)
    if embedding is not None:
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
        squares[owner[id(weight)]] = squares.get(owner[id(weight)], 0.0) + float(np.sum(np.square(gradient,
                                                                                              dtype=np.float64)))
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
