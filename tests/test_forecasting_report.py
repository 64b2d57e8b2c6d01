"""The forecasting report's interval tables and fan charts, from scores made here."""

from __future__ import annotations

from unittest import mock

import numpy as np

from conftest import series_from
from seqcase.params import parse_params
from seqcase.tasks.forecasting import report


def interval_scores(coverage_80: float, width_80: float, scale_steps: int = 0, floor: float = 0.0) -> dict:
    step = {"coverage_80": coverage_80, "width_80": width_80, "winkler_80": width_80 + 1}
    return {"interval_radius": {"80": {"h1": width_80 / 2, "h2": width_80 / 2}},
            "interval_scale": {"steps": scale_steps, "floor": floor}, **step,
            "per_horizon": {"h1": dict(step), "h2": dict(step)}}


def test_one_interval_table_per_level_with_the_steps_best_winkler_first():
    scores = {"naive": interval_scores(0.82, 4.0), "gru_ensemble": interval_scores(0.79, 2.0, 6, 0.5),
              "lstm": {**interval_scores(0.8, 3.0), "seeds": {"1": interval_scores(0.8, 3.0, 6, 0.5),
                                                               "2": interval_scores(0.8, 3.0, 12, 0.5)}}}
    families = {"naive": "baseline", "gru_ensemble": "recurrent", "lstm": "recurrent"}
    [table] = report.interval_tables(scores, families, report.interval_steps([], 2), "5min")
    assert table.title.startswith("Prediction intervals, 80 %")
    assert table.header[-4:] == ["coverage at step 1 (5 min)", "width at step 1 (5 min)",
                                 "coverage at step 2 (10 min)", "width at step 2 (10 min)"]
    assert [row[:5] for row in table.rows] == [
        ["gru_ensemble", "recurrent", "volatility over 6 rows", "0.79", "2"],
        ["lstm", "recurrent", "by seed: volatility over 6, 12 rows", "0.8", "3"],
        ["naive", "baseline", "none", "0.82", "4"]]
    assert report.interval_tables({"naive": {"rmse": 1.0}}, families, [1], None) == []


def test_a_scaled_fan_chart_widens_each_window_by_its_own_recent_volatility(tmp_path, raw_params):
    values = np.random.default_rng(1).normal(0, 1, 200)
    series = series_from(values, horizon=2)
    case = parse_params(raw_params).cases["tiny"]
    positions = np.flatnonzero(series.split == 2)[:-1]
    shared = {"positions": positions, "actual": np.zeros((len(positions), 2))}
    metrics = {"horizon": 2, "models": {"gru_ensemble": interval_scores(0.8, 2.0, 2, 0.5)}}
    with mock.patch.object(report.figures, "fan_figure", side_effect=lambda path, *rest: path) as drawn:
        report.fan_charts(tmp_path, metrics, case, series, "gru_ensemble", np.zeros((len(positions), 2)), shared, {})
    bounds = drawn.call_args_list[0].args[4]
    # Over 2 rows the volatility is the one change before the forecast origin; radius 1.0 times (it + 0.5).
    spread = np.abs(series.target_original[positions - 1] - series.target_original[positions - 2]) + 0.5
    np.testing.assert_allclose(bounds["80"][1], spread)
    np.testing.assert_allclose(bounds["80"][0], -spread)


def test_the_fan_chart_draws_the_first_span_of_the_test_part_with_the_plotted_seeds_radii(tmp_path, raw_params):
    series = series_from(np.random.default_rng(0).normal(0, 1, 200), horizon=2)
    raw_params["cases"]["tiny"]["evaluate"] = {"interval_span": "10D"}
    case = parse_params(raw_params).cases["tiny"]
    positions = np.flatnonzero(series.split == 2)[:-1]
    shared = {"positions": positions, "actual": np.zeros((len(positions), 2))}
    training = {"gru": {"seeds": [3, 4]}}
    metrics = {"horizon": 2, "models": {"gru": {"coverage_80": 0.8, "width_80": 4.0,
                                                "seeds": {"3": interval_scores(0.8, 2.0), "4": interval_scores(0.8, 6.0)}}}}
    with mock.patch.object(report.figures, "fan_figure", side_effect=lambda path, *rest: path) as drawn:
        charts = report.fan_charts(tmp_path, metrics, case, series, "gru", np.ones((len(positions), 2)), shared,
                                   training)
    assert list(charts) == ["Prediction intervals: gru, step 1", "Prediction intervals: gru, step 2"]
    timestamps, actual, forecast, bounds = drawn.call_args_list[0].args[1:5]
    assert len(timestamps) == 10 and (timestamps - timestamps[0]).max() < np.timedelta64(10, "D")
    # The first seed's radius (1.0), the one whose forecasts the report plots, not the other seed's (3.0).
    np.testing.assert_allclose(bounds["80"][0], 0.0)
    np.testing.assert_allclose(bounds["80"][1], 2.0)


def test_the_fan_figure_is_a_png(tmp_path):
    from seqcase.reporting.figures import fan_figure

    dates = np.arange(5).astype("datetime64[D]")
    path = fan_figure(tmp_path / "fan.png", dates, np.arange(5.0), np.arange(5.0),
                      {"80": (np.arange(5.0) - 1, np.arange(5.0) + 1), "95": (np.arange(5.0) - 2, np.arange(5.0) + 2)},
                      "title", "glucose")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def backtest_metrics() -> dict:
    origins = [{"name": "origin_1", "start": "2016-01-04T00:00:00", "windows": 250},
               {"name": "origin_2", "start": "2017-01-03T00:00:00", "windows": 248}]
    pooled = {"naive": {"rmse": 1.0, "rmse_ratio_to_naive": 1.0, "dm_pvalue": None, "validation_rmse": 1.1,
                        "coverage_80": 0.8},
              "gru": {"rmse": 0.9, "rmse_ratio_to_naive": 0.9, "dm_pvalue": 0.01, "validation_rmse": 1.0,
                      "coverage_80": 0.78}}
    per_origin = {"origin_1": {"naive": {"rmse_ratio_to_naive": 1.0}, "gru": {"rmse_ratio_to_naive": 0.8}},
                  "origin_2": {"naive": {"rmse_ratio_to_naive": 1.0}, "gru": {"rmse_ratio_to_naive": 1.05}}}
    verdict = {"beaten": True, "model": "gru", "value": 0.9, "p_value": 0.01, "text": "gru wins."}
    return {"verdict": {"text": "One window: no."}, "models": {"naive": {"rmse": 1.0, "validation_rmse": 1.0}},
            "backtest": {"origins": origins, "refit": True, "pooled": pooled, "per_origin": per_origin,
                         "verdict": verdict}}


def test_the_backtest_tables_show_the_pooled_scores_and_the_spread_over_origins():
    families = {"naive": "baseline", "gru": "recurrent"}
    pooled, by_origin = report.backtest_tables(backtest_metrics()["backtest"], families)
    assert pooled.title == "Backtest: 2 origins pooled (498 test windows; models refitted at each origin on everything before it)"
    assert pooled.rows[0] == ["gru", "recurrent", "0.9", "0.9", "0.01", "0.8 – 1.05", "1 of 2", "1", "0.78"]
    assert by_origin.header == ["model", "family", "2016-01-04", "2017-01-03"]
    assert report.verdict_with_backtest(backtest_metrics())["text"] == (
        "One window: no. Backtest over 2 origins (pooled): gru wins.")
    assert report.summary_row(backtest_metrics())["note"] == "backtest over 2 origins: yes (gru 0.9, p = 0.01)"
