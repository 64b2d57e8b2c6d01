"""What a forecasting report shows: tables per model and per step, the windows each gap rule kept,
forecasts against actuals, and the case's summary row."""

from __future__ import annotations

from pathlib import Path

from seqcase.io import read_json
from seqcase.paths import CasePaths
from seqcase.reporting import figures
from seqcase.reporting.report import FAMILY_COLOURS, ReportContent, Table, cell, load_predictions_file
from seqcase.tasks.forecasting.data import PreparedSeries, load_prepared, step_name, window_accounting
from seqcase.tasks.forecasting.schema import ForecastingCase

TABLE_COLUMNS = ("rmse", "mae", "smape", "mase", "directional_accuracy", "rmse_ratio_to_naive", "dm_pvalue",
                 "validation_rmse")
STEP_COLUMNS = {"rmse": "RMSE", "mae": "MAE", "rmse_ratio_to_naive": "ratio to naive", "mard": "MARD %",
                "clarke_a": "Clarke A", "clarke_ab": "Clarke A+B", "time_lag_minutes": "lag (min)",
                "time_lag_steps": "lag (steps)"}

STEP_NOTES = {
    "mard": "MARD: mean absolute relative difference from the reading.",
    "clarke_ab": "Clarke A+B: share of forecasts in the clinically acceptable zones of the Clarke error grid.",
    "time_lag_steps": "Lag: the delay at which the forecast best correlates with the actual series (– for a "
                      "forecast that never moves).",
}


def table_rows(scores: dict, families: dict[str, str]) -> list[list[str]]:
    ordered = sorted(scores, key=lambda name: scores[name]["rmse"])
    return [[name, families[name], *(cell(scores[name].get(column)) for column in TABLE_COLUMNS)] for name in ordered]


def tables(metrics: dict, families: dict[str, str], steps: list[int], frequency: str | None) -> list[Table]:
    scores = metrics["models"]
    result = [Table(
        f"Test metrics ({metrics['test_examples']} windows, horizon {metrics['horizon']}, all steps)",
        ["model", "family", *TABLE_COLUMNS], table_rows(scores, families),
        "dm_pvalue: one-sided Diebold-Mariano test against the naive forecast (squared error, Harvey-Leybourne-"
        "Newbold correction). MASE: MAE over the naive forecast's in-sample one-step MAE. Directional accuracy: "
        "share of forecasts moving the right way from the no-change forecast. validation_rmse: RMSE on the "
        "validation windows, which every choice (the verdict's model, the best model) is made on.")]
    for step in steps:
        values = {name: scores[name]["per_horizon"][f"h{step}"] for name in scores}
        columns = [column for column in STEP_COLUMNS if column in next(iter(values.values()))]
        ordered = sorted(values, key=lambda name: values[name]["rmse"])
        result.append(Table(f"At {step_name(step, frequency)}", ["model", "family", *(STEP_COLUMNS[c] for c in columns)],
                            [[name, families[name], *(cell(values[name][c]) for c in columns)] for name in ordered],
                            " ".join(note for column, note in STEP_NOTES.items() if column in columns)))
    return result


def window_table(series: PreparedSeries, window_lengths: list[int]) -> Table:
    """How many windows each gap rule kept and dropped, for each window length the networks use."""
    counts = {length: window_accounting(series, length) for length in window_lengths}
    rules = list(next(iter(counts.values())))
    return Table("Windows by gap rule", ["rule", *(f"window length {length}" for length in window_lengths)],
                 [[rule.replace("_", " "), *(str(counts[length][rule]) for length in window_lengths)] for rule in rules],
                 "Every window position in the recorded span (all splits). A window crossing a gap too long to fill "
                 "is dropped; so is one whose targets include a filled value (filled values may only be inputs).")


def draw_figures(directory: Path, reports: Path, evaluation: Path, metrics: dict, families: dict[str, str],
                 case: ForecastingCase, series: PreparedSeries) -> dict[str, Path]:
    scores = metrics["models"]
    frequency = series.frequency
    shared, predictions = load_predictions_file(evaluation)
    positions, actual = shared["positions"], shared["actual"]
    # The naive forecast, the recurrent model the verdict chose and the best model, both on validation.
    best_recurrent = [metrics["verdict"]["model"]] if metrics["verdict"].get("model") else []
    best = min(scores, key=lambda name: scores[name]["validation_rmse"])
    shown = list(dict.fromkeys(["naive", *best_recurrent, best]))
    step = metrics.get("plotted_step", 1)
    drawn = {
        "Forecast against actual": figures.forecast_figure(
            directory / "forecast.png", series.timestamps[positions + step - 1], actual[:, step - 1],
            {name: predictions[name][:, step - 1] for name in shown}, step=step),
        "Test RMSE relative to the naive forecast": figures.bar_figure(
            directory / "rmse_ratio.png", {name: scores[name]["rmse_ratio_to_naive"] for name in scores},
            {name: FAMILY_COLOURS[families[name]] for name in scores}, "test RMSE / naive RMSE", reference=1.0),
    }
    drawn.update(figures.learning_curves_section(directory, reports / "learning_curves"))
    if actual.shape[1] > 1:
        per_horizon = {name: [scores[name]["per_horizon"][f"h{h + 1}"]["rmse"] for h in range(actual.shape[1])]
                       for name in shown}
        drawn["RMSE by steps ahead"] = figures.horizon_figure(directory / "rmse_by_horizon.png", per_horizon)
    if "clarke" in case.evaluate.metrics and best_recurrent:
        for clarke_step in case.evaluate.steps or [1]:
            title = f"{best_recurrent[0]}, {step_name(clarke_step, frequency)}"
            drawn[f"Clarke error grid: {title}"] = figures.clarke_grid_figure(
                directory / f"clarke_h{clarke_step}.png", actual[:, clarke_step - 1],
                predictions[best_recurrent[0]][:, clarke_step - 1], title)
    return drawn


def summary_row(metrics: dict) -> dict:
    scores, result = metrics["models"], metrics["verdict"]
    best = min(scores, key=lambda name: scores[name]["validation_rmse"])
    row = {"metric": "RMSE", "best_model": best, "best_value": scores[best]["rmse"], "reference": "naive",
           "reference_value": scores["naive"]["rmse"], "recurrent": result.get("model"),
           "recurrent_value": result.get("value"), "p_value": result.get("p_value")}
    if result.get("steps"):
        first = result["steps"][0]
        row["note"] = f"step {first['step']}: ratio {first['ratio']:.3f}" if first.get("ratio") else ""
    return row


def report(case: ForecastingCase, metrics: dict, families: dict[str, str], paths: CasePaths,
            figure_directory: Path) -> ReportContent:
    prepared = read_json(paths.prepared / "meta.json")
    frequency = prepared.get("frequency")
    training = read_json(paths.models / "training.json")
    series = load_prepared(paths.prepared)
    lengths = sorted({info["window_length"] for info in training.values()})
    data = {"source": case.source, "features": ", ".join(prepared["feature_names"]),
            "target transform": prepared["target_transform"], "frequency": frequency or "irregular rows",
            **prepared["summary"]}
    return ReportContent(
        verdict=metrics["verdict"], tables=[*tables(metrics, families, case.evaluate.steps, frequency),
                                            window_table(series, lengths)],
        figures=draw_figures(figure_directory, paths.reports, paths.evaluation, metrics, families, case, series),
        data=data, training=training)
