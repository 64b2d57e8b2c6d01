"""report@<case>: figures, report.md, a self-contained report.html and the case's summary row.

The task says what its report holds (`Task.report`); every report ends with the gradient
diagnostics and the comparison table. The verdict was decided by the evaluate stage.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import time
from pathlib import Path

import mlflow

from seqcase import tracking
from seqcase.config import CaseBase
from seqcase.io import atomic_directory, atomic_path, read_json, write_json, write_text
from seqcase.models.ensemble import ENSEMBLE_SUFFIX, member_name
from seqcase.models.search_space import spec_values
from seqcase.paths import CasePaths
from seqcase.reporting.comparison import comparison_frame
from seqcase.reporting.gradients import gradient_section
from seqcase.reporting.plots import learning_curves_table, overlay_table, read_tables
from seqcase.reporting.report import Table, cell, footer_line, html_report, markdown_report
from seqcase.reporting.seeds import seeds_section
from seqcase.stages.case import open_case
from seqcase.tasks.base import Task

logger = logging.getLogger(__name__)


def metrics_and_families(paths: CasePaths) -> tuple[dict, dict[str, str]]:
    """The evaluate stage's metrics.json, and each model's family."""
    metrics = read_json(paths.reports / "metrics.json")
    return metrics, {name: info["family"] for name, info in read_json(paths.evaluation / "models.json").items()}


def _whole(value):
    """Counts (true positives...) arrive as floats from MLflow's naming; show 10990, not 1.099e+04."""
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) >= 1 else value


def comparison_table(models: dict, families: dict[str, str]) -> Table:
    """Every model's overall test metrics side by side, the table MLflow also holds (comparison.json)."""
    frame = comparison_frame({name: {key: value for key, value in scores.items() if not isinstance(value, dict)}
                                       for name, scores in models.items()}, families)
    columns = [column for column in frame.columns if column not in ("model", "family")]
    rows = [[row["model"], row["family"], *(cell(_whole(row[column])) for column in columns)]
            for _, row in frame.iterrows()]
    return Table("Every model, every overall test metric", ["model", "family", *columns], rows,
                 "Logged to MLflow with the pipeline run as the table comparison.json, per-step and per-class "
                 "metrics included.")


def headline_metrics(metrics: dict, families: dict[str, str], metric: str) -> dict:
    """reports/<case>/headline.json, the case's DVC metrics (`dvc metrics show`, `dvc exp show`): the
    verdict and each model's main test metric, a network's as its mean over seeds with the 95 %
    interval (seed ensembles are left to the verdict's value). Every other number stays in
    metrics.json, which DVC tracks as a plain output."""
    verdict = metrics.get("verdict", {})
    headline = {"recurrent_wins": bool(verdict.get("beaten"))}
    for key in ("value", "baseline_value", "difference", "p_value"):
        if verdict.get(key) is not None:
            headline[key] = verdict[key]
    if verdict.get("interval"):  # the test's interval: "yes" exactly when it lies on the model's side of 0
        headline["difference_low"], headline["difference_high"] = verdict["interval"]
        if verdict.get("interval_level"):
            headline["interval_level"] = verdict["interval_level"]
    if verdict.get("seed_agreement"):
        headline["seeds_agreeing"] = verdict["seed_agreement"]["agree"]
    attention = verdict.get("attention") or {}
    if attention.get("model"):  # the recurrent model against the attention model, the same test
        headline["recurrent_beats_attention"] = bool(attention["beaten"])
        headline["attention_value"] = attention["baseline_value"]
        headline["difference_to_attention"] = attention["difference"]
        headline["difference_to_attention_low"], headline["difference_to_attention_high"] = attention["interval"]
    scores = {}
    for name, model in metrics["models"].items():
        spread = model.get("over_seeds", {}).get(metric)
        if spread and spread.get("interval"):
            scores[name] = {"mean": spread["mean"], "low": spread["interval"][0], "high": spread["interval"][1]}
        elif not name.endswith(ENSEMBLE_SUFFIX) and model.get(metric) is not None:  # one seed, or a baseline
            scores[name] = model[metric]
    return {"verdict": headline, f"test_{metric}": scores}


def write_plot_tables(paths: CasePaths) -> None:
    """reports/<case>/plots/: the DVC plots, one table per chart with every model in it."""
    with atomic_directory(paths.reports / "plots") as directory:
        learning_curves_table(read_tables(paths.reports / "learning_curves")).to_csv(
            directory / "learning_curves.csv", index=False)
        overlay_table(read_tables(paths.reports / "predictions")).to_csv(directory / "predictions.csv", index=False)


def key_figure(figures: dict[str, Path]) -> Path | None:
    """The figure the landing page shows for a case: every network's seeds against the baseline
    when the case has seeds, else the task's first figure."""
    paths = list(figures.values())
    return next((path for path in paths if Path(path).name == "seeds.png"), paths[0] if paths else None)


