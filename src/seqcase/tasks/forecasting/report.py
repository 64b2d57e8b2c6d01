"""What a forecasting report shows: tables per model and per step, the windows each gap rule kept,
forecasts against actuals, and the case's summary row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from seqcase.io import read_json
from seqcase.paths import CasePaths
from seqcase.reporting import figures
from seqcase.reporting.report import FAMILY_COLOURS, ReportContent, Table, cell, load_predictions_file
from seqcase.tasks.forecasting.data import PreparedSeries, load_prepared, step_name, window_accounting
from seqcase.tasks.forecasting.intervals import RecentRows, Scale
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


def table_rows(scores: dict, families: dict[str, str], columns: list[str]) -> list[list[str]]:
    ordered = sorted(scores, key=lambda name: scores[name]["rmse"])
    return [[name, families[name], *(cell(scores[name].get(column)) for column in columns)] for name in ordered]


def interval_levels(scores: dict) -> list[str]:
    """The levels ('80', '95') the models' intervals were scored at; none when intervals are off."""
    return [key.removeprefix("coverage_") for key in next(iter(scores.values())) if key.startswith("coverage_")]


def scale_cell(entry: dict) -> str:
    """How a model's intervals were scaled (chosen on validation): a variant's per seed, once if they agree."""
    scales = [seed.get("interval_scale") for seed in entry["seeds"].values()] if "seeds" in entry else \
        [entry.get("interval_scale")]
    steps = [Scale(**(scale or {})).steps for scale in scales]
    if len(set(steps)) == 1:
        return Scale(steps[0]).describe()
    return "by seed: volatility over " + ", ".join(str(rows) if rows else "none" for rows in steps) + " rows"


def interval_steps(steps: list[int], horizon: int) -> list[int]:
    """The steps ahead the interval tables single out: the case's, else the first and the last."""
    return steps or sorted({1, horizon})


def interval_tables(scores: dict, families: dict[str, str], steps: list[int], frequency: str | None) -> list[Table]:
    """Per level: each model's test coverage, mean width and interval score, overall and at the steps."""
    result = []
    for level in interval_levels(scores):
        step_columns = [(step, name) for step in steps for name in ("coverage", "width")]
        header = ["model", "family", "scale", "coverage", "width", "Winkler",
                  *(f"{name} at {step_name(step, frequency)}" for step, name in step_columns)]
        ordered = sorted(scores, key=lambda name: scores[name][f"winkler_{level}"])
        rows = [[name, families[name], scale_cell(scores[name]), *(cell(scores[name][f"{metric}_{level}"]) for metric in ("coverage", "width",
                                                                                              "winkler")),
                 *(cell(scores[name]["per_horizon"][f"h{step}"][f"{metric}_{level}"]) for step, metric in step_columns)]
                for name in ordered]
        result.append(Table(
            f"Prediction intervals, {level} % (split conformal, calibrated on validation)", header, rows,
            f"Each model's interval is its forecast plus or minus the radius that covered {level} % of its own "
            "validation errors at that step ahead (the ceil((n + 1) level)-th smallest); the test part is only "
            "scored. Scale: where validation chose it, errors and radius are in units of the window's recent "
            "volatility (mean absolute change over its last rows, plus a floor), so a calm window gets a narrow "
            "interval and a moving one a wide one; chosen per model by calibrating on validation's first half and "
            "checking coverage on its second. Coverage: share of test values inside (nominal " + f"{float(level) / 100:g}" + "). Width: mean "
            "width in the target's units. Winkler: width plus 2 / (1 - level) times the miss, lower is better."))
    return result


def tables(metrics: dict, families: dict[str, str], steps: list[int], frequency: str | None) -> list[Table]:
    scores = metrics["models"]
    with_intervals = bool(interval_levels(scores))
    columns = [*TABLE_COLUMNS, *(["wis"] if with_intervals else [])]
    result = [Table(
        f"Test metrics ({metrics['test_examples']} windows, horizon {metrics['horizon']}, all steps)",
        ["model", "family", *columns], table_rows(scores, families, columns),
        "dm_pvalue: one-sided Diebold-Mariano test against the naive forecast (squared error, Harvey-Leybourne-"
        "Newbold correction). MASE: MAE over the naive forecast's in-sample one-step MAE. Directional accuracy: "
        "share of forecasts moving the right way from the no-change forecast. validation_rmse: RMSE on the "
        "validation windows, which every choice (the verdict's model, the best model) is made on."
        + (" wis: weighted interval score of the forecast and its intervals (Bracher et al. 2021), the CRPS as "
           "those quantiles approximate it, in the target's units." if with_intervals else ""))]
    for step in steps:
        values = {name: scores[name]["per_horizon"][f"h{step}"] for name in scores}
        columns = [column for column in STEP_COLUMNS if column in next(iter(values.values()))]
        ordered = sorted(values, key=lambda name: values[name]["rmse"])
        result.append(Table(f"At {step_name(step, frequency)}", ["model", "family", *(STEP_COLUMNS[c] for c in columns)],
                            [[name, families[name], *(cell(values[name][c]) for c in columns)] for name in ordered],
                            " ".join(note for column, note in STEP_NOTES.items() if column in columns)))
    return result + interval_tables(scores, families, interval_steps(steps, metrics["horizon"]), frequency)


