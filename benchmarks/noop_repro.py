"""What a run costs when nothing changed: `dvc repro` (median of 5, the whole process) and what
`make run` runs after its set-up (`python -m seqcase validate`, then `python -m seqcase run`), with
how many times each reads params.yaml, by process.

Run it from a repository where `dvc status` is clean (right after `make run`):

    .venv/bin/python benchmarks/noop_repro.py

Every Python process it starts counts its reads of params.yaml through an audit hook (a
sitecustomize module on PYTHONPATH, in a temporary folder): DVC reads the file once for templating
and once per stage that declares params; seqcase once per command that loads it.
"""

from __future__ import annotations

import collections
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNTER_HOOK = '''
import os, sys
_path = os.environ.get("SEQCASE_COUNT_PARAMS_READS")
if _path:
    _fd = os.open(_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def _hook(event, arguments):
        if event == "open" and str(arguments[0]).endswith("params.yaml") and "w" not in str(arguments[1] or "r"):
            who = "dvc" if os.path.basename(sys.argv[0] if sys.argv else "") == "dvc" else "seqcase"
            os.write(_fd, (who + "\\n").encode())

    sys.addaudithook(_hook)
'''


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def counted(commands: list[list[str]], env: dict, folder: Path) -> collections.Counter:
    """Reads of params.yaml by the processes of these commands: {"dvc": n, "seqcase": m}."""
    counter = folder / "reads.txt"
    counter.write_text("")
    counting = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")])),
                "SEQCASE_COUNT_PARAMS_READS": str(counter)}
    for command in commands:
        subprocess.run(command, env=counting, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return collections.Counter(counter.read_text().split())


def main() -> int:
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    status = subprocess.run(["dvc", "status", "--json"], env=env, capture_output=True, text=True, check=True).stdout
    if status.strip() not in ("{}", ""):
        print("dvc status is not clean: run `make run` first (this measures a run with nothing to do)", file=sys.stderr)
        return 1
    seqcase_run = [[sys.executable, "-m", "seqcase", "validate"], [sys.executable, "-m", "seqcase", "run"]]
    seconds = [timed(["dvc", "repro"], env) for _ in range(5)]
    print(f"dvc repro, nothing to do: median {statistics.median(seconds):.2f} s of 5 "
          f"({', '.join(f'{value:.2f}' for value in seconds)})")
    run_seconds = [sum(timed(command, env) for command in seqcase_run) for _ in range(3)]
    print(f"make run's commands, nothing to do: median {statistics.median(run_seconds):.2f} s of 3 "
          f"({', '.join(f'{value:.2f}' for value in run_seconds)})")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "sitecustomize.py").write_text(COUNTER_HOOK)
        for name, commands in (("dvc repro", [["dvc", "repro"]]), ("make run's commands", seqcase_run)):
            reads = counted(commands, env, Path(folder))
            print(f"{name}: params.yaml read {sum(reads.values())} times "
                  f"({', '.join(f'{who} {count}' for who, count in sorted(reads.items()))})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
