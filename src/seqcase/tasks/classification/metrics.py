"""Classification scores from predicted probabilities, and McNemar's test between two models.

Accuracy says little when one class is 58 % of the beats: macro-F1, balanced accuracy and the
recall of each class say whether the rare classes are found at all.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)


def classification_scores(labels: np.ndarray, probabilities: np.ndarray, class_labels: tuple[str, ...]) -> dict:
    """Overall scores and, under per_class, precision, recall, F1 and support of each class."""
    classes = np.arange(len(class_labels))
    predicted = probabilities.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=classes, zero_division=0)
    # One-vs-rest, macro: each class the test part holds against the rest (an absent class has no curve).
    present = [index for index in classes if 0 < (labels == index).sum() < len(labels)]
    roc_auc = float(np.mean([roc_auc_score(labels == index, probabilities[:, index]) for index in present])) \
        if present else float("nan")
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_f1": float(f1_score(labels, predicted, labels=classes, average="macro", zero_division=0)),
        "balanced_accuracy": float(balanced_accuracy_score(labels, predicted)),
        "roc_auc_ovr": roc_auc,
        "per_class": {
            f"class_{label}": {"precision": float(precision[index]), "recall": float(recall[index]),
                               "f1": float(f1[index]), "support": int(support[index])}
            for index, label in enumerate(class_labels)
        },
    }


def confusion(labels: np.ndarray, predicted: np.ndarray, class_count: int) -> np.ndarray:
    """Rows are true classes, columns predicted ones."""
    return confusion_matrix(labels, predicted, labels=np.arange(class_count))


def mcnemar(labels: np.ndarray, predicted: np.ndarray, reference_predicted: np.ndarray) -> float:
    """One-sided exact McNemar p-value: is `predicted` right more often than the reference?

    Only the sequences where exactly one of the two is right count (a binomial test on them).
    """
    right = predicted == labels
    reference_right = reference_predicted == labels
    only_model, only_reference = int((right & ~reference_right).sum()), int((~right & reference_right).sum())
    if only_model + only_reference == 0:
        return float("nan")
    return float(stats.binomtest(only_model, only_model + only_reference, 0.5, alternative="greater").pvalue)


def accuracy_difference_interval(labels: np.ndarray, predicted: np.ndarray, reference_predicted: np.ndarray,
                                 level: float = 0.95) -> tuple[float, float, float]:
    """The accuracy difference (model minus reference) on the same examples and its normal interval
    (the paired difference of being right, the quantity McNemar's test is about)."""
    difference = (predicted == labels).astype(float) - (reference_predicted == labels).astype(float)
    mean = float(difference.mean())
    half_width = stats.norm.ppf(0.5 + level / 2) * difference.std(ddof=1) / np.sqrt(len(difference))
    return mean, float(mean - half_width), float(mean + half_width)
