"""Classification data: whole sequences (many-to-one): a table of labelled rows becomes splits.

The archive's own test file is kept as the test part when there is one (results then compare
with the literature); otherwise a stratified test part is drawn. Validation is always drawn,
stratified, from the training part, so every rare class has members on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils.class_weight import compute_class_weight

from seqcase.errors import DataError
from seqcase.io import atomic_directory, read_json, write_json
from seqcase.splits import Split, check_parts, stratified_split
from seqcase.tasks.classification.schema import ClassificationPrepare


@dataclass(frozen=True)
class PreparedSequences:
    """One row per sequence: inputs (sequences, steps, channels) scaled with training statistics."""

    inputs: np.ndarray
    labels: np.ndarray
    split: np.ndarray
    class_labels: tuple[str, ...]
    class_names: tuple[str, ...]
    class_weight: dict[int, float] | None
    value_mean: float = 0.0  # the training part's, which scaled every value
    value_scale: float = 1.0

    @property
    def class_count(self) -> int:
        return len(self.class_labels)

    def describe(self) -> dict[str, str | int]:
        """The facts an MLflow run of this data records as params."""
        return {"classes": ",".join(self.class_names), "steps": self.inputs.shape[1],
                "channels": self.inputs.shape[2], "class_weighting": "none" if self.class_weight is None else "yes",
                "sequences": len(self.labels)}

    def part(self, part: Split | str) -> tuple[np.ndarray, np.ndarray]:
        chosen = self.split == Split.of(part)
        return self.inputs[chosen], self.labels[chosen]

    def serving_facts(self) -> dict:
        """What a logged model needs to turn new rows into its inputs: `inference_inputs` reads it."""
        return {"class_labels": list(self.class_labels), "class_names": list(self.class_names),
                "steps": int(self.inputs.shape[1]), "value_mean": self.value_mean, "value_scale": self.value_scale}


def scaled_inputs(values: np.ndarray, mean: float, scale: float) -> np.ndarray:
    """(sequences, steps) values in, (sequences, steps, 1) network inputs out."""
    return ((values - mean) / scale).astype(np.float32)[:, :, None]


def _label_text(value) -> str:
    """Labels as text: 1, 1.0 and '1' are one class (UCR files write labels either way)."""
    if isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating)) and float(value).is_integer()):
        return str(int(value))
    return str(value)


def read_sequences(path: Path, config: ClassificationPrepare) -> tuple[np.ndarray, np.ndarray]:
    """Values (sequences, steps) and text labels from one file."""
    if config.file_format == "ucr":
        frame = pd.read_csv(path, sep="\t", header=None)
        labels, values = frame.iloc[:, 0], frame.iloc[:, 1:]
    else:
        frame = pd.read_csv(path)
        if config.label_column not in frame.columns:
            raise DataError(f"{path}: no column {config.label_column!r}; the file has {list(frame.columns)}")
        labels, values = frame[config.label_column], frame.drop(columns=[config.label_column])
    if values.shape[1] == 0:
        raise DataError(f"{path}: no value columns besides the label")
    return sequence_values(values, f"{path}: "), np.array([_label_text(label) for label in labels])


def sequence_values(values: pd.DataFrame, where: str = "") -> np.ndarray:
    """The table's values as float64, refused (errors start with `where`) unless all are finite numbers."""
    try:
        numbers = values.to_numpy(dtype=np.float64)
    except ValueError as error:
        raise DataError(f"{where}sequence values must be numbers: {error}") from None
    if not np.isfinite(numbers).all():
        raise DataError(f"{where}{int((~np.isfinite(numbers)).sum())} missing or infinite values")
    return numbers


def class_weights(labels: np.ndarray, class_count: int, setting, class_labels: tuple[str, ...]) -> dict[int, float] | None:
    """Keras class_weight from params: none, balanced (n / (k * count)), or a weight per label."""
    if setting == "none":
        return None
    if setting == "balanced":
        weights = compute_class_weight("balanced", classes=np.arange(class_count), y=labels)
        return {index: float(weight) for index, weight in enumerate(weights)}
    given = {_label_text(label): float(weight) for label, weight in setting.items()}
    unknown = sorted(set(given) - set(class_labels))
    if unknown:
        raise DataError(f"class_weight names label(s) {unknown} that the data does not have ({list(class_labels)})")
    return {index: given.get(label, 1.0) for index, label in enumerate(class_labels)}


