"""Run settings every case shares: how keras-tuner searches, how a variant is retrained, and the
significance its verdict is judged at."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from seqcase.schema import StrictModel


class TuneConfig(StrictModel):
    algorithm: Literal["hyperband", "random_search", "bayesian"] = "hyperband"
    max_epochs: int = Field(10, ge=1)
    factor: int = Field(3, ge=2)
    hyperband_iterations: int = Field(1, ge=1)
    max_trials: int = Field(10, ge=1)
    executions_per_trial: int = Field(1, ge=1)
    early_stopping_patience: int = Field(3, ge=1)
    batch_size: int = Field(128, ge=1)
    max_train_examples: int | None = Field(
        None, ge=1, description="trials fit on a seeded sample of this many training examples (the final "
                                "model trains on all)")


class TrainConfig(StrictModel):
    epochs: int = Field(50, ge=1)
    # Every network variant is trained once per seed (the run's seed, then the next ones): reports
    # give the mean over seeds with a 95 % interval, and the seeds' average is a model of its own.
    seeds: int = Field(1, ge=1, le=20)
    # What early stopping, the learning-rate schedule and the kept epoch follow. A classifier judged
    # on accuracy may gain accuracy in an epoch where its loss (its confidence) already worsens.
    monitor: Literal["val_loss", "val_accuracy"] = "val_loss"
    batch_size: int = Field(128, ge=1)
    early_stopping_patience: int = Field(8, ge=1)
    reduce_lr_patience: int = Field(4, ge=1)
    reduce_lr_factor: float = Field(0.5, gt=0, lt=1)
    min_learning_rate: float = Field(1e-5, gt=0)
    # plateau: halve the rate when the monitored value stalls. decay_at_end: hold the rate, then
    # lower it linearly over the last `decay_epochs` to `final_learning_rate_fraction` of it.
    learning_rate_schedule: Literal["plateau", "decay_at_end"] = "plateau"
    decay_epochs: float = Field(2.0, gt=0)
    final_learning_rate_fraction: float = Field(0.02, gt=0, le=1)

    @model_validator(mode="after")
    def _decay_fits(self) -> TrainConfig:
        if self.learning_rate_schedule == "decay_at_end" and self.decay_epochs > self.epochs:
            raise ValueError(f"decay_epochs ({self.decay_epochs}) must not exceed epochs ({self.epochs})")
        return self


class EvaluateConfig(StrictModel):
    significance: float = Field(0.05, gt=0, lt=1)
