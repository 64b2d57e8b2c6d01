"""Classical baselines chosen like the networks: a grid of settings, each fitted on the training
part, the best on the validation part kept. Shared by the binary tasks."""

from __future__ import annotations

import numpy as np

from seqcase.splits import Split


def sklearn_class_weight(setting: str) -> str | None:
    """params.yaml's `none` or `balanced` as scikit-learn's class_weight."""
    return None if setting == "none" else setting


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

        train_inputs, train_labels = self.features(prepared, Split.TRAIN)
        validation_inputs, validation_labels = self.features(prepared, Split.VALIDATION)
        self.search_ = []
        best = None
        for values in ParameterGrid(self.grid):
            estimator = self.make(**values).fit(train_inputs, train_labels)
            score = float(METRICS[self.metric](validation_labels, estimator.predict_proba(validation_inputs)[:, 1], 0.5))
            self.search_.append({**values, f"validation_{self.metric}": score})
            if best is None or score > best[0]:
                best = (score, values, estimator)
        _, self.chosen_, self.estimator_ = best
        return self

    def positive_scores(self, prepared, split_name: str) -> np.ndarray:
        inputs, _ = self.features(prepared, split_name)
        return self.estimator_.predict_proba(inputs)[:, 1].astype(np.float64)
