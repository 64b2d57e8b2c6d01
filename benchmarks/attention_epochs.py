"""Seconds per epoch of the attention model beside a recurrent one, at the sizes params.yaml
tries for the reviews and for Hamlet, in one run: what a Transformer's size costs on this CPU.

    python benchmarks/attention_epochs.py                     # every shape below
    python benchmarks/attention_epochs.py --shapes hamlet_lstm hamlet_transformer_64 --epochs 2

Runs in one process set up as a train worker is (seqcase.backends.start_process: JAX, one pinned
core) on synthetic data of the case's shape, with the networks seqcase builds, and
prints the first epoch (with compiling) and the median of the epochs after it, and each shape's
median over the first shape's of its case. Figures, not a test: compare ratios within one run.
"""

from __future__ import annotations

import argparse

from backend_epochs import measure

_REVIEWS = dict(head=("classification", 2), shape=(300,), examples=5_000, batch_size=128)
_REVIEW_WORDS = {"embedding_dim": 64, "vocabulary_size": 20_000, "pooling": "mean", "dropout": 0.4}
_HAMLET = dict(head=("language_model", 68), shape=(64,), examples=4_000, batch_size=64)

SHAPES = {
    "reviews_gru": dict(_REVIEWS, architecture="gru", hyperparameters={**_REVIEW_WORDS, "units": 32}),
    "reviews_bidirectional_gru": dict(_REVIEWS, architecture="bidirectional", cell="gru",
                                      hyperparameters={**_REVIEW_WORDS, "units": 32}),
    "reviews_transformer_2_heads": dict(_REVIEWS, architecture="transformer",
                                        hyperparameters={**_REVIEW_WORDS, "units": 32, "heads": 2}),
    "reviews_transformer_1_head": dict(_REVIEWS, architecture="transformer",
                                       hyperparameters={**_REVIEW_WORDS, "units": 32, "heads": 1}),
    "hamlet_lstm": dict(_HAMLET, architecture="lstm", hyperparameters={"units": 256, "embedding_dim": 32}),
    "hamlet_transformer_128": dict(_HAMLET, architecture="transformer",
                                   hyperparameters={"units": 128, "layers": 2, "heads": 4, "embedding_dim": 32}),
    "hamlet_transformer_64": dict(_HAMLET, architecture="transformer",
                                  hyperparameters={"units": 64, "layers": 2, "heads": 2, "embedding_dim": 32}),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after the first (default: %(default)s)")
    args = parser.parse_args()
    from seqcase import backends

    backends.start_process("jax")
    first_of_case: dict[str, float] = {}
    print("| shape | first epoch (s) | epoch (s) | over the case's first shape |\n|---|---|---|---|")
    for shape in args.shapes:
        figures = measure(SHAPES[shape], args.epochs, batch_size=SHAPES[shape]["batch_size"])
        reference = first_of_case.setdefault(shape.split("_")[0], figures["median"])
        print(f"| {shape} | {figures['first']:.2f} | {figures['median']:.2f} | {figures['median'] / reference:.2f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
