"""What an edit re-runs: the table `python -m seqcase blast-radius` prints, and the README's copy."""

from __future__ import annotations

import re
from pathlib import Path

from seqcase.commands.blast_radius import Stage, described, grouped, pipeline_stages, source_files, table
from seqcase.commands.run import REFERENCE
from seqcase.io import read_json

REPOSITORY = Path(__file__).resolve().parents[1]
STAGES = [Stage("prepare@a", ("src/seqcase/tasks/one", "src/seqcase/splits.py"), ("train@a",)),
          Stage("prepare@b", ("src/seqcase/tasks/two", "src/seqcase/splits.py"), ("train@b",)),
          Stage("train@a", ("src/seqcase/tasks/one", "src/seqcase/training.py"), ()),
          Stage("train@b", ("src/seqcase/tasks/two", "src/seqcase/training.py"), ()),
          Stage("summary", ("src/seqcase/stages/summary.py",), ())]
FILES = ["src/seqcase/splits.py", "src/seqcase/training.py", "src/seqcase/stages/summary.py",
         "src/seqcase/stages/entry.py", "src/seqcase/tasks/one/data.py", "src/seqcase/tasks/one/problem.py",
         "src/seqcase/tasks/two/data.py"]


def test_a_folder_is_one_row_when_every_file_in_it_re_runs_the_same_stages():
    rows = dict(grouped(FILES, STAGES))
    assert rows["tasks/one/"] == {"prepare@a", "train@a"} and rows["tasks/two/"] == {"prepare@b", "train@b"}
    assert rows["stages/summary.py"] == {"summary"} and rows["stages/entry.py"] == frozenset()
    assert "stages/" not in rows  # its two files re-run different stages


def test_kinds_that_run_for_the_same_cases_are_named_together():
    every = {"prepare": {"a", "b"}, "train": {"a", "b"}, "summary": {""}}
    assert described(frozenset({"prepare@a", "prepare@b", "train@a", "train@b"}), every) == "prepare, train (every case)"
    assert described(frozenset({"prepare@a", "train@a", "summary"}), every) == "prepare, train of a; summary"
    assert described(frozenset(), every) == "none"


def test_minutes_count_the_stages_and_with_what_they_feed_their_downstream():
    lines = table(STAGES, FILES, {"prepare@a": 60, "prepare@b": 120, "train@a": 600, "train@b": 300}).splitlines()
    assert "| `splits.py` | prepare (every case) | 3.0 | 18.0 |" in lines
    assert "| `training.py` | train (every case) | 15.0 | 15.0 |" in lines
    assert "| `tasks/two/` | prepare, train of b | 7.0 | 7.0 |" in lines


def test_the_readme_holds_the_table_of_the_default_params():
    """Regenerate it with `python -m seqcase blast-radius --reference` when the graph changes."""
    readme = (REPOSITORY / "README.md").read_text()
    shown = re.search(r"<!-- blast-radius -->\n(.*?)<!-- /blast-radius -->", readme, re.S).group(1)
    assert shown == table(pipeline_stages(REPOSITORY), source_files(REPOSITORY), read_json(REFERENCE))
