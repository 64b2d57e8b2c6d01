"""Tasks: what a case asks of its data, its windows, its metrics and its baselines."""

from __future__ import annotations

from pathlib import Path

from seqcase.io import read_json
from seqcase.tasks import classification, events, forecasting, generation, text

TASKS = {"forecasting": forecasting, "classification": classification, "event_classification": events,
         "text_classification": text, "text_generation": generation}


def load_prepared(directory: Path):
    """What a prepare stage wrote, read back by the task it names."""
    task = read_json(Path(directory) / "meta.json")["task"]
    return TASKS[task].load_prepared(directory)
