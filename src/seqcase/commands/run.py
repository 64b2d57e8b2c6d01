"""`python -m seqcase run` (what `make run` calls): `dvc repro`, one case after the other, with a
progress line a person can follow and each case's verdict the moment its report is written.

DVC runs a whole pipeline stage kind by stage kind (every prepare, then every tune...), so the
first verdict of a full run came after an hour. Here `dvc repro report@<case>` runs each case in
turn (DVC still decides what is up to date), then `dvc repro` runs the rest (summary,
fundamentals). DVC's own output passes through unchanged; before each of its "Running stage"
lines comes `[stage k/N · case c/C · elapsed · ~left]`, left estimated from the durations this
machine recorded last time (.dvc/tmp/seqcase/stage_seconds.json), or from the reference run's.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from seqcase.params import load_params
from seqcase.io import read_json, write_json
from seqcase.paths import CasePaths
from seqcase.progress import clock as duration

RUNNING = re.compile(r"^Running stage '([^']+)':")
SKIPPED = re.compile(r"^Stage '([^']+)' didn't change, skipping")
RECORDED = Path(".dvc/tmp/seqcase/stage_seconds.json")
# For a first run: each stage's seconds in the README's default run on the 2-core reference machine
# (a fresh clone on JAX, 56.7 min with setup; as `seqcase run` recorded them).
REFERENCE = Path(__file__).with_name("stage_seconds.json")


@dataclass
class Progress:
    """Where a run stands: the stages it will reach in order, which it has reached, and the
    seconds each took last time."""

    stages: list[str]
    cases: list[str]
    expected: dict[str, float]
    started: float
    reached: set[str] = field(default_factory=set)  # run or skipped
    running: tuple[str, float] | None = None  # the stage DVC is running, and since when
    ran: dict[str, float] = field(default_factory=dict)  # stage -> seconds it ran, this time

    def left(self, now: float) -> tuple[float, bool]:
        """Seconds the stages not reached yet took last time, plus what the running one has left;
        and whether every one of them has a recorded duration."""
        remaining = [stage for stage in self.stages if stage not in self.reached]
        seconds = sum(self.expected.get(stage, 0.0) for stage in remaining)
        if self.running and self.running[0] in self.expected:
            seconds += max(0.0, self.expected[self.running[0]] - (now - self.running[1]))
        return seconds, all(stage in self.expected for stage in remaining)

    def start(self, stage: str, now: float) -> str:
        """The line printed as DVC starts `stage`; the stage it ran before is timed."""
        self.skip(stage, now)
        self.running = (stage, now)
        parts = [f"stage {self.stages.index(stage) + 1 if stage in self.stages else '?'}/{len(self.stages)}"]
        case = stage.partition("@")[2]
        if case in self.cases:
            parts.append(f"case {self.cases.index(case) + 1}/{len(self.cases)}")
        parts.append(f"{duration(now - self.started)} elapsed")
        seconds, known = self.left(now)
        parts.append(f"~{duration(seconds)} left" if known else f"~{duration(seconds)}+ left (stages never timed here)")
        return f"[{' · '.join(parts)}] {stage}"

    def skip(self, stage: str, now: float) -> None:
        self.finish(now)
        self.reached.add(stage)

    def finish(self, now: float) -> None:
        if self.running:
            stage, began = self.running
            self.ran[stage] = now - began
            self.running = None


def follow(lines: Iterable[str], progress: Progress, clock: Callable[[], float], emit: Callable[[str], None]) -> None:
    """Pass DVC's output through, announcing each stage it runs and timing it."""
    for line in lines:
        running = RUNNING.match(line)
        if running:
            emit(progress.start(running.group(1), clock()))
        else:
            skipped = SKIPPED.match(line)
            if skipped:
                progress.skip(skipped.group(1), clock())
        emit(line.rstrip("\n"))
    progress.finish(clock())


def pipeline_order(cases: list[str], root: Path = Path(".")) -> list[str]:
    """Every stage in the order this run reaches it: each case's chain, in DVC's own order, then
    whatever is left (summary, fundamentals)."""
    from dvc.repo import Repo
    from dvc.repo.reproduce import plan_repro

    with Repo(str(root)) as repo:
        graph = repo.index.graph
        by_name = {stage.addressing: stage for stage in graph}
        order: list[str] = []
        for case in cases:
            order += [stage.addressing for stage in plan_repro(graph, [by_name[f"report@{case}"]])]
        order += [stage.addressing for stage in plan_repro(graph)]
    return list(dict.fromkeys(order))


