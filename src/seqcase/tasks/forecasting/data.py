"""Forecasting data: a dated table becomes scaled series, split by time, windowed without crossing gaps.

The prepared series keeps every row; windows are cut later, in the stage that knows the window
length (a tuned hyperparameter). A window never spans a gap, and its targets lie in one split. Its
inputs may reach back into an earlier split (the past is known when forecasting), never a later one.
A sensor on a regular grid may have short gaps filled by interpolation: such values can be inputs,
never targets, so no score rests on a value nobody measured.
"""

from __future__ import annotations

import logging

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from seqcase.errors import DataError
from seqcase.io import atomic_directory, read_json, write_json
from seqcase.splits import Split, check_parts, largest_value
from seqcase.tasks.forecasting.schema import Feature, ForecastingPrepare

logger = logging.getLogger(__name__)

DIFFERENCING_TRANSFORMS = ("diff", "log_return", "pct_change")


@dataclass(frozen=True)
class PreparedSeries:
    """Rows in time order; column 0 of `inputs` is the target, scaled with training statistics.

    `target_original` keeps the target in original units and float64, so metrics never see the
    float32 round trip (a zero return stays exactly zero).
    """

    timestamps: np.ndarray
    inputs: np.ndarray
    target_original: np.ndarray
    segment: np.ndarray
    split: np.ndarray
    feature_names: tuple[str, ...]
    feature_mean: np.ndarray
    feature_scale: np.ndarray
    horizon: int
    target_transform: str
    observed: np.ndarray | None = None
    frequency: str | None = None

    def __post_init__(self) -> None:
        if self.observed is None:
            object.__setattr__(self, "observed", np.ones(len(self.timestamps), dtype=bool))

    def describe(self) -> dict[str, str | int]:
        """The facts an MLflow run of this data records as params."""
        return {"horizon": self.horizon, "features": ",".join(self.feature_names),
                "frequency": self.frequency or "irregular", "rows": len(self.timestamps)}

    @property
    def target(self) -> np.ndarray:
        return self.inputs[:, 0]

    def to_original(self, scaled_target: np.ndarray) -> np.ndarray:
        return np.asarray(scaled_target, dtype=np.float64) * self.feature_scale[0] + self.feature_mean[0]

    def serving_facts(self) -> dict:
        """What a logged model needs to turn new rows into its inputs: `inference_windows` reads it."""
        return {"feature_names": list(self.feature_names), "feature_mean": self.feature_mean.tolist(),
                "feature_scale": self.feature_scale.tolist(), "horizon": self.horizon,
                "target_transform": self.target_transform}


# --- from a table to a series ----------------------------------------------------------------------


def read_table(path: Path, config: ForecastingPrepare) -> pd.DataFrame:
    """Read a CSV (plain or compressed) and parse its time column; missing columns fail here."""
    frame = pd.read_csv(path)
    needed = [config.time_column] + sorted(
        {f.column for f in [config.target, *config.features]} | {f.over for f in config.features if f.over}
        | ({config.target.over} if config.target.over else set())
    )
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise DataError(f"{path}: no column(s) {missing}; the file has {list(frame.columns)}")
    try:
        frame[config.time_column] = pd.to_datetime(frame[config.time_column], format=config.time_format)
    except (ValueError, TypeError) as error:
        parsed = pd.to_datetime(frame[config.time_column], format=config.time_format, errors="coerce")
        failed = np.flatnonzero(parsed.isna() & frame[config.time_column].notna())
        where = (f"data row {failed[0] + 1}, {frame[config.time_column].iloc[failed[0]]!r}: " if len(failed) else "")
        reason = str(error).strip().splitlines()[0].split(". You might")[0].split(", at position")[0]
        raise DataError(f"{path}: column {config.time_column!r} does not parse as dates with "
                        f"time_format={config.time_format!r} ({where}{reason})") from None
    frame = frame[needed].copy()
    not_numbers = np.zeros(len(frame), dtype=bool)
    for column in needed[1:]:  # a sensor's "nil" or an empty cell is a missing value, counted by clean_rows
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if len(frame) and numbers.isna().all():
            block = "target" if column in (config.target.column, config.target.over) else "features"
            text = frame[column].dropna()
            seen = f"the first reads {str(text.iloc[0])!r}" if len(text) else "every cell is empty"
            raise DataError(f"{path}: column {column!r} holds no number in any of its {len(frame)} rows ({seen}); "
                            f"prepare.{block} names it: name a column of numbers")
        words = frame[column].astype(str).str.strip().str.lower()
        not_numbers |= (numbers.isna() & frame[column].notna() & ~words.isin(MISSING_WORDS)).to_numpy()
        frame[column] = numbers
    frame.attrs["rows_with_text_instead_of_a_number"] = int(not_numbers.sum())
    if not_numbers.any():
        row = int(np.flatnonzero(not_numbers)[0])
        logger.warning("%s: %d rows hold text where a number belongs (the first is data row %d); dropped",
                       path, int(not_numbers.sum()), row + 1)
    return frame


