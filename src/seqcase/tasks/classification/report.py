"""What a classification report shows: macro-F1 and accuracy per model, recall and precision per
class, confusion matrices, and the case's summary row."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqcase.io import read_json
from seqcase.paths import CasePaths
from seqcase.reporting import figures
from seqcase.reporting.report import FAMILY_COLOURS, ReportContent, Table, cell, load_predictions_file
from seqcase.tasks.classification.metrics import confusion
from seqcase.tasks.classification.schema import ClassificationCase


TABLE_COLUMNS = ("accuracy", "macro_f1", "balanced_accuracy", "roc_auc_ovr", "validation_macro_f1")


def load_predictions(evaluation: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Test labels, and each model's predicted class."""
    shared, probabilities = load_predictions_file(evaluation)
    return shared["labels"], {name: values.argmax(axis=1) for name, values in probabilities.items()}


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
              "averaged over the classes the test part holds. validation_macro_f1: on the validation part, which "
              "the verdict's models and the best model are chosen on."),
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


def summary_row(metrics: dict) -> dict:
    scores, result = metrics["models"], metrics["verdict"]
    best = max(scores, key=lambda name: scores[name]["validation_macro_f1"])
    return {"metric": "macro-F1", "best_model": best, "best_value": scores[best]["macro_f1"],
            "reference": result.get("baseline"), "reference_value": result.get("baseline_value"),
            "recurrent": result.get("model"), "recurrent_value": result.get("value"),
            "p_value": result.get("p_value"),
            "note": f"accuracy {result['accuracy']:.4f}" if result.get("accuracy") is not None else ""}


def report(case: ClassificationCase, metrics: dict, families: dict, paths: CasePaths,
           figure_directory: Path) -> ReportContent:
    prepared = read_json(paths.prepared / "meta.json")
    result = metrics["verdict"]
    data = {"source": case.source, "classes": ", ".join(f"{label}: {name}" for label, name in
                                                        zip(prepared["class_labels"], prepared["class_names"])),
            **prepared["summary"]}
    return ReportContent(
        verdict=result, tables=tables(metrics, families),
        figures=draw_figures(figure_directory, paths.reports, paths.evaluation, metrics, families, result),
        data=data, training=read_json(paths.models / "training.json"))
