"""Rows of a CSV (values, then a 0/1 label), split by position and kept as they are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from seqcase.io import atomic_directory, write_json
from seqcase.splits import Split


@dataclass(frozen=True)
class Sequences:
    inputs: np.ndarray
    labels: np.ndarray
    split: np.ndarray

    def part(self, part) -> tuple[np.ndarray, np.ndarray]:
        chosen = self.split == Split.of(part)
        return self.inputs[chosen], self.labels[chosen]

    def describe(self) -> dict:
        return {"sequences": len(self.labels)}

    def serving_facts(self) -> dict:
        return {}


def prepare(case, locate, seed: int) -> tuple[Sequences, dict]:
    table = pd.read_csv(locate(None))
    values, labels = table.drop(columns="label").to_numpy(np.float32), table["label"].to_numpy(np.int64)
    split = np.full(len(labels), Split.TRAIN, dtype=np.int8)
    split[int(len(labels) * (1 - case.prepare.validation_fraction - case.prepare.test_fraction)):] = Split.VALIDATION
    split[int(len(labels) * (1 - case.prepare.test_fraction)):] = Split.TEST
    return Sequences(values[:, :, None], labels, split), {"sequences": len(labels)}


def save_prepared(prepared: Sequences, summary: dict, directory: Path) -> None:
    with atomic_directory(directory) as temporary:
        np.savez(temporary / "sequences.npz", inputs=prepared.inputs, labels=prepared.labels, split=prepared.split)
        write_json(temporary / "meta.json", {"task": "sum_sign", "summary": summary})


def load_prepared(directory: Path) -> Sequences:
    with np.load(Path(directory) / "sequences.npz") as arrays:
        return Sequences(arrays["inputs"], arrays["labels"], arrays["split"])


def make_rows(path: Path, rows: int = 200, length: int = 8) -> None:
    values = np.random.default_rng(0).normal(size=(rows, length)).round(4)
    table = pd.DataFrame(values, columns=[f"x{step}" for step in range(length)])
    table.assign(label=(values.sum(axis=1) > 0).astype(int)).to_csv(path, index=False)
