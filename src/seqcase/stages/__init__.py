"""One module per DVC stage: read the stage's inputs, call the library, write outputs atomically.

pipelines/<stage>.py parses arguments and calls `run` here. Modules of stages that do not train
(fetch, prepare, report, summary) must not import TensorFlow: it costs 9 s at every start.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from seqcase.config import AnyCase, Params, get_case, load_params
from seqcase.paths import CasePaths


class CaseStage(NamedTuple):
    """What every per-case stage starts from: the validated params, its case, and its paths."""

    params: Params
    case: AnyCase
    paths: CasePaths


def open_case(params_path: Path, case_name: str) -> CaseStage:
    params = load_params(params_path)
    return CaseStage(params, get_case(params, case_name, params_path), CasePaths(case_name))
