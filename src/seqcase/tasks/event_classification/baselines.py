"""Classical classifiers on the single event (no window), each tuned on the validation part."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from seqcase.evaluation.work import fit_each
from seqcase.models.validated import ValidatedBaseline, sklearn_class_weight


def single_events(prepared, split_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The event alone (no window): the one-to-one view the classical models take."""
    positions = prepared.positions(split_name)
    return prepared.features[positions], prepared.labels[positions]


def _logistic_regression(C: float, class_weight: str, max_iter: int):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight=sklearn_class_weight(class_weight),
                                                              max_iter=max_iter))


def _gradient_boosting(seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier

    def make(learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization, max_iter, class_weight):
        return HistGradientBoostingClassifier(
            learning_rate=learning_rate, max_leaf_nodes=max_leaf_nodes, min_samples_leaf=min_samples_leaf,
            l2_regularization=l2_regularization, max_iter=max_iter, class_weight=sklearn_class_weight(class_weight),
            early_stopping=False, random_state=seed)
    return make


def fit_baselines(prepared, chosen: dict, metric: str, seed: int) -> dict[str, ValidatedBaseline]:
    """Fit every baseline the case names, each tuned on validation over its options' lists."""
    factories = {
        "logistic_regression": (_logistic_regression, single_events),
        "histogram_gradient_boosting": (_gradient_boosting(seed), single_events),
        "random_forest": (lambda n_estimators, class_weight: RandomForestClassifier(
            n_estimators=n_estimators, class_weight=sklearn_class_weight(class_weight), min_samples_leaf=2,
            random_state=seed, n_jobs=-1), single_events),
    }
    return fit_each(chosen, lambda name, options: ValidatedBaseline(factories[name][0], options, factories[name][1],
                                                                   metric).fit(prepared))
