"""Event data: rare labelled events in time order (card transactions): a chronological split, windows of the
last k events, and rebalancing of the training part only.

The input of event i is the window of events i-k+1..i in time order, its target the label of
event i (many-to-one); k = 1 is the one-to-one model on the single event. A window may reach
back into an earlier part (inputs only, never labels), so every model, whatever its k, is scored
on the same events.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seqcase.errors import DataError
from seqcase.io import atomic_directory, read_json, write_json
from seqcase.splits import Split, check_parts
from seqcase.tasks.event_classification.schema import EventPrepare, Imbalance


@dataclass(frozen=True)
class PreparedEvents:
    """Events sorted by time: features scaled with training statistics, binary labels, the split,
    and the training events the networks fit on (all of them, or a resampled draw)."""

    features: np.ndarray
    labels: np.ndarray
    split: np.ndarray
    times: np.ndarray
    feature_names: tuple[str, ...]
    training_events: np.ndarray
    class_weight: dict[int, float] | None
    class_names: tuple[str, str] = ("negative", "positive")  # the labels' names in reports: a prepared fact
    feature_mean: np.ndarray | None = None  # the training part's, after the log columns' log1p
    feature_scale: np.ndarray | None = None

    def positions(self, part: Split | str) -> np.ndarray:
        return np.flatnonzero(self.split == Split.of(part))

    def describe(self) -> dict[str, str | int]:
        """The facts an MLflow run of this data records as params."""
        return {"events": len(self.labels), "features": len(self.feature_names),
                "positives": int(self.labels.sum()), "training_events": len(self.training_events),
                "class_weighting": "none" if self.class_weight is None else "yes"}

    def serving_facts(self) -> dict:
        """What a logged model needs to turn new rows into its inputs: `inference_windows` reads it."""
        return {"feature_names": list(self.feature_names), "feature_mean": self.feature_mean.tolist(),
                "feature_scale": self.feature_scale.tolist()}


def read_events(path: Path, config: EventPrepare) -> pd.DataFrame:
    """The table as float32 columns: parsed by pyarrow, so the CSV text is never held as Python strings."""
    header = pd.read_csv(path, nrows=0).columns.tolist()
    wanted = [config.time_column, config.label_column]
    features = config.feature_columns if config.feature_columns is not None else [
        column for column in header if column not in wanted]
    missing = [column for column in [*wanted, *features, *config.log_columns] if column not in header]
    if missing:
        raise DataError(f"{path}: no column(s) {missing}; the file has {header}")
    frame = pd.read_csv(path, usecols=[*wanted, *features], engine="pyarrow",
                        dtype={column: "float32" for column in features})
    non_numeric = [column for column in features if not pd.api.types.is_numeric_dtype(frame[column])]
    if non_numeric:
        raise DataError(f"{path}: feature column(s) {non_numeric} are not numeric")
    for column in [config.time_column, *features]:
        values = frame[column].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():  # one NaN would turn the column's training mean, and so every scaled value, into NaN
            row = int(np.flatnonzero(bad)[0])
            raise DataError(f"{path}: column {column!r} has {int(bad.sum())} missing or infinite value(s) (the first "
                            f"in data row {row + 1}: {values[row]}); every feature must be a finite number")
    return frame[[*wanted, *features]]


def chronological_split(times: np.ndarray, validation_fraction: float, test_fraction: float) -> np.ndarray:
    """0/1/2 for train/validation/test over events sorted by time: the latest events are the test part.

    A cut falls between two distinct times, so events at the same second stay on one side.
    """
    count = len(times)
    split = np.zeros(count, dtype=np.int8)
    test_start = np.searchsorted(times, times[int(count * (1 - test_fraction))], side="left")
    validation_start = np.searchsorted(times, times[int(test_start * (1 - validation_fraction))], side="left")
    if not 0 < validation_start < test_start < count:
        raise DataError(f"{count} events at {len(np.unique(times))} distinct times cannot be cut into "
                         "train, validation and test parts")
    split[validation_start:test_start] = Split.VALIDATION
    split[test_start:] = Split.TEST
    return split


def rebalance(positions: np.ndarray, labels: np.ndarray, imbalance: Imbalance, seed: int) -> np.ndarray:
    """Training events to fit on: all, or a seeded resample with `ratio` positives per negative.

    Undersampling keeps every positive and draws negatives; oversampling keeps every negative and
    draws positives with replacement. The result stays in time order.
    """
    if imbalance.method not in ("undersample", "oversample"):
        return positions
    positive, negative = positions[labels[positions] == 1], positions[labels[positions] == 0]
    if len(positive) == 0 or len(negative) == 0:
        raise DataError("the training part needs both classes to be rebalanced")
    rng = np.random.default_rng(seed)
    if imbalance.method == "undersample":
        keep = min(len(negative), int(round(len(positive) / imbalance.ratio)))
        negative = rng.choice(negative, size=keep, replace=False)
    else:
        wanted = max(len(positive), int(round(len(negative) * imbalance.ratio)))
        positive = np.concatenate([positive, rng.choice(positive, size=wanted - len(positive), replace=True)])
    return np.sort(np.concatenate([positive, negative]), kind="stable")


def positive_class_weight(labels: np.ndarray, imbalance: Imbalance) -> dict[int, float] | None:
    """Keras class_weight for the class_weight method: `balanced` is n / (2 * count) per class."""
    if imbalance.method != "class_weight":
        return None
    if imbalance.positive_weight != "balanced":
        return {0: 1.0, 1: float(imbalance.positive_weight)}
    counts = np.bincount(labels, minlength=2)
    if counts.min() == 0:
        raise DataError("the training part needs both classes for balanced class weights")
    return {index: float(len(labels) / (2 * count)) for index, count in enumerate(counts)}


def event_features(frame: pd.DataFrame, feature_names: tuple[str, ...], log_columns: list[str],
                   order: np.ndarray) -> np.ndarray:
    """The feature columns in `order` as float32, the log columns through log1p (unscaled)."""
    features = frame[list(feature_names)].to_numpy(dtype=np.float32)[order]  # the one full copy kept
    for column in log_columns:
        index = feature_names.index(column)
        if (features[:, index] < 0).any():
            raise DataError(f"log_columns: {column!r} has negative values; log1p needs values >= 0")
        features[:, index] = np.log1p(features[:, index])
    return features


def prepare_events(frame: pd.DataFrame, config: EventPrepare, seed: int) -> tuple[PreparedEvents, dict]:
    """Sort by time, split chronologically, log the amounts, scale with the training part's statistics."""
    order = np.argsort(frame[config.time_column].to_numpy(), kind="stable")
    times = frame[config.time_column].to_numpy(dtype=np.float64)[order]
    raw_labels = frame[config.label_column].to_numpy()[order]
    labels = (pd.Series(raw_labels).astype(str).to_numpy() == str(config.positive_label)).astype(np.int8)
    if labels.sum() == 0:
        raise DataError(f"no event has {config.label_column} = {config.positive_label!r}")
    feature_names = tuple(column for column in frame.columns if column not in (config.time_column, config.label_column))
    features = event_features(frame, feature_names, config.log_columns, order)
    split = chronological_split(times, config.validation_fraction, config.test_fraction)
    counts = {part: int(labels[split == part].sum()) for part in Split}
    check_parts(counts, f"events with {config.label_column} = {config.positive_label!r}", "the events",
                "a split by time needs positives in every part: change prepare.test_fraction and "
                "validation_fraction, or the source", minimum={part: 1 for part in Split})
    training = features[split == Split.TRAIN]
    mean, scale = training.mean(axis=0), training.std(axis=0)
    scale[scale == 0] = 1.0
    features -= mean
    features /= scale
    train_positions = np.flatnonzero(split == Split.TRAIN)
    prepared = PreparedEvents(
        features=features, labels=labels, split=split, times=times, feature_names=feature_names,
        feature_mean=mean, feature_scale=scale,
        training_events=rebalance(train_positions, labels, config.imbalance, seed),
        class_weight=positive_class_weight(labels[split == Split.TRAIN], config.imbalance),
        class_names=tuple(config.class_names),
    )
    summary = {
        "events": len(labels), "features": len(feature_names),
        "per_split": {part.label: {"events": int((split == part).sum()), "positives": int(labels[split == part].sum()),
                                   "from_time": float(times[split == part][0]), "to_time": float(times[split == part][-1])}
                      for part in Split},
        "positive_share": round(float(labels.mean()), 6),
        "imbalance": config.imbalance.method,
        "training_events": len(prepared.training_events),
        "training_positives": int(labels[prepared.training_events].sum()),
        "class_weight": prepared.class_weight or "none",
    }
    return prepared, summary


