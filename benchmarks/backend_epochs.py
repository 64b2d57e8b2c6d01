"""Seconds per epoch of networks shaped like each case's, on each Keras backend, in one run.

    python benchmarks/backend_epochs.py                 # every case, both backends
    python benchmarks/backend_epochs.py --cases glucose ecg --epochs 3

Each backend runs in a process of its own set up as a train worker is (seqcase.backends.start_process:
one thread, on JAX one pinned core), on synthetic data of the case's shape, with the networks
seqcase builds (seqcase.models.networks.build_network). It prints, per case, the first epoch (it
includes compiling the training and validation steps) and the median of the epochs after it, and
the ratio of the backends' medians. Figures, not a test: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# case -> the network (architecture, cell, hyperparameters), its head, input shape and training examples.
CASES = {
    "glucose": dict(architecture="gru", head=("forecasting", 12), shape=(24, 2), examples=20_000,
                    hyperparameters={"units": 64}),
    "ecg": dict(architecture="gru", head=("classification", 5), shape=(140, 1), examples=4_000,
                hyperparameters={"units": 64}),
    "fraud": dict(architecture="lstm", head=("classification", 2), shape=(8, 30), examples=100_000,
                  hyperparameters={"units": 32}),
    "hamlet": dict(architecture="lstm", head=("language_model", 68), shape=(64,), examples=9_000,
                   hyperparameters={"units": 256, "embedding_dim": 64}),
    "reviews": dict(architecture="bidirectional", cell="gru", head=("classification", 2), shape=(200,),
                    examples=8_000, hyperparameters={"units": 64, "embedding_dim": 64, "vocabulary_size": 20_000}),
}


def measure(spec: dict, epochs: int, batch_size: int) -> dict:
    """In a worker: fit the network `spec` describes (a CASES value) `epochs` + 1 epochs, one `fit`
    call each, and time them."""
    import numpy as np

    from seqcase.models import networks
    from seqcase.training import set_seed

    set_seed(0)  # TensorFlow's op determinism refuses to shuffle without one

    kind, width = spec["head"]
    head = {"forecasting": networks.forecasting_head, "classification": networks.classification_head,
            "language_model": networks.language_model_head}[kind](width)
    hyperparameters = {"learning_rate": 0.001, "layers": 1, "dropout": 0.0, **spec["hyperparameters"]}
    rng = np.random.default_rng(0)
    examples = spec["examples"]
    tokens = "vocabulary_size" in hyperparameters or head.per_step
    if tokens:
        vocabulary = hyperparameters.get("vocabulary_size", width)
        inputs = rng.integers(1, vocabulary, (examples, *spec["shape"])).astype(np.int32)
    else:
        inputs = rng.normal(size=(examples, *spec["shape"])).astype(np.float32)
    if kind == "forecasting":
        targets = rng.normal(size=(examples, width)).astype(np.float32)
    elif head.per_step:
        targets = rng.integers(2, width, (examples, spec["shape"][0]))
    else:
        targets = rng.integers(0, width, examples)
    validation = examples // 5
    model = networks.build_network(spec["architecture"], spec["shape"], head, hyperparameters, spec.get("cell", "lstm"))
    seconds = []
    for _ in range(epochs + 1):
        start = time.perf_counter()
        model.fit(inputs[validation:], targets[validation:], validation_data=(inputs[:validation], targets[:validation]),
                  epochs=1, batch_size=batch_size, verbose=0)
        seconds.append(time.perf_counter() - start)
    return {"first": seconds[0], "median": statistics.median(seconds[1:])}


def worker(backend: str, cases: list[str], epochs: int, batch_size: int) -> None:
    from seqcase import backends

    backends.start_process(backend, threads=1)
    for case in cases:
        print(json.dumps({"case": case, **measure(CASES[case], epochs, batch_size)}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--backends", nargs="+", choices=["jax", "tensorflow"], default=["jax", "tensorflow"])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs after the first (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.cases, args.epochs, args.batch_size)
        return 0
    results: dict[str, dict[str, dict]] = {}
    for backend in args.backends:
        environment = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
        process = subprocess.run([sys.executable, __file__, "--worker", backend, "--cases", *args.cases,
                                  "--epochs", str(args.epochs), "--batch-size", str(args.batch_size)],
                                 capture_output=True, text=True, env=environment)
        if process.returncode:
            print(process.stderr[-3000:], file=sys.stderr)
            return process.returncode
        for line in process.stdout.splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                results.setdefault(row.pop("case"), {})[backend] = row
    header = ["case", *(f"{backend} first / epoch (s)" for backend in args.backends)]
    if len(args.backends) == 2:
        header.append(f"{args.backends[1]} / {args.backends[0]}")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for case, by_backend in results.items():
        cells = [case, *(f"{by_backend[backend]['first']:.2f} / {by_backend[backend]['median']:.2f}"
                         for backend in args.backends)]
        if len(args.backends) == 2:
            cells.append(f"{by_backend[args.backends[1]]['median'] / by_backend[args.backends[0]]['median']:.2f}")
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
