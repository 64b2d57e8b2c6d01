"""What every task's case has; each task's schema adds its `task`, prepare, baselines and evaluate blocks."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from seqcase.schema import Name, StrictModel
from seqcase.config.run import TrainConfig, TuneConfig
from seqcase.models.search_space import ModelSpec, check_search_spaces

# The blocks of a case, the units DVC tracks per stage: every case spells each out, even as `{}`.
CASE_BLOCKS = ("description", "prepare", "models", "tune", "train", "baselines", "evaluate")
# A list of values is searched on the validation part; a single value is fixed.
Grid = Union[list[Annotated[float, Field(gt=0)]], Annotated[float, Field(gt=0)]]


class RandomForestOptions(StrictModel):
    """A random forest baseline (sequence and event classifiers alike)."""

    n_estimators: int = Field(300, ge=1)
    class_weight: Literal["none", "balanced"] = "none"


class Baselines(StrictModel):
    def chosen(self) -> dict[str, StrictModel]:
        """Each baseline a case names, with its options: each is fitted and scored like the networks."""
        return {name: options for name, options in self if options is not None}


class CaseBase(StrictModel):
    """The blocks every case has. A task's schema narrows `task` to its key and adds the rest."""

    task: str
    source: Name
    description: str
    models: dict[Name, ModelSpec] = Field(min_length=1)
    tune: TuneConfig
    train: TrainConfig

    @model_validator(mode="after")
    def _search_spaces(self) -> CaseBase:
        check_search_spaces(self.models, self.task)
        return self
