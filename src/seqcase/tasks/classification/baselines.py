"""Classical baselines for sequence classification, on the raw sequence flattened to one row.

Each has the networks' contract: fit on the prepared training part, then predict_proba(inputs).
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from seqcase.evaluation.work import fit_each
from seqcase.models.validated import sklearn_class_weight
from seqcase.splits import Split
from seqcase.tasks.classification.data import PreparedSequences


class FlatClassifier:
    """A scikit-learn classifier over the flattened sequence; columns of predict_proba are all classes."""

    def __init__(self, estimator) -> None:
        self.estimator = estimator

    def fit(self, prepared: PreparedSequences) -> FlatClassifier:
        inputs, labels = prepared.part(Split.TRAIN)
        self.class_count_ = prepared.class_count
        self.estimator.fit(inputs.reshape(len(inputs), -1), labels)
        return self

    def predict_proba(self, inputs: np.ndarray) -> np.ndarray:
        probabilities = np.zeros((len(inputs), self.class_count_))
        probabilities[:, self.estimator.classes_] = self.estimator.predict_proba(inputs.reshape(len(inputs), -1))
        return probabilities


class MajorityClassifier:
    """Always the most frequent training class: the accuracy that costs nothing."""

    def fit(self, prepared: PreparedSequences) -> MajorityClassifier:
        _, labels = prepared.part(Split.TRAIN)
        self.probabilities_ = np.bincount(labels, minlength=prepared.class_count) / len(labels)
        return self

    def predict_proba(self, inputs: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.probabilities_, (len(inputs), len(self.probabilities_))).copy()


def fit_classifiers(prepared: PreparedSequences, chosen: dict, seed: int) -> dict:
    """Fit every baseline a case names; `chosen` maps name to its options from params.yaml."""
    factories = {
        "majority": lambda options: MajorityClassifier(),
        "logistic_regression": lambda options: FlatClassifier(LogisticRegression(
            C=options.C, class_weight=sklearn_class_weight(options.class_weight), max_iter=options.max_iter)),
        "random_forest": lambda options: FlatClassifier(RandomForestClassifier(
            n_estimators=options.n_estimators, class_weight=sklearn_class_weight(options.class_weight), random_state=seed,
            n_jobs=-1)),
    }
    return fit_each(chosen, lambda name, options: factories[name](options).fit(prepared))
