"""Binary detection scores: a threshold chosen on validation, ranking metrics, the verdict.

With 0.17 % positives, accuracy is 99.8 % for a model that finds nothing: the precision-recall
curve and its average precision (PR-AUC) say how well the rare class is ranked, and the threshold
that turns scores into decisions is chosen on the validation part, never on the test part.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
)

from seqcase.config.binary import BinaryEvaluate
from seqcase.evaluation.thresholds import ThresholdRule
from seqcase.evaluation.seeds import VerdictWords, seeded_verdict
from seqcase.splits import Split

METRICS = {
    "average_precision": lambda labels, scores, threshold: average_precision_score(labels, scores),
    "roc_auc": lambda labels, scores, threshold: roc_auc_score(labels, scores),
    "accuracy": lambda labels, scores, threshold: accuracy_score(labels, scores >= threshold),
    "f1": lambda labels, scores, threshold: f1_score(labels, scores >= threshold, zero_division=0),
}


def recall_at_precision(labels: np.ndarray, scores: np.ndarray, target: float) -> float:
    """The highest recall of any threshold whose precision is at least `target` (0 if none)."""
    precision, recall, _ = precision_recall_curve(labels, scores)
    reaching = precision[:-1] >= target
    return float(recall[:-1][reaching].max()) if reaching.any() else 0.0


def binary_scores(labels: np.ndarray, scores: np.ndarray, threshold: float,
                  precision_targets: list[float] = ()) -> dict:
    """Ranking metrics over all thresholds, decision metrics at the chosen one, the confusion matrix."""
    decided = scores >= threshold
    (true_negative, false_positive), (false_negative, true_positive) = confusion_matrix(labels, decided, labels=[0, 1])
    result = {
        "average_precision": float(average_precision_score(labels, scores)),
        "roc_auc": float(roc_auc_score(labels, scores)),
        "threshold": float(threshold),
        "precision": float(precision_score(labels, decided, zero_division=0)),
        "recall": float(recall_score(labels, decided, zero_division=0)),
        "f1": float(f1_score(labels, decided, zero_division=0)),
        "accuracy": float(accuracy_score(labels, decided)),
        "true_positives": int(true_positive), "false_positives": int(false_positive),
        "false_negatives": int(false_negative), "true_negatives": int(true_negative),
    }
    for target in precision_targets:
        result[f"recall_at_precision_{target:g}"] = recall_at_precision(labels, scores, target)
    return result


def curve_points(labels: np.ndarray, scores: np.ndarray, points: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall at the curve's corners, thinned to at most `points` (a plot needs no more).

    With 75 positives among 57,000 the curve is a staircase of at most 76 steps; thinning by index
    over every threshold would keep the low-precision tail and lose the steps.
    """
    precision, recall, _ = precision_recall_curve(labels, scores, drop_intermediate=True)
    keep = np.unique(np.linspace(0, len(precision) - 1, min(points, len(precision))).round().astype(int))
    return precision[keep], recall[keep]


METRIC_NAMES = {"average_precision": "PR-AUC", "roc_auc": "ROC-AUC", "accuracy": "accuracy", "f1": "F1"}


def score_binary(scorers: dict, prepared, config: BinaryEvaluate) -> tuple[dict, dict[str, np.ndarray], dict]:
    """Each model's threshold from its validation scores alone (the case's rule), then its test scores.

    A scorer is anything with positive_scores(prepared, split_name): a network or a baseline.
    Returns the scores, each model's test probabilities and its precision-recall curve table.
    """
    validation_labels = prepared.labels[prepared.split == Split.VALIDATION].astype(int)
    test_labels = prepared.labels[prepared.split == Split.TEST].astype(int)
    rule = ThresholdRule(config.threshold)
    scores, test_scores, tables = {}, {}, {}
    for name, scorer in scorers.items():
        validation_scores = scorer.positive_scores(prepared, Split.VALIDATION)
        threshold = rule.choose(validation_labels, validation_scores)
        test_scores[name] = scorer.positive_scores(prepared, Split.TEST)
        scores[name] = binary_scores(test_labels, test_scores[name], threshold, config.precision_targets)
        scores[name][f"validation_{config.metric}"] = float(
            METRICS[config.metric](validation_labels, validation_scores, threshold))
        precision, recall = curve_points(test_labels, test_scores[name])
        tables[name] = pd.DataFrame({"recall": recall.round(6), "precision": precision.round(6)})
    return scores, test_scores, tables


def binary_verdict(scores: dict, flat_scores: dict, training: dict, labels: np.ndarray,
                   positive_scores: dict[str, np.ndarray], metric: str, significance: float, resamples: int,
                   seed: int) -> dict:
    """Did the recurrent model chosen on validation beat the baseline chosen the same way on the
    test `metric`, over the test examples (resampled) and the seeds (a mean over seeds adds their
    variance)? Each model keeps the threshold it chose on validation (an ensemble, its own)."""
    def value(name: str, values: np.ndarray, indices: np.ndarray) -> float:
        chosen = labels[indices]
        if chosen.min() == chosen.max():
            return float("nan")  # no positive (or no negative) drawn: PR-AUC is undefined
        return float(METRICS[metric](chosen, values[indices], flat_scores[name]["threshold"]))

    words = VerdictWords(metric, METRIC_NAMES[metric], higher_is_better=True)
    return seeded_verdict(scores, training, positive_scores, value, words, significance, resamples, seed)


def binary_predictions(probabilities: np.ndarray, threshold: float, class_names: list[str]) -> pd.DataFrame:
    """Probability of the positive class (the second), and the class at the validation threshold."""
    positive = probabilities[:, 1]
    return pd.DataFrame({f"probability_{class_names[1]}": positive,
                         "predicted": np.where(positive >= threshold, class_names[1], class_names[0])})
