"""The params of a classification case: labelled sequences, their baselines."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from seqcase.config import Baselines, CaseBase, NoOptions, RandomForestOptions, StrictModel


class ClassificationPrepare(StrictModel):
    """Labelled sequences, one per row: the archive's own test file, or a stratified test part."""

    file_format: Literal["ucr", "csv"] = Field(
        "ucr", description="ucr: tab-separated, no header, label in column 0; csv: a header and label_column")
    train_file: str
    test_file: str | None = None
    label_column: str = "label"
    class_names: dict[int | str, str] = Field(default_factory=dict)
    class_weight: Literal["none", "balanced"] | dict[int | str, float] = "balanced"
    validation_fraction: float = Field(0.2, gt=0, lt=0.5)
    test_fraction: float = Field(0.2, gt=0, lt=0.5)
    split_seed: int = 0


class LogisticRegressionOptions(StrictModel):
    C: float = Field(1.0, gt=0)
    class_weight: Literal["none", "balanced"] = "none"
    max_iter: int = Field(2000, ge=1)


class ClassificationBaselines(Baselines):
    """Classifiers on the raw sequence (flattened), scored like the networks."""

    majority: NoOptions | None = None
    logistic_regression: LogisticRegressionOptions | None = None
    random_forest: RandomForestOptions | None = None


class ClassificationCase(CaseBase):
    task: Literal["classification"]
    prepare: ClassificationPrepare
    baselines: ClassificationBaselines
    evaluate: NoOptions  # nothing to set: macro-F1, accuracy, per-class recall and the verdict's bootstrap always run
