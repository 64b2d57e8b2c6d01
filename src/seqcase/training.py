"""Retraining a variant on its best hyperparameters: early stopping, a learning-rate schedule, seeds."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass

import keras
import mlflow
import numpy as np
import tensorflow as tf

from seqcase.config import TrainConfig
from seqcase.models.networks import Head, classification_head, forecasting_head
from seqcase.tasks import classification, forecasting

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class LearningProblem:
    """What tuning and training need from a task: the head, the data for given hyperparameters
    (a forecast's windows depend on the tuned window length), input shapes and class weights."""

    head: Head
    datasets: Callable[[dict], tuple[Arrays, Arrays]]
    input_shape: Callable[[dict], tuple[int, int]]
    class_weight: dict[int, float] | None = None


def learning_problem(prepared: forecasting.PreparedSeries | classification.PreparedSequences) -> LearningProblem:
    if isinstance(prepared, classification.PreparedSequences):
        parts = (prepared.part("train"), prepared.part("validation"))
        return LearningProblem(classification_head(prepared.class_count), lambda hyperparameters: parts,
                               lambda hyperparameters: prepared.inputs.shape[1:], prepared.class_weight)

    def windows(hyperparameters: dict) -> tuple[Arrays, Arrays]:
        window_length = int(hyperparameters["window_length"])
        return (forecasting.split_windows(prepared, window_length, "train"),
                forecasting.split_windows(prepared, window_length, "validation"))

    return LearningProblem(forecasting_head(prepared.horizon), windows,
                           lambda hyperparameters: (int(hyperparameters["window_length"]), len(prepared.feature_names)))


class EpochMetricsLogger(keras.callbacks.Callback):
    """Per-epoch metrics to the active MLflow run, written synchronously.

    mlflow.keras.MlflowCallback logs asynchronously, and closing a run then waits about a second
    for the logging thread: a second per keras-tuner trial.
    """

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs:
            mlflow.log_metrics({name: float(value) for name, value in logs.items()}, step=epoch)


def freeze_imported_heap() -> None:
    """Keep the objects of the imports out of every later garbage collection.

    keras-tuner calls gc.collect() twice per trial; over TensorFlow's heap that is 0.7 s a trial.
    """
    gc.collect()
    gc.freeze()


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow, and ask TensorFlow for deterministic kernels."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def fit_network(
    model: keras.Model,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    config: TrainConfig,
    callbacks: list[keras.callbacks.Callback] = (),
    class_weight: dict[int, float] | None = None,
) -> keras.callbacks.History:
    """Fit until validation loss stops improving; the best epoch's weights are kept."""
    schedule = [
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=config.early_stopping_patience, restore_best_weights=True
        ),
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=config.reduce_lr_factor, patience=config.reduce_lr_patience,
            min_lr=config.min_learning_rate,
        ),
    ]
    return model.fit(
        *train, validation_data=validation, epochs=config.epochs, batch_size=config.batch_size,
        callbacks=[*schedule, *callbacks], class_weight=class_weight, verbose=2,
    )
