"""Every classifier scored on the same test sequences, and the verdict: did a recurrent model beat
the best classical baseline on macro-F1? McNemar's test on the sequences where exactly one of the
two is right says whether the lead is more than luck."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqcase.evaluation.verdicts import NO_CONTEST, contenders, model_families, selection_rule
from seqcase.splits import Split
from seqcase.tasks.base import Evaluation, ScoringSettings
from seqcase.tasks.classification.baselines import fit_classifiers
from seqcase.tasks.classification.data import PreparedSequences
from seqcase.tasks.classification.metrics import accuracy_difference_interval, classification_scores, mcnemar
from seqcase.tasks.classification.schema import ClassificationCase


class KerasClassifier:
    """A trained network behind the baselines' predict_proba(inputs) contract."""

    def __init__(self, model, batch_size: int = 1024) -> None:
        self.model = model
        self.batch_size = batch_size

    def predict_proba(self, inputs: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(inputs, batch_size=self.batch_size, verbose=0), dtype=np.float64)


def verdict(scores: dict, families: dict[str, str], labels: np.ndarray, predicted: dict[str, np.ndarray],
            significance: float) -> dict:
    pair = contenders(scores, families, "macro_f1", higher_is_better=True)
    if pair is None:
        return {"beaten": False, "model": None, "text": NO_CONTEST}
    best, rival = pair
    p_value = mcnemar(labels, predicted[best], predicted[rival])
    beaten = scores[best]["macro_f1"] > scores[rival]["macro_f1"]
    numbers = (f"{best}, the recurrent model with the best validation macro-F1, has test macro-F1 "
               f"{scores[best]['macro_f1']:.4f} and accuracy {scores[best]['accuracy']:.4f}; the baseline chosen the "
               f"same way, {rival}, {scores[rival]['macro_f1']:.4f} and {scores[rival]['accuracy']:.4f}. "
               f"McNemar one-sided p = {p_value:.3g} for {best} being right more often")
    significant = p_value < significance
    if beaten:
        text = (f"Yes: the recurrent model chosen on validation beat the baseline on test macro-F1. {numbers} "
                f"({'significant' if significant else 'not significant'} at {significance}).")
    else:
        text = f"No: the recurrent model chosen on validation did not beat the baseline on test macro-F1. {numbers}."
    difference, low, high = accuracy_difference_interval(labels, predicted[best], predicted[rival])
    return {"beaten": beaten, "model": best, "metric": "macro_f1", "selection": selection_rule("macro-F1"),
            "value": scores[best]["macro_f1"],
            "accuracy": scores[best]["accuracy"], "baseline": rival, "baseline_value": scores[rival]["macro_f1"],
            "baseline_accuracy": scores[rival]["accuracy"], "p_value": p_value, "difference": difference,
            "interval": [low, high],
            "test": "McNemar, exact, one-sided, on the test sequences where exactly one of the two is right; the "
                    "difference and its 95 % normal interval are of the accuracy, model minus baseline",
            "text": text}


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
    predicted = {name: values.argmax(axis=1) for name, values in probabilities.items()}
    result = verdict(scores, model_families(scores, training), labels, predicted, settings.significance)
    return Evaluation(len(labels), scores, result, tables, arrays, facts)