def window_table(series: PreparedSeries, window_lengths: list[int]) -> Table:
    """How many windows each gap rule kept and dropped, for each window length the networks use."""
    counts = {length: window_accounting(series, length) for length in window_lengths}
    rules = list(next(iter(counts.values())))
    return Table("Windows by gap rule", ["rule", *(f"window length {length}" for length in window_lengths)],
                 [[rule.replace("_", " "), *(str(counts[length][rule]) for length in window_lengths)] for rule in rules],
                 "Every window position in the recorded span (all splits). A window crossing a gap too long to fill "
                 "is dropped; so is one whose targets include a filled value (filled values may only be inputs).")


def draw_figures(directory: Path, reports: Path, evaluation: Path, metrics: dict, families: dict[str, str],
                 case: ForecastingCase, series: PreparedSeries, training: dict) -> dict[str, Path]:
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
    drawn.update(fan_charts(directory, metrics, case, series, best, predictions[best], shared, training))
    if "clarke" in case.evaluate.metrics and best_recurrent:
        for clarke_step in case.evaluate.steps or [1]:
            title = f"{best_recurrent[0]}, {step_name(clarke_step, frequency)}"
            drawn[f"Clarke error grid: {title}"] = figures.clarke_grid_figure(
                directory / f"clarke_h{clarke_step}.png", actual[:, clarke_step - 1],
                predictions[best_recurrent[0]][:, clarke_step - 1], title)
    return drawn


def plotted_calibration(scores: dict, name: str, training: dict) -> tuple[dict[str, dict[str, float]], Scale]:
    """The radii and scale behind a plotted forecast: a variant's plots show its first seed's
    network, so its first seed's (each seed is calibrated on its own errors)."""
    entry = scores[name]
    if name in training and "seeds" in entry:
        entry = entry["seeds"][str(training[name]["seeds"][0])]
    return entry["interval_radius"], Scale(**entry.get("interval_scale", {}))


def fan_charts(directory: Path, metrics: dict, case: ForecastingCase, series: PreparedSeries, name: str,
               forecast: np.ndarray, shared: dict, training: dict) -> dict[str, Path]:
    """The best model's forecast with its intervals over the first `interval_span` of the test part,
    one chart per step the case singles out."""
    scores = metrics["models"]
    if not interval_levels(scores):
        return {}
    radius, scale = plotted_calibration(scores, name, training)
    positions, actual = shared["positions"], shared["actual"]
    window_scale = scale.spread(RecentRows.of(series, positions, scale.steps))
    drawn = {}
    for step in interval_steps(case.evaluate.steps, metrics["horizon"]):
        timestamps = series.timestamps[positions + step - 1]
        shown = np.ones(len(timestamps), dtype=bool)
        if case.evaluate.interval_span:
            shown = timestamps < timestamps[0] + pd.Timedelta(case.evaluate.interval_span).to_timedelta64()
        point = forecast[shown, step - 1]
        spread = window_scale[shown]
        bounds = {level: (point - radii[f"h{step}"] * spread, point + radii[f"h{step}"] * spread)
                  for level, radii in radius.items()}
        span = f"the first {case.evaluate.interval_span} of the test part" if case.evaluate.interval_span else "the test part"
        title = f"{name}, {step_name(step, series.frequency)}: forecast and intervals over {span}"
        drawn[f"Prediction intervals: {name}, {step_name(step, series.frequency)}"] = figures.fan_figure(
            directory / f"intervals_h{step}.png", timestamps[shown], actual[shown, step - 1], point, bounds, title,
            series.feature_names[0])
    return drawn


