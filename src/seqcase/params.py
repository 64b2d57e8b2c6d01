"""params.yaml read and validated: the top level by seqcase.config's schema, each case by its task's.

A stage validates only the case it runs, so that it never imports another task's code. This module
joins the config package (which imports no task) and the task registry (seqcase.tasks).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from seqcase import reads
from seqcase.config import CaseBase, Params, ParamsError, StrictModel
from seqcase.config.core import DEFAULT_PARAMS_PATH, Defaults, error_lines, read_params_file, resolve_case
from seqcase.tasks import TASKS, get_task


def validate_case(raw_case: Any, defaults: Defaults, case_name: str) -> CaseBase:
    """A case merged over the defaults and validated by its task's schema."""
    case = resolve_case(raw_case, defaults, case_name)
    task_name = case.get("task")
    if task_name not in TASKS:
        raise ParamsError(f"cases.{case_name}.task = {task_name!r}: not a task; allowed: {', '.join(TASKS)}")
    schema = get_task(task_name).schema
    try:
        return schema.model_validate(case)
    except ValidationError as error:
        raise ParamsError("\n".join(error_lines(error, ("cases", case_name), schema))) from None


def parse_params(raw: Any, path: Path = DEFAULT_PARAMS_PATH, cases: Collection[str] | None = None) -> Params:
    """Validate the top level and the named cases (every case when `cases` is None); every invalid
    value of both is named in one error."""
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping at the top level, got {type(raw).__name__}")
    problems, params = [], None
    try:
        params = Params.model_validate(raw)
    except ValidationError as error:
        problems += error_lines(error, model=Params)
    raw_cases = raw.get("cases") if isinstance(raw.get("cases"), dict) else {}
    chosen = list(raw_cases) if cases is None else list(cases)
    unknown = [name for name in chosen if name not in raw_cases]
    if unknown:
        raise ParamsError(f"{path}: no case {unknown[0]!r} under cases (known: {', '.join(raw_cases)})")
    try:
        defaults = params.defaults if params is not None else Defaults.model_validate(raw.get("defaults") or {})
    except ValidationError:
        defaults = None  # named among the top level's problems
    validated = {}
    for name in chosen:
        if defaults is None or not isinstance(raw_cases[name], dict):
            continue
        try:
            validated[name] = validate_case(raw_cases[name], defaults, name)
        except ParamsError as error:
            problems += [line if line.startswith("  ") else f"  {line}" for line in str(error).splitlines()]
    if problems:
        raise ParamsError("\n".join([f"{path}: {len(problems)} invalid value(s)", *problems]))
    result = params.model_copy(update={"cases": validated})
    result._case_names = tuple(raw_cases)
    reads.register(result, StrictModel)  # only when the dependency test records what each stage reads
    return result


def load_params(path: Path | str = DEFAULT_PARAMS_PATH, cases: Collection[str] | None = None) -> Params:
    path = Path(path)
    return parse_params(read_params_file(path), path, cases)


def get_case(params: Params, case_name: str, path: Path | str = DEFAULT_PARAMS_PATH) -> CaseBase:
    if case_name not in params.cases:
        raise ParamsError(f"{path}: no case {case_name!r} under cases (known: {', '.join(params.case_names)})")
    return params.cases[case_name]
