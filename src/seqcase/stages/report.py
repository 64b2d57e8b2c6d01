"""report@<case>: figures, report.md, a self-contained report.html and the case's summary row."""

from __future__ import annotations

import dataclasses
import functools
import logging
from pathlib import Path

import mlflow

from seqcase import tracking
from seqcase.config import AnyCase, ClassificationCase, EventCase, ForecastingCase, GenerationCase, TextCase
from seqcase.io import atomic_directory, read_json, write_json, write_text
from seqcase.paths import CasePaths
from seqcase.reporting import binary, classification, forecasting, generation
from seqcase.reporting.gradients import gradient_section
from seqcase.reporting.report import ReportContent, Table, cell, html_report, markdown_report
from seqcase.stages import open_case
from seqcase.tasks import forecasting as forecasting_task
from seqcase.tasks import text as text_task

logger = logging.getLogger(__name__)


def forecasting_content(case: ForecastingCase, metrics: dict, families: dict, significance: float, paths: CasePaths,
                        figure_directory: Path) -> tuple[ReportContent, dict]:
    prepared = read_json(paths.prepared / "meta.json")
    frequency = prepared.get("frequency")
    result = forecasting.verdict(metrics["models"], families, significance, case.evaluate.steps, frequency)
    training = read_json(paths.models / "training.json")
    series = forecasting_task.load_prepared(paths.prepared)
    lengths = sorted({info["window_length"] for info in training.values()})
    data = {"source": case.source, "features": ", ".join(prepared["feature_names"]),
            "target transform": prepared["target_transform"], "frequency": frequency or "irregular rows",
            **prepared["summary"]}
    content = ReportContent(
        verdict=result, tables=[*forecasting.tables(metrics, families, case.evaluate.steps, frequency),
                                forecasting.window_table(series, lengths)],
        figures=forecasting.draw_figures(figure_directory, paths.reports, paths.evaluation, metrics, families, case,
                                         series),
        data=data, training=training)
    return content, forecasting.summary_row(metrics, result)


def classification_content(case: ClassificationCase, metrics: dict, families: dict, significance: float,
                           paths: CasePaths, figure_directory: Path) -> tuple[ReportContent, dict]:
    prepared = read_json(paths.prepared / "meta.json")
    labels, predicted = classification.load_predictions(paths.evaluation)
    result = classification.verdict(metrics["models"], families, labels, predicted, significance)
    data = {"source": case.source, "classes": ", ".join(f"{label}: {name}" for label, name in
                                                        zip(prepared["class_labels"], prepared["class_names"])),
            **prepared["summary"]}
    content = ReportContent(
        verdict=result, tables=classification.tables(metrics, families),
        figures=classification.draw_figures(figure_directory, paths.reports, paths.evaluation, metrics, families,
                                            result),
        data=data, training=read_json(paths.models / "training.json"))
    return content, classification.summary_row(metrics, result)


def binary_content(case: EventCase | TextCase, metrics: dict, families: dict, significance: float, paths: CasePaths,
                   figure_directory: Path, seed: int) -> tuple[ReportContent, dict]:
    prepared = read_json(paths.prepared / "meta.json")
    labels, predicted = binary.load_scores(paths.evaluation)
    result = binary.verdict(metrics["models"], families, labels, predicted, case.evaluate.metric, significance,
                            case.evaluate.bootstrap_resamples, seed)
    report_tables = binary.tables(metrics, families, case.evaluate.metric)
    if case.task == "text_classification" and case.evaluate.misclassified_examples and result.get("model"):
        texts = text_task.load_prepared(paths.prepared)
        test_texts, _ = texts.part("test")
        name = result["model"]
        report_tables.append(binary.misclassified_table(
            test_texts, labels, predicted[name], metrics["models"][name]["threshold"], texts.class_names, name,
            case.evaluate.misclassified_examples))
    content = ReportContent(
        verdict=result, tables=report_tables,
        figures=binary.draw_figures(figure_directory, paths.reports, paths.evaluation, metrics, families, result),
        data={"source": case.source, "classes": ", ".join(metrics["class_names"]), **prepared["summary"]},
        training=read_json(paths.models / "training.json"))
    return content, binary.summary_row(metrics, result)


def generation_content(case: GenerationCase, metrics: dict, families: dict, significance: float, paths: CasePaths,
                       figure_directory: Path, seed: int) -> tuple[ReportContent, dict]:
    prepared = read_json(paths.prepared / "meta.json")
    result = generation.verdict(metrics["models"], families, generation.load_bits(paths.evaluation), metrics["block_characters"],
                                significance, seed)
    content = ReportContent(
        verdict=result, tables=generation.tables(metrics, families, generation.load_samples(paths.evaluation)),
        figures=generation.draw_figures(figure_directory, paths.reports, metrics, families),
        data={"source": case.source, "vocabulary": "".join(prepared["vocabulary"]).replace("\n", "⏎"),
              **prepared["summary"]},
        training=read_json(paths.models / "training.json"))
    return content, generation.summary_row(metrics, result)


