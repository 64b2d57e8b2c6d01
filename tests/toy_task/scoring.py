"""Accuracy on the test part; the verdict: the best recurrent model against the majority class,
with a one-sided sign test on the sequences where exactly one of them is right."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from seqcase.evaluation.verdicts import NO_CONTEST, contenders, model_families, verdict_text
from seqcase.splits import Split
from seqcase.tasks.base import Evaluation


def evaluate(case, prepared, networks: dict, training: dict, settings) -> Evaluation:
    majority = np.bincount(prepared.part(Split.TRAIN)[1], minlength=2).argmax()
    scores, predicted = {}, {}
    for part in (Split.VALIDATION, Split.TEST):  # choices on validation, the test part scores them
        inputs, labels = prepared.part(part)
        predicted = {name: np.asarray(model.predict(inputs, verbose=0)).argmax(axis=1) for name, model in networks.items()}
        predicted["majority"] = np.full(len(labels), majority)
        key = "accuracy" if part == Split.TEST else "validation_accuracy"
        for name, values in predicted.items():
            scores.setdefault(name, {})[key] = float((values == labels).mean())
    families = model_families(scores, training)
    pair = contenders(scores, families, "accuracy", higher_is_better=True)
    if pair is None:
        verdict = {"beaten": False, "model": None, "text": NO_CONTEST}
    else:
        best, rival = pair
        only_best = int(((predicted[best] == labels) & (predicted[rival] != labels)).sum())
        only_rival = int(((predicted[best] != labels) & (predicted[rival] == labels)).sum())
        p_value = float(stats.binomtest(only_best, max(only_best + only_rival, 1), 0.5, alternative="greater").pvalue)
        beaten = scores[best]["accuracy"] > scores[rival]["accuracy"]
        difference = scores[best]["accuracy"] - scores[rival]["accuracy"]
        verdict = {"beaten": beaten, "model": best, "baseline": rival, "p_value": p_value, "difference": difference,
                   "interval": [difference, difference],
                   "text": verdict_text(beaten, "a recurrent model beat the majority class",
                                        "no recurrent model beat the majority class",
                                        f"{best} is right on {scores[best]['accuracy']:.3f} of the test sequences",
                                        p_value, settings.significance)}
    tables = {name: pd.DataFrame({"actual": labels, "predicted": values}) for name, values in predicted.items()}
    arrays = {"labels": labels, **{f"model_{name}": values for name, values in predicted.items()}}
    return Evaluation(len(labels), scores, verdict, tables, arrays, {"baselines": ["majority"]})
