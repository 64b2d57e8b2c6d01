"""`python -m seqcase generate`: a sample from a case's trained language model, one character at a time.

It reads what `dvc repro` left: the networks under data/models/<case>/, the vocabulary the prepare
stage built, and (to pick the best network) the evaluate stage's metrics.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from seqcase.params import get_case, load_params
from seqcase.errors import DataError, UserError
from seqcase.io import read_json
from seqcase.paths import CasePaths
from seqcase.tasks.text_generation import TASK
from seqcase.tasks.text_generation.schema import GenerationCase
from seqcase.tracking import best_network


def best_variant(paths: CasePaths, training: dict, case: GenerationCase) -> str:
    """The network with the fewest validation bits per character (the registry's rule); without an
    evaluation yet, refuse."""
    metrics_path = paths.reports / "metrics.json"
    if not metrics_path.is_file():
        raise DataError(f"{metrics_path}: not evaluated yet; run `dvc repro` or name a --variant")
    chosen = best_network(read_json(metrics_path), training, *TASK.main_metric(case))
    if chosen is None:
        raise DataError(f"{metrics_path}: no trained network was evaluated; run `dvc repro`")
    return chosen[0]  # the network the report stage registers as this run's version


def load_trained(models_directory: Path, name: str, training: dict):
    """A trained network by the name a report or the registry uses: `<variant>` is its first
    seed's network, `<variant>_ensemble` the ensemble of all its seeds."""
    from seqcase.models.ensemble import ENSEMBLE_SUFFIX, SeedEnsemble, member_path
    from seqcase.models.networks import load_network

    variant = name.removesuffix(ENSEMBLE_SUFFIX)
    seeds = training[variant]["seeds"]
    if name.endswith(ENSEMBLE_SUFFIX):
        return SeedEnsemble([load_network(member_path(models_directory, variant, seed)) for seed in seeds])
    return load_network(member_path(models_directory, variant, seeds[0]))


def streaming(next_distribution: Callable[[np.ndarray], np.ndarray], emit: Callable[[str], None],
              decode: Callable[[np.ndarray], str]) -> Callable[[np.ndarray], np.ndarray]:
    """The sampler asks for the next distribution with histories that end on the character it drew
    last: emit that character as it comes (the first call's history ends on the seed text)."""
    calls = 0

    def next_streamed(histories: np.ndarray) -> np.ndarray:
        nonlocal calls
        if calls:
            emit(decode(histories[0, -1:]))
        calls += 1
        return next_distribution(histories)

    return next_streamed


def generate(params_path: Path, case_name: str, seed_text: str, length: int, temperature: float,
             variant: str | None = None, random_seed: int | None = None,
             emit: Callable[[str], None] | None = None) -> tuple[str, str]:
    """(variant, the seed text and its continuation); `emit` receives each character the moment
    it is drawn."""
    from seqcase.models.ensemble import ENSEMBLE_SUFFIX
    from seqcase.tasks.text_generation.data import decode, encode
    from seqcase.tasks.text_generation.language import network_next_distribution, sample_texts

    case = get_case(load_params(params_path, cases=[case_name]), case_name, params_path)
    if not isinstance(case, GenerationCase):
        raise UserError(f"{case_name} is a {case.task} case; generate needs a text_generation case")
    if not (math.isfinite(temperature) and temperature > 0) or length < 1 or not seed_text:
        raise UserError("the temperature must be positive, the length at least 1 and the seed text not empty")
    paths = CasePaths(case_name)
    training_path = paths.models / "training.json"
    if not training_path.is_file():
        raise DataError(f"{training_path}: no trained models yet; run `dvc repro train@{case_name}`")
    training = read_json(training_path)
    variant = variant or best_variant(paths, training, case)
    if variant.removesuffix(ENSEMBLE_SUFFIX) not in training:
        raise UserError(f"{case_name} has no trained variant {variant!r} (trained: {', '.join(training)}, "
                        f"each also as <variant>{ENSEMBLE_SUFFIX})")
    vocabulary = tuple(read_json(paths.prepared / "meta.json")["vocabulary"])
    unseen = sorted(set(seed_text) - set(vocabulary))
    if unseen:
        raise UserError(f"--seed {seed_text!r}: the model never saw {', '.join(map(repr, unseen))} in training; "
                        f"its {len(vocabulary)} characters are {''.join(vocabulary)!r}")
    model = load_trained(paths.models, variant, training)
    context_length = int(training[variant.removesuffix(ENSEMBLE_SUFFIX)]["window_length"])
    next_distribution = network_next_distribution(model, context_length)
    if emit is not None:
        next_distribution = streaming(next_distribution, emit, lambda ids: decode(ids, vocabulary))
    [ids] = sample_texts(next_distribution, encode(seed_text, vocabulary), length, [temperature], context_length,
                         np.random.default_rng(random_seed))
    if emit is not None:
        emit(decode(ids[-1:], vocabulary))  # the last character: no call for a next one follows it
    return variant, seed_text + decode(ids, vocabulary)