def metrics_and_families(paths: CasePaths) -> tuple[dict, dict[str, str]]:
    """The evaluate stage's metrics.json, and each model's family."""
    metrics = read_json(paths.reports / "metrics.json")
    return metrics, {name: info["family"] for name, info in read_json(paths.evaluation / "models.json").items()}


def _whole(value):
    """Counts (true positives...) arrive as floats from MLflow's naming; show 10990, not 1.099e+04."""
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) >= 1 else value


def comparison_table(models: dict, families: dict[str, str]) -> Table:
    """Every model's overall test metrics side by side, the table MLflow also holds (comparison.json)."""
    frame = tracking.comparison_frame({name: {key: value for key, value in scores.items() if not isinstance(value, dict)}
                                       for name, scores in models.items()}, families)
    columns = [column for column in frame.columns if column not in ("model", "family")]
    rows = [[row["model"], row["family"], *(cell(_whole(row[column])) for column in columns)]
            for _, row in frame.iterrows()]
    return Table("Every model, every overall test metric", ["model", "family", *columns], rows,
                 "Logged to MLflow with the pipeline run as the table comparison.json, per-step and per-class "
                 "metrics included.")


def write_report(case_name: str, case: AnyCase, metrics: dict, families: dict[str, str], significance: float,
                 paths: CasePaths, seed: int = 0) -> dict:
    """Figures, report.md, report.html and the case's summary row; returns the row."""
    binary_with_seed = functools.partial(binary_content, seed=seed)  # the bootstrap's resamples
    builder = {"forecasting": forecasting_content, "classification": classification_content,
               "event_classification": binary_with_seed, "text_classification": binary_with_seed,
               "text_generation": functools.partial(generation_content, seed=seed)}[case.task]
    with atomic_directory(paths.reports / "figures") as figure_directory:
        content, row = builder(case, metrics, families, significance, paths, figure_directory)
        step_label = {"text_classification": "words before the review's last",
                      "text_generation": "characters before the predicted one"}.get(case.task, "steps before the end")
        tables, figures = gradient_section(figure_directory, paths.models / "gradients", step_label)
        content = dataclasses.replace(content, tables=[*content.tables, *tables, comparison_table(metrics["models"], families)],
                                      figures={**content.figures, **figures})
        write_text(paths.reports / "report.md", markdown_report(case_name, case.description, content))
        write_text(paths.reports / "report.html", html_report(case_name, case.description, content))
    summary_row = {"case": case_name, "task": case.task, "test_examples": metrics["test_examples"], **row,
                   "verdict": content.verdict}
    write_json(paths.summary_row, summary_row)
    return summary_row


def register_best_network(case_name: str, task: str, metrics: dict, paths: CasePaths,
                          experiment_id: str) -> dict | None:
    training = read_json(paths.models / "training.json")
    chosen = tracking.best_network(task, metrics, training)
    if chosen is None:
        return None
    variant, key, value, higher = chosen
    uri = tracking.logged_model_uri(experiment_id, training[variant]["run_id"], variant)
    return tracking.register_champion(case_name, uri, variant, key, value, higher)


def run(params_path: Path, case_name: str) -> dict:
    params, case, paths = open_case(params_path, case_name)
    tracking.configure()
    book = tracking.RunBook.load(paths.evaluation / "runs.json")
    with tracking.failing_pipeline_run(book):
        metrics, families = metrics_and_families(paths)
        summary_row = write_report(case_name, case, metrics, families, params.evaluate.significance, paths,
                                   params.seed)
    # Leaving this block ends the pipeline run: FINISHED, or FAILED if logging fails.
    with mlflow.start_run(run_id=book.parent_run_id):
        mlflow.set_tags({**tracking.stage_tags(case_name, "report"), "seqcase.best_model": summary_row["best_model"],
                         "seqcase.recurrent_wins": str(summary_row["verdict"]["beaten"]).lower()})
        mlflow.log_artifact(str(paths.reports / "report.html"), "report")
        mlflow.log_artifact(str(paths.reports / "report.md"), "report")
        mlflow.log_artifacts(str(paths.reports / "figures"), "report/figures")
        mlflow.log_artifact(str(paths.reports / "metrics.json"), "report")
        # Every variant and baseline with every test metric, one table per case (the report shows
        # the overall metrics; the per-step and per-class ones are here and in each model's run).
        mlflow.log_table(tracking.comparison_frame(metrics["models"], families), artifact_file="comparison.json")
        registered = register_best_network(case_name, case.task, metrics, paths, book.experiment_id)
        if registered:
            mlflow.set_tags({"seqcase.registered_model": registered["name"],
                             "seqcase.registered_version": str(registered["version"]),
                             "seqcase.champion_version": str(registered["champion"])})
            logger.info("%s: registered %s version %d (champion: version %d)", case_name, registered["name"],
                        registered["version"], registered["champion"])
    logger.info("%s: %s", case_name, summary_row["verdict"]["text"])
    return summary_row
