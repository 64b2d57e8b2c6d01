"""The three parts of every data set, defined once: training, validation (every choice), test (scored once)."""

from __future__ import annotations

from enum import IntEnum


class Split(IntEnum):
    """The value a prepared data set stores per row (0, 1, 2), and the part's name."""

    TRAIN = 0
    VALIDATION = 1
    TEST = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def of(cls, part: Split | str) -> Split:
        """A split from itself or its name ('train', 'validation', 'test')."""
        return part if isinstance(part, cls) else cls[str(part).upper()]


SPLIT_NAMES = tuple(split.label for split in Split)


def stratified_split(labels, fraction: float, seed: int):
    """True for the rows drawn into the held-out part, class proportions kept (a boolean array)."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    from seqcase.errors import DataError

    classes, counts = np.unique(labels, return_counts=True)
    if counts.min() < 2:
        rare = [str(label) for label, count in zip(classes, counts) if count < 2]
        raise DataError(f"class(es) {rare} have fewer than 2 examples: they cannot be on both sides of a split")
    indices = np.arange(len(labels))
    _, held_out = train_test_split(indices, test_size=fraction, stratify=labels, random_state=seed)
    chosen = np.zeros(len(labels), dtype=bool)
    chosen[held_out] = True
    return chosen


# What each part is for, and the fewest examples it needs for that (a task may ask for more).
PURPOSE = {Split.TRAIN: "learn from", Split.VALIDATION: "stop early and choose on", Split.TEST: "score on"}
MINIMUM = {Split.TRAIN: 10, Split.VALIDATION: 3, Split.TEST: 3}


def check_parts(counts, unit: str, where: str, fix: str, minimum=None) -> None:
    """The data contract every prepare stage ends with: each part holds enough `unit` (rows,
    windows, sequences) to do its job, or one line says which part, how many, and what to change."""
    from seqcase.errors import DataError

    for part in Split:
        needed = (minimum or MINIMUM)[part]
        if counts.get(part, 0) < needed:
            raise DataError(f"{where}: the {part.label} part has {counts.get(part, 0)} {unit}; at least {needed} are "
                            f"needed to {PURPOSE[part]}; {fix}")


def largest_value(spaces, name: str) -> int | None:
    """The largest value a hyperparameter may take in any variant's search space (a window length)."""
    values = []
    for space in spaces:
        spec = space.get(name)
        if spec is None:
            continue
        values += ([spec.max] if hasattr(spec, "max") else spec if isinstance(spec, list) else [spec])
    return int(max(values)) if values else None
