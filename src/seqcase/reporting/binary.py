"""What a binary report shows, for events and texts alike: ranking and decision metrics per model,
the baselines' validation search, precision-recall curves, confusion matrices, the summary row.

The verdict (best recurrent model against the best baseline, with its paired bootstrap) comes from
the evaluate stage's metrics.json; this module only lays it out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sklearn.metrics import confusion_matrix

from seqcase.evaluation.binary import METRIC_NAMES, curve_points
from seqcase.evaluation.thresholds import ThresholdRule
from seqcase.io import read_json
from seqcase.paths import CasePaths
from seqcase.reporting import figures
from seqcase.reporting.report import FAMILY_COLOURS, ReportContent, Table, cell, load_predictions_file


def load_scores(evaluation: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Test labels, and each model's probability of the positive class."""
    shared, scores = load_predictions_file(evaluation)
    return shared["labels"], scores


DECISION_COLUMNS = ("threshold", "precision", "recall", "f1", "accuracy", "true_positives", "false_positives",
                    "false_negatives")


def tables(metrics: dict, families: dict[str, str], metric: str, rule: ThresholdRule) -> list[Table]:
    scores = metrics["models"]
    ordered = sorted(scores, key=lambda name: -scores[name][metric])
    at_precision = sorted(key for key in scores[ordered[0]] if key.startswith("recall_at_precision_"))
    ranking = ["average_precision", "roc_auc", *at_precision, f"validation_{metric}"]
    search_rows = [[name, ", ".join(f"{key}={value}" for key, value in info["chosen"].items()), str(len(info["grid"])),
                    cell(max(point[f"validation_{metric}"] for point in info["grid"]))]
                   for name, info in metrics.get("baseline_search", {}).items()]
    return [
        Table(f"Ranking metrics ({metrics['test_examples']} test examples, {metrics['positives']} positive)",
              ["model", "family", *ranking],
              [[name, families[name], *(cell(scores[name].get(column)) for column in ranking)] for name in ordered],
              "average_precision is the PR-AUC. recall_at_precision_p: the most positives found at a threshold "
              "whose precision is at least p."),
        Table("Decisions at the threshold chosen on validation", ["model", *DECISION_COLUMNS],
              [[name, *(cell(scores[name][column]) for column in DECISION_COLUMNS)] for name in ordered],
              f"Each model's threshold is {rule.describe()}; the test part never chooses it."),
        Table("Baselines tuned on the validation part", ["baseline", "chosen", "grid points", f"validation {metric}"],
              search_rows, "Each grid point is fitted on the training part; the best on validation is scored on test."),
    ]


def draw_figures(directory: Path, reports: Path, evaluation: Path, metrics: dict, families: dict[str, str],
                 result: dict) -> dict[str, Path]:
    scores, metric = metrics["models"], metrics["metric"]
    labels, predicted = load_scores(evaluation)
    colours = {name: FAMILY_COLOURS[families[name]] for name in scores}
    curves = {name: curve_points(labels, predicted[name]) for name in scores}
    drawn = {
        f"Test {METRIC_NAMES[metric]}": figures.bar_figure(
            directory / f"{metric}.png", {name: scores[name][metric] for name in scores}, colours,
            f"test {METRIC_NAMES[metric]}", ascending=False),
        "Precision-recall curves": figures.precision_recall_figure(
            directory / "precision_recall.png", curves, {}, float(labels.mean())),
    }
    for role in ("model", "baseline"):
        name = result.get(role)
        if name:
            matrix = confusion_matrix(labels, (predicted[name] >= scores[name]["threshold"]).astype(int), labels=[0, 1])
            drawn[f"Confusion matrix: {name}"] = figures.confusion_figure(
                directory / f"confusion_{name}.png", matrix, metrics["class_names"],
                f"{name} at threshold {scores[name]['threshold']:.3g} (test part)")
    drawn.update(figures.learning_curves_section(directory, reports / "learning_curves"))
    return drawn


def summary_row(metrics: dict) -> dict:
    scores, metric, result = metrics["models"], metrics["metric"], metrics["verdict"]
    best = max(scores, key=lambda name: scores[name][f"validation_{metric}"])
    return {"metric": METRIC_NAMES[metric], "best_model": best, "best_value": scores[best][metric],
            "reference": result.get("baseline"), "reference_value": result.get("baseline_value"),
            "recurrent": result.get("model"), "recurrent_value": result.get("value"),
            "p_value": result.get("p_value"),
            "note": f"ROC-AUC {scores[best]['roc_auc']:.4f}, recall {scores[best]['recall']:.3f} at precision "
                    f"{scores[best]['precision']:.3f}"}


def content(case, metrics: dict, families: dict[str, str], paths: CasePaths, figure_directory: Path,
            extra_tables: list[Table] = ()) -> ReportContent:
    """The report of a binary case; a task adds its own tables (a text case its misclassified texts)."""
    prepared = read_json(paths.prepared / "meta.json")
    result = metrics["verdict"]
    report_tables = [*tables(metrics, families, case.evaluate.metric, ThresholdRule(case.evaluate.threshold)),
                     *extra_tables]
    return ReportContent(
        verdict=result, tables=report_tables,
        figures=draw_figures(figure_directory, paths.reports, paths.evaluation, metrics, families, result),
        data={"source": case.source, "classes": ", ".join(metrics["class_names"]), **prepared["summary"]},
        training=read_json(paths.models / "training.json"))