def write_report(case_name: str, case: CaseBase, task: Task, metrics: dict, families: dict[str, str],
                 paths: CasePaths, mlflow_run: dict[str, str]) -> dict:
    """Figures, report.md, report.html, the case's summary row and its key figure; returns the row.
    `mlflow_run` (tracking_uri, experiment_id, run_id) lets the landing page link the pipeline run."""
    with atomic_directory(paths.reports / "figures") as figure_directory:
        content = task.report(case, metrics, families, paths, figure_directory)
        metric = task.main_metric(case)[0]
        seed_tables, seed_figures = seeds_section(figure_directory, metrics, families, metric,
                                                  metric.replace("_", " "))
        tables, figures = gradient_section(figure_directory, paths.models / "gradients", task.step_label)
        content = dataclasses.replace(
            content, tables=[*seed_tables, *content.tables, *tables, comparison_table(metrics["models"], families)],
            figures={**seed_figures, **content.figures, **figures})
        write_text(paths.reports / "report.md", markdown_report(case_name, case.description, content))
        footer = footer_line(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                             tracking.git_state().get("mlflow.source.git.commit"), mlflow_run.get("run_id"))
        write_text(paths.reports / "report.html", html_report(case_name, case.description, content, footer))
        write_json(paths.reports / "headline.json", headline_metrics(metrics, families, metric))
        write_plot_tables(paths)
        figure = key_figure(content.figures)
        with atomic_path(paths.summary_figure) as temporary:
            if figure is not None:
                shutil.copyfile(figure, temporary)
            else:  # DVC wants its output; an empty file says "no figure" to the landing page
                temporary.write_bytes(b"")
    summary_row = {"case": case_name, "task": case.task, "test_examples": metrics["test_examples"],
                   **task.summary_row(metrics), "verdict": content.verdict,
                   "key_figure": f"figures/{Path(figure).name}" if figure is not None else None,
                   "mlflow": mlflow_run}
    write_json(paths.summary_row, summary_row)
    return summary_row


def registered_run(name: str, scores: dict, training: dict, key: str, higher: bool) -> tuple[str, str, dict]:
    """(run, model name, its scores) of what the registry serves for a chosen network: a seed
    ensemble is logged in its own run; a variant chosen by its mean over seeds serves its seed with
    the best validation value (chosen on validation too). The runs are training.json's, so a report
    whose upstream stages started a new pipeline run still finds the logged models."""
    if name not in training:
        return training[name.removesuffix(ENSEMBLE_SUFFIX)]["model_runs"][name], name, scores
    seeds = scores["seeds"]
    seed = (max if higher else min)(seeds, key=lambda seed: seeds[seed][key])
    return training[name]["model_runs"][member_name(name, int(seed))], name, seeds[seed]


def interval_tags(served: dict) -> dict[str, str]:
    """The served network's interval radii per level, one per step ahead (calibrated on validation),
    so `predict` writes the bounds beside each forecast from the registered version alone."""
    tags = {f"seqcase.interval_radius_{level}": " ".join(repr(float(value)) for value in radii.values())
            for level, radii in served.get("interval_radius", {}).items()}
    scale = served.get("interval_scale") or {}
    if scale.get("steps"):  # radii in units of each window's recent volatility (see `predict`)
        tags["seqcase.interval_scale"] = f"{int(scale['steps'])} {float(scale['floor'])!r}"
    return tags


def register_best_network(case_name: str, case: CaseBase, task: Task, metrics: dict, paths: CasePaths,
                          book: tracking.RunBook) -> dict | None:
    training = read_json(paths.models / "training.json")
    chosen = tracking.best_network(metrics, training, *task.main_metric(case))
    if chosen is None:
        return None
    name, key, value, higher = chosen
    scores = metrics["models"][name]
    test_metric = key.removeprefix("validation_")
    run_id, logged_name, served = registered_run(name, scores, training, key, higher)
    uri = tracking.logged_model_uri(book.experiment_id, run_id, logged_name)
    variant = name.removesuffix(ENSEMBLE_SUFFIX)
    spread = metrics["models"][variant].get("over_seeds", {}).get(test_metric, {})
    tags = {"seqcase.test_metric": test_metric, "seqcase.test_value": repr(float(scores[test_metric])),
            "seqcase.seeds": " ".join(map(str, training[variant]["seeds"])),
            "seqcase.keras_backend": training[variant]["keras_backend"], **interval_tags(served)}
    if spread.get("interval"):
        tags["seqcase.seed_test_interval"] = " ".join(repr(float(bound)) for bound in spread["interval"])
    verdict = metrics.get("verdict", {})
    if verdict.get("model") == name and verdict.get("interval"):
        tags["seqcase.verdict_interval"] = " ".join(repr(float(bound)) for bound in verdict["interval"])
    registered = tracking.register_champion(case_name, uri, name, key, value, higher, tags)
    mlflow.tracking.MlflowClient().update_model_version(
        registered["name"], str(registered["version"]),
        version_description(name, served, metrics, test_metric, training[variant]["seeds"],
                            next((seed for seed, seed_scores in scores.get("seeds", {}).items()
                                  if seed_scores is served), None)))
    return registered


