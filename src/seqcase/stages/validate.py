"""validate: the whole of params.yaml checked before any stage works.

The stage depends on params.yaml itself, so any edit runs it (a `dvc exp run -S` too), and every
fetch stage and `fundamentals` depend on what it writes: an invalid params.yaml (a misspelt key
beside a real one, a key written twice, a value out of range) stops `dvc repro` with one line even
when no param a stage tracks changed. What it writes never changes, so a valid file re-runs nothing
downstream, and with nothing edited it does not run at all: `dvc status` is clean after a run.
It also writes the case names in params.yaml's order, all the summary stage needs of params.yaml:
an edit inside a case re-runs that case's stages, not the summary.
"""

from __future__ import annotations

from pathlib import Path

from seqcase.params import load_params
from seqcase.io import write_json, write_text
from seqcase.paths import CASE_NAMES

CHECKED = Path("data/params.checked")


def run(params_path: Path) -> None:
    params = load_params(params_path)
    write_text(CHECKED, "params.yaml passed `python -m seqcase validate`\n")
    write_json(CASE_NAMES, list(params.case_names))
