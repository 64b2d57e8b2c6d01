"""The params of a text generation case: a corpus as characters, n-gram baselines, samples."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from seqcase.config import Baselines, CaseBase, Grid, StrictModel


class GenerationPrepare(StrictModel):
    """A corpus read as one character stream, split by position: the last `test_fraction` is the
    test part, the last `validation_fraction` of the rest the validation part."""

    file: str | None = None
    text_column: str | None = Field(None, description="a CSV corpus: this column's rows, one per line")
    max_characters: int | None = Field(None, ge=100, description="the corpus' first characters only")
    lowercase: bool = False
    min_character_count: int = Field(1, ge=1, description="rarer training characters become the unknown id")
    validation_fraction: float = Field(0.1, gt=0, lt=0.5, description="of the part before the test part")
    test_fraction: float = Field(0.1, gt=0, lt=0.5)


Orders = Union[list[Annotated[int, Field(ge=1, le=12)]], Annotated[int, Field(ge=1, le=12)]]


class KneserNeyOptions(StrictModel):
    """Interpolated Kneser-Ney; a list of orders (or discounts) is searched on the validation part."""

    order: Orders = 5
    discount: Union[list[Annotated[float, Field(gt=0, lt=1)]], Annotated[float, Field(gt=0, lt=1)]] = 0.75


class AddKOptions(StrictModel):
    order: Orders = 3
    k: Grid = 0.1


class GenerationBaselines(Baselines):
    """Character n-gram models fitted on the training part, scored in bits per character like the networks."""

    kneser_ney: KneserNeyOptions | None = None
    add_k: AddKOptions | None = None


class GenerationEvaluate(StrictModel):
    """Held-out bits per character, and samples from each model: the seed text continued one
    character at a time at each temperature."""

    seed_text: str = Field("To be", min_length=1)
    sample_length: int = Field(300, ge=1, le=5000)
    temperatures: list[Annotated[float, Field(gt=0, le=5)]] = Field([0.5, 0.8, 1.0], min_length=1)
    sample_seed: int = 0


class GenerationCase(CaseBase):
    task: Literal["text_generation"]
    prepare: GenerationPrepare
    baselines: GenerationBaselines
    evaluate: GenerationEvaluate

    @model_validator(mode="after")
    def _causal(self) -> GenerationCase:
        looks_ahead = [variant for variant, spec in self.models.items() if spec.architecture == "bidirectional"]
        if looks_ahead:
            raise ValueError(f"models {looks_ahead}: a bidirectional layer reads the characters a language "
                             "model must predict; use simple_rnn, lstm, gru, transformer, conv1d (causal) or dense")
        return self
