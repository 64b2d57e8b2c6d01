"""Every classifier scored on the same test sequences, and the verdict: did a recurrent model beat
the best classical baseline on macro-F1, by more than the seeds and the choice of test sequences
would give by chance?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqcase.evaluation.seeds import VerdictWords, aggregate_seeds, seeded_verdict
from seqcase.splits import Split
from seqcase.tasks.base import Evaluation, ScoringSettings
from seqcase.tasks.classification.baselines import fit_classifiers
from seqcase.tasks.classification.data import PreparedSequences
from seqcase.tasks.classification.metrics import classification_scores, fast_macro_f1
from seqcase.tasks.classification.schema import ClassificationCase


class KerasClassifier:
    """A trained network behind the baselines' predict_proba(inputs) contract."""

    def __init__(self, model, batch_size: int = 1024) -> None:
        self.model = model
        self.batch_size = batch_size

    def predict_proba(self, inputs: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(inputs, batch_size=self.batch_size, verbose=0), dtype=np.float64)


WORDS = VerdictWords("macro_f1", "macro-F1", higher_is_better=True)
VERDICT_RESAMPLES = 1000


def verdict(scores: dict, training: dict, labels: np.ndarray, probabilities: dict[str, np.ndarray],
            class_count: int, significance: float, seed: int) -> dict:
    """Did the recurrent model chosen on validation beat the baseline chosen the same way on test
    macro-F1, over the test sequences (resampled) and the seeds?"""
    def macro_f1(name: str, values: np.ndarray, indices: np.ndarray) -> float:
        return fast_macro_f1(labels[indices], values[indices].argmax(axis=1), class_count)

    return seeded_verdict(scores, training, probabilities, macro_f1, WORDS, significance, VERDICT_RESAMPLES, seed,
                          block_unit="test sequences")


def evaluate(case: ClassificationCase, prepared: PreparedSequences, networks: dict, training: dict,
             settings: ScoringSettings) -> Evaluation:
    classifiers = {variant: KerasClassifier(model) for variant, model in networks.items()}
    baselines = fit_classifiers(prepared, case.baselines.chosen(), settings.seed)
    inputs, labels = prepared.part(Split.TEST)
    validation_inputs, validation_labels = prepared.part(Split.VALIDATION)
    probabilities, scores = {}, {}
    for name, model in {**classifiers, **baselines}.items():
        probabilities[name] = model.predict_proba(inputs)
        scores[name] = classification_scores(labels, probabilities[name], prepared.class_labels)
        on_validation = classification_scores(validation_labels, model.predict_proba(validation_inputs),
                                              prepared.class_labels)
        scores[name].update(validation_macro_f1=on_validation["macro_f1"], validation_accuracy=on_validation["accuracy"])
    names = np.array(prepared.class_names)
    tables = {name: pd.DataFrame({"actual": names[labels], "predicted": names[values.argmax(axis=1)]})
              for name, values in probabilities.items()}
    arrays = {"labels": labels, **{f"model_{name}": values for name, values in probabilities.items()}}
    facts = {"classes": list(prepared.class_names), "class_labels": list(prepared.class_labels),
             "baselines": list(baselines)}
    scores = aggregate_seeds(scores, training)
    result = verdict(scores, training, labels, probabilities, len(prepared.class_labels), settings.significance,
                     settings.seed)
    return Evaluation(len(labels), scores, result, tables, arrays, facts)
