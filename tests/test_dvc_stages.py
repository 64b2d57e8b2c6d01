"""dvc.yaml declares, for every stage, exactly the library code it runs and the params it reads:
a change there re-runs the stage, and a change elsewhere does not.

A stage runs the modules it imports (every one: there is no list of "plumbing" left out) and, of
its case's task, the package's __init__ (with the schema) and the modules of the contract methods
it calls (`task.<method>` in its code, mapped by seqcase.tasks.base.CONTRACT_MODULES); and what the
end-to-end projects recorded it loading (tests/stage_reads.json: imports made by name at run time,
the registry's task packages). dvc.yaml names the task's folder as src/seqcase/tasks/${item.task}:
what each stage runs outside that folder must be listed, and no stage may reach into another task's
folder. The params each stage reads are the recorded ones (tests/stage_reads.py says how).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from seqcase.tasks import TASKS
from seqcase.tasks.base import CONTRACT_MODULES
from stage_reads import code_problems, committed, params_problems

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGE = REPOSITORY / "src" / "seqcase"
TASK_FOLDER = "src/seqcase/tasks/${item.task}"


def module_file(name: str) -> Path | None:
    parts = name.split(".")[1:]
    if not parts:
        return PACKAGE / "__init__.py"
    relative = Path(*parts)
    for candidate in (PACKAGE / relative.with_suffix(".py"), PACKAGE / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def without_type_checking(tree: ast.Module) -> ast.Module:
    """The module without its `if TYPE_CHECKING:` blocks: imports for annotations never run."""
    tree.body = [node for node in tree.body if not (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test))]
    return tree


def imported_files(path: Path) -> set[Path]:
    """The seqcase modules one file imports, `from seqcase.tasks import forecasting` and the
    packages on the way (`seqcase.tasks.forecasting.data` runs seqcase/tasks/forecasting/__init__.py)."""
    found = set()
    for node in ast.walk(without_type_checking(ast.parse(path.read_text()))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "seqcase":
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "seqcase":
                found |= {file for end in range(1, len(parts) + 1) if (file := module_file(".".join(parts[:end])))}
    return found


def closure(*paths: Path) -> set[Path]:
    seen, todo = set(), list(paths)
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(imported_files(current))
    return seen


def task_methods(files: set[Path]) -> set[str]:
    """The contract methods called on a `task` in these files (task.evaluate(...), task.step_label)."""
    return {node.attr for path in files for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "task"}


def task_files(task: str, methods: set[str]) -> set[Path]:
    """What a stage runs of one task: its package's __init__ and the modules of the methods it calls."""
    folder = PACKAGE / "tasks" / task
    modules = {folder / f"{CONTRACT_MODULES[method]}.py" for method in methods if method in CONTRACT_MODULES}
    return closure(folder / "__init__.py", *(module for module in modules if module.is_file()))


def stages() -> list[tuple[str, bool, str, list[str]]]:
    definition = yaml.safe_load((REPOSITORY / "dvc.yaml").read_text())["stages"]
    return [(name, stage.get("foreach") == "${cases}", stage.get("do", stage)["cmd"], [str(dep) for dep in stage.get("do", stage)["deps"]])
            for name, stage in definition.items()]


def runs(name: str, per_case: bool, task: str | None) -> set[Path]:
    stage_files = closure(PACKAGE / "stages" / f"{name}.py", REPOSITORY / "pipelines" / "stage.py")
    if not per_case:
        return stage_files
    return stage_files | task_files(task, task_methods(stage_files))


CASES = [(name, per_case, task) for name, per_case, _, _ in stages() for task in (TASKS if per_case else [None])]


def definition() -> dict:
    return yaml.safe_load((REPOSITORY / "dvc.yaml").read_text())


def modules_run() -> dict[str, dict[str, set[str]]]:
    """kind -> task ("" for a stage of no case) -> the library files it runs: the import scan's and
    the end-to-end projects' records together."""
    recorded = committed()
    result: dict[str, dict[str, set[str]]] = {}
    for name, per_case, task in CASES:
        scanned = {file.relative_to(REPOSITORY).as_posix() for file in runs(name, per_case, task)
                   if file.is_relative_to(PACKAGE)}
        loaded = set(recorded.get(name, {}).get(task or "", {}).get("modules", []))
        result.setdefault(name, {})[task or ""] = scanned | loaded
    return result


