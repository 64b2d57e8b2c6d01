"""One module per DVC stage: read the stage's inputs, call the library, write outputs atomically.

pipelines/stage.py parses arguments (seqcase.stages.entry) and calls `run` here. A per-case stage
looks up its case's task and calls the task's contract (seqcase.tasks.base): it never asks which
task it runs. Modules of stages that do not train (fetch, prepare, report, summary) must not
import TensorFlow: it costs 9 s at every start.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from seqcase.config import CaseBase, Params
from seqcase.params import get_case, load_params
from seqcase.paths import CasePaths
from seqcase.tasks import get_task

if TYPE_CHECKING:
    from seqcase.tasks.base import Task


class CaseStage(NamedTuple):
    """What every per-case stage starts from: the validated params, its case, its task and its paths."""

    params: Params
    case: CaseBase
    task: Task
    paths: CasePaths


def open_case(params_path: Path, case_name: str) -> CaseStage:
    """params.yaml with this case validated (by its task's schema, the only task code imported)."""
    params = load_params(params_path, cases=[case_name])
    case = get_case(params, case_name, params_path)
    return CaseStage(params, case, get_task(case.task), CasePaths(case_name))
