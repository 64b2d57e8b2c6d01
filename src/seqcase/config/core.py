"""params.yaml: loaded, merged over `defaults:`, and validated, naming the key and the value of a mistake.

The top level (seed, sources, defaults, fundamentals) is validated by one pydantic model. A case
is validated by its task's own schema (seqcase.params joins the two: this package imports no task).
"""

from __future__ import annotations

import copy
import typing
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator, model_validator

from seqcase.schema import Name, StrictModel
from seqcase.config.case import CASE_BLOCKS, CaseBase
from seqcase.config.run import EvaluateConfig
from seqcase.errors import ParamsError
from seqcase.models.hyperparameters import ARCHITECTURES, hyperparameter_names
from seqcase.models.search_space import HyperparameterSpec, out_of_bounds, unknown_hyperparameters
from seqcase.reference.settings import FundamentalsConfig
from seqcase.sources.schema import SOURCE_KINDS, Source

DEFAULT_PARAMS_PATH = Path("params.yaml")


class Defaults(StrictModel):
    """What every case starts from, block by block (a case's own keys win)."""

    prepare: dict[str, Any] = Field(default_factory=dict)
    # Checked here, once: a mistake in it would otherwise be named once per case and variant.
    search_space: dict[str, HyperparameterSpec] = Field(default_factory=dict)
    tune: dict[str, Any] = Field(default_factory=dict)
    train: dict[str, Any] = Field(default_factory=dict)

    @field_validator("search_space")
    @classmethod
    def _known_hyperparameters(cls, value: dict) -> dict:
        problem = unknown_hyperparameters(value) or next(
            (f"{name}: {wrong}" for name, spec in value.items() if (wrong := out_of_bounds(name, spec))), None)
        if problem:
            raise ValueError(problem)
        return value


class Params(StrictModel):
    """The whole file. `cases` holds the validated cases (all of them, or those a stage asked for);
    `case_names` every case the file names."""

    seed: int
    # The Keras backend every stage that builds, trains, loads or scores a network runs on
    # (seqcase.backends reads it before Keras is imported; this names it in validate's errors).
    keras_backend: Literal["jax", "tensorflow"] = "jax"
    evaluate: EvaluateConfig
    sources: dict[Name, Source]
    defaults: Defaults = Defaults()
    cases: dict[Name, Any] = Field(min_length=1)
    fundamentals: FundamentalsConfig = FundamentalsConfig()
    _case_names: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("cases")
    @classmethod
    def _mappings(cls, value: dict) -> dict:
        for name, case in value.items():
            if not isinstance(case, (dict, CaseBase)):
                raise ValueError(f"cases.{name} must be a mapping of the case's blocks, not {case!r}")
        return value

    @model_validator(mode="after")
    def _sources_exist(self) -> Params:
        for case_name, case in self.cases.items():
            source = case.source if isinstance(case, CaseBase) else case.get("source")
            if isinstance(source, str) and source not in self.sources:
                raise ValueError(
                    f"cases.{case_name}.source = {source!r} is not a key of sources "
                    f"(known: {', '.join(self.sources) or 'none'})"
                )
        return self

    @property
    def case_names(self) -> tuple[str, ...]:
        return self._case_names or tuple(self.cases)


# --- merging defaults ------------------------------------------------------------------------------


