"""report@<case>: figures, report.md and a self-contained report.html; closes the pipeline run."""

from __future__ import annotations

import logging
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from seqcase import tracking
from seqcase.config import ForecastingCase
from seqcase.io import atomic_directory, read_json, write_json, write_text
from seqcase.paths import CasePaths
from seqcase.reporting import figures
from seqcase.reporting.report import FAMILY_COLOURS, html_report, markdown_report, table_rows, verdict
from seqcase.stages import open_case

logger = logging.getLogger(__name__)


def draw_figures(directory: Path, paths: CasePaths, scores: dict, families: dict[str, str]) -> dict[str, Path]:
    with np.load(paths.evaluation / "predictions.npz") as arrays:
        timestamps = arrays["timestamps"].astype("datetime64[ns]")
        actual = arrays["actual"]
        predictions = {key.removeprefix("model_"): arrays[key] for key in arrays.files if key.startswith("model_")}
    ranked = sorted(scores, key=lambda name: scores[name]["rmse"])
    best_recurrent = [name for name in ranked if families[name] == "recurrent"][:1]
    shown = dict.fromkeys(["naive", *best_recurrent, ranked[0]])
    drawn = {
        "Forecast against actual": figures.forecast_figure(
            directory / "forecast.png", timestamps, actual[:, 0], {name: predictions[name][:, 0] for name in shown}),
        "Test RMSE relative to the naive forecast": figures.ratio_figure(
            directory / "rmse_ratio.png", {name: scores[name]["rmse_ratio_to_naive"] for name in scores},
            {name: FAMILY_COLOURS[families[name]] for name in scores}),
    }
    curves = {path.stem: pd.read_csv(path) for path in sorted((paths.reports / "learning_curves").glob("*.csv"))}
    if curves:
        drawn["Learning curves"] = figures.learning_curves_figure(directory / "learning_curves.png", curves)
    if actual.shape[1] > 1:
        per_horizon = {name: [scores[name]["per_horizon"][f"h{step + 1}"]["rmse"] for step in range(actual.shape[1])]
                       for name in shown}
        drawn["RMSE by steps ahead"] = figures.horizon_figure(directory / "rmse_by_horizon.png", per_horizon)
    return drawn


def write_report(case_name: str, case: ForecastingCase, significance: float, paths: CasePaths) -> dict:
    """Figures, report.md, report.html and the case's summary row; returns the row."""
    metrics = read_json(paths.reports / "metrics.json")
    scores = metrics["models"]
    families = {name: info["family"] for name, info in read_json(paths.evaluation / "models.json").items()}
    prepared = read_json(paths.prepared / "meta.json")
    result = verdict(scores, families, significance)
    data = {"source": case.source, "features": ", ".join(prepared["feature_names"]),
            "target transform": prepared["target_transform"], **prepared["summary"]}
    with atomic_directory(paths.reports / "figures") as figure_directory:
        drawn = draw_figures(figure_directory, paths, scores, families)
        context = {"verdict": result, "rows": table_rows(scores, families), "test_windows": metrics["test_windows"],
                   "horizon": metrics["horizon"], "data": data, "figures": drawn,
                   "training": read_json(paths.models / "training.json")}
        write_text(paths.reports / "report.md", markdown_report(case_name, case.description, context))
        write_text(paths.reports / "report.html", html_report(case_name, case.description, context))
    best = min(scores, key=lambda name: scores[name]["rmse"])
    summary_row = {"case": case_name, "task": case.task, "test_windows": metrics["test_windows"],
                   "horizon": metrics["horizon"], "best_model": best, "best_rmse": scores[best]["rmse"],
                   "naive_rmse": scores["naive"]["rmse"], "verdict": result}
    write_json(paths.summary_row, summary_row)
    return summary_row


def run(params_path: Path, case_name: str) -> dict:
    params, case, paths = open_case(params_path, case_name)
    tracking.configure()
    book = tracking.RunBook.load(paths.evaluation / "runs.json")
    with tracking.failing_pipeline_run(book):
        summary_row = write_report(case_name, case, params.evaluate.significance, paths)
    # Leaving this block ends the pipeline run: FINISHED, or FAILED if logging fails.
    with mlflow.start_run(run_id=book.parent_run_id):
        mlflow.set_tags({**tracking.stage_tags(case_name, "report"), "seqcase.best_model": summary_row["best_model"],
                         "seqcase.recurrent_beats_naive": str(summary_row["verdict"]["beaten"]).lower()})
        mlflow.log_artifact(str(paths.reports / "report.html"), "report")
        mlflow.log_artifact(str(paths.reports / "report.md"), "report")
        mlflow.log_artifacts(str(paths.reports / "figures"), "report/figures")
        mlflow.log_artifact(str(paths.reports / "metrics.json"), "report")
    logger.info("%s: %s", case_name, summary_row["verdict"]["text"])
    return summary_row
