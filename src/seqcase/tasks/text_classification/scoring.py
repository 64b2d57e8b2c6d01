"""Every text classifier scored on the same test texts, its threshold chosen on validation, and the
verdict: did a recurrent model beat the best baseline (TF-IDF) on the case's metric?"""

from __future__ import annotations

import numpy as np

from seqcase.evaluation.binary import binary_verdict, score_binary
from seqcase.evaluation.thresholds import ThresholdRule
from seqcase.evaluation.seeds import aggregate_seeds
from seqcase.splits import Split
from seqcase.tasks.base import Evaluation, ScoringSettings
from seqcase.tasks.text_classification.baselines import fit_baselines
from seqcase.tasks.text_classification.data import PreparedTexts
from seqcase.tasks.text_classification.schema import TextCase


class TextScorer:
    """A trained end-to-end model (text in, probabilities out) behind the binary contract."""

    def __init__(self, model, batch_size: int = 512) -> None:
        self.model, self.batch_size = model, batch_size

    def positive_scores(self, prepared: PreparedTexts, part: Split | str) -> np.ndarray:
        texts, _ = prepared.part(part)
        return np.asarray(self.model.predict(texts.astype(object), batch_size=self.batch_size, verbose=0)[:, 1],
                          dtype=np.float64)


def evaluate(case: TextCase, prepared: PreparedTexts, networks: dict, training: dict,
             settings: ScoringSettings) -> Evaluation:
    scorers = {variant: TextScorer(model) for variant, model in networks.items()}
    config = case.evaluate
    baselines = fit_baselines(prepared, case.baselines.chosen(), config.metric, settings.seed)
    scores, test_scores, tables = score_binary({**scorers, **baselines}, prepared, config)
    test_labels = prepared.labels[prepared.split == Split.TEST].astype(int)
    flat_scores, scores = scores, aggregate_seeds(scores, training)
    result = binary_verdict(scores, flat_scores, training, test_labels, test_scores, config.metric,
                            settings.significance, config.bootstrap_resamples, settings.seed)
    arrays = {"labels": test_labels, **{f"model_{name}": values for name, values in test_scores.items()}}
    facts = {"metric": config.metric, "positives": int(test_labels.sum()), "class_names": list(prepared.class_names),
             "threshold_rule": ThresholdRule(config.threshold).as_json(), "baselines": list(baselines),
             "baseline_search": {name: {"chosen": baseline.chosen_, "grid": baseline.search_}
                                 for name, baseline in baselines.items()}}
    return Evaluation(len(test_labels), scores, result, tables, arrays, facts)
