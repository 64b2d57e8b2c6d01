"""Classification scores from predicted probabilities.

Accuracy says little when one class is 58 % of the beats: macro-F1, balanced accuracy and the
recall of each class say whether the rare classes are found at all.
"""

from __future__ import annotations

import numpy as np
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


def fast_macro_f1(labels: np.ndarray, predicted: np.ndarray, class_count: int) -> float:
    """sklearn's macro-F1 over all `class_count` classes (zero_division=0), from one bincount: the
    verdict's bootstrap computes it thousands of times."""
    counts = np.bincount(labels * class_count + predicted, minlength=class_count * class_count)
    counts = counts.reshape(class_count, class_count)
    denominator = counts.sum(axis=0) + counts.sum(axis=1)
    f1 = np.divide(2 * np.diag(counts), denominator, out=np.zeros(class_count), where=denominator > 0)
    return float(f1.mean())
