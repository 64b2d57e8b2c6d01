"""Tasks: one package per `task:` of params.yaml, each behind the contract in seqcase.tasks.base.

The registry maps a task's name to its package, imported only when a case of that task is
loaded: a stage imports its own task's code and no other, so an edit to one task's package
re-runs that task's cases only. A new task is one package (with a `TASK` that keeps the
contract) and one line here, or `register()` from outside the library.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from seqcase.io import read_json

if TYPE_CHECKING:
    from seqcase.tasks.base import Task

TASKS: dict[str, str] = {
    "forecasting": "seqcase.tasks.forecasting",
    "classification": "seqcase.tasks.classification",
    "event_classification": "seqcase.tasks.event_classification",
    "text_classification": "seqcase.tasks.text_classification",
    "text_generation": "seqcase.tasks.text_generation",
}


def register(name: str, module: str) -> None:
    """Make `task: <name>` mean the task that `module` defines as TASK (a plugin, a test's toy task)."""
    TASKS[name] = module


def get_task(name: str) -> Task:
    """The task of this name, its package imported on first use."""
    return importlib.import_module(TASKS[name]).TASK


def load_prepared(directory: Path):
    """What a prepare stage wrote, read back by the task it names."""
    return get_task(read_json(Path(directory) / "meta.json")["task"]).load_prepared(directory)