def test_every_stage_runs_its_own_module_through_pipelines_stage_py():
    for name, per_case, command, deps in stages():
        assert re.match(rf"python pipelines/stage\.py {name}\b", command)
        assert "pipelines/stage.py" in deps and f"src/seqcase/stages/{name}.py" in deps
        assert (TASK_FOLDER in deps) == per_case


def test_dvc_yaml_declares_exactly_the_code_each_stage_runs():
    problems = code_problems(definition(), modules_run())
    assert not problems, "\n".join(problems)


def test_dvc_yaml_declares_exactly_the_params_each_stage_reads():
    recorded = committed()
    assert set(recorded) >= {"fetch", "prepare", "tune", "train", "evaluate", "report", "summary", "fundamentals"}
    assert set(recorded["train"]) == set(TASKS)  # the end-to-end projects hold a case of every task
    problems = params_problems(definition(), recorded)
    assert not problems, "\n".join(problems)


def planted(change) -> dict:
    """dvc.yaml with one edit made to its parsed form."""
    stages_ = definition()
    change(stages_["stages"])
    return stages_


def test_a_planted_surplus_or_missing_dependency_fails_both_ways():
    """The two tests above can fail: each kind of mistake, planted, is named."""
    modules, recorded = modules_run(), committed()
    surplus_code = planted(lambda stages_: stages_["prepare"]["do"]["deps"].append("src/seqcase/gradients.py"))
    assert code_problems(surplus_code, modules) == [
        "prepare declares src/seqcase/gradients.py, which no case of any task runs"]
    missing_code = planted(lambda stages_: stages_["prepare"]["do"]["deps"].remove("src/seqcase/splits.py"))
    assert code_problems(missing_code, modules) == [
        f"prepare ({task}) runs src/seqcase/splits.py, which dvc.yaml does not declare" for task in TASKS]
    surplus_param = planted(lambda stages_: stages_["report"]["do"]["params"].append("cases.${key}.train"))
    assert params_problems(surplus_param, recorded) == [
        "report declares param cases.${key}.train, which no case of any task reads"]
    missing_param = planted(lambda stages_: stages_["train"]["do"]["params"].remove("defaults.train"))
    problems = params_problems(missing_param, recorded)
    assert problems and all(problem.startswith("train (") and " reads defaults.train" in problem
                            for problem in problems)


@pytest.mark.parametrize("name, per_case, task", [case for case in CASES if case[1]],
                         ids=[f"{name}-{task}" for name, per_case, task in CASES if per_case])
def test_no_stage_reaches_into_another_tasks_package(name, per_case, task):
    others = {PACKAGE / "tasks" / other for other in TASKS if other != task}
    reached = sorted(file.relative_to(PACKAGE).as_posix() for file in runs(name, per_case, task)
                     if any(folder in file.parents for folder in others))
    assert not reached, f"stage {name} of a {task} case runs another task's code: {reached}"


def test_the_scan_follows_a_stage_into_its_tasks_modules():
    evaluate = {file.relative_to(PACKAGE).as_posix() for file in runs("evaluate", True, "forecasting")
                if PACKAGE in file.parents}
    assert {"tasks/forecasting/scoring.py", "tasks/forecasting/baselines.py", "tasks/forecasting/metrics.py",
            "tasks/forecasting/glucose.py", "tasks/forecasting/schema.py", "config/core.py"} <= evaluate
    assert "tasks/forecasting/report.py" not in evaluate  # evaluate never calls task.report
    prepare = {file.relative_to(PACKAGE).as_posix() for file in runs("prepare", True, "text_classification")
               if PACKAGE in file.parents}
    assert "tasks/text_classification/data.py" in prepare and "tasks/text_classification/problem.py" not in prepare
    assert "models/networks.py" not in prepare  # prepare never loads Keras


def test_every_chain_starts_after_validate_even_from_a_source_no_stage_fetches():
    """fetch, prepare and fundamentals read params.yaml's sources and cases first: each depends on
    validate's output itself, so that a case naming a source that no fetch stage writes stops at
    validate's one line, not at DVC's missing `data/raw/<source>`. Every later stage reads their outputs."""
    starts = {name: deps for name, _, _, deps in stages() if name in ("fetch", "prepare", "fundamentals")}
    assert set(starts) == {"fetch", "prepare", "fundamentals"}
    assert all("data/params.checked" in deps for deps in starts.values()), starts