def windows(prepared: PreparedEvents, positions: np.ndarray, window_length: int) -> np.ndarray:
    """(events, window_length, features): each event with the ones before it, oldest first.

    Events with too short a history (the first window_length - 1 of the file) are refused.
    """
    positions = np.asarray(positions)
    if len(positions) and positions.min() < window_length - 1:
        raise ValueError(f"event {positions.min()} has fewer than {window_length - 1} events before it")
    offsets = np.arange(-window_length + 1, 1)
    return prepared.features[positions[:, None] + offsets]


def with_history(positions: np.ndarray, window_length: int) -> np.ndarray:
    """The positions that have a full window behind them."""
    return positions[positions >= window_length - 1]


def prepare(case, locate, seed: int) -> tuple[PreparedEvents, dict]:
    """The source's table of events to sorted, split, scaled events (the seed draws a resampled training part)."""
    frame = read_events(locate(case.prepare.file), case.prepare)
    return prepare_events(frame, case.prepare, seed)


def save_prepared(prepared: PreparedEvents, summary: dict, directory: Path) -> None:
    with atomic_directory(directory) as temporary:
        np.savez(temporary / "events.npz", features=prepared.features, labels=prepared.labels, split=prepared.split,
                 times=prepared.times, training_events=prepared.training_events, feature_mean=prepared.feature_mean,
                 feature_scale=prepared.feature_scale)
        write_json(temporary / "meta.json", {
            "task": "event_classification", "feature_names": list(prepared.feature_names),
            "class_names": list(prepared.class_names),
            "class_weight": None if prepared.class_weight is None else [prepared.class_weight[0], prepared.class_weight[1]],
            "summary": summary,
        })


def load_prepared(directory: Path) -> PreparedEvents:
    meta = read_json(Path(directory) / "meta.json")
    with np.load(Path(directory) / "events.npz") as arrays:
        return PreparedEvents(
            features=arrays["features"], labels=arrays["labels"], split=arrays["split"], times=arrays["times"],
            feature_names=tuple(meta["feature_names"]), training_events=arrays["training_events"],
            feature_mean=arrays["feature_mean"], feature_scale=arrays["feature_scale"],
            class_weight=None if meta["class_weight"] is None else dict(enumerate(meta["class_weight"])),
            class_names=tuple(meta["class_names"]),
        )
