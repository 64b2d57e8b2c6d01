"""The params of a forecasting case: how rows become a series, its baselines, what evaluate adds."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field, field_validator, model_validator

from seqcase.config import Baselines, CaseBase, NoOptions, StrictModel, TrainConfig


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


class LinearLagsOptions(StrictModel):
    lags: int = Field(20, ge=1)


class LinearExtrapolationOptions(StrictModel):
    points: int = Field(7, ge=2, description="a least-squares line through the last `points` values")


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


class ForecastingEvaluate(StrictModel):
    """What a forecasting case's evaluate stage adds to MAE, RMSE, sMAPE, MASE and the DM test."""

    steps: list[int] = Field(default_factory=list, description="steps ahead the report and verdict single out")
    metrics: list[Literal["mard", "clarke", "time_lag"]] = Field(default_factory=list)
    interval_levels: list[float] = Field(
        default_factory=lambda: [0.8, 0.95],
        description="prediction intervals, by split conformal prediction on each model's validation errors; [] for none")
    interval_scale_steps: list[int] = Field(
        default_factory=list,
        description="locally adaptive intervals: row counts over which a window's recent volatility may scale its "
                    "interval (each at most the model's window length); per model, none or one of them is chosen on "
                    "validation; [] for one radius for every window")
    interval_span: str | None = Field(
        None, description="how much of the test part the fan chart draws ('1D', '91D'); None: the whole test part")

    @field_validator("interval_levels")
    @classmethod
    def _levels(cls, levels: list[float]) -> list[float]:
        wrong = [level for level in levels if not 0 < level < 1]
        if wrong:
            raise ValueError(f"{wrong} are not levels; allowed: numbers between 0 and 1, such as 0.8 and 0.95")
        if len(set(levels)) != len(levels):
            raise ValueError(f"{levels} names a level twice")
        return sorted(levels)

    @field_validator("interval_scale_steps")
    @classmethod
    def _scale_steps(cls, steps: list[int]) -> list[int]:
        wrong = [count for count in steps if count < 2]
        if wrong:
            raise ValueError(f"{wrong}: a volatility needs at least 2 rows; allowed: row counts from 2, such as [6, 12]")
        if len(set(steps)) != len(steps):
            raise ValueError(f"{steps} names a row count twice")
        return sorted(steps)

    @field_validator("interval_span")
    @classmethod
    def _span(cls, value: str | None) -> str | None:
        return _duration(value)


class Backtest(StrictModel):
    """A rolling-origin backtest of the test part: cut into `origins` consecutive windows, each
    `step` after the last (a duration such as '365D', or a row count; none: equal row counts).
    At each origin every network and baseline is refitted on what came before it (`refit`), or the
    networks fitted once are scored there (`refit: false`)."""

    origins: int = Field(ge=2, le=24)
    step: str | int | None = None
    refit: bool = True

    @field_validator("step")
    @classmethod
    def _step(cls, value: str | int | None) -> str | int | None:
        if isinstance(value, int) and value < 1:
            raise ValueError(f"must be a duration such as '365D' or a row count of at least 1, not {value}")
        return _duration(value) if isinstance(value, str) else value


class ForecastingTrain(TrainConfig):
    """A forecast's training adds the backtest: its refits are training, so they re-run with train."""

    backtest: Backtest | None = None


class ForecastingCase(CaseBase):
    task: Literal["forecasting"]
    prepare: ForecastingPrepare
    train: ForecastingTrain
    baselines: ForecastingBaselines
    evaluate: ForecastingEvaluate

    @model_validator(mode="after")
    def _consistent(self) -> ForecastingCase:
        if self.train.monitor == "val_accuracy":
            raise ValueError("train.monitor = 'val_accuracy': a forecast has no accuracy; use val_loss")
        too_far = [step for step in self.evaluate.steps if not 1 <= step <= self.prepare.horizon]
        if too_far:
            raise ValueError(f"evaluate.steps {too_far} must lie in 1..horizon ({self.prepare.horizon})")
        levels = sorted({"mard", "clarke"} & set(self.evaluate.metrics))
        if levels and self.prepare.target.transform != "none":
            raise ValueError(f"evaluate.metrics {levels} need the target's own level (transform none), "
                             f"not {self.prepare.target.transform!r}")
        return self
