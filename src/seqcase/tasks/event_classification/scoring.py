"""Every event classifier scored on the same test events, its threshold chosen on validation, and
the verdict: did a recurrent model beat the best baseline on the case's metric? And did any model
that reads windows of past events beat gradient boosting on the single event?"""

from __future__ import annotations

import numpy as np

from seqcase.evaluation.binary import METRIC_NAMES, binary_verdict, score_binary
from seqcase.evaluation.thresholds import ThresholdRule
from seqcase.evaluation.seeds import aggregate_seeds
from seqcase.evaluation.verdicts import chosen_on_validation, model_families
from seqcase.models.hyperparameters import Family
from seqcase.splits import Split
from seqcase.tasks.base import Evaluation, ScoringSettings
from seqcase.tasks.event_classification.baselines import fit_baselines
from seqcase.tasks.event_classification.data import PreparedEvents, windows
from seqcase.tasks.event_classification.schema import EventCase

GRADIENT_BOOSTING = "histogram_gradient_boosting"
SEQUENCE_FAMILIES = (Family.RECURRENT, Family.ATTENTION, Family.CONVOLUTIONAL)


class WindowScorer:
    """A trained network behind the binary contract: the positive class's probability per event."""

    def __init__(self, model, window_length: int, batch_size: int = 4096) -> None:
        self.model, self.window_length, self.batch_size = model, window_length, batch_size

    def positive_scores(self, prepared: PreparedEvents, part: Split | str) -> np.ndarray:
        positions = prepared.positions(part)
        chunks = [self.model.predict(windows(prepared, chunk, self.window_length), batch_size=self.batch_size,
                                     verbose=0)[:, 1] for chunk in np.array_split(positions, max(1, len(positions) // 50_000))]
        return np.concatenate(chunks).astype(np.float64)


def against_gradient_boosting(scores: dict, families: dict[str, str], metric: str) -> tuple[str, bool] | None:
    """A sentence on the sequence model (recurrent, attention or convolutional) chosen on validation
    against gradient boosting, on test."""
    sequence_models = [name for name in scores if families[name] in SEQUENCE_FAMILIES]
    if GRADIENT_BOOSTING not in scores or not sequence_models:
        return None
    best_sequence = chosen_on_validation(scores, sequence_models, metric, higher_is_better=True)
    boosting = scores[GRADIENT_BOOSTING][metric]
    won = scores[best_sequence][metric] > boosting
    return (f" {'A' if won else 'No'} sequence model (recurrent, attention or convolutional, on windows of past events) "
            f"beat gradient boosting: the one chosen on validation, {best_sequence}, has test {METRIC_NAMES[metric]} "
            f"{scores[best_sequence][metric]:.4f} against {boosting:.4f}.", won)


def evaluate(case: EventCase, prepared: PreparedEvents, networks: dict, training: dict,
             settings: ScoringSettings) -> Evaluation:
    scorers = {variant: WindowScorer(model, training[variant]["window_length"]) for variant, model in networks.items()}
    config = case.evaluate
    baselines = fit_baselines(prepared, case.baselines.chosen(), config.metric, settings.seed)
    scores, test_scores, tables = score_binary({**scorers, **baselines}, prepared, config)
    test_labels = prepared.labels[prepared.split == Split.TEST].astype(int)
    flat_scores, scores = scores, aggregate_seeds(scores, training)
    families = model_families(scores, training)
    result = binary_verdict(scores, flat_scores, training, test_labels, test_scores, config.metric,
                            settings.significance, config.bootstrap_resamples, settings.seed)
    boosting = against_gradient_boosting(scores, families, config.metric)
    if result.get("model") and boosting:
        result["text"] += boosting[0]
        result["sequence_beats_gradient_boosting"] = boosting[1]
    arrays = {"labels": test_labels, **{f"model_{name}": values for name, values in test_scores.items()}}
    facts = {"metric": config.metric, "positives": int(test_labels.sum()), "class_names": list(prepared.class_names),
             "threshold_rule": ThresholdRule(config.threshold).as_json(), "baselines": list(baselines),
             "baseline_search": {name: {"chosen": baseline.chosen_, "grid": baseline.search_}
                                 for name, baseline in baselines.items()}}
    return Evaluation(len(test_labels), scores, result, tables, arrays, facts)
