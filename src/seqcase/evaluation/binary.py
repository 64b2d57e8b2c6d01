"""Binary detection scores: a threshold chosen on validation, ranking metrics, a paired bootstrap.

With 0.17 % positives, accuracy is 99.8 % for a model that finds nothing: the precision-recall
curve and its average precision (PR-AUC) say how well the rare class is ranked, and the threshold
that turns scores into decisions is chosen on the validation part, never on the test part.
"""

from __future__ import annotations

import numpy as np
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

from seqcase.config import RecallTarget

METRICS = {
    "average_precision": lambda labels, scores, threshold: average_precision_score(labels, scores),
    "roc_auc": lambda labels, scores, threshold: roc_auc_score(labels, scores),
    "accuracy": lambda labels, scores, threshold: accuracy_score(labels, scores >= threshold),
    "f1": lambda labels, scores, threshold: f1_score(labels, scores >= threshold, zero_division=0),
}


def choose_threshold(labels: np.ndarray, scores: np.ndarray, rule) -> float:
    """The decision threshold from validation labels and scores.

    `max_f1`: the threshold of the best F1; `max_accuracy`: of the best accuracy (for a case judged
    on accuracy); `RecallTarget(r)`: the highest threshold whose recall reaches r (the most precise
    way to find that share of positives); a float: itself.
    """
    if isinstance(rule, float):
        return rule
    if labels.sum() == 0:
        raise ValueError("the validation part has no positive example: no threshold can be chosen on it")
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    precision, recall = precision[:-1], recall[:-1]  # the last point has no threshold
    if isinstance(rule, RecallTarget):
        reaching = np.flatnonzero(recall >= rule.recall)
        return float(thresholds[reaching.max()])
    if rule == "max_accuracy":
        positives = labels.sum()
        true_positives = recall * positives
        with np.errstate(divide="ignore", invalid="ignore"):
            false_positives = np.where(precision > 0, true_positives / precision - true_positives, 0.0)
        correct = true_positives + (len(labels) - positives - false_positives)
        return float(thresholds[int(np.argmax(np.round(correct)))])
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return float(thresholds[int(np.argmax(f1))])


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


def paired_bootstrap(labels: np.ndarray, scores: np.ndarray, reference_scores: np.ndarray, metric: str,
                     threshold: float, reference_threshold: float, resamples: int, seed: int) -> dict:
    """How often, over resamples of the test examples, the model's metric is not above the reference's.

    That share is a one-sided p-value for "the model is better"; the interval is the 95 % range of
    the difference. Both models are scored on the same resampled examples each time.
    """
    score = METRICS[metric]
    rng = np.random.default_rng(seed)
    differences = []
    for _ in range(resamples):
        chosen = rng.integers(0, len(labels), len(labels))
        if labels[chosen].min() == labels[chosen].max():
            continue
        differences.append(score(labels[chosen], scores[chosen], threshold)
                           - score(labels[chosen], reference_scores[chosen], reference_threshold))
    differences = np.asarray(differences)
    return {"difference": float(score(labels, scores, threshold) - score(labels, reference_scores, reference_threshold)),
            "p_value": float((np.sum(differences <= 0) + 1) / (len(differences) + 1)),
            "interval": [float(np.percentile(differences, 2.5)), float(np.percentile(differences, 97.5))]}


def curve_points(labels: np.ndarray, scores: np.ndarray, points: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall at the curve's corners, thinned to at most `points` (a plot needs no more).

    With 75 positives among 57,000 the curve is a staircase of at most 76 steps; thinning by index
    over every threshold would keep the low-precision tail and lose the steps.
    """
    precision, recall, _ = precision_recall_curve(labels, scores, drop_intermediate=True)
    keep = np.unique(np.linspace(0, len(precision) - 1, min(points, len(precision))).round().astype(int))
    return precision[keep], recall[keep]
