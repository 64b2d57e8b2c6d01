"""dvc.yaml declares, for every stage, the library code it runs: a change there re-runs the stage."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGE = REPOSITORY / "src" / "seqcase"
# Plumbing that cannot change a result (dvc.yaml says so at its top): neither required nor
# followed. Package __init__ files are not required but are followed (stages/__init__ loads params).
PLUMBING = {PACKAGE / name for name in ("io.py", "paths.py", "cli.py", "tracking.py")}


def module_file(name: str) -> Path | None:
    parts = name.split(".")[1:]
    if not parts:
        return PACKAGE / "__init__.py"
    relative = Path(*parts)
    for candidate in (PACKAGE / relative.with_suffix(".py"), PACKAGE / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_files(path: Path) -> set[Path]:
    """The seqcase modules one file imports, `from seqcase.tasks import forecasting` included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "seqcase":
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {file for name in names if name.split(".")[0] == "seqcase" and (file := module_file(name))}
    return found


def closure(path: Path) -> set[Path]:
    seen, todo = set(), [path]
    while todo:
        current = todo.pop()
        if current not in seen and current not in PLUMBING:
            seen.add(current)
            todo.extend(imported_files(current))
    return seen


def stages() -> list[tuple[str, str, list[str]]]:
    definition = yaml.safe_load((REPOSITORY / "dvc.yaml").read_text())["stages"]
    found = []
    for name, stage in definition.items():
        body = stage.get("do", stage)
        found.append((name, body["cmd"], [str(dep) for dep in body["deps"]]))
    return found


@pytest.mark.parametrize("name, command, deps", stages(), ids=[stage[0] for stage in stages()])
def test_every_module_a_stage_runs_is_a_declared_dependency(name, command, deps):
    script = REPOSITORY / re.search(r"python (pipelines/\S+\.py)", command).group(1)
    stage_module = PACKAGE / "stages" / f"{name}.py"
    assert str(script.relative_to(REPOSITORY)) in deps
    assert f"src/seqcase/stages/{name}.py" in deps
    undeclared = []
    for file in closure(stage_module) | closure(script):
        relative = file.relative_to(REPOSITORY).as_posix()
        if file.name == "__init__.py" or not relative.startswith("src/"):
            continue
        if not any(relative == dep or relative.startswith(dep.rstrip("/") + "/") for dep in deps):
            undeclared.append(relative)
    assert not undeclared, f"stage {name} runs {sorted(undeclared)} but dvc.yaml does not list them"


def test_the_scan_sees_through_submodule_imports():
    files = {file.relative_to(PACKAGE).as_posix() for file in closure(PACKAGE / "stages" / "evaluate.py")}
    assert {"tasks/forecasting.py", "tasks/classification.py", "evaluation/forecasting.py", "evaluation/glucose.py",
            "models/baselines.py", "models/classifiers.py", "config.py"} <= files
