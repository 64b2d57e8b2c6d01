"""Every language model scored on the same test characters, samples from each, and the verdict: does
the best recurrent language model need fewer bits per held-out character than the best n-gram model?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqcase.evaluation.verdicts import NO_CONTEST, contenders, model_families, selection_rule, verdict_text
from seqcase.splits import Split
from seqcase.tasks.base import Evaluation, ScoringSettings
from seqcase.tasks.text_generation.data import PreparedCorpus, decode, encode
from seqcase.tasks.text_generation.language import (block_bits, model_log2_probabilities, network_next_distribution,
                                                    paired_block_bootstrap, sample_texts)
from seqcase.tasks.text_generation.ngram import bits_per_character, fit_ngram_baselines
from seqcase.tasks.text_generation.schema import GenerationCase

METRIC = "bits_per_character"
BOOTSTRAP_RESAMPLES = 1000


def verdict(scores: dict, families: dict[str, str], bits: dict[str, np.ndarray], block: int, significance: float,
            seed: int) -> dict:
    pair = contenders(scores, families, METRIC, higher_is_better=False)
    if pair is None:
        return {"beaten": False, "model": None, "metric": METRIC, "text": NO_CONTEST}
    best, rival = pair
    test = paired_block_bootstrap(bits[best], bits[rival], block, BOOTSTRAP_RESAMPLES, seed)
    beaten = scores[best][METRIC] < scores[rival][METRIC]
    numbers = (f"{best}, the recurrent language model with the fewest validation bits per character, needs "
               f"{scores[best][METRIC]:.4f} bits per test character; the n-gram model chosen the same way, {rival}, "
               f"{scores[rival][METRIC]:.4f} (difference {test['difference']:+.4f}, 95 % interval "
               f"{test['interval'][0]:+.4f} to {test['interval'][1]:+.4f} over resampled {block}-character blocks, "
               f"one-sided p = {test['p_value']:.3g})")
    text = verdict_text(beaten, "the recurrent language model chosen on validation beat the n-gram model on test",
                        "the recurrent language model chosen on validation did not beat the n-gram model on test",
                        numbers, test["p_value"], significance)
    return {"beaten": beaten, "model": best, "metric": METRIC, "selection": selection_rule("bits per character"),
            "value": scores[best][METRIC], "baseline": rival,
            "baseline_value": scores[rival][METRIC], "p_value": test["p_value"], "difference": test["difference"],
            "interval": test["interval"],
            "test": f"paired bootstrap over {block}-character blocks of the test text ({BOOTSTRAP_RESAMPLES} "
                    "resamples), one-sided; the difference and its 95 % interval are of the bits per character, "
                    "model minus baseline",
            "text": text}


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
        sources[variant], contexts[variant] = network_next_distribution(model), window_length
    for name, (model, _, search) in fitted.items():
        validation_bits[name] = min(entry["validation_bits_per_character"] for entry in search)
        log2[name] = model.log2_probabilities(test)
        sources[name], contexts[name] = model.distribution, max(1, model.order - 1)
    scores = {name: {"bits_per_character": bits_per_character(values), "perplexity": 2 ** bits_per_character(values),
                     "validation_bits_per_character": validation_bits[name]} for name, values in log2.items()}
    config = case.evaluate
    seed_ids = encode(config.seed_text, prepared.vocabulary)
    samples = {}
    for name, next_distribution in sources.items():
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
    bits = {name: -values for name, values in log2.items()}
    result = verdict(scores, model_families(scores, training), bits, PLOTTED_BLOCK, settings.significance,
                     settings.seed)
    return Evaluation(len(test) - 1, scores, result, tables, arrays, facts, samples)