def prepare_sequences(train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray] | None,
                      config: ClassificationPrepare) -> tuple[PreparedSequences, dict]:
    """Split, encode labels, scale with the training part's mean and spread (one of each: shape kept)."""
    values, labels = train
    split = np.full(len(labels), Split.TRAIN, dtype=np.int8)
    if test is None:
        split[stratified_split(labels, config.test_fraction, config.split_seed)] = Split.TEST
    else:
        if test[0].shape[1] != values.shape[1]:
            raise DataError(f"train sequences have {values.shape[1]} steps, test sequences {test[0].shape[1]}")
        values = np.concatenate([values, test[0]])
        labels = np.concatenate([labels, test[1]])
        split = np.concatenate([split, np.full(len(test[1]), Split.TEST, dtype=np.int8)])
    training_rows = np.flatnonzero(split == Split.TRAIN)
    validation = stratified_split(labels[training_rows], config.validation_fraction, config.split_seed)
    split[training_rows[validation]] = Split.VALIDATION
    class_labels = tuple(str(label) for label in sorted(np.unique(labels[split == Split.TRAIN]), key=_sort_key))
    unseen = sorted(set(labels) - set(class_labels))
    if unseen:
        raise DataError(f"label(s) {unseen} occur outside the training part only")
    check_classes(labels, split, class_labels, config)
    index_of = {label: index for index, label in enumerate(class_labels)}
    encoded = np.array([index_of[label] for label in labels], dtype=np.int64)
    training = split == Split.TRAIN
    mean, scale = float(values[training].mean()), float(values[training].std() or 1.0)
    names = {_label_text(label): name for label, name in config.class_names.items()}
    prepared = PreparedSequences(
        inputs=scaled_inputs(values, mean, scale), value_mean=mean, value_scale=scale,
        labels=encoded, split=split, class_labels=class_labels,
        class_names=tuple(names.get(label, label) for label in class_labels),
        class_weight=class_weights(encoded[training], len(class_labels), config.class_weight, class_labels),
    )
    summary = {
        "sequences": len(labels), "steps": int(values.shape[1]), "classes": len(class_labels),
        "test_part": "the archive's test file" if test is not None else f"stratified {config.test_fraction:.0%}",
        "per_split": {part.label: {label: int(((split == part) & (labels == label)).sum()) for label in class_labels}
                      for part in Split},
        "class_weight": {label: round(prepared.class_weight[index], 4) for index, label in enumerate(class_labels)}
        if prepared.class_weight else "none",
    }
    return prepared, summary


def check_classes(labels: np.ndarray, split: np.ndarray, class_labels: tuple[str, ...],
                  config: ClassificationPrepare) -> None:
    """The data contract: two classes or more, each learnt from two sequences or more and named when
    class_names is given (a mistyped label is a class of its own), and every part big enough."""
    if len(class_labels) < 2:
        raise DataError(f"the training part has one class ({class_labels[0]!r}); a classifier needs two or more: "
                        "check the source's label column")
    training = labels[split == Split.TRAIN]
    lonely = [label for label in class_labels if (training == label).sum() < 2]
    if lonely:
        raise DataError(f"label(s) {lonely} have fewer than 2 training sequences: a typing mistake, or a class too "
                        "rare to learn; correct or drop those rows")
    names = {_label_text(label) for label in config.class_names}
    unnamed = [label for label in class_labels if names and label not in names]
    if unnamed:
        raise DataError(f"prepare.class_names names {sorted(names, key=_sort_key)} but the data also has label(s) "
                        f"{unnamed}; name every class, or correct those labels")
    check_parts({part: int((split == part).sum()) for part in Split}, "sequences", "the labelled sequences",
                "give the source more rows, or change prepare.validation_fraction / test_fraction",
                minimum={Split.TRAIN: 2 * len(class_labels), Split.VALIDATION: 2, Split.TEST: 2})


def _sort_key(label: str):
    return (0, float(label)) if label.lstrip("-").replace(".", "", 1).isdigit() else (1, label)


def prepare(case, locate, seed: int) -> tuple[PreparedSequences, dict]:
    """The training file (and the archive's test file, if named) to labelled, scaled sequences."""
    config = case.prepare
    test = None if config.test_file is None else read_sequences(locate(config.test_file), config)
    return prepare_sequences(read_sequences(locate(config.train_file), config), test, config)


def save_prepared(prepared: PreparedSequences, summary: dict, directory: Path) -> None:
    with atomic_directory(directory) as temporary:
        np.savez(temporary / "sequences.npz", inputs=prepared.inputs, labels=prepared.labels, split=prepared.split)
        write_json(temporary / "meta.json", {
            "task": "classification", "class_labels": list(prepared.class_labels),
            "class_names": list(prepared.class_names),
            "class_weight": None if prepared.class_weight is None else list(prepared.class_weight.values()),
            "scaling": {"mean": prepared.value_mean, "scale": prepared.value_scale},
            "summary": summary,
        })


def load_prepared(directory: Path) -> PreparedSequences:
    meta = read_json(Path(directory) / "meta.json")
    with np.load(Path(directory) / "sequences.npz") as arrays:
        return PreparedSequences(
            inputs=arrays["inputs"], labels=arrays["labels"], split=arrays["split"],
            class_labels=tuple(meta["class_labels"]), class_names=tuple(meta["class_names"]),
            class_weight=None if meta["class_weight"] is None else dict(enumerate(meta["class_weight"])),
            value_mean=meta["scaling"]["mean"], value_scale=meta["scaling"]["scale"],
        )
