"""How a binary case turns probabilities into decisions: the threshold rule, chosen on validation.

One type holds the rule as params.yaml writes it, chooses the threshold from validation labels and
scores, and says in words what it did (the report's note), so no copy can fall behind a new rule.
"""

from __future__ import annotations

import numpy as np

from seqcase.config.binary import RecallTarget, ThresholdSetting


class ThresholdRule:
    """A threshold rule as params.yaml gives it: a probability, max_f1, max_accuracy or {recall: r}."""

    def __init__(self, setting: ThresholdSetting) -> None:
        self.setting = setting

    def choose(self, labels: np.ndarray, scores: np.ndarray) -> float:
        """The decision threshold from validation labels and scores.

        `max_f1`: the threshold of the best F1; `max_accuracy`: of the best accuracy (for a case judged
        on accuracy); `RecallTarget(r)`: the highest threshold whose recall reaches r (the most precise
        way to find that share of positives); a float: itself.
        """
        from sklearn.metrics import precision_recall_curve

        rule = self.setting
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

    def describe(self) -> str:
        """The rule in words, for the report."""
        rule = self.setting
        if isinstance(rule, RecallTarget):
            return f"the highest threshold reaching validation recall {rule.recall}"
        if isinstance(rule, float):
            return f"the fixed threshold {rule}"
        return {"max_f1": "the threshold of the best validation F1",
                "max_accuracy": "the threshold of the best validation accuracy"}[rule]

    def as_json(self):
        """The rule as metrics.json records it."""
        return self.setting.model_dump() if isinstance(self.setting, RecallTarget) else self.setting
