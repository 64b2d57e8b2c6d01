"""What DVC itself costs to say "nothing to do" for a graph of seqcase's shape: the same stages
(foreach over this params.yaml's cases and sources), each with one small file dependency and one
output, once declaring the params each stage of dvc.yaml declares and once declaring none. Set
beside benchmarks/noop_repro.py's figure for the real graph, it separates what DVC spends on the
params (it loads params.yaml and looks each declared key up again for every stage) from what it
spends on the code dependencies.

    .venv/bin/python benchmarks/dvc_floor.py
"""

from __future__ import annotations

import copy
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parents[1]


def synthetic_stages(real: dict, with_params: bool) -> dict:
    """Each stage of the real dvc.yaml with its foreach and (optionally) its params, one dependency
    (`input.txt`) and one uncached output; its command writes that output."""
    stages = {}
    for name, stage in real["stages"].items():
        body = stage.get("do", stage)
        marker = f"out/{name}" + ("-${key}" if "foreach" in stage else "")
        new = {"cmd": f"mkdir -p out && echo {name} > {marker}", "deps": ["input.txt"],
               "outs": [{marker: {"cache": False}}]}
        if with_params and body.get("params"):
            new["params"] = copy.deepcopy(body["params"])
        stages[name] = {"foreach": stage["foreach"], "do": new} if "foreach" in stage else new
    return {"stages": stages}


def median_noop(folder: Path, env: dict, times: int = 5) -> tuple[float, list[float]]:
    subprocess.run(["dvc", "repro", "--quiet"], cwd=folder, env=env, check=True, capture_output=True)
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run(["dvc", "repro"], cwd=folder, env=env, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), seconds


def main() -> int:
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    real = yaml.safe_load((REPOSITORY / "dvc.yaml").read_text())
    for label, with_params in (("declaring each stage's params", True), ("declaring no params", False)):
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary)
            subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
            subprocess.run(["dvc", "init", "-q"], cwd=folder, env=env, check=True)
            shutil.copy(REPOSITORY / "params.yaml", folder / "params.yaml")
            (folder / "input.txt").write_text("input\n")
            (folder / "dvc.yaml").write_text(yaml.safe_dump(synthetic_stages(real, with_params), sort_keys=False))
            median, seconds = median_noop(folder, env)
            count = sum(1 for line in (folder / "dvc.lock").read_text().splitlines() if line.startswith("  ") and
                        not line.startswith("   "))
            print(f"DVC alone, {count} stages {label}: dvc repro with nothing to do, median {median:.2f} s of 5 "
                  f"({', '.join(f'{value:.2f}' for value in seconds)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
