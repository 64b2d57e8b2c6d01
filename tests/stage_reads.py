"""What each stage reads, against what dvc.yaml declares: both ways, for code and for params.

The end-to-end projects run every stage with seqcase.reads recording (the modules each stage's
processes load, the params.yaml keys they access). tests/stage_reads.json keeps those records by
stage kind and task, with the case's name written `${key}` and its source's `${item.source}`, as
dvc.yaml writes them: the end-to-end tests hold the file to what their stages read (a stage that
reads something new fails there until the file is rewritten with SEQCASE_UPDATE_READS=1), and the
fast tests hold dvc.yaml to the file.

A per-case stage's code is what it loaded (the records) and what its modules import (the scan in
test_dvc_stages, which also follows the imports of code the tiny cases never reach). Its params are
the keys it read, and what they are merged from: a case's prepare, tune and train blocks take
`defaults.<block>` under them, and a variant's search space takes `defaults.search_space` and the
case's `tune.search_space`. One stage kind declares one list for every case (DVC's `foreach` cannot
give each case its own), so a declared entry is surplus when no case of any task reads under it,
and missing when a case reads something no entry covers.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from pathlib import Path

import yaml

from seqcase.reads import records

REPOSITORY = Path(__file__).resolve().parents[1]
READS_FILE = REPOSITORY / "tests" / "stage_reads.json"
UPDATE_VARIABLE = "SEQCASE_UPDATE_READS"
CASE_KINDS = ("prepare", "tune", "train", "evaluate", "report")
MERGED_BLOCKS = ("prepare", "tune", "train")  # a case's block is merged over defaults.<block>


def generalized(where: Path, params: dict) -> dict[str, dict[str, dict[str, list[str]]]]:
    """The records of one project, by stage kind and task ("" for a stage of no case), with names
    written as dvc.yaml writes them."""
    result: dict[str, dict[str, dict[str, list[str]]]] = {}
    for stage, record in records(where).items():
        kind, _, item = stage.partition("@")
        task, keys = "", set(record["params"])
        if kind in CASE_KINDS:
            case = params["cases"][item]
            task = case["task"]
            keys = {key.replace(f"cases.{item}.", "cases.${key}.").replace(f"sources.{case['source']}.",
                                                                             "sources.${item.source}.")
                    for key in keys}
        elif kind == "fetch":
            keys = {key.replace(f"sources.{item}.", "sources.${key}.") for key in keys}
        entry = result.setdefault(kind, {}).setdefault(task, {"modules": [], "params": []})
        entry["modules"] = sorted(set(entry["modules"]) | set(record["modules"]))
        entry["params"] = sorted(set(entry["params"]) | keys)
    return result


def committed() -> dict:
    return json.loads(READS_FILE.read_text()) if READS_FILE.is_file() else {}


def differences(fresh: dict, kept: dict) -> list[str]:
    """How a project's records differ from the committed ones: a per-case stage's must be equal for
    its task (one project holds each task); a stage of no case (fetch, validate, summary,
    fundamentals) runs in both projects, and each must be inside the committed union."""
    problems = []
    for kind, tasks in fresh.items():
        for task, entry in tasks.items():
            old = kept.get(kind, {}).get(task, {"modules": [], "params": []})
            for field in ("modules", "params"):
                new_values, old_values = set(entry[field]), set(old[field])
                extra, lost = sorted(new_values - old_values), sorted(old_values - new_values) if task else []
                if extra or lost:
                    problems.append(f"{kind} ({task or 'no task'}) {field}: now also {extra}, no longer {lost}")
    return problems


def update(fresh: dict) -> None:
    """Rewrite the committed records with this project's (two test processes may do so at once)."""
    with open(Path(tempfile.gettempdir()) / "seqcase-stage-reads.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kept = committed()
        for kind, tasks in fresh.items():
            for task, entry in tasks.items():
                old = kept.setdefault(kind, {}).get(task, {"modules": [], "params": []})
                kept[kind][task] = entry if task else {field: sorted(set(old[field]) | set(entry[field]))
                                                       for field in ("modules", "params")}
        ordered = {kind: dict(sorted(tasks.items())) for kind, tasks in sorted(kept.items())}
        READS_FILE.write_text(json.dumps(ordered, indent=1) + "\n")


def check_project(where: Path, params_file: Path) -> list[str]:
    """The end-to-end side: this project's records against the committed ones (rewritten instead
    when SEQCASE_UPDATE_READS=1)."""
    fresh = generalized(where, yaml.safe_load(params_file.read_text()))
    if os.environ.get(UPDATE_VARIABLE) == "1":
        update(fresh)
        return []
    return differences(fresh, committed())


def implied(key: str) -> set[str]:
    """A key read and the keys its value is merged from."""
    parts = key.split(".")
    keys = {key}
    if len(parts) >= 3 and parts[0] == "cases" and parts[2] in MERGED_BLOCKS:
        keys.add(".".join(["defaults", *parts[2:]]))
    if len(parts) >= 5 and parts[0] == "cases" and parts[2] == "models" and parts[4] == "search_space":
        rest = parts[5:]
        keys |= {".".join(["defaults", "search_space", *rest]), ".".join([*parts[:2], "tune", "search_space", *rest])}
    return keys


def covers(declared: str, key: str) -> bool:
    return key == declared or key.startswith(declared + ".")


def params_problems(definition: dict, reads: dict) -> list[str]:
    """Each stage's declared params against the keys its cases read: missing and surplus."""
    problems = []
    for kind, stage in definition["stages"].items():
        body = stage.get("do", stage)
        if kind == "validate" or kind not in reads:  # validate depends on params.yaml itself
            continue
        declared = [str(key) for key in body.get("params", [])]
        needed = {key for entry in reads[kind].values() for read in entry["params"] for key in implied(read)}
        for task, entry in reads[kind].items():
            for read in entry["params"]:
                for key in sorted(implied(read)):
                    if not any(covers(item, key) for item in declared):
                        problems.append(f"{kind} ({task or 'no task'}) reads {key}, which no declared param covers")
        problems += [f"{kind} declares param {item}, which no case of any task reads"
                     for item in declared if not any(covers(item, key) for key in needed)]
    return problems


def declared_code(body: dict, task: str) -> list[str]:
    return [str(dep).replace("${item.task}", task) for dep in body.get("deps", [])
            if str(dep).startswith("src/seqcase")]


def under(file: str, dep: str) -> bool:
    return file == dep or file.startswith(dep.rstrip("/") + "/")


def code_problems(definition: dict, modules: dict[str, dict[str, set[str]]]) -> list[str]:
    """Each stage's declared code against the modules its cases run (`modules`: kind -> task ->
    files, the records and the import scan together): missing and surplus."""
    problems = []
    for kind, stage in definition["stages"].items():
        body = stage.get("do", stage)
        if kind not in modules:
            problems.append(f"{kind}: no record of what it runs")
            continue
        for task, files in modules[kind].items():
            deps = declared_code(body, task)
            problems += [f"{kind} ({task or 'no task'}) runs {file}, which dvc.yaml does not declare"
                         for file in sorted(files) if not any(under(file, dep) for dep in deps)]
        everything = {file for files in modules[kind].values() for file in files}
        for dep in (str(dep) for dep in body.get("deps", []) if str(dep).startswith("src/seqcase")):
            if "${item.task}" in dep:  # each case's own task: checked above, file by file
                continue
            if not any(under(file, dep) for file in everything):
                problems.append(f"{kind} declares {dep}, which no case of any task runs")
            elif (REPOSITORY / dep).is_dir():
                unused = sorted(file for file in python_files(dep) if file not in everything)
                if unused:
                    problems.append(f"{kind} declares the folder {dep}, but no case runs {unused}: list its files")
    return problems


def python_files(folder: str) -> list[str]:
    return [path.relative_to(REPOSITORY).as_posix() for path in (REPOSITORY / folder).rglob("*.py")
            if "__pycache__" not in path.parts]