# Cell texts a sensor or a spreadsheet writes for "no reading": missing values, not mistakes.
MISSING_WORDS = frozenset({"", "nil", "null", "none", "na", "n/a", "nan", "-", "?"})


def clean_rows(frame: pd.DataFrame, time_column: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Sort by time, drop rows with missing or infinite values (each counted by its cause), keep the
    last of duplicated timestamps."""
    values = frame.drop(columns=[time_column]).to_numpy(dtype=np.float64)
    infinite = np.isinf(values).any(axis=1)
    complete = frame[~infinite].dropna()
    ordered = complete.sort_values(time_column, kind="stable")
    unique = ordered.drop_duplicates(subset=time_column, keep="last").reset_index(drop=True)
    # A timestamp written twice with other values: the source disagrees with itself (the last row is kept).
    conflicting = int((ordered.drop_duplicates().duplicated(subset=time_column)).sum())
    text = frame.attrs.get("rows_with_text_instead_of_a_number", 0)
    counts = {
        "rows_read": len(frame),
        "rows_with_missing_values": len(frame) - len(complete) - int(infinite.sum()) - text,
        "duplicate_timestamps": len(ordered) - len(unique),
    }
    # Shown only where there are some: each dropped row counted by its real cause.
    if text:
        counts["rows_with_text_instead_of_a_number"] = text
    if conflicting:
        counts["duplicate_timestamps_with_other_values"] = conflicting
        logger.warning("%d timestamps appear twice with other values; the last row of each is kept", conflicting)
    if infinite.any():  # shown only where there are some, as the other counts of what was dropped are
        counts["rows_with_infinite_values"] = int(infinite.sum())
        logger.warning("%d rows with an infinite value dropped", int(infinite.sum()))
    return unique, counts


def find_segments(timestamps: np.ndarray, max_gap: pd.Timedelta) -> np.ndarray:
    """Segment id per row: a step longer than `max_gap` starts a new segment."""
    if len(timestamps) == 0:
        return np.zeros(0, dtype=np.int32)
    steps = np.diff(timestamps.astype("datetime64[ns]"))
    breaks = steps > np.timedelta64(max_gap.value, "ns")
    return np.concatenate([[0], np.cumsum(breaks)]).astype(np.int32)


def transform_column(frame: pd.DataFrame, feature: Feature, segment: np.ndarray) -> np.ndarray:
    """The feature's values; change transforms are NaN on the first row of each segment."""
    values = frame[feature.column].to_numpy(dtype=np.float64)
    if feature.transform in ("log", "log_return", "log_ratio") and (values <= 0).any():
        raise DataError(f"column {feature.column!r} has values <= 0 ({int((values <= 0).sum())} rows), which transform "
                        f"{feature.transform!r} cannot take; give that entry of prepare.target or prepare.features "
                        f"another transform (diff, none), or drop it")
    if feature.transform == "none":
        return values
    if feature.transform == "log":
        return np.log(values)
    if feature.transform == "log_ratio":
        over = frame[feature.over].to_numpy(dtype=np.float64)
        if (over <= 0).any():
            raise DataError(f"column {feature.over!r} has values <= 0, which log_ratio cannot take; give that entry of "
                            f"prepare.target or prepare.features another transform (diff, none), or drop it")
        return np.log(values / over)
    previous = np.roll(values, 1)
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = segment[1:] != segment[:-1]
    previous[starts] = np.nan
    if feature.transform == "diff":
        return values - previous
    if feature.transform == "log_return":
        return np.log(values / previous)
    return values / previous - 1.0  # pct_change


def regular_grid(frame: pd.DataFrame, time_column: str, frequency: str,
                 interpolate_gap: str | None) -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
    """Readings on a regular grid; gaps up to `interpolate_gap` filled linearly, longer ones left out.

    A reading goes to the nearest grid point (sensor clocks drift); readings sharing one are averaged.

    A gap's length is the time between the readings around it. Returns the rows kept (observed and
    filled, in time order), whether each was observed, and counts for the report.
    """
    step = pd.Timedelta(frequency)
    on_grid = frame.assign(**{time_column: frame[time_column].dt.round(step)})
    unique = on_grid.groupby(time_column, sort=True).mean()  # readings a minute apart share a point
    grid = pd.date_range(unique.index[0], unique.index[-1], freq=step, name=time_column)
    values = unique.reindex(grid)
    missing = values.isna().any(axis=1).to_numpy()
    run_start = missing & ~np.concatenate([[False], missing[:-1]])
    run_id = np.cumsum(run_start) * missing
    run_length = np.bincount(run_id)[run_id] * missing
    limit = pd.Timedelta(interpolate_gap) if interpolate_gap else pd.Timedelta(0)
    fillable = missing & ((run_length + 1) * step <= limit)
    filled = values.interpolate(method="linear", limit_area="inside")
    keep = ~missing | fillable
    runs = np.bincount(run_id[missing]) if missing.any() else np.zeros(1, dtype=int)
    short_runs = int(np.unique(run_id[fillable]).size)
    counts = {
        "readings_on_the_same_grid_point": len(on_grid) - len(unique),
        "grid_points": len(grid),
        "points_interpolated": int(fillable.sum()),
        "short_gaps_interpolated": short_runs,
        "long_gaps": int((runs[1:] > 0).sum()) - short_runs,
        "points_in_long_gaps": int((missing & ~fillable).sum()),
    }
    kept = filled[keep].reset_index()
    return kept, ~missing[keep], counts


def chronological_split(row_count: int, validation_fraction: float, test_fraction: float) -> np.ndarray:
    """0 train, 1 validation, 2 test, in time order."""
    train_end = int(round(row_count * (1 - validation_fraction - test_fraction)))
    validation_end = int(round(row_count * (1 - test_fraction)))
    split = np.full(row_count, Split.TEST, dtype=np.int8)
    split[:validation_end] = Split.VALIDATION
    split[:train_end] = Split.TRAIN
    return split


@dataclass(frozen=True)
class FeatureRows:
    """A table's rows after cleaning, the grid and the transforms: unscaled, in time order."""

    frame: pd.DataFrame  # the table on the grid, before rows without a transformed value are dropped
    counts: dict[str, int]
    timestamps: np.ndarray
    raw: np.ndarray
    segment: np.ndarray
    observed: np.ndarray
    dropped: int


def feature_rows(frame: pd.DataFrame, config: ForecastingPrepare) -> FeatureRows:
    """Clean, put on the grid, segment and transform: the same for the prepare stage and for new rows."""
    frame, counts = clean_rows(frame, config.time_column)
    observed = np.ones(len(frame), dtype=bool)
    if config.frequency is not None:
        frame, observed, grid_counts = regular_grid(frame, config.time_column, config.frequency, config.interpolate_gap)
        counts.update(grid_counts)
    timestamps = frame[config.time_column].to_numpy(dtype="datetime64[ns]")
    segment = find_segments(timestamps, pd.Timedelta(config.max_gap or config.frequency))
    raw = np.column_stack([transform_column(frame, feature, segment) for feature in (config.target, *config.features)])
    finite = np.isfinite(raw).all(axis=1)
    return FeatureRows(frame, counts, timestamps[finite], raw[finite], segment[finite], observed[finite],
                       int((~finite).sum()))


def prepare_series(frame: pd.DataFrame, config: ForecastingPrepare) -> tuple[PreparedSeries, dict]:
    """Clean, segment, transform, split and scale; the scaler sees training rows only."""
    rows = feature_rows(frame, config)
    timestamps, raw, segment = rows.timestamps, rows.raw, rows.segment
    max_gap = pd.Timedelta(config.max_gap or config.frequency)
    features = [config.target, *config.features]
    split = chronological_split(len(raw), config.validation_fraction, config.test_fraction)
    if not (split == Split.TRAIN).any():
        raise DataError("no training rows left after cleaning; the table is too short")
    scaler = StandardScaler().fit(raw[split == Split.TRAIN])
    series = PreparedSeries(
        timestamps=timestamps,
        inputs=scaler.transform(raw).astype(np.float32),
        target_original=raw[:, 0].copy(),
        segment=segment,
        split=split,
        feature_names=tuple(feature.name for feature in features),
        feature_mean=scaler.mean_.astype(np.float64),
        feature_scale=scaler.scale_.astype(np.float64),
        horizon=config.horizon,
        target_transform=config.target.transform,
        observed=rows.observed,
        frequency=config.frequency,
    )
    gap_lengths = np.diff(rows.frame[config.time_column].to_numpy(dtype="datetime64[ns]"))  # after any filling
    gaps = gap_lengths[gap_lengths > np.timedelta64(max_gap.value, "ns")]
    summary = {
        **rows.counts,
        "rows_dropped_at_segment_starts": rows.dropped,
        "rows": len(raw),
        "gaps": len(gaps),
        "longest_gap": str(pd.Timedelta(gaps.max())) if len(gaps) else None,
        "segments": int(len(np.unique(segment))),
        "rows_per_split": {part.label: int((split == part).sum()) for part in Split},
        "split_starts": {
            part.label: str(pd.Timestamp(timestamps[split == part][0])) for part in Split if (split == part).any()
        },
        "first_timestamp": str(pd.Timestamp(timestamps[0])),
        "last_timestamp": str(pd.Timestamp(timestamps[-1])),
    }
    return series, summary


# --- windows ---------------------------------------------------------------------------------------


def window_positions(series: PreparedSeries, window_length: int, part: Split | str) -> np.ndarray:
    """Row index of the first target of every window whose targets all lie in `part`.

    Inputs are rows [t - window_length, t), targets [t, t + horizon): all in one segment, and
    every target observed (an interpolated value may be an input only).
    """
    if window_length < 1:
        raise ValueError(f"window_length must be at least 1, got {window_length}")
    split_index = Split.of(part)
    horizon = series.horizon
    first_target = np.arange(window_length, len(series.target) - horizon + 1)
    same_segment = series.segment[first_target - window_length] == series.segment[first_target + horizon - 1]
    in_split = (series.split[first_target] == split_index) & (series.split[first_target + horizon - 1] == split_index)
    steps_ahead = first_target[:, None] + np.arange(horizon)
    targets_observed = series.observed[steps_ahead].all(axis=1)
    return first_target[same_segment & in_split & targets_observed]


def window_accounting(series: PreparedSeries, window_length: int) -> dict[str, int]:
    """Where every window on a regular grid went: which rule kept or dropped it.

    Windows are counted at every grid position (inputs then targets inside the recorded span);
    the first rule that applies decides. For irregular rows (no frequency) a gap is a new segment.
    """
    horizon = series.horizon
    if series.frequency is not None:
        grid_index = ((series.timestamps - series.timestamps[0]) // pd.Timedelta(series.frequency).to_timedelta64())
        status = np.zeros(int(grid_index[-1]) + 1, dtype=np.int8)  # 0 missing (a long gap)
        status[grid_index.astype(np.int64)] = np.where(series.observed, 2, 1)  # 1 interpolated, 2 observed
        starts = np.arange(window_length, len(status) - horizon + 1)
        spans = status[starts[:, None] + np.arange(-window_length, horizon)]
        crosses_gap = (spans == 0).any(axis=1)
    else:
        starts = np.arange(window_length, len(series.target) - horizon + 1)
        spans = np.where(series.observed, 2, 1)[starts[:, None] + np.arange(-window_length, horizon)]
        crosses_gap = series.segment[starts - window_length] != series.segment[starts + horizon - 1]
    target_filled = ~crosses_gap & (spans[:, window_length:] == 1).any(axis=1)
    input_filled = ~crosses_gap & ~target_filled & (spans[:, :window_length] == 1).any(axis=1)
    return {
        "windows": len(starts),
        "dropped_crossing_a_long_gap": int(crosses_gap.sum()),
        "dropped_interpolated_target": int(target_filled.sum()),
        "kept_with_interpolated_inputs": int(input_filled.sum()),
        "kept_observed_only": int((~crosses_gap & ~target_filled & ~input_filled).sum()),
    }


def make_windows(series: PreparedSeries, positions: np.ndarray, window_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (windows, window_length, features) and scaled targets (windows, horizon)."""
    positions = np.asarray(positions, dtype=np.int64)
    inputs = series.inputs[positions[:, None] + np.arange(-window_length, 0)]
    targets = series.target[positions[:, None] + np.arange(series.horizon)]
    return inputs, targets


def longest_stretch(series: PreparedSeries, part: Split | str) -> int:
    """The most rows in one segment up to the end of `part` (a window's inputs may reach back into
    the parts before it, its targets lie in the part): no longer window fits there."""
    segments = series.segment[series.split <= Split.of(part)]
    return int(np.unique(segments, return_counts=True)[1].max()) if len(segments) else 0


def split_windows(series: PreparedSeries, window_length: int, part: Split | str) -> tuple[np.ndarray, np.ndarray]:
    return make_windows(series, window_positions(series, window_length, part), window_length)


def actual_values(series: PreparedSeries, positions: np.ndarray) -> np.ndarray:
    """Targets in original units, (windows, horizon)."""
    return series.target_original[np.asarray(positions)[:, None] + np.arange(series.horizon)]


def no_change_forecast(series: PreparedSeries, positions: np.ndarray) -> np.ndarray:
    """The level stays where it was: the random walk, whatever the target transform."""
    shape = (len(positions), series.horizon)
    if series.target_transform in DIFFERENCING_TRANSFORMS:
        return np.zeros(shape)
    last = series.target_original[np.asarray(positions) - 1]
    return np.broadcast_to(last[:, None], shape).copy()


def step_name(step: int, frequency: str | None) -> str:
    if frequency:
        minutes = step * pd.Timedelta(frequency).total_seconds() / 60
        return f"step {step} ({minutes:g} min)"
    return f"step {step}"



def prepare(case, locate, seed: int) -> tuple[PreparedSeries, dict]:
    """The source's one file to a prepared series (the seed is unused: nothing here is random)."""
    path = locate(None)
    series, summary = prepare_series(read_table(path, case.prepare), case.prepare)
    check_windows(series, largest_value([spec.search_space for spec in case.models.values()], "window_length"),
                  path)
    return series, summary


def check_windows(series: PreparedSeries, window_length: int | None, path: Path) -> None:
    """The data contract: each part holds enough windows of the longest window any variant may
    take, whole inside one segment, to learn from, choose on and score on."""
    window_length = window_length or 1
    counts = {part: len(window_positions(series, window_length, part)) for part in Split}
    check_parts(counts, f"windows of {window_length} rows (horizon {series.horizon})", str(path),
                "give the series more rows, shorter windows (search_space.window_length) or other "
                "prepare.validation_fraction / test_fraction")


# --- storage ---------------------------------------------------------------------------------------


def save_prepared(series: PreparedSeries, summary: dict, directory: Path) -> None:
    with atomic_directory(directory) as temporary:
        np.savez(
            temporary / "series.npz",
            timestamps=series.timestamps.astype("datetime64[ns]").astype(np.int64),
            inputs=series.inputs,
            target_original=series.target_original,
            segment=series.segment,
            split=series.split,
            feature_mean=series.feature_mean,
            feature_scale=series.feature_scale,
            observed=series.observed,
        )
        write_json(
            temporary / "meta.json",
            {
                "task": "forecasting",
                "feature_names": list(series.feature_names),
                "horizon": series.horizon,
                "target_transform": series.target_transform,
                "frequency": series.frequency,
                "summary": summary,
            },
        )


def load_prepared(directory: Path) -> PreparedSeries:
    meta = read_json(Path(directory) / "meta.json")
    with np.load(Path(directory) / "series.npz") as arrays:
        return PreparedSeries(
            timestamps=arrays["timestamps"].astype("datetime64[ns]"),
            inputs=arrays["inputs"],
            target_original=arrays["target_original"],
            segment=arrays["segment"],
            split=arrays["split"],
            feature_names=tuple(meta["feature_names"]),
            feature_mean=arrays["feature_mean"],
            feature_scale=arrays["feature_scale"],
            horizon=int(meta["horizon"]),
            target_transform=meta["target_transform"],
            observed=arrays["observed"],
            frequency=meta["frequency"],
        )
