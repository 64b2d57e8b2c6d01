"""A variant's search space in params.yaml: ranges, lists of choices or fixed values, checked
against the hyperparameter table before keras-tuner sees them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, PlainValidator, Tag, field_validator, model_validator

from seqcase.schema import StrictModel
from seqcase.models.hyperparameters import (ARCHITECTURE_TABLE, ARCHITECTURES, CHOICES, TABLE, hyperparameter_names,
                                            required_hyperparameters)


class Range(StrictModel):
    """An integer range when min, max (and step) are written as integers, else a float range."""

    min: int | float
    max: int | float
    step: int | float | None = None
    sampling: Literal["linear", "log"] = "linear"

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        if self.sampling == "log" and self.min <= 0:
            raise ValueError("log sampling needs min > 0")
        return self

    @property
    def is_integer(self) -> bool:
        values = [self.min, self.max] + ([self.step] if self.step is not None else [])
        return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def scalar(value: Any) -> bool | int | float | str:
    """One value as YAML wrote it: a number, a word, true or false."""
    if not isinstance(value, (bool, int, float, str)):
        raise ValueError("must be a number, a word, true or false; or a list of them, or a {min, max} range")
    return value


def spec_shape(value: Any) -> str:
    """Which form a hyperparameter is written in, so that a mistake is named in that form's terms
    alone (a range's max below its min is one line, not one per form it could have been)."""
    return "shape:range" if isinstance(value, (dict, Range)) else "shape:choices" if isinstance(value, list) \
        else "shape:value"


Scalar = Annotated[Any, PlainValidator(scalar)]
HyperparameterSpec = Annotated[Union[Annotated[Range, Tag("shape:range")], Annotated[list[Scalar], Tag("shape:choices")],
                                     Annotated[Scalar, Tag("shape:value")]], Discriminator(spec_shape)]


class ModelSpec(StrictModel):
    """One Keras variant: an architecture and the search space keras-tuner explores for it."""

    architecture: str
    cell: Literal["simple_rnn", "lstm", "gru"] = "lstm"
    search_space: dict[str, HyperparameterSpec] = Field(default_factory=dict)

    @field_validator("architecture")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {value!r}; allowed: {', '.join(ARCHITECTURES)}")
        return value

    @model_validator(mode="after")
    def _space(self) -> ModelSpec:
        allowed = hyperparameter_names(self.architecture)
        unknown = sorted(set(self.search_space) - allowed)
        if unknown:
            raise ValueError(
                f"search_space has {unknown} which {self.architecture!r} does not use; "
                f"allowed: {sorted(allowed)}"
            )
        if "learning_rate" not in self.search_space:
            raise ValueError("search_space must give learning_rate (here or in defaults.search_space)")
        for name, spec in self.search_space.items():
            if isinstance(spec, list) and not spec:
                raise ValueError(f"search_space.{name} is an empty list")
            problem = out_of_bounds(name, spec)
            if problem:
                raise ValueError(f"search_space.{name}: {problem}")
        return self


def spec_values(spec) -> list:
    """The values a hyperparameter's params.yaml form names: a range's ends, each choice, a fixed value."""
    return [spec.min, spec.max] if isinstance(spec, Range) else list(spec) if isinstance(spec, list) else [spec]


def out_of_bounds(name: str, spec) -> str | None:
    """What is wrong with a hyperparameter's values (a range's ends, each choice, a fixed value)."""
    bounds = TABLE[name].bounds
    if bounds is None:
        return None
    return next(filter(None, (bounds.refuses(value) for value in spec_values(spec))), None)


def check_search_spaces(models: dict[str, ModelSpec], task: str) -> None:
    """Each variant's space against its task: the architectures it allows, what it adds and needs."""
    for variant, spec in models.items():
        allowed_tasks = ARCHITECTURE_TABLE[spec.architecture].tasks
        if allowed_tasks is not None and task not in allowed_tasks:
            raise ValueError(f"models.{variant}: {spec.architecture!r} is for {' and '.join(sorted(allowed_tasks))} only")
        unknown = sorted(set(spec.search_space) - hyperparameter_names(spec.architecture, task))
        if unknown:
            raise ValueError(f"models.{variant}.search_space has {unknown}, which a {task} case does not use")
        if {"clipnorm", "clipvalue"} <= set(spec.search_space):
            raise ValueError(f"models.{variant}.search_space gives clipnorm and clipvalue: Keras takes one of them")
        missing = sorted(required_hyperparameters(task) - set(spec.search_space))
        for name, allowed in CHOICES.items():
            given = spec.search_space.get(name, allowed[0])
            if not all(value in allowed for value in (given if isinstance(given, list) else [given])):
                raise ValueError(f"models.{variant}.search_space.{name} = {given!r}: must be one of {list(allowed)} "
                                 "(or a list of them)")
        if missing:
            raise ValueError(f"models.{variant}.search_space must give {', '.join(missing)} (here, in the "
                             "case's tune.search_space or in defaults)")


def unknown_hyperparameters(space: dict) -> str | None:
    """Each architecture takes only the shared values it uses, so a misspelt name would vanish unseen."""
    known = set().union(*(hyperparameter_names(architecture) for architecture in ARCHITECTURES))
    misspelt = sorted(set(space) - known)
    if misspelt:
        return f"has {misspelt}, which no architecture uses; known: {sorted(known)}"
    return None
