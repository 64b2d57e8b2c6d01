"""What a text report shows: the binary report (seqcase.reporting.binary), the most confident
mistakes of the best recurrent model, and the summary row."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqcase.paths import CasePaths
from seqcase.reporting import binary
from seqcase.reporting.report import ReportContent, Table
from seqcase.splits import Split
from seqcase.tasks.text_classification.data import load_prepared
from seqcase.tasks.text_classification.schema import TextCase


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


def report(case: TextCase, metrics: dict, families: dict[str, str], paths: CasePaths,
           figure_directory: Path) -> ReportContent:
    name = metrics["verdict"].get("model")
    extra = []
    if case.evaluate.misclassified_examples and name:
        labels, predicted = binary.load_scores(paths.evaluation)
        texts = load_prepared(paths.prepared)
        test_texts, _ = texts.part(Split.TEST)
        extra.append(misclassified_table(test_texts, labels, predicted[name], metrics["models"][name]["threshold"],
                                         texts.class_names, name, case.evaluate.misclassified_examples))
    return binary.content(case, metrics, families, paths, figure_directory, extra)


summary_row = binary.summary_row
