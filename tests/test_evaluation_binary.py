"""Binary detection scores against hand-computed numbers; the threshold never sees the test part."""

from __future__ import annotations

import numpy as np
import pytest

from seqcase.evaluation.binary import binary_scores, curve_points, recall_at_precision, score_binary
from seqcase.config.binary import BinaryEvaluate, RecallTarget
from seqcase.evaluation.thresholds import ThresholdRule
from seqcase.splits import Split


def choose_threshold(labels: np.ndarray, scores: np.ndarray, setting) -> float:
    return ThresholdRule(setting).choose(labels, scores)


def test_each_threshold_rule_says_what_it_does():
    assert ThresholdRule("max_f1").describe() == "the threshold of the best validation F1"
    assert ThresholdRule("max_accuracy").describe() == "the threshold of the best validation accuracy"
    assert ThresholdRule(RecallTarget(recall=0.9)).describe() == "the highest threshold reaching validation recall 0.9"
    assert ThresholdRule(0.5).describe() == "the fixed threshold 0.5"
    assert ThresholdRule(RecallTarget(recall=0.9)).as_json() == {"recall": 0.9}
    assert ThresholdRule("max_accuracy").as_json() == "max_accuracy"

LABELS = np.array([0, 0, 0, 0, 1, 0, 1, 1])
SCORES = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])


def test_max_f1_takes_the_threshold_of_the_best_f1():
    # Thresholds 0.8, 0.7, 0.6, 0.5 give F1 0.5, 0.8, 0.75, 0.857: the best is 0.5 (3 of 3 found, 1 false alarm).
    assert choose_threshold(LABELS, SCORES, "max_f1") == 0.5


def test_max_accuracy_can_disagree_with_max_f1_and_takes_the_most_correct_threshold():
    labels = np.array([1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1])
    scores = np.linspace(0.05, 0.95, 11).round(2)
    # Calling everything positive gives the best F1 (0.71, 6 of 11 correct); 0.5 and 0.68 both get
    # 7 of 11 right, and the lower one comes first.
    assert choose_threshold(labels, scores, "max_f1") == 0.05
    assert choose_threshold(labels, scores, "max_accuracy") == 0.5
    correct = [((scores >= threshold) == labels).sum() for threshold in scores]
    assert max(correct) == 7


def test_a_recall_target_takes_the_highest_threshold_that_reaches_it():
    assert choose_threshold(LABELS, SCORES, RecallTarget(recall=0.6)) == 0.7  # 2 of 3 found
    assert choose_threshold(LABELS, SCORES, RecallTarget(recall=1.0)) == 0.5
    assert choose_threshold(LABELS, SCORES, 0.35) == 0.35


def test_no_positive_in_validation_is_refused():
    with pytest.raises(ValueError, match="no positive example"):
        choose_threshold(np.zeros(5, dtype=int), np.linspace(0, 1, 5), "max_f1")


def test_scores_at_a_threshold_and_over_all_thresholds():
    result = binary_scores(LABELS, SCORES, 0.65, precision_targets=[0.8, 0.9])
    assert (result["true_positives"], result["false_positives"], result["false_negatives"], result["true_negatives"]) \
        == (2, 0, 1, 5)
    assert result["precision"] == 1.0 and result["recall"] == pytest.approx(2 / 3)
    assert result["accuracy"] == pytest.approx(7 / 8)
    # Average precision: positives at ranks 1, 2 and 4 -> (1 + 1 + 3/4) / 3.
    assert result["average_precision"] == pytest.approx((1 + 1 + 0.75) / 3)
    assert result["roc_auc"] == pytest.approx(14 / 15)  # one (negative, positive) pair out of 15 misordered
    # All 3 positives need threshold 0.5, where precision is 3/4 < 0.8: the most found at 0.8 is 2 of 3.
    assert result["recall_at_precision_0.8"] == pytest.approx(2 / 3)
    assert result["recall_at_precision_0.9"] == pytest.approx(2 / 3)
    assert binary_scores(LABELS, SCORES, 0.65, [0.7])["recall_at_precision_0.7"] == 1.0


def test_recall_at_precision_is_zero_when_no_threshold_is_precise_enough():
    assert recall_at_precision(np.array([1, 0, 0, 1]), np.array([0.1, 0.9, 0.8, 0.2]), 0.9) == 0.0


def test_curve_points_are_thinned_but_keep_both_ends():
    precision, recall = curve_points(LABELS, SCORES, points=4)
    assert len(precision) == 4 and recall[0] == 1.0 and recall[-1] == 0.0


class FixedScorer:
    """Scores given per split: the contract every network and baseline meets."""

    def __init__(self, validation: np.ndarray, test: np.ndarray) -> None:
        self.by_split = {"validation": validation, "test": test}

    def positive_scores(self, prepared, part) -> np.ndarray:
        return self.by_split[Split.of(part).label]


class LabelledParts:
    def __init__(self, labels: np.ndarray, split: np.ndarray) -> None:
        self.labels, self.split = labels, split


def test_each_model_is_scored_at_the_threshold_its_validation_scores_chose():
    prepared = LabelledParts(np.concatenate([LABELS, [0, 1, 0, 1]]), np.array([1] * 8 + [2] * 4))
    # On test the best threshold would be 0.9, but validation chose 0.5: a test positive at 0.45 is missed.
    scorer = FixedScorer(SCORES, np.array([0.95, 0.45, 0.2, 0.9]))
    scores, test_scores, tables = score_binary({"model": scorer}, prepared, BinaryEvaluate(threshold="max_f1"))
    assert scores["model"]["threshold"] == 0.5
    assert (scores["model"]["true_positives"], scores["model"]["false_positives"]) == (1, 1)
    assert scores["model"]["validation_average_precision"] == pytest.approx((1 + 1 + 0.75) / 3)
    np.testing.assert_array_equal(test_scores["model"], [0.95, 0.45, 0.2, 0.9])
    assert list(tables["model"].columns) == ["recall", "precision"]