def flat_metrics(headline: dict, prefix: str = "") -> dict[str, float]:
    """headline.json as MLflow metric names (verdict.p_value, test_rmse.gru.mean); yes/no as 1/0."""
    flat = {}
    for key, value in headline.items():
        if isinstance(value, dict):
            flat.update(flat_metrics(value, f"{prefix}{key}."))
        elif isinstance(value, (bool, int, float)):
            flat[f"{prefix}{key}"] = float(value)
    return flat


def run_description(case: CaseBase, summary_row: dict, test_scores: dict) -> str:
    """The pipeline run's description (MLflow shows it on the run's page): the verdict first, then
    each model's main test metric as headline.json holds it."""
    scores = "; ".join(f"{name} {cell(value['mean'] if isinstance(value, dict) else value)}"
                       for name, value in test_scores.items())
    return (f"**{'Recurrent wins' if summary_row['verdict']['beaten'] else 'Baseline holds'}.** "
            f"{summary_row['verdict']['text']}\n\n{case.description}\n\nTest {summary_row['metric']} "
            f"(networks: mean over seeds): {scores}.\n\nThe report is under this run's artifacts, "
            f"report/report.html.")


def version_description(name: str, served: dict, metrics: dict, metric: str, seeds: list,
                        seed: str | None = None) -> str:
    """What a registry version serves, in one line ("gru_ensemble (the average of 3 seeds' networks),
    test rmse 24.69, 0.7995 of naive's 30.88; chosen on validation")."""
    verdict = metrics.get("verdict", {})
    if name.endswith(ENSEMBLE_SUFFIX):
        what = f"{name} (the average of {len(seeds)} seeds' networks)"
    elif seed is not None:
        what = f"{name}, seed {seed} (its best on validation of {len(seeds)})"
    else:
        what = name
    text = f"{what}, test {metric.replace('_', ' ')} {cell(served[metric])}"
    if verdict.get("model") == name and verdict.get("baseline_value"):
        text += (f", {cell(served[metric] / verdict['baseline_value'])} of {verdict['baseline']}'s "
                 f"{cell(verdict['baseline_value'])}")
    return f"{text}; chosen on validation"


def shared_hyperparameters(search_spaces: list[dict]) -> list[str]:
    """The hyperparameters every network's search space holds and that take more than one value
    among them (a list of choices, a range, or fixed values that differ between variants), in the
    spaces' own order: the axes on which a case's networks can be laid side by side."""
    if not search_spaces:
        return []
    return [name for name in search_spaces[0] if all(name in space for space in search_spaces)
            and len(set().union(*(spec_values(space[name]) for space in search_spaces))) > 1]


def run(params_path: Path, case_name: str) -> dict:
    params, case, task, paths = open_case(params_path, case_name)
    tracking.configure()
    book = tracking.RunBook.load(paths.evaluation / "runs.json")
    with tracking.failing_pipeline_run(book):
        metrics, families = metrics_and_families(paths)
        summary_row = write_report(case_name, case, task, metrics, families, paths,
                                   {"tracking_uri": mlflow.get_tracking_uri(), "experiment_id": book.experiment_id,
                                    "run_id": book.parent_run_id, "comparison_view": tracking.COMPARISON_VIEW})
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
        mlflow.log_table(comparison_frame(metrics["models"], families), artifact_file="comparison.json")
        headline = read_json(paths.reports / "headline.json")
        mlflow.log_metrics(flat_metrics(headline))
        mlflow.set_tag("mlflow.note.content",
                       run_description(case, summary_row, headline[f"test_{task.main_metric(case)[0]}"]))
        client = mlflow.tracking.MlflowClient()
        client.set_experiment_tag(book.experiment_id, "mlflow.note.content",
                                  f"{case.description}\n\nOne pipeline run per `dvc repro` of the case: its "
                                  "description holds the verdict, its metrics the headline; trials, seeds, "
                                  "ensembles, baselines and backtest origins are nested runs.")
        client.set_experiment_tag(book.experiment_id, "seqcase.task", case.task)
        # MLflow 3's UI opens an experiment of unknown kind on its GenAI pages; these are trainings.
        client.set_experiment_tag(book.experiment_id, "mlflow.experimentKind", "custom_model_development")
        client.set_experiment_tag(book.experiment_id, f"mlflow.sharedViewState.{tracking.COMPARISON_VIEW}",
                                  json.dumps(tracking.comparison_view(
                                      book.parent_run_id, *task.main_metric(case), shared_hyperparameters(
                                          [spec.search_space for spec in case.models.values()]))))
        registered = register_best_network(case_name, case, task, metrics, paths, book)
        if registered:
            mlflow.set_tags({"seqcase.registered_model": registered["name"],
                             "seqcase.registered_version": str(registered["version"]),
                             "seqcase.champion_version": str(registered["champion"])})
            logger.info("%s: registered %s version %d (champion: version %d)", case_name, registered["name"],
                        registered["version"], registered["champion"])
    logger.info("%s: %s", case_name, summary_row["verdict"]["text"])
    return summary_row
