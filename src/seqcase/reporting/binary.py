"""What a binary report says: did the best recurrent model beat the best classical baseline?

Judged on the case's metric (PR-AUC for rare events, accuracy for balanced texts) with a paired
bootstrap over the test examples; every decision metric is at the threshold chosen on validation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqcase.evaluation.binary import curve_points, paired_bootstrap
from seqcase.reporting import figures
from seqcase.reporting.report import (FAMILY_COLOURS, NO_CONTEST, Table, cell, contenders, load_predictions_file,
                                     verdict_text)

METRIC_NAMES = {"average_precision": "PR-AUC", "roc_auc": "ROC-AUC", "accuracy": "accuracy", "f1": "F1"}
GRADIENT_BOOSTING = "histogram_gradient_boosting"


def load_scores(evaluation: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Test labels, and each model's probability of the positive class."""
    shared, scores = load_predictions_file(evaluation)
    return shared["labels"], scores


def _comparison(metric: str, scores: dict, name: str, rival: str, labels: np.ndarray, predicted: dict,
                resamples: int, seed: int) -> dict:
    return paired_bootstrap(labels, predicted[name], predicted[rival], metric, scores[name]["threshold"],
                            scores[rival]["threshold"], resamples, seed)


def verdict(scores: dict, families: dict[str, str], labels: np.ndarray, predicted: dict[str, np.ndarray],
            metric: str, significance: float, resamples: int, seed: int) -> dict:
    label = METRIC_NAMES[metric]
    pair = contenders(scores, families, metric, higher_is_better=True)
    if pair is None:
        return {"beaten": False, "model": None, "metric": metric, "text": NO_CONTEST}
    best, rival = pair
    test = _comparison(metric, scores, best, rival, labels, predicted, resamples, seed)
    beaten = scores[best][metric] > scores[rival][metric]
    numbers = (f"{best} has test {label} {scores[best][metric]:.4f}; the best baseline, {rival}, "
               f"{scores[rival][metric]:.4f} (difference {test['difference']:+.4f}, 95 % bootstrap interval "
               f"{test['interval'][0]:+.4f} to {test['interval'][1]:+.4f}, one-sided p = {test['p_value']:.3g})")
    text = verdict_text(beaten, f"a recurrent model beat the baselines on {label}",
                        f"no recurrent model beat the best baseline on {label}", numbers, test["p_value"], significance)
    result = {"beaten": beaten, "model": best, "metric": metric, "value": scores[best][metric], "baseline": rival,
              "baseline_value": scores[rival][metric], "p_value": test["p_value"], "interval": test["interval"]}
    sequence_models = [name for name in scores if families[name] in ("recurrent", "convolutional")]
    if GRADIENT_BOOSTING in scores and sequence_models:
        best_sequence = max(sequence_models, key=lambda name: scores[name][metric])
        boosting = scores[GRADIENT_BOOSTING][metric]
        won = scores[best_sequence][metric] > boosting
        text += (f" {'A' if won else 'No'} sequence model (recurrent or convolutional, on windows of past events) "
                 f"beat gradient boosting: the best, {best_sequence}, has {label} {scores[best_sequence][metric]:.4f} "
                 f"against {boosting:.4f}.")
        result["sequence_beats_gradient_boosting"] = won
    result["text"] = text
    return result


DECISION_COLUMNS = ("threshold", "precision", "recall", "f1", "accuracy", "true_positives", "false_positives",
                    "false_negatives")


def tables(metrics: dict, families: dict[str, str], metric: str) -> list[Table]:
    scores = metrics["models"]
    ordered = sorted(scores, key=lambda name: -scores[name][metric])
    at_precision = sorted(key for key in scores[ordered[0]] if key.startswith("recall_at_precision_"))
    ranking = ["average_precision", "roc_auc", *at_precision, f"validation_{metric}"]
    rule = metrics["threshold_rule"]
    rule_text = {"max_f1": "the threshold of the best validation F1"}.get(rule, None) if isinstance(rule, str) else None
    if rule_text is None:
        rule_text = f"the highest threshold reaching validation recall {rule['recall']}" if isinstance(rule, dict) \
            else f"the fixed threshold {rule}"
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
              f"Each model's threshold is {rule_text}; the test part never chooses it."),
        Table("Baselines tuned on the validation part", ["baseline", "chosen", "grid points", f"validation {metric}"],
              search_rows, "Each grid point is fitted on the training part; the best on validation is scored on test."),
    ]


def misclassified_table(texts: np.ndarray, labels: np.ndarray, scores: np.ndarray, threshold: float,
                        class_names: tuple[str, str], model: str, count: int, excerpt: int = 300) -> Table:
    """The model's most confident mistakes: the texts it got wrong with the highest certainty."""
    wrong = np.flatnonzero((scores >= threshold) != (labels == 1))
    confidence = np.abs(scores[wrong] - threshold)
    chosen = wrong[np.argsort(-confidence, kind="stable")[:count]]
    rows = [[class_names[int(labels[index])], f"{scores[index]:.3f}",
             (texts[index][:excerpt] + ("…" if len(texts[index]) > excerpt else "")).replace("|", "/")]
            for index in chosen]
    return Table(f"Misclassified test texts ({model}: {len(wrong)} of {len(labels)} wrong, most confident first)",
                 ["true class", f"P({class_names[1]})", "text (start)"], rows)


def draw_figures(directory: Path, reports: Path, evaluation: Path, metrics: dict, families: dict[str, str],
                 result: dict) -> dict[str, Path]:
    from seqcase.evaluation.classification import confusion

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
            matrix = confusion(labels, (predicted[name] >= scores[name]["threshold"]).astype(int), 2)
            drawn[f"Confusion matrix: {name}"] = figures.confusion_figure(
                directory / f"confusion_{name}.png", matrix, metrics["class_names"],
                f"{name} at threshold {scores[name]['threshold']:.3g} (test part)")
    drawn.update(figures.learning_curves_section(directory, reports / "learning_curves"))
    return drawn


def summary_row(metrics: dict, result: dict) -> dict:
    scores, metric = metrics["models"], metrics["metric"]
    best = max(scores, key=lambda name: scores[name][metric])
    return {"metric": METRIC_NAMES[metric], "best_model": best, "best_value": scores[best][metric],
            "reference": result.get("baseline"), "reference_value": result.get("baseline_value"),
            "recurrent": result.get("model"), "recurrent_value": result.get("value"),
            "p_value": result.get("p_value"),
            "note": f"ROC-AUC {scores[best]['roc_auc']:.4f}, recall {scores[best]['recall']:.3f} at precision "
                    f"{scores[best]['precision']:.3f}"}
