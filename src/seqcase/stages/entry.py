"""The one entry point of every DVC stage: `python pipelines/stage.py <stage> [--case C | --source S]`.

Parsing loads nothing heavy (so `--help` answers at once); the stage's module is imported after.
A user's mistake (seqcase.errors.UserError) is one line on stderr and exit status 1; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import warnings
from pathlib import Path

from seqcase import backends, reads
from seqcase.errors import UserError

# stage -> (what it names: a case, a source or nothing; what it does)
STAGES = {
    "validate": (None, "The whole of params.yaml checked, before any other stage works (it runs when the file changes)."),
    "fetch": ("source", "One source's files into data/raw/<source>/, each checked against its sha256."),
    "prepare": ("case", "Raw files to a cleaned, split and scaled data set the case's task can learn from."),
    "tune": ("case", "keras-tuner search per variant; best hyperparameters and the MLflow run book."),
    "train": ("case", "Retrain each variant on its best hyperparameters; save and log the models."),
    "evaluate": ("case", "Every network and baseline scored on the untouched test part, and the verdict."),
    "report": ("case", "Figures, report.md, report.html, headline.json and the case's summary row; the model "
                       "registry."),
    "summary": (None, "summary.md and index.html (a card per case), from the rows each report stage left."),
    "fundamentals": (None, "The NumPy reference cells on the adding problem, with their report."),
}


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python pipelines/stage.py", description=__doc__.split("\n\n")[0])
    stages = main.add_subparsers(dest="stage", required=True, metavar="stage")
    for name, (key, description) in STAGES.items():
        stage = stages.add_parser(name, help=description, description=description)
        if key:
            stage.add_argument(f"--{key}", required=True, help=f"the {key} name, a key of `{key}s:` in params.yaml")
        stage.add_argument("--params", type=Path, default=Path("params.yaml"), help="params file (default: params.yaml)")
    return main


# Harmless messages printed once per model, trial or load (hundreds in a default run), matched by
# their own words so that any other warning still shows. Each says why it is harmless.
KNOWN_NOISE = (
    # Keras loading a model saved with its optimizer's state, for inference: no optimizer is needed.
    r"Skipping variable loading for optimizer",
    # MLflow asks for an input example; every seqcase model is logged with its signature instead.
    r".*An input example was not provided when logging the model",
)
KNOWN_LOG_NOISE = {
    # MLflow's advice to log models from code: seqcase's pyfunc class ships with its code (code_paths).
    "mlflow.pyfunc": "Passing a Python object as `python_model`",
    # JAX looking for a TPU on a machine without one (INFO, once per process): it runs on the CPU.
    "jax._src.xla_bridge": "Unable to initialize backend 'tpu'",
}


class DropStarting(logging.Filter):
    def __init__(self, start: str) -> None:
        super().__init__()
        self.start = start

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.start)


def quiet_known_noise() -> None:
    """Silence what is known to be harmless, before TensorFlow or MLflow is imported: TensorFlow's
    C++ INFO lines (its warnings and errors still print), MLflow's download progress bars (one per
    logged model), and the messages above. The environment passes on to the train stage's workers."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    for message in KNOWN_NOISE:
        warnings.filterwarnings("ignore", message=message, category=UserWarning)
    for name, start in KNOWN_LOG_NOISE.items():
        logging.getLogger(name).addFilter(DropStarting(start))


def configure_logging() -> None:
    """The stages' log lines (time, level, logger) and the known noise silenced: in a stage's process
    and in each worker process it starts."""
    quiet_known_noise()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


# The stages that build, train, load or score a network: each runs on params.yaml's `keras_backend`.
NETWORK_STAGES = ("tune", "train", "evaluate")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging()
    key = STAGES[args.stage][0]
    reads.start_stage(f"{args.stage}@{getattr(args, key)}" if key else args.stage)
    try:
        if args.stage in NETWORK_STAGES:  # before the stage's module imports Keras
            backends.start_process(backends.backend_in(args.params))
        module = importlib.import_module(f"seqcase.stages.{args.stage}")
        module.run(args.params, *([getattr(args, key)] if key else []))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        reads.write()
    return 0
