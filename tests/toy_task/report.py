"""One table of accuracies, and the summary row."""

from __future__ import annotations

from seqcase.io import read_json
from seqcase.reporting.report import ReportContent, Table, cell


def report(case, metrics: dict, families: dict, paths, figure_directory) -> ReportContent:
    rows = [[name, families[name], cell(scores["accuracy"])] for name, scores in metrics["models"].items()]
    return ReportContent(verdict=metrics["verdict"], tables=[Table("Test accuracy", ["model", "family", "accuracy"], rows)],
                         figures={}, data={"source": case.source}, training=read_json(paths.models / "training.json"))


def summary_row(metrics: dict) -> dict:
    verdict = metrics["verdict"]
    return {"metric": "accuracy", "best_model": verdict.get("model"), "best_value": None,
            "reference": verdict.get("baseline"), "reference_value": None, "recurrent": verdict.get("model"),
            "recurrent_value": None, "p_value": verdict.get("p_value")}
