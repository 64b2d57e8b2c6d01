"""The params of an event case: labelled events in a table, rebalancing, baselines on the single event."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from seqcase.config import Baselines, CaseBase, Grid, RandomForestOptions, StrictModel
from seqcase.config.binary import BinaryEvaluate


class Imbalance(StrictModel):
    """How the training part (never validation or test) is rebalanced for the networks.

    class_weight: the rare class's loss weighted (`positive_weight`, or `balanced`: n / (2 * count));
    undersample / oversample: training rows drawn until there are `ratio` positives per negative.
    """

    method: Literal["none", "class_weight", "undersample", "oversample"] = "class_weight"
    positive_weight: Literal["balanced"] | Annotated[float, Field(gt=0)] = "balanced"
    ratio: float = Field(0.1, gt=0, le=1)


class EventPrepare(StrictModel):
    """Labelled events (transactions) in a table: ordered by time and split by time, never at random."""

    file: str | None = None
    time_column: str
    label_column: str
    positive_label: int | str = 1
    feature_columns: list[str] | None = Field(None, description="default: every column but time and label")
    log_columns: list[str] = Field(default_factory=list, description="log1p before scaling (amounts)")
    class_names: tuple[str, str] = ("negative", "positive")
    validation_fraction: float = Field(0.15, gt=0, lt=0.5)
    test_fraction: float = Field(0.2, gt=0, lt=0.5)
    imbalance: Imbalance = Field(default_factory=Imbalance)

    @model_validator(mode="after")
    def _columns(self) -> EventPrepare:
        used = {self.time_column, self.label_column}
        if self.feature_columns is not None and used & set(self.feature_columns):
            raise ValueError(f"feature_columns must not hold the time or label column ({sorted(used)})")
        if self.feature_columns is not None and not set(self.log_columns) <= set(self.feature_columns):
            raise ValueError(f"log_columns {sorted(set(self.log_columns) - set(self.feature_columns))} "
                             "are not in feature_columns")
        return self


class TunedLogisticRegressionOptions(StrictModel):
    """A list of values is searched: the best on the validation part (the case's metric) is kept."""

    C: Grid = 1.0
    class_weight: Literal["none", "balanced"] = "none"
    max_iter: int = Field(2000, ge=1)


class GradientBoostingOptions(StrictModel):
    learning_rate: Grid = 0.05
    max_leaf_nodes: list[Annotated[int, Field(ge=2)]] | Annotated[int, Field(ge=2)] = 15
    min_samples_leaf: list[Annotated[int, Field(ge=1)]] | Annotated[int, Field(ge=1)] = 50
    l2_regularization: list[Annotated[float, Field(ge=0)]] | Annotated[float, Field(ge=0)] = 1.0
    max_iter: int = Field(300, ge=1)
    class_weight: Literal["none", "balanced"] = "none"


class EventBaselines(Baselines):
    """Classifiers on the single transaction (no window), tuned on validation like the networks."""

    logistic_regression: TunedLogisticRegressionOptions | None = None
    histogram_gradient_boosting: GradientBoostingOptions | None = None
    random_forest: RandomForestOptions | None = None


class EventCase(CaseBase):
    task: Literal["event_classification"]
    prepare: EventPrepare
    baselines: EventBaselines
    evaluate: BinaryEvaluate
