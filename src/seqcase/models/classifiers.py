"""Classical baselines for sequence classification, on the raw sequence flattened to one row.

Each has the networks' contract: fit on the prepared training part, then predict_proba(inputs).
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from seqcase.tasks.classification import PreparedSequences


def _weighting(setting: str) -> str | None:
    return None if setting == "none" else setting


class FlatClassifier:
    """A scikit-learn classifier over the flattened sequence; columns of predict_proba are all classes."""

    def __init__(self, estimator) -> None:
        self.estimator = estimator

    def fit(self, prepared: PreparedSequences) -> FlatClassifier:
        inputs, labels = prepared.part("train")
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
        _, labels = prepared.part("train")
        self.probabilities_ = np.bincount(labels, minlength=prepared.class_count) / len(labels)
        return self

    def predict_proba(self, inputs: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.probabilities_, (len(inputs), len(self.probabilities_))).copy()


def fit_classifiers(prepared: PreparedSequences, chosen: dict, seed: int) -> dict:
    """Fit every baseline a case names; `chosen` maps name to its options from params.yaml."""
    factories = {
        "majority": lambda options: MajorityClassifier(),
        "logistic_regression": lambda options: FlatClassifier(LogisticRegression(
            C=options.C, class_weight=_weighting(options.class_weight), max_iter=options.max_iter)),
        "random_forest": lambda options: FlatClassifier(RandomForestClassifier(
            n_estimators=options.n_estimators, class_weight=_weighting(options.class_weight), random_state=seed,
            n_jobs=-1)),
    }
    return {name: factories[name](options).fit(prepared) for name, options in chosen.items()}


# --- binary tasks: baselines tuned on the validation part -------------------------------------------


def _grid(options) -> dict[str, list]:
    """Options as a scikit-learn grid: a list is searched, a single value is fixed."""
    return {name: value if isinstance(value, list) else [value] for name, value in options.model_dump().items()}


class ValidatedBaseline:
    """One scikit-learn pipeline per grid point, fitted on the training part; the one with the best
    validation score (the case's metric) is kept, as keras-tuner keeps the networks' best trial."""

    def __init__(self, make, options, features, metric: str) -> None:
        self.make, self.grid, self.features, self.metric = make, _grid(options), features, metric

    def fit(self, prepared) -> ValidatedBaseline:
        from sklearn.model_selection import ParameterGrid

        from seqcase.evaluation.binary import METRICS

        train_inputs, train_labels = self.features(prepared, "train")
        validation_inputs, validation_labels = self.features(prepared, "validation")
        self.search_ = []
        best = None
        for values in ParameterGrid(self.grid):
            estimator = self.make(**values).fit(train_inputs, train_labels)
            score = float(METRICS[self.metric](validation_labels, estimator.predict_proba(validation_inputs)[:, 1], 0.5))
            self.search_.append({**values, f"validation_{self.metric}": score})
            if best is None or score > best[0]:
                best = (score, values, estimator)
        self.validation_score_, self.chosen_, self.estimator_ = best
        return self

    def positive_scores(self, prepared, split_name: str) -> np.ndarray:
        inputs, _ = self.features(prepared, split_name)
        return self.estimator_.predict_proba(inputs)[:, 1].astype(np.float64)


def single_events(prepared, split_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The event alone (no window): the one-to-one view the classical models take."""
    positions = prepared.positions(split_name)
    return prepared.features[positions], prepared.labels[positions]




def _logistic_regression(C: float, class_weight: str, max_iter: int):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight=_weighting(class_weight),
                                                              max_iter=max_iter))


def _gradient_boosting(seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier

    def make(learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization, max_iter, class_weight):
        return HistGradientBoostingClassifier(
            learning_rate=learning_rate, max_leaf_nodes=max_leaf_nodes, min_samples_leaf=min_samples_leaf,
            l2_regularization=l2_regularization, max_iter=max_iter, class_weight=_weighting(class_weight),
            early_stopping=False, random_state=seed)
    return make


def _tfidf_logistic_regression(ngram_max: int, min_df: int, max_features: int | None, C: float, max_iter: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(ngram_range=(1, ngram_max), min_df=min_df, max_features=max_features,
                                         sublinear_tf=True),
                         LogisticRegression(C=C, max_iter=max_iter))


def fit_binary_baselines(prepared, chosen: dict, metric: str, seed: int) -> dict[str, ValidatedBaseline]:
    """Fit every baseline a binary case names, each tuned on validation over its options' lists."""
    factories = {
        "logistic_regression": (_logistic_regression, single_events),
        "histogram_gradient_boosting": (_gradient_boosting(seed), single_events),
        "random_forest": (lambda n_estimators, class_weight: RandomForestClassifier(
            n_estimators=n_estimators, class_weight=_weighting(class_weight), min_samples_leaf=2,
            random_state=seed, n_jobs=-1), single_events),
        # The texts stay Python strings: a fixed-width copy of 25k reviews would take 1 GB.
        "tfidf_logistic_regression": (_tfidf_logistic_regression, lambda prepared, split_name: prepared.part(split_name)),
    }
    return {name: ValidatedBaseline(factories[name][0], options, factories[name][1], metric).fit(prepared)
            for name, options in chosen.items()}
