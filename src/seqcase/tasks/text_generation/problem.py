"""What a language model is given: windows of characters, the next character at every step."""

from __future__ import annotations

from seqcase.models.networks import language_model_head
from seqcase.splits import Split
from seqcase.tasks.text_generation.data import PreparedCorpus, training_windows
from seqcase.tasks.base import Arrays, LearningProblem


def learning_problem(prepared: PreparedCorpus) -> LearningProblem:
    """Windows of the training characters every `window_stride` (a quarter window unless tuned),
    each step's target the next character; validation windows do not overlap. Any window length
    runs through the saved model (its input length is free), so sampling can start from a short seed."""

    def windows(hyperparameters: dict) -> tuple[Arrays, Arrays]:
        window_length = int(hyperparameters["window_length"])
        stride = int(hyperparameters.get("window_stride") or max(1, window_length // 4))
        return (training_windows(prepared.part(Split.TRAIN), window_length, stride),
                training_windows(prepared.part(Split.VALIDATION), window_length, window_length))

    return LearningProblem(language_model_head(prepared.vocabulary_size), windows, lambda hyperparameters: (None,))
