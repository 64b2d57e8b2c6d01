"""Retraining a variant on its best hyperparameters: early stopping, a learning-rate schedule, seeds."""

from __future__ import annotations

import gc

import keras
import mlflow
import numpy as np
import tensorflow as tf

from seqcase.config import TrainConfig


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
        callbacks=[*schedule, *callbacks], verbose=2,
    )
