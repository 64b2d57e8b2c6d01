"""A variant's networks over its seeds, where the train stage saves them, and their ensemble."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

ENSEMBLE_SUFFIX = "_ensemble"
SEED_MARK = "@seed"


def member_name(variant: str, seed: int) -> str:
    """The name a variant's network trained with `seed` is scored under."""
    return f"{variant}{SEED_MARK}{seed}"


def ensemble_name(variant: str) -> str:
    return f"{variant}{ENSEMBLE_SUFFIX}"


def member_path(models_directory: Path, variant: str, seed: int) -> Path:
    return models_directory / variant / f"seed_{seed}.keras"


def refit_directory(models_directory: Path, refit: str) -> Path:
    """Where a refit's networks are saved: models/refits/<refit>/<variant>/seed_<seed>.keras."""
    return models_directory / "refits" / refit


def refit_run_key(name: str, refit: str) -> str:
    """The run of a model at one refit (a backtest origin), as the run book and MLflow name it."""
    return f"{name} · {refit}"


def digest(inputs) -> str:
    """A fingerprint of a batch of inputs: numbers by their bytes, texts by their characters."""
    array = np.asarray(inputs)
    hasher = hashlib.blake2b(f"{array.dtype}{array.shape}".encode(), digest_size=16)
    hasher.update("\x00".join(map(str, array.ravel())).encode() if array.dtype == object
                  else np.ascontiguousarray(array).tobytes())
    return hasher.hexdigest()


class SeedEnsemble:
    """The seeds' networks as one model: each output is the mean of theirs (probabilities,
    forecasts, next-character distributions), in float64 so that it equals the mean of the members'
    own outputs the verdict resamples."""

    def __init__(self, networks: list) -> None:
        self.networks = list(networks)

    def predict(self, inputs, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        return np.mean([np.asarray(network.predict(inputs, batch_size=batch_size, verbose=verbose), dtype=np.float64)
                        for network in self.networks], axis=0)

    def __call__(self, inputs, training: bool = False) -> np.ndarray:
        return np.mean([np.asarray(network(inputs, training=training), dtype=np.float64)
                        for network in self.networks], axis=0)