def deep_merge(base: dict, override: dict) -> dict:
    """Override wins; nested mappings merge key by key so a case can change one default."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_case(raw_case: dict, defaults: Defaults, case_name: str) -> dict:
    """Fill a case from defaults; model search spaces take the defaults each architecture uses."""
    missing = [block for block in CASE_BLOCKS if block not in raw_case]
    if missing:
        raise ParamsError(
            f"cases.{case_name} lacks {missing}: write each block, `{{}}` to take the defaults, "
            f"so DVC can track it (blocks: {', '.join(CASE_BLOCKS)})"
        )
    case = copy.deepcopy(raw_case)
    task = case.get("task") if isinstance(case.get("task"), str) else None
    for block in ("prepare", "tune", "train"):
        if isinstance(case.get(block, {}), dict):
            case[block] = deep_merge(getattr(defaults, block), case.get(block, {}))
    # tune.search_space changes the space of every variant of this case; a variant's own wins.
    case_space = case["tune"].pop("search_space", {}) if isinstance(case.get("tune"), dict) else {}
    if not isinstance(case_space, dict):
        raise ParamsError(f"cases.{case_name}.tune.search_space = {case_space!r}: must be a mapping")
    problem = unknown_hyperparameters(case_space)
    if problem:
        raise ParamsError(f"cases.{case_name}.tune.search_space {problem}")
    default_space = {**defaults.search_space, **case_space}
    if isinstance(case["models"], dict):
        for variant, spec in case["models"].items():
            if not isinstance(spec, (dict, type(None))):
                continue  # pydantic names the key and the value
            spec = dict(spec or {})
            spec.setdefault("architecture", variant)
            architecture = spec["architecture"]
            if architecture in ARCHITECTURES:
                usable = {k: v for k, v in default_space.items() if k in hyperparameter_names(architecture, task)}
                spec["search_space"] = {**usable, **(spec.get("search_space") or {})}
            case["models"][variant] = spec
    return case


# --- error messages -------------------------------------------------------------------------------


def allowed_keys(model: type[BaseModel] | None, location: list[str]) -> list[str] | None:
    """The keys a model accepts at `location` (inside it), when the path leads to a model."""
    for part in location:
        if model is None:
            return None
        if part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
        model = _model_in(annotation)
    return list(model.model_fields) if model is not None else None


def _model_in(annotation) -> type[BaseModel] | None:
    """The one pydantic model an annotation holds (through Optional and Annotated), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    models = [model for argument in typing.get_args(annotation) if (model := _model_in(argument)) is not None]
    return models[0] if len(models) == 1 else None


def error_lines(error: ValidationError, prefix: tuple[str, ...] = (), model: type[BaseModel] | None = None) -> list[str]:
    """One line per invalid value: the key as written in params.yaml, the value, what is wrong."""
    lines = []
    for item in error.errors():
        # pydantic's names for validators and union members, and a search space's forms (spec_shape)
        location = [str(part) for part in item["loc"] if not str(part).startswith(("function-", "tagged-union", "shape:"))]
        location = [part for part in location if not (prefix == () and part in SOURCE_KINDS and location[:1] == ["sources"])]
        key = ".".join([*prefix, *location]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if item["type"] == "missing":
            lines.append(f"  {key}: missing, and required")
        elif item["type"] == "extra_forbidden":
            allowed = allowed_keys(model, location[:-1])
            lines.append(f"  {key} = {item.get('input')!r}: not a key here"
                         + (f"; allowed: {', '.join(allowed)}" if allowed else ""))
        elif isinstance(item.get("input"), (dict, list)):  # a rule across a block: name it, not its contents
            lines.append(f"  {key}: {message}")
        else:
            lines.append(f"  {key} = {item.get('input')!r}: {message}")
    return lines


def format_validation_error(error: ValidationError, path: Path) -> str:
    lines = error_lines(error, model=Params)
    return "\n".join([f"{path}: {len(lines)} invalid value(s)", *lines])


# --- reading ---------------------------------------------------------------------------------------


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML as safe_load reads it, but a key written twice in one mapping is an error: safe_load
    keeps the last silently (and DVC refuses the file)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` merges; the keys written beside it override, as YAML means
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one mapping (first on line {seen[key] + 1})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def read_params_file(path: Path | str = DEFAULT_PARAMS_PATH) -> Any:
    """params.yaml as YAML, a missing file or a YAML mistake in one line naming where."""
    path = Path(path)
    try:
        return yaml.load(path.read_text(), Loader=UniqueKeyLoader)
    except FileNotFoundError:
        raise ParamsError(f"{path}: no such file (run from the repository root)") from None
    except yaml.MarkedYAMLError as error:  # one line: where, and what
        where = f"line {error.problem_mark.line + 1}" if error.problem_mark else "somewhere"
        raise ParamsError(f"{path}: not valid YAML at {where}: {error.problem}") from None
    except yaml.YAMLError as error:
        raise ParamsError(f"{path}: not valid YAML: {error}") from None
