"""What a forecasting network is given: windows of the tuned length, the horizon's outputs."""

from __future__ import annotations

from seqcase.models.networks import forecasting_head
from seqcase.splits import Split
from seqcase.errors import DataError
from seqcase.tasks.forecasting.data import PreparedSeries, longest_stretch, split_windows
from seqcase.tasks.base import Arrays, LearningProblem


def learning_problem(prepared: PreparedSeries) -> LearningProblem:
    """Windows of the training and validation rows; their length is a tuned hyperparameter."""

    def windows(hyperparameters: dict) -> tuple[Arrays, Arrays]:
        window_length = int(hyperparameters["window_length"])
        train, validation = (split_windows(prepared, window_length, Split.TRAIN),
                             split_windows(prepared, window_length, Split.VALIDATION))
        for part, (inputs, _) in ((Split.TRAIN, train), (Split.VALIDATION, validation)):
            if not len(inputs):
                name = "training" if part == Split.TRAIN else "validation"
                raise DataError(f"search_space.window_length = {window_length}: no {name} window fits (the longest "
                                f"unbroken stretch of rows up to the end of the {name} part has "
                                f"{longest_stretch(prepared, part)}, and a window needs {window_length} input rows "
                                f"and {prepared.horizon} to forecast); give a shorter window_length")
        return train, validation

    return LearningProblem(forecasting_head(prepared.horizon), windows,
                           lambda hyperparameters: (int(hyperparameters["window_length"]), len(prepared.feature_names)))