@contextmanager
def params_parsed_once() -> Iterator[None]:
    """Inside: DVC, run in this process, parses each version of params.yaml once. It parses the file
    again for every stage that declares params (46 times for a status of the default pipeline);
    copies of the first parse answer here."""
    from dvc.utils import serialize

    parsed: dict[tuple, object] = {}
    original = {suffix: serialize.LOADERS[suffix] for suffix in (".yaml", ".yml")}

    def once(load: Callable) -> Callable:
        def load_once(path, fs=None, **keywords):
            try:
                facts = os.stat(path)
            except (OSError, TypeError):  # not a file here (an experiment's git tree): DVC reads it itself
                return load(path, fs=fs, **keywords)
            key = (os.path.abspath(path), facts.st_mtime_ns, facts.st_size, tuple(sorted(keywords.items())))
            if key not in parsed:
                parsed[key] = load(path, fs=fs, **keywords)
            return copy.deepcopy(parsed[key])
        return load_once

    serialize.LOADERS.update({suffix: once(load) for suffix, load in original.items()})
    try:
        yield
    finally:
        serialize.LOADERS.update(original)


def changed_stages(root: Path = Path(".")) -> list[str]:
    """The stages `dvc repro` would run (`dvc status`), asked in this process."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        return sorted(name for name, changes in repo.status().items() if changes)


def expected_seconds(recorded: Path = RECORDED, reference: Path = REFERENCE) -> dict[str, float]:
    """This machine's last durations where it has them, the reference run's elsewhere."""
    seconds = read_json(reference) if reference.is_file() else {}
    if recorded.is_file():
        seconds.update(read_json(recorded))
    return seconds


def dvc_lines(arguments: list[str]) -> Iterator[str]:
    """`dvc <arguments>`, its output and errors as one stream of lines; raises if it fails."""
    process = subprocess.Popen(["dvc", *arguments], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               bufsize=1, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    yield from process.stdout
    if process.wait():
        raise subprocess.CalledProcessError(process.returncode, ["dvc", *arguments])


def verdict_line(case: str) -> str:
    row_path = CasePaths(case).summary_row
    if not row_path.is_file():
        return f"=> {case}: no report"
    row = read_json(row_path)
    verdict = "recurrent wins" if row["verdict"]["beaten"] else "baseline holds"
    return (f"=> {case}: {verdict} ({row['best_model']}: {row['metric']} {row['best_value']:.4g}); "
            f"reports/{case}/report.html")


def recap(params_path: Path, cases: list[str] | None = None) -> str:
    """Every case's verdict line (what `make run` ends with, and `python -m seqcase recap`); the
    case names read from params.yaml unless the caller has them."""
    from seqcase.stages.summary import recap_table

    names = cases if cases is not None else load_params(params_path, cases=()).case_names
    paths = {name: CasePaths(name).summary_row for name in names}
    return recap_table([read_json(path) for path in paths.values() if path.is_file()],
                       [name for name, path in paths.items() if not path.is_file()])


def run(params_path: Path, repro: Callable[[list[str]], Iterable[str]] = dvc_lines,
        order: Callable[[list[str]], list[str]] = pipeline_order, clock: Callable[[], float] = time.monotonic,
        emit: Callable[[str], None] = print, recorded: Path = RECORDED,
        stale: Callable[[], list[str]] = changed_stages) -> int:
    """Run the pipeline case by case; returns DVC's exit status (0 when every case ran). With
    nothing to run, it says so and prints the recap without starting DVC once per case."""
    cases = list(load_params(params_path, cases=()).case_names)
    with params_parsed_once():
        if not stale():
            emit("Every stage is up to date (dvc status): nothing to run.\n")
            emit(recap(params_path, cases).rstrip("\n"))
            return 0
        plan = order(cases)
    progress = Progress(plan, cases, expected_seconds(recorded), clock())
    try:
        for case in cases:
            follow(repro(["repro", f"report@{case}"]), progress, clock, emit)
            emit(verdict_line(case))
        follow(repro(["repro"]), progress, clock, emit)
    except subprocess.CalledProcessError as error:
        emit(f"error: `{' '.join(error.cmd)}` failed (exit status {error.returncode}); the stages before it are kept")
        return error.returncode or 1
    finally:
        progress.finish(clock())  # a failed stage is timed too: it ran that long
        if progress.ran:
            write_json(recorded, {**(read_json(recorded) if recorded.is_file() else {}),
                                  **{stage: round(seconds, 1) for stage, seconds in progress.ran.items()}})
    emit(f"\nEvery stage done in {duration(clock() - progress.started)}.\n")
    emit(recap(params_path, cases).rstrip("\n"))
    return 0
