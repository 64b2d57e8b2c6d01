"""What an event network is given: each event with the ones before it, a softmax over two classes."""

from __future__ import annotations

from seqcase.models.networks import classification_head
from seqcase.splits import Split
from seqcase.tasks.event_classification.data import PreparedEvents, windows, with_history
from seqcase.tasks.base import Arrays, LearningProblem


def learning_problem(prepared: PreparedEvents) -> LearningProblem:
    """Windows of the last k events for the (possibly rebalanced) training events and all validation ones."""

    def datasets(hyperparameters: dict) -> tuple[Arrays, Arrays]:
        window_length = int(hyperparameters["window_length"])
        train = with_history(prepared.training_events, window_length)
        validation = prepared.positions(Split.VALIDATION)
        return ((windows(prepared, train, window_length), prepared.labels[train]),
                (windows(prepared, validation, window_length), prepared.labels[validation]))

    return LearningProblem(classification_head(2), datasets,
                           lambda hyperparameters: (int(hyperparameters["window_length"]), len(prepared.feature_names)),
                           prepared.class_weight)
