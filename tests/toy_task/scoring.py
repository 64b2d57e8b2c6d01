"""Accuracy on the test part; the verdict: the recurrent model chosen on validation against the
majority class, by the shared bootstrap over seeds and test sequences."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqcase.evaluation.seeds import VerdictWords, aggregate_seeds, seeded_verdict
from seqcase.splits import Split
from seqcase.tasks.base import Evaluation


def evaluate(case, prepared, networks: dict, training: dict, settings) -> Evaluation:
    majority = np.bincount(prepared.part(Split.TRAIN)[1], minlength=2).argmax()
    scores, probabilities = {}, {}
    for part in (Split.VALIDATION, Split.TEST):  # choices on validation, the test part scores them
        inputs, labels = prepared.part(part)
        probabilities = {name: np.asarray(model.predict(inputs, verbose=0), dtype=np.float64)
                         for name, model in networks.items()}
        probabilities["majority"] = np.eye(2)[np.full(len(labels), majority)]
        key = "accuracy" if part == Split.TEST else "validation_accuracy"
        for name, values in probabilities.items():
            scores.setdefault(name, {})[key] = float((values.argmax(axis=1) == labels).mean())

    def accuracy(name: str, values: np.ndarray, indices: np.ndarray) -> float:
        return float((values[indices].argmax(axis=1) == labels[indices]).mean())

    scores = aggregate_seeds(scores, training)
    verdict = seeded_verdict(scores, training, probabilities, accuracy, VerdictWords("accuracy", "accuracy", True),
                             settings.significance, 200, settings.seed)
    predicted = {name: values.argmax(axis=1) for name, values in probabilities.items()}
    tables = {name: pd.DataFrame({"actual": labels, "predicted": values}) for name, values in predicted.items()}
    arrays = {"labels": labels, **{f"model_{name}": values for name, values in predicted.items()}}
    return Evaluation(len(labels), scores, verdict, tables, arrays, {"baselines": ["majority"]})
