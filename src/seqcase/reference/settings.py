"""The `fundamentals:` block of params.yaml: the adding problem learnt by the NumPy reference cells."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from seqcase.schema import StrictModel


class AddingConfig(StrictModel):
    """The adding problem learnt by the NumPy reference cells, at growing sequence lengths."""

    cells: list[Literal["simple_rnn", "lstm", "gru"]] = Field(["simple_rnn", "lstm", "gru"], min_length=1)
    sequence_lengths: list[Annotated[int, Field(ge=2)]] = Field([10, 25, 50, 100], min_length=1)
    units: int = Field(16, ge=1)
    iterations: int = Field(2000, ge=1)
    batch_size: int = Field(32, ge=1)
    learning_rate: float = Field(0.01, gt=0)
    clipnorm: float | None = Field(1.0, gt=0)


class FundamentalsConfig(StrictModel):
    adding: AddingConfig = AddingConfig()
