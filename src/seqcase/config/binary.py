"""params.yaml's `evaluate` block of the binary tasks (text and event classification): the
metric they are judged on and the threshold setting, as the schema validates them.

It sits with the core schema so that the stages before evaluate, which validate the case but never
decide anything, do not depend on seqcase.evaluation.thresholds, where the rule is applied.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from seqcase.schema import StrictModel


class RecallTarget(StrictModel):
    recall: float = Field(gt=0, le=1)


ThresholdSetting = Union[Literal["max_f1", "max_accuracy"], Annotated[float, Field(gt=0, lt=1)], RecallTarget]


class BinaryEvaluate(StrictModel):
    """How a binary case's decision threshold is chosen, on validation only, and what it is judged on.

    threshold: a probability, `max_f1` (the validation F1's best), `max_accuracy` (the validation
    accuracy's best), or `{recall: r}` (the highest threshold whose validation recall reaches r).
    """

    metric: Literal["average_precision", "roc_auc", "accuracy", "f1"] = "average_precision"
    threshold: ThresholdSetting = "max_f1"
    precision_targets: list[Annotated[float, Field(gt=0, lt=1)]] = Field(default_factory=lambda: [0.8, 0.9])
    bootstrap_resamples: int = Field(1000, ge=100)
    misclassified_examples: int = Field(0, ge=0, le=50)
