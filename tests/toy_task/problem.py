"""The whole sequence in, a softmax over the two signs out."""

from __future__ import annotations

from seqcase.models.networks import classification_head
from seqcase.splits import Split
from seqcase.tasks.base import LearningProblem


def learning_problem(prepared) -> LearningProblem:
    parts = (prepared.part(Split.TRAIN), prepared.part(Split.VALIDATION))
    return LearningProblem(classification_head(2), lambda hyperparameters: parts,
                           lambda hyperparameters: prepared.inputs.shape[1:])
