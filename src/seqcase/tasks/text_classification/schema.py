"""The params of a text case: labelled texts, the TF-IDF baseline, the binary evaluation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from seqcase.config import Baselines, CaseBase, Grid, StrictModel
from seqcase.config.binary import BinaryEvaluate


class TextPrepare(StrictModel):
    """Labelled texts in a CSV: cleaned, deduplicated, then split (stratified and seeded)."""

    file: str | None = None
    text_column: str
    label_column: str
    positive_label: int | str
    # The label the positive one is compared against; texts with any other label are dropped (and
    # counted). Unset: the column must hold exactly two labels.
    negative_label: int | str | None = None
    validation_fraction: float = Field(0.2, gt=0, lt=0.5, description="of the training part")
    test_fraction: float = Field(0.5, gt=0, lt=1)
    split_seed: int = 0


class TfidfOptions(StrictModel):
    ngram_max: int = Field(2, ge=1, le=3, description="word n-grams from 1 to ngram_max")
    min_df: int = Field(2, ge=1)
    max_features: int | None = Field(None, ge=1)
    C: Grid = 1.0
    max_iter: int = Field(2000, ge=1)


class TextBaselines(Baselines):
    tfidf_logistic_regression: TfidfOptions | None = None


class TextCase(CaseBase):
    task: Literal["text_classification"]
    prepare: TextPrepare
    baselines: TextBaselines
    evaluate: BinaryEvaluate
