"""Where a case's time goes: each stage's wall time as DVC runs it (a fresh Python process), the
time spent inside keras' Model.fit, and their ratio; then the train stage against bare Model.fit
on the same networks.

    python benchmarks/stage_times.py --case sp500_next_day

The tune and train stages run their searches and fits side by side in one-thread worker processes
(seqcase.workers), one per core; their "fit" column sums the seconds every process spent inside
Model.fit (the train stage logs each variant's, on the prepared split and on each refit), so on two
cores it can reach twice the stage's wall time. "cores x wall / fit" is then the stage's overhead:
the core-seconds it had against those spent fitting (1 would be every core fitting all the time).
"bare fit" is the reference the train stage is judged against: the same networks (every variant,
every seed, every refit, the same hyperparameters and schedule) fitted one after the other in one
process set up as the stages are (on JAX one pinned core), and nothing else (no MLflow, no saving,
no diagnostics, no second core). train / bare fit below 1 means the stage costs less than its fits
alone would one after the other.

The stages run in a temporary copy (params.yaml and the case's fetched files), logging to a
temporary MLflow store, so the repository's outputs and dvc.lock are left alone. Figures, not a
test: compare ratios within one run (the machines are noisy).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

STAGES = ("prepare", "tune", "train", "evaluate", "report")
# Runs one stage as DVC does (the tune and train stages log their seconds inside Model.fit).
STAGE = "import sys; from seqcase.stages.entry import main; raise SystemExit(main(sys.argv[1:]))"
FITTING_STAGES = ("tune", "train")


# Fits every (variant, seed) network of the train stage in one process, one after the other, and
# prints the seconds inside Model.fit.
BARE_FITS = """
import sys, time
from pathlib import Path
from seqcase import backends
backends.start_process(backends.backend_in("params.yaml"))
from seqcase.io import read_json
from seqcase.models.networks import build_network
from seqcase.stages import open_case
from seqcase.stages.train import training_seeds
from seqcase.training import fit_network, set_seed
params, case, task, paths = open_case(Path("params.yaml"), sys.argv[1])
prepared = task.load_prepared(paths.prepared)
problems = [task.learning_problem(data) for data in [prepared, *task.refits(case, prepared).values()]]
tuned = read_json(paths.tuning / "best_hyperparameters.json")
spent = 0.0
for problem in problems:  # the prepared split's, then each refit's (a backtest origin's)
    for variant, spec in case.models.items():
        hyperparameters = tuned[variant]["hyperparameters"]
        train, validation = problem.datasets(hyperparameters)
        for seed in training_seeds(params.seed, case.train.seeds):
            set_seed(seed)
            model = build_network(spec.architecture, problem.input_shape(hyperparameters), problem.head,
                                  hyperparameters, spec.cell, variant)
            start = time.perf_counter()
            fit_network(model, train, validation, case.train, [], problem.class_weight)
            spent += time.perf_counter() - start
print(f"SECONDS_IN_FIT {spent:.3f}", file=sys.stderr)
"""


def copy_inputs(repository: Path, workdir: Path, case: str) -> None:
    """params.yaml and the fetched files of the case's source: all a case's stages read."""
    params = yaml.safe_load((repository / "params.yaml").read_text())
    source = params["cases"][case]["source"]
    shutil.copy(repository / "params.yaml", workdir / "params.yaml")
    raw = repository / "data" / "raw" / source
    if not raw.is_dir():
        raise SystemExit(f"{raw}: not fetched yet; run `dvc repro fetch@{source}` first")
    shutil.copytree(raw, workdir / "data" / "raw" / source)


def time_stage(stage: str, case: str, workdir: Path, environment: dict) -> tuple[float, float]:
    start = time.perf_counter()
    arguments = [BARE_FITS, case] if stage == "bare" else [STAGE, stage, "--case", case]
    result = subprocess.run([sys.executable, "-c", *arguments], cwd=workdir, env=environment, capture_output=True,
                            text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{stage} failed:\n{result.stderr[-3000:]}")
    if stage in FITTING_STAGES:  # fitted in worker processes: the stage logs each variant's seconds inside Model.fit
        return wall, sum(float(value) for value in re.findall(r"([0-9.]+) s inside Model.fit", result.stderr))
    if stage == "bare":
        return wall, float(re.search(r"SECONDS_IN_FIT ([0-9.]+)", result.stderr).group(1))
    return wall, 0.0  # no other stage fits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", required=True, help="a case in params.yaml whose source is fetched")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated (default: all five)")
    args = parser.parse_args()
    repository = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="seqcase-times-") as directory:
        workdir = Path(directory)
        copy_inputs(repository, workdir, args.case)
        environment = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{workdir}/mlflow.db",
                       "PYTHONPATH": str(repository / "src"), "TF_CPP_MIN_LOG_LEVEL": "2",
                       "MLFLOW_DISABLE_TELEMETRY": "true"}
        cores = len(os.sched_getaffinity(0))
        print(f"{args.case} on {cores} cores: stage, wall seconds, seconds inside Model.fit (all processes), "
              f"wall / fit, cores x wall / fit")
        total_wall = total_fit = 0.0
        timings = {}
        for stage in args.stages.split(","):
            wall, fit = time_stage(stage, args.case, workdir, environment)
            timings[stage] = wall
            total_wall, total_fit = total_wall + wall, total_fit + fit
            ratio, overhead = (wall / fit, cores * wall / fit) if fit else (float("nan"), float("nan"))
            print(f"{stage:>9} {wall:9.1f} {fit:9.1f} {ratio:9.2f} {overhead:9.2f}")
        print(f"{'total':>9} {total_wall:9.1f} {total_fit:9.1f} {total_wall / total_fit if total_fit else float('nan'):9.2f}")
        if "train" in args.stages.split(","):
            train_wall = timings["train"]
            _, bare = time_stage("bare", args.case, workdir, environment)
            print(f"bare fit: {bare:.1f} s inside Model.fit, the same networks one after the other in one process")
            print(f"train stage / bare fit: {train_wall:.1f} / {bare:.1f} = {train_wall / bare:.2f}")


if __name__ == "__main__":
    main()
