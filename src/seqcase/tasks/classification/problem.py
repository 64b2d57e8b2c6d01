"""What a sequence classifier is given: the whole scaled sequence, a softmax over the classes."""

from __future__ import annotations

from seqcase.models.networks import classification_head
from seqcase.splits import Split
from seqcase.tasks.classification.data import PreparedSequences
from seqcase.tasks.base import LearningProblem


def learning_problem(prepared: PreparedSequences) -> LearningProblem:
    parts = (prepared.part(Split.TRAIN), prepared.part(Split.VALIDATION))
    return LearningProblem(classification_head(prepared.class_count), lambda hyperparameters: parts,
                           lambda hyperparameters: prepared.inputs.shape[1:], prepared.class_weight)