def backtest_tables(backtest: dict, families: dict[str, str]) -> list[Table]:
    """The backtest pooled over its origins (with each model's spread across them), and by origin."""
    pooled, per_origin = backtest["pooled"], backtest["per_origin"]
    names = [origin["name"] for origin in backtest["origins"]]
    starts = [origin["start"][:10] for origin in backtest["origins"]]
    levels = interval_levels(pooled)
    ordered = sorted(pooled, key=lambda name: pooled[name]["validation_rmse"])
    rows = []
    for name in ordered:
        ratios = [per_origin[origin][name]["rmse_ratio_to_naive"] for origin in names]
        rows.append([name, families[name], cell(pooled[name]["rmse"]), cell(pooled[name]["rmse_ratio_to_naive"]),
                     cell(pooled[name]["dm_pvalue"]), f"{cell(min(ratios))} – {cell(max(ratios))}",
                     f"{sum(ratio < 1 for ratio in ratios)} of {len(ratios)}", cell(pooled[name]["validation_rmse"]),
                     *(cell(pooled[name].get(f"coverage_{level}")) for level in levels)])
    how = "refitted at each origin on everything before it" if backtest["refit"] else "fitted once, before the first origin"
    windows = sum(origin["windows"] for origin in backtest["origins"])
    pooled_table = Table(
        f"Backtest: {len(names)} origins pooled ({windows} test windows; models {how})",
        ["model", "family", "RMSE", "ratio to naive", "dm_pvalue", "ratio by origin (min – max)", "origins below naive",
         "validation_rmse", *(f"coverage {level} %" for level in levels)], rows,
        "The test part cut at " + ", ".join(starts) + ". At each origin the networks and baselines learn from the "
        "rows before its validation stretch, stop early and are chosen on that stretch (just before the origin), and "
        "forecast the windows up to the next origin; the pooled scores take every origin's windows together. "
        "validation_rmse: the mean of the origins' validation RMSE, which the pooled verdict chooses on. Intervals: "
        "calibrated on each origin's own validation stretch.")
    by_origin = Table(
        "Backtest by origin: test RMSE / naive RMSE", ["model", "family", *starts],
        [[name, families[name], *(cell(per_origin[origin][name]["rmse_ratio_to_naive"]) for origin in names)]
         for name in ordered],
        "Below 1: better than the naive forecast at that origin. Windows per origin: "
        + ", ".join(str(origin["windows"]) for origin in backtest["origins"]) + ".")
    return [pooled_table, by_origin]


def origin_chart(directory: Path, backtest: dict, families: dict[str, str]) -> dict[str, Path]:
    names = [origin["name"] for origin in backtest["origins"]]
    ratios = {name: [backtest["per_origin"][origin][name]["rmse_ratio_to_naive"] for origin in names]
              for name in backtest["pooled"] if name != "naive"}
    colours = {name: FAMILY_COLOURS[families[name]] for name in ratios}
    return {"Error by backtest origin": figures.origin_figure(
        directory / "backtest_by_origin.png", ratios, [origin["start"][:10] for origin in backtest["origins"]], colours)}


def verdict_with_backtest(metrics: dict) -> dict:
    """The single-window verdict, and the backtest's pooled verdict after it where there is one."""
    backtest = metrics.get("backtest")
    if not backtest:
        return metrics["verdict"]
    count = len(backtest["origins"])
    return {**metrics["verdict"], "text": f"{metrics['verdict']['text']} Backtest over {count} origins "
                                          f"(pooled): {backtest['verdict']['text']}"}


def summary_row(metrics: dict) -> dict:
    scores, result = metrics["models"], metrics["verdict"]
    best = min(scores, key=lambda name: scores[name]["validation_rmse"])
    row = {"metric": "RMSE", "best_model": best, "best_value": scores[best]["rmse"], "reference": "naive",
           "reference_value": scores["naive"]["rmse"], "recurrent": result.get("model"),
           "recurrent_value": result.get("value"), "p_value": result.get("p_value")}
    if result.get("steps"):
        first = result["steps"][0]
        row["note"] = f"step {first['step']}: ratio {first['ratio']:.3f}" if first.get("ratio") else ""
    if metrics.get("backtest"):
        pooled = metrics["backtest"]["verdict"]
        word = "yes" if pooled["beaten"] else "no"
        row["note"] = (f"{row.get('note', '')}; " if row.get("note") else "") + (
            f"backtest over {len(metrics['backtest']['origins'])} origins: {word}"
            + (f" ({pooled['model']} {pooled['value']:.4g}, p = {pooled['p_value']:.3g})" if pooled.get("model") else ""))
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
    drawn = draw_figures(figure_directory, paths.reports, paths.evaluation, metrics, families, case, series, training)
    backtest = metrics.get("backtest")
    if backtest:
        drawn.update(origin_chart(figure_directory, backtest, families))
    return ReportContent(
        verdict=verdict_with_backtest(metrics),
        tables=[*tables(metrics, families, case.evaluate.steps, frequency),
                *(backtest_tables(backtest, families) if backtest else []), window_table(series, lengths)],
        figures=drawn, data=data, training=training)
