"""`python -m seqcase tune-distributed`: a case's tune stage with keras-tuner's chief and N workers.

The chief is the DVC stage itself (`dvc repro --single-item --force tune@<case>`), so dvc.lock
records the search as usual; the workers are plain processes running the same stage command with
their own KERASTUNER_TUNER_ID. Everything listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from seqcase.errors import UserError


def cluster_environments(workers: int, host: str, port: int) -> tuple[dict, list[dict]]:
    """The chief's environment and each worker's (keras-tuner reads these variables)."""
    common = {**os.environ, "KERASTUNER_ORACLE_IP": host, "KERASTUNER_ORACLE_PORT": str(port)}
    return ({**common, "KERASTUNER_TUNER_ID": "chief"},
            [{**common, "KERASTUNER_TUNER_ID": f"tuner{index}"} for index in range(workers)])


def run_cluster(case_name: str, workers: int, port: int, host: str = "127.0.0.1",
                params_path: Path = Path("params.yaml")) -> int:
    """Prepare the case's data, start the workers, run the stage as the chief; the first failure's
    exit status, or 0."""
    if workers < 1:
        raise UserError("--workers: a distributed search needs at least one worker")
    subprocess.run(["dvc", "repro", f"prepare@{case_name}"], check=True)
    chief_environment, worker_environments = cluster_environments(workers, host, port)
    command = [sys.executable, "pipelines/stage.py", "tune", "--case", case_name, "--params", str(params_path)]
    processes = [subprocess.Popen(command, env=environment) for environment in worker_environments]
    try:
        chief = subprocess.run(["dvc", "repro", "--single-item", "--force", f"tune@{case_name}"],
                               env=chief_environment).returncode
        codes = [process.wait(timeout=600) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return next((code for code in [chief, *codes] if code != 0), 0)
