"""Retraining a variant on its best hyperparameters: early stopping, a learning-rate schedule, seeds.

What a network is given comes from its task (`Task.learning_problem`); this module is the same for all.
"""

from __future__ import annotations

import gc

import keras
import mlflow
import numpy as np

from seqcase.config import TrainConfig

class EpochMetricsLogger(keras.callbacks.Callback):
    """Per-epoch metrics, kept in `epochs` and written synchronously to the active MLflow run if any
    (a train worker process has none: its parent logs what it kept).

    mlflow.keras.MlflowCallback logs asynchronously, and closing a run then waits about a second
    for the logging thread: a second per keras-tuner trial.
    """

    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[dict[str, float]] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs:
            metrics = {name: float(value) for name, value in logs.items()}
            # The rate this epoch ran with (a schedule that runs later may lower it for the next).
            metrics.setdefault("learning_rate", float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))
            self.epochs.append(metrics)
            if mlflow.active_run() is not None:
                mlflow.log_metrics(metrics, step=epoch)


def freeze_imported_heap() -> None:
    """Keep the objects of the imports out of every later garbage collection.

    keras-tuner calls gc.collect() twice per trial; over TensorFlow's heap that is 0.7 s a trial.
    """
    gc.collect()
    gc.freeze()


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and the backend's random numbers (dropout, initial weights)."""
    keras.utils.set_random_seed(seed)


def monitor_mode(monitor: str) -> str:
    return "max" if monitor.endswith("accuracy") else "min"


def best_epoch(history: dict[str, list[float]], monitor: str) -> int:
    """The epoch (from 0) whose weights early stopping kept."""
    values = history[monitor]
    return int(np.argmax(values) if monitor_mode(monitor) == "max" else np.argmin(values))


def decay_at_end_fraction(step: int, steps_per_epoch: int, epochs: int, decay_epochs: float,
                          final_fraction: float) -> float:
    """The share of the starting rate at a training step: 1 until the last `decay_epochs`, then
    falling linearly to `final_fraction` at the end."""
    decay_start, end = (epochs - decay_epochs) * steps_per_epoch, epochs * steps_per_epoch
    progress = min(max((step - decay_start) / (end - decay_start), 0.0), 1.0)
    return 1.0 - (1.0 - final_fraction) * progress


class DecayAtEnd(keras.callbacks.Callback):
    """A constant rate explores; the decay at the end settles into the minimum it found. On a small
    corpus this beat halving the rate on plateaus (Hamlet: 0.02-0.04 fewer validation bits per
    character, on two seeds)."""

    def __init__(self, epochs: int, decay_epochs: float, final_fraction: float) -> None:
        super().__init__()
        self.epochs, self.decay_epochs, self.final_fraction = epochs, decay_epochs, final_fraction
        self.epoch = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.start_rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        steps = self.params["steps"]
        fraction = decay_at_end_fraction(self.epoch * steps + batch, steps, self.epochs, self.decay_epochs,
                                         self.final_fraction)
        self.model.optimizer.learning_rate.assign(self.start_rate * fraction)


def fit_network(
    model: keras.Model,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    config: TrainConfig,
    callbacks: list[keras.callbacks.Callback] = (),
    class_weight: dict[int, float] | None = None,
) -> keras.callbacks.History:
    """Fit until the monitored validation value (`train.monitor`) stops improving; the best
    epoch's weights are kept. Quietly: the epochs go to the callbacks (the learning curves, MLflow),
    the console gets the stage's progress line (seqcase.progress)."""
    mode = monitor_mode(config.monitor)
    rate = (DecayAtEnd(config.epochs, config.decay_epochs, config.final_learning_rate_fraction)
            if config.learning_rate_schedule == "decay_at_end" else
            keras.callbacks.ReduceLROnPlateau(
                monitor=config.monitor, mode=mode, factor=config.reduce_lr_factor, patience=config.reduce_lr_patience,
                min_lr=config.min_learning_rate))
    schedule = [
        keras.callbacks.EarlyStopping(
            monitor=config.monitor, mode=mode, patience=config.early_stopping_patience, restore_best_weights=True
        ),
        rate,
    ]
    return model.fit(
        *train, validation_data=validation, epochs=config.epochs, batch_size=config.batch_size,
        # The caller's callbacks first: they see (and may log) the epoch before the schedule acts on it.
        callbacks=[*callbacks, *schedule], class_weight=class_weight, verbose=0,
    )
