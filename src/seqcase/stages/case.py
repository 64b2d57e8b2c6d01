"""What every per-case stage starts from: params.yaml with its case validated, the case's task and
its paths."""

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
