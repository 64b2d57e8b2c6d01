"""What a classification report says: does a recurrent model beat the classical baselines?

Judged on macro-F1 (every class counts alike), with accuracy beside it and McNemar's test on
the sequences where exactly one of the two models is right.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqcase.evaluation.classification import confusion, mcnemar
from seqcase.reporting import figures
from seqcase.reporting.report import FAMILY_COLOURS, Table, cell, load_predictions_file

TABLE_COLUMNS = ("accuracy", "macro_f1", "balanced_accuracy", "roc_auc_ovr")


def load_predictions(evaluation: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Test labels, and each model's predicted class."""
    shared, probabilities = load_predictions_file(evaluation)
    return shared["labels"], {name: values.argmax(axis=1) for name, values in probabilities.items()}


def verdict(scores: dict, families: dict[str, str], labels: np.ndarray, predicted: dict[str, np.ndarray],
            significance: float) -> dict:
    recurrent = [name for name in scores if families[name] == "recurrent"]
    baselines = [name for name in scores if families[name] == "baseline"]
    if not recurrent or not baselines:
        return {"beaten": False, "model": None, "text": "No recurrent model or no baseline in this case."}
    best = max(recurrent, key=lambda name: scores[name]["macro_f1"])
    rival = max(baselines, key=lambda name: scores[name]["macro_f1"])
    p_value = mcnemar(labels, predicted[best], predicted[rival])
    beaten = scores[best]["macro_f1"] > scores[rival]["macro_f1"]
    numbers = (f"{best} has test macro-F1 {scores[best]['macro_f1']:.4f} and accuracy {scores[best]['accuracy']:.4f}; "
               f"the best baseline, {rival}, {scores[rival]['macro_f1']:.4f} and {scores[rival]['accuracy']:.4f}. "
               f"McNemar one-sided p = {p_value:.3g} for {best} being right more often")
    significant = p_value < significance
    if beaten:
        text = (f"Yes: a recurrent model beat the baselines on macro-F1. {numbers} "
                f"({'significant' if significant else 'not significant'} at {significance}).")
    else:
        text = f"No: no recurrent model beat the best baseline on macro-F1. {numbers}."
    return {"beaten": beaten, "model": best, "macro_f1": scores[best]["macro_f1"],
            "accuracy": scores[best]["accuracy"], "baseline": rival, "baseline_macro_f1": scores[rival]["macro_f1"],
            "baseline_accuracy": scores[rival]["accuracy"], "mcnemar_pvalue": p_value, "text": text}


def tables(metrics: dict, families: dict[str, str]) -> list[Table]:
    scores = metrics["models"]
    ordered = sorted(scores, key=lambda name: -scores[name]["macro_f1"])
    classes = list(zip(metrics["class_labels"], metrics["classes"]))
    supports = {label: scores[ordered[0]]["per_class"][f"class_{label}"]["support"] for label, _ in classes}

    def per_class(measure: str) -> list[list[str]]:
        return [[name, families[name], *(cell(scores[name]["per_class"][f"class_{label}"][measure])
                                         for label, _ in classes)] for name in ordered]

    header = [f"{name} ({supports[label]})" for label, name in classes]
    return [
        Table(f"Test metrics ({metrics['test_examples']} sequences)", ["model", "family", *TABLE_COLUMNS],
              [[name, families[name], *(cell(scores[name][column]) for column in TABLE_COLUMNS)] for name in ordered],
              "macro_f1: F1 averaged over classes, each counting alike. roc_auc_ovr: one-vs-rest ROC-AUC, "
              "averaged over the classes the test part holds."),
        Table("Recall per class (test sequences of the class in brackets)", ["model", "family", *header],
              per_class("recall"), "Recall: the share of a class's sequences the model finds."),
        Table("Precision per class", ["model", "family", *header], per_class("precision")),
    ]


def draw_figures(directory: Path, reports: Path, evaluation: Path, metrics: dict, families: dict[str, str],
                 result: dict) -> dict[str, Path]:
    scores = metrics["models"]
    labels, predicted = load_predictions(evaluation)
    drawn = {"Test macro-F1": figures.bar_figure(
        directory / "macro_f1.png", {name: scores[name]["macro_f1"] for name in scores},
        {name: FAMILY_COLOURS[families[name]] for name in scores}, "test macro-F1", ascending=False)}
    for role in ("model", "baseline"):
        name = result.get(role)
        if name:
            matrix = confusion(labels, predicted[name], len(metrics["classes"]))
            drawn[f"Confusion matrix: {name}"] = figures.confusion_figure(
                directory / f"confusion_{name}.png", matrix, metrics["classes"], f"{name} (test part)")
    drawn.update(figures.learning_curves_section(directory, reports / "learning_curves"))
    return drawn


def summary_row(metrics: dict, result: dict) -> dict:
    scores = metrics["models"]
    best = max(scores, key=lambda name: scores[name]["macro_f1"])
    return {"metric": "macro-F1", "best_model": best, "best_value": scores[best]["macro_f1"],
            "reference": result.get("baseline"), "reference_value": result.get("baseline_macro_f1"),
            "recurrent": result.get("model"), "recurrent_value": result.get("macro_f1"),
            "p_value": result.get("mcnemar_pvalue"),
            "note": f"accuracy {result['accuracy']:.4f}" if result.get("accuracy") is not None else ""}
