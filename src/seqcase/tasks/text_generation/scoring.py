"""Every language model scored on the same test characters, samples from each, and the verdict: does
the best recurrent language model need fewer bits per held-out character than the best n-gram model?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqcase.evaluation.seeds import VerdictWords, aggregate_seeds, seeded_verdict, shown
from seqcase.splits import Split
from seqcase.tasks.base import Evaluation, ScoringSettings
from seqcase.tasks.text_generation.data import PreparedCorpus, decode, encode
from seqcase.tasks.text_generation.language import (block_bits, model_log2_probabilities, network_next_distribution,
                                                    sample_texts)
from seqcase.tasks.text_generation.ngram import bits_per_character, fit_ngram_baselines
from seqcase.tasks.text_generation.schema import GenerationCase

METRIC = "bits_per_character"
BOOTSTRAP_RESAMPLES = 1000


WORDS = VerdictWords(METRIC, "bits per character", higher_is_better=False,
                     recurrent="recurrent language model", baseline="n-gram model")


def verdict(scores: dict, training: dict, log2: dict[str, np.ndarray], block: int, significance: float,
            seed: int) -> dict:
    """Does the recurrent language model chosen on validation need fewer bits per test character
    than the n-gram model chosen the same way, over blocks of the test text (resampled) and the
    seeds? Outputs are each character's probability, so that seeds average into the ensemble's."""
    def bits(name: str, probabilities: np.ndarray, indices: np.ndarray) -> float:
        return float(-np.mean(np.log2(probabilities[indices])))

    probabilities = {name: np.exp2(values) for name, values in log2.items()}
    return seeded_verdict(scores, training, probabilities, bits, WORDS, significance, BOOTSTRAP_RESAMPLES, seed,
                          block, block_unit=f"{block}-character blocks of the test text")


PLOTTED_BLOCK = 500  # characters per point of the bits-along-the-text plot (and per bootstrap block)


def evaluate(case: GenerationCase, prepared: PreparedCorpus, networks: dict, training: dict,
             settings: ScoringSettings) -> Evaluation:
    """Bits per character on the test text for every network and n-gram baseline (the same
    characters, each predicted from the test text before it), and samples from each model."""
    validation, test = prepared.part(Split.VALIDATION), prepared.part(Split.TEST)
    fitted = fit_ngram_baselines(prepared.part(Split.TRAIN), validation, prepared.vocabulary_size, case.baselines.chosen())
    log2, validation_bits, sources, contexts = {}, {}, {}, {}
    for variant, model in networks.items():
        window_length = int(training[variant]["window_length"])

        def predict(windows: np.ndarray, model=model) -> np.ndarray:
            return model.predict(windows, batch_size=256, verbose=0)

        validation_bits[variant] = bits_per_character(
            model_log2_probabilities(predict, validation, window_length))
        log2[variant] = model_log2_probabilities(predict, test, window_length)
        sources[variant], contexts[variant] = network_next_distribution(model, window_length), window_length
    for name, (model, _, search) in fitted.items():
        validation_bits[name] = min(entry["validation_bits_per_character"] for entry in search)
        log2[name] = model.log2_probabilities(test)
        sources[name], contexts[name] = model.distribution, max(1, model.order - 1)
    scores = {name: {"bits_per_character": bits_per_character(values), "perplexity": 2 ** bits_per_character(values),
                     "validation_bits_per_character": validation_bits[name]} for name, values in log2.items()}
    config = case.evaluate
    seed_ids = encode(config.seed_text, prepared.vocabulary)
    samples = {}
    for name in shown(sources, training):  # one seed's samples a variant, and the ensemble's
        next_distribution = sources[name]
        texts = sample_texts(next_distribution, seed_ids, config.sample_length, config.temperatures,
                             contexts[name], np.random.default_rng(config.sample_seed))
        samples[name] = {str(temperature): config.seed_text + decode(ids, prepared.vocabulary)
                         for temperature, ids in zip(config.temperatures, texts)}
    positions = np.arange(0, len(test) - 1, PLOTTED_BLOCK)
    tables = {name: pd.DataFrame({"character": positions + 1, "bits_per_character": block_bits(-values, PLOTTED_BLOCK).round(5)})
              for name, values in log2.items()}
    arrays = {f"model_{name}": -values for name, values in log2.items()}
    facts = {"baselines": list(fitted), "block_characters": PLOTTED_BLOCK, "vocabulary_size": prepared.vocabulary_size,
             "seed_text": config.seed_text, "temperatures": config.temperatures,
             "baseline_search": {name: {"chosen": setting, "grid": search} for name, (_, setting, search) in fitted.items()}}
    scores = aggregate_seeds(scores, training)
    result = verdict(scores, training, log2, PLOTTED_BLOCK, settings.significance, settings.seed)
    return Evaluation(len(test) - 1, scores, result, tables, arrays, facts, samples)
