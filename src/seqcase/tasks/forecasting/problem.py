"""What a forecasting network is given: windows of the tuned length, the horizon's outputs."""

from __future__ import annotations

from seqcase.models.networks import forecasting_head
from seqcase.splits import Split
from seqcase.tasks.forecasting.data import PreparedSeries, split_windows
from seqcase.tasks.base import Arrays, LearningProblem


def learning_problem(prepared: PreparedSeries) -> LearningProblem:
    """Windows of the training and validation rows; their length is a tuned hyperparameter."""

    def windows(hyperparameters: dict) -> tuple[Arrays, Arrays]:
        window_length = int(hyperparameters["window_length"])
        return (split_windows(prepared, window_length, Split.TRAIN),
                split_windows(prepared, window_length, Split.VALIDATION))

    return LearningProblem(forecasting_head(prepared.horizon), windows,
                           lambda hyperparameters: (int(hyperparameters["window_length"]), len(prepared.feature_names)))
