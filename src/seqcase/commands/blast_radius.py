"""`python -m seqcase blast-radius`: for each part of src/seqcase, the stages an edit to it re-runs
and the minutes they took, read from the graph DVC builds out of dvc.yaml and params.yaml.

An edit re-runs the stages that declare the edited file (or a folder holding it, `${item.task}`
resolved per case); stages downstream re-run too when the edit changes what those stages write, so
both figures are given. Minutes come from this machine's last run (.dvc/tmp/seqcase/) or, before
one, from the reference run shipped beside `seqcase run`. A folder is one row when an edit anywhere
in it re-runs the same stages; otherwise each file is a row. README.md holds the table of the
default params with the reference run's durations (`--reference`; a test keeps it in step).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from seqcase.commands.run import expected_seconds

PACKAGE = PurePosixPath("src/seqcase")


@dataclass(frozen=True)
class Stage:
    name: str  # as DVC addresses it: prepare@glucose_cgm, summary
    code: tuple[str, ...]  # the deps under src/seqcase, files or folders, relative to the repository
    downstream: tuple[str, ...]  # every stage that reads what it writes, directly or not


def pipeline_stages(root: Path = Path(".")) -> list[Stage]:
    """Every stage of the pipeline with its code deps and the stages downstream of it."""
    import networkx
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        graph = repo.index.graph  # an edge runs from a stage to the stage it depends on
        stages = []
        for stage in graph:
            code = sorted(str(PurePosixPath(dep.def_path)) for dep in stage.deps
                          if PurePosixPath(dep.def_path).is_relative_to(PACKAGE))
            downstream = sorted(other.addressing for other in networkx.ancestors(graph, stage))
            stages.append(Stage(stage.addressing, tuple(code), tuple(downstream)))
    return sorted(stages, key=lambda stage: stage.name)


def source_files(root: Path = Path(".")) -> list[str]:
    return sorted(str(path.relative_to(root).as_posix()) for path in (root / PACKAGE).rglob("*.py")
                  if "__pycache__" not in path.parts)


def readers(file: str, stages: Iterable[Stage]) -> frozenset[str]:
    """The stages that declare this file, or a folder holding it."""
    path = PurePosixPath(file)
    return frozenset(stage.name for stage in stages
                     if any(path == PurePosixPath(dep) or path.is_relative_to(dep) for dep in stage.code))


def grouped(files: list[str], stages: list[Stage]) -> list[tuple[str, frozenset[str]]]:
    """(a folder or a file, the stages an edit to it re-runs): a folder whose files all re-run the
    same stages is one row, else its sub-folders and files are looked at in turn."""
    reach = {file: readers(file, stages) for file in files}

    def rows(folder: PurePosixPath) -> list[tuple[str, frozenset[str]]]:
        inside = [file for file in files if PurePosixPath(file).parent.is_relative_to(folder)]
        if folder != PACKAGE and len({reach[file] for file in inside}) == 1:
            return [(f"{folder.relative_to(PACKAGE)}/", reach[inside[0]])]
        result = [(str(PurePosixPath(file).relative_to(PACKAGE)), reach[file]) for file in inside
                  if PurePosixPath(file).parent == folder]
        for child in sorted({PurePosixPath(file).relative_to(folder).parts[0] for file in inside
                             if PurePosixPath(file).parent != folder}):
            result += rows(folder / child)
        return result

    return rows(PACKAGE)


KIND_ORDER = ["validate", "fetch", "prepare", "tune", "train", "evaluate", "report", "summary", "fundamentals"]


def described(names: frozenset[str], every: dict[str, set[str]]) -> str:
    """"prepare, tune, train (every case); evaluate, report of imdb_sentiment; summary": the kinds
    that run for the same cases named together; `every` holds each kind's items in the pipeline."""
    if not names:
        return "none"
    items: dict[str, set[str]] = defaultdict(set)
    for name in names:
        kind, _, item = name.partition("@")
        items[kind].add(item)
    kinds = sorted(items, key=lambda kind: (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind))
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for kind in kinds:
        whole = items[kind] == every.get(kind, set())
        groups[("every",) if whole and items[kind] != {""} else tuple(sorted(items[kind]))].append(kind)
    parts = []
    for members, group in groups.items():
        if members == ("every",):
            noun = "source" if group == ["fetch"] else "case and source" if "fetch" in group else "case"
            parts.append(f"{', '.join(group)} (every {noun})")
        elif members == ("",):
            parts.append(", ".join(group))
        else:
            parts.append(f"{', '.join(group)} of {', '.join(members)}")
    return "; ".join(parts)


def minutes(names: Iterable[str], seconds: dict[str, float]) -> float:
    return sum(seconds.get(name, 0.0) for name in names) / 60


def table(stages: list[Stage], files: list[str], seconds: dict[str, float]) -> str:
    """The README's blast-radius table."""
    # validate writes the same file whenever params.yaml is valid: nothing downstream re-runs on its account.
    downstream = {stage.name: set() if stage.name == "validate" else set(stage.downstream) for stage in stages}
    every: dict[str, set[str]] = defaultdict(set)
    for stage in stages:
        kind, _, item = stage.name.partition("@")
        every[kind].add(item)
    lines = ["| edit in `src/seqcase/` | re-runs the stages that declare it | minutes | with what they feed |",
             "|---|---|---|---|"]
    for part, names in grouped(files, stages):
        fed = set(names).union(*(downstream[name] for name in names)) if names else set()
        lines.append(f"| `{part}` | {described(names, every)} | {minutes(names, seconds):.1f} | "
                     f"{minutes(fed, seconds):.1f} |")
    return "\n".join(lines) + "\n"


def run(root: Path = Path("."), reference: bool = False) -> str:
    """The table, with this machine's last durations, or the reference run's (`reference`: the
    README's)."""
    from seqcase.commands.run import REFERENCE
    from seqcase.io import read_json

    seconds = read_json(REFERENCE) if reference else expected_seconds()
    return table(pipeline_stages(root), source_files(root), seconds)
