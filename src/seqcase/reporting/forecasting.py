"""What a forecasting report says: a verdict on the random walk, tables per model and per step."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from seqcase.config import ForecastingCase
from seqcase.reporting import figures
from seqcase.reporting.report import FAMILY_COLOURS, Table, cell, load_predictions_file
from seqcase.tasks.forecasting import PreparedSeries, window_accounting

TABLE_COLUMNS = ("rmse", "mae", "smape", "mase", "directional_accuracy", "rmse_ratio_to_naive", "dm_pvalue")
STEP_COLUMNS = {"rmse": "RMSE", "mae": "MAE", "rmse_ratio_to_naive": "ratio to naive", "mard": "MARD %",
                "clarke_a": "Clarke A", "clarke_ab": "Clarke A+B", "time_lag_minutes": "lag (min)",
                "time_lag_steps": "lag (steps)"}

STEP_NOTES = {
    "mard": "MARD: mean absolute relative difference from the reading.",
    "clarke_ab": "Clarke A+B: share of forecasts in the clinically acceptable zones of the Clarke error grid.",
    "time_lag_steps": "Lag: the delay at which the forecast best correlates with the actual series (– for a "
                      "forecast that never moves).",
}


def step_name(step: int, frequency: str | None) -> str:
    if frequency:
        minutes = step * pd.Timedelta(frequency).total_seconds() / 60
        return f"step {step} ({minutes:g} min)"
    return f"step {step}"


def step_comparison(scores: dict, families: dict[str, str], step: int, frequency: str | None) -> dict:
    """At one step ahead: the best recurrent model against the naive and the best other baseline."""
    key = f"h{step}"
    rmse = {name: scores[name]["per_horizon"][key]["rmse"] for name in scores}
    recurrent = [name for name in scores if families[name] == "recurrent"]
    others = [name for name in scores if families[name] == "baseline" and name != "naive"]
    best = min(recurrent, key=rmse.get) if recurrent else None
    rival = min(others, key=rmse.get) if others else None
    result = {"step": step, "model": best, "rmse": rmse.get(best), "naive_rmse": rmse["naive"],
              "ratio": rmse[best] / rmse["naive"] if best else None, "baseline": rival,
              "baseline_rmse": rmse.get(rival)}
    if best:
        text = (f"At {step_name(step, frequency)}, the best recurrent model, {best}, has RMSE {rmse[best]:.4g}: "
                f"{rmse[best] / rmse['naive']:.3f} of the naive forecast's {rmse['naive']:.4g}")
        if rival:
            relation = "below" if rmse[best] < rmse[rival] else "not below"
            text += f", {relation} the best other baseline, {rival} ({rmse[rival]:.4g}, ratio {rmse[rival] / rmse['naive']:.3f})"
        result["text"] = text + "."
    return result


def verdict(scores: dict, families: dict[str, str], significance: float, steps: list[int] = (),
            frequency: str | None = None) -> dict:
    """Did any recurrent model beat the naive forecast: lower RMSE and a significant DM test?"""
    recurrent = [name for name in scores if families.get(name) == "recurrent"]
    naive_rmse = scores["naive"]["rmse"]
    if not recurrent:
        return {"beaten": False, "model": None, "text": "No recurrent model in this case."}
    best = min(recurrent, key=lambda name: scores[name]["rmse"])
    rmse, p_value = scores[best]["rmse"], scores[best]["dm_pvalue"]
    significant = p_value is not None and not math.isnan(p_value) and p_value < significance
    beaten = rmse < naive_rmse and significant
    numbers = (f"{best} has test RMSE {rmse:.6g} against the naive forecast's {naive_rmse:.6g} "
               f"(ratio {rmse / naive_rmse:.4f}); Diebold-Mariano one-sided p = {p_value:.3g}")
    if beaten:
        text = f"Yes: a recurrent model beat the naive forecast. {numbers} < {significance}."
    elif rmse < naive_rmse:
        text = (f"No: the best recurrent model is slightly more accurate than the naive forecast, but not "
                f"significantly. {numbers} >= {significance}.")
    else:
        text = f"No: no recurrent model beat the naive forecast. {numbers}."
    at_steps = [step_comparison(scores, families, step, frequency) for step in steps]
    text = " ".join([text, *(comparison["text"] for comparison in at_steps)])
    return {"beaten": beaten, "model": best, "rmse": rmse, "naive_rmse": naive_rmse, "dm_pvalue": p_value,
            "steps": at_steps, "text": text}


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
        "share of forecasts moving the right way from the no-change forecast.")]
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
    ranked = sorted(scores, key=lambda name: scores[name]["rmse"])
    best_recurrent = [name for name in ranked if families[name] == "recurrent"][:1]
    shown = list(dict.fromkeys(["naive", *best_recurrent, ranked[0]]))
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


def summary_row(metrics: dict, result: dict) -> dict:
    scores = metrics["models"]
    best = min(scores, key=lambda name: scores[name]["rmse"])
    row = {"metric": "RMSE", "best_model": best, "best_value": scores[best]["rmse"], "reference": "naive",
           "reference_value": scores["naive"]["rmse"], "recurrent": result.get("model"),
           "recurrent_value": result.get("rmse"), "p_value": result.get("dm_pvalue")}
    if result.get("steps"):
        first = result["steps"][0]
        row["note"] = f"step {first['step']}: ratio {first['ratio']:.3f}" if first.get("ratio") else ""
    return row
