"""Classification scores on predictions whose numbers are known."""

from __future__ import annotations

import numpy as np
import pytest

from seqcase.tasks.classification.metrics import classification_scores, confusion


def one_hot(predicted: list[int], classes: int = 3) -> np.ndarray:
    return np.eye(classes)[predicted]


def test_scores_from_a_known_confusion():
    labels = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    predicted = [0, 0, 0, 1, 1, 1, 2, 0]
    scores = classification_scores(labels, one_hot(predicted), ("1", "2", "3"))
    assert scores["accuracy"] == pytest.approx(6 / 8)
    assert scores["per_class"]["class_1"] == {"precision": pytest.approx(3 / 4), "recall": pytest.approx(3 / 4),
                                              "f1": pytest.approx(3 / 4), "support": 4}
    assert scores["per_class"]["class_3"]["recall"] == pytest.approx(0.5)
    assert scores["per_class"]["class_3"]["precision"] == pytest.approx(1.0)
    f1_class_2 = 2 * (2 / 3) * 1.0 / (2 / 3 + 1.0)
    assert scores["macro_f1"] == pytest.approx((0.75 + f1_class_2 + 2 / 3) / 3)
    assert scores["balanced_accuracy"] == pytest.approx((0.75 + 1.0 + 0.5) / 3)
    assert confusion(labels, np.array(predicted), 3).tolist() == [[3, 1, 0], [0, 2, 0], [1, 0, 1]]


def test_roc_auc_is_one_vs_rest_over_the_classes_present():
    labels = np.array([0, 0, 1, 1])
    probabilities = np.array([[0.9, 0.1, 0.0], [0.5, 0.5, 0.0], [0.3, 0.7, 0.0], [0.55, 0.45, 0.0]])
    # Class 0 against the rest: 3 of 4 pairs ranked right; class 1 the same; class 2 absent.
    assert classification_scores(labels, probabilities, ("a", "b", "c"))["roc_auc_ovr"] == pytest.approx(0.75)
