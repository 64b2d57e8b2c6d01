"""The forecasting task: gaps, transforms, the chronological split, windows and no leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import BASE_CASE, make_prices
from seqcase.tasks.forecasting.schema import ForecastingPrepare
from seqcase.splits import SPLIT_NAMES
from seqcase.tasks.forecasting import data as forecasting
from seqcase.tasks.forecasting.intervals import Scale
from seqcase.tasks.forecasting.predict import forecast_table, inference_windows, window_spread


def prepare_config(**overrides) -> ForecastingPrepare:
    return ForecastingPrepare(**{**BASE_CASE["prepare"], "validation_fraction": 0.2, "test_fraction": 0.2, **overrides})


def table(frame: pd.DataFrame, tmp_path, config: ForecastingPrepare) -> pd.DataFrame:
    path = tmp_path / "prices.csv.gz"
    frame.to_csv(path, index=False)
    return forecasting.read_table(path, config)


def test_find_segments_breaks_only_at_steps_longer_than_max_gap():
    timestamps = pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-06", "2020-01-20", "2020-01-21"]).to_numpy()
    segments = forecasting.find_segments(timestamps, pd.Timedelta("5D"))
    assert segments.tolist() == [0, 0, 0, 1, 1]


def test_clean_rows_sorts_drops_missing_and_duplicate_timestamps():
    frame = pd.DataFrame({"t": pd.to_datetime(["2020-01-03", "2020-01-01", "2020-01-02", "2020-01-02", "2020-01-04"]),
                          "x": [3.0, 1.0, 2.0, 2.5, np.nan]})
    cleaned, counts = forecasting.clean_rows(frame, "t")
    assert cleaned["x"].tolist() == [1.0, 2.5, 3.0]
    assert counts == {"rows_read": 5, "rows_with_missing_values": 1, "duplicate_timestamps": 1,
                      "duplicate_timestamps_with_other_values": 1}  # 2.0 and 2.5 at one time: the last kept


def test_change_transforms_restart_at_each_segment():
    frame = pd.DataFrame({"price": [100.0, 110.0, 121.0, 50.0, 55.0]})
    segment = np.array([0, 0, 0, 1, 1])
    feature = BASE_CASE["prepare"]["target"] | {"column": "price"}
    from seqcase.tasks.forecasting.schema import Feature

    returns = forecasting.transform_column(frame, Feature(**feature), segment)
    assert np.isnan(returns[0]) and np.isnan(returns[3])
    np.testing.assert_allclose(returns[[1, 2, 4]], np.log([1.1, 1.1, 1.1]))
    differences = forecasting.transform_column(frame, Feature(column="price", transform="diff"), segment)
    np.testing.assert_allclose(differences[[1, 2, 4]], [10.0, 11.0, 5.0])


def test_log_of_non_positive_values_is_refused():
    from seqcase.tasks.forecasting.schema import Feature

    with pytest.raises(ValueError, match=r"column 'price' has values <= 0 \(1 rows\), which transform 'log' cannot take; "
                                         r"give that entry of prepare.target or prepare.features another transform"):
        forecasting.transform_column(pd.DataFrame({"price": [1.0, 0.0]}), Feature(column="price", transform="log"),
                                     np.zeros(2, dtype=int))


def test_read_table_names_missing_columns_and_bad_dates(tmp_path):
    config = prepare_config()
    path = tmp_path / "prices.csv"
    make_prices(20).drop(columns=["High"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"no column\(s\) \['High'\]"):
        forecasting.read_table(path, config)
    make_prices(20).to_csv(path, index=False)
    with pytest.raises(ValueError, match="does not parse as dates"):
        forecasting.read_table(path, prepare_config(time_format="%Y-%m-%d"))


def test_a_column_without_one_number_is_named_with_the_block_that_reads_it(tmp_path):
    config = prepare_config()
    path = tmp_path / "prices.csv"
    make_prices(20).assign(Close="closed").to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"^.*prices.csv: column 'Close' holds no number in any of its 20 rows "
                                         r"\(the first reads 'closed'\); prepare.target names it: name a column of numbers$"):
        forecasting.read_table(path, config)
    make_prices(20).assign(High="").to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"column 'High' .* \(every cell is empty\); prepare.features names it"):
        forecasting.read_table(path, config)


def test_prepare_counts_gap_segments_and_split_rows(tmp_path):
    config = prepare_config()
    series, summary = forecasting.prepare_series(table(make_prices(300, gap_after=150), tmp_path, config), config)
    # 300 rows, two segments; the log return drops the first row of each: 298 rows.
    assert summary["gaps"] == 1 and summary["segments"] == 2
    assert summary["longest_gap"] == "11 days 00:00:00"  # one business day plus the 10-day closure
    assert summary["rows"] == 298 == len(series.target)
    assert summary["rows_per_split"] == {"train": 179, "validation": 59, "test": 60}  # round(0.6 n), round(0.8 n)
    assert series.feature_names == ("Close_log_return", "High_over_Low_log_ratio")


def test_scaler_statistics_come_from_training_rows_alone(tmp_path):
    config = prepare_config()
    frame = make_prices(300, gap_after=None)
    # A regime change after the training part: scaling on all rows would shift the mean.
    frame.loc[200:, "Close"] = frame.loc[200:, "Close"] * np.exp(np.cumsum(np.full(100, 0.05)))
    series, _ = forecasting.prepare_series(table(frame, tmp_path, config), config)
    train = series.split == 0
    raw_target = series.target_original
    assert series.feature_mean[0] == pytest.approx(raw_target[train].mean())
    assert series.feature_scale[0] == pytest.approx(raw_target[train].std())
    assert series.inputs[train, 0].mean() == pytest.approx(0.0, abs=1e-6)
    assert series.inputs[~train, 0].mean() > 1.0


def test_no_window_crosses_a_gap_and_counts_are_exact(tmp_path):
    config = prepare_config(validation_fraction=0.1, test_fraction=0.1)
    series, _ = forecasting.prepare_series(table(make_prices(100, gap_after=49), tmp_path, config), config)
    # Segments after the returns: rows 0-48 and 49-97; train is rows 0-77 (78 rows).
    assert (series.segment[:49] == 0).all() and (series.segment[49:] == 1).all()
    positions = forecasting.window_positions(series, window_length=10, part="train")
    # Segment 0 gives first targets 10..48 (39), segment 1 gives 59..77 (19).
    assert len(positions) == 39 + 19
    assert positions.min() == 10 and 49 not in positions and 58 not in positions and 59 in positions
    for first_target in positions:
        rows = np.arange(first_target - 10, first_target + series.horizon)
        assert len(set(series.segment[rows])) == 1


def test_windows_are_the_rows_before_their_targets(tmp_path):
    config = prepare_config(horizon=3)
    series, _ = forecasting.prepare_series(table(make_prices(120, gap_after=None), tmp_path, config), config)
    positions = forecasting.window_positions(series, 7, "validation")
    inputs, targets = forecasting.make_windows(series, positions, 7)
    assert inputs.shape == (len(positions), 7, 2) and targets.shape == (len(positions), 3)
    first = positions[0]
    np.testing.assert_array_equal(inputs[0], series.inputs[first - 7:first])
    np.testing.assert_array_equal(targets[0], series.target[first:first + 3])


def test_no_test_timestamp_is_seen_in_training(tmp_path):
    config = prepare_config(horizon=5)
    series, _ = forecasting.prepare_series(table(make_prices(300), tmp_path, config), config)
    first_test_time = series.timestamps[series.split == 2].min()
    first_validation_time = series.timestamps[series.split == 1].min()
    for window_length in (5, 20):
        positions = forecasting.window_positions(series, window_length, "train")
        rows = positions[:, None] + np.arange(-window_length, series.horizon)
        seen = series.timestamps[rows]
        assert seen.max() < first_validation_time < first_test_time
        validation = forecasting.window_positions(series, window_length, "validation")
        validation_rows = validation[:, None] + np.arange(-window_length, series.horizon)
        assert series.timestamps[validation_rows].max() < first_test_time
    # Every test target is a test row.
    test = forecasting.window_positions(series, 5, "test")
    assert (series.split[test[:, None] + np.arange(series.horizon)] == 2).all()


def test_no_change_forecast_is_zero_for_returns_and_the_last_level_otherwise(tmp_path):
    config = prepare_config(horizon=2)
    frame = table(make_prices(80, gap_after=None), tmp_path, config)
    returns, _ = forecasting.prepare_series(frame, config)
    positions = forecasting.window_positions(returns, 3, "test")
    assert (forecasting.no_change_forecast(returns, positions) == 0).all()
    level_config = prepare_config(horizon=2, target={"column": "Close", "transform": "none"})
    levels, _ = forecasting.prepare_series(frame, level_config)
    positions = forecasting.window_positions(levels, 3, "test")
    forecast = forecasting.no_change_forecast(levels, positions)
    np.testing.assert_allclose(forecast[:, 0], levels.target_original[positions - 1])
    np.testing.assert_allclose(forecast[:, 1], forecast[:, 0])


def test_prepared_series_round_trips_through_disk(tmp_path):
    config = prepare_config()
    series, summary = forecasting.prepare_series(table(make_prices(100), tmp_path, config), config)
    forecasting.save_prepared(series, summary, tmp_path / "prepared")
    loaded = forecasting.load_prepared(tmp_path / "prepared")
    np.testing.assert_array_equal(loaded.inputs, series.inputs)
    np.testing.assert_array_equal(loaded.timestamps, series.timestamps)
    assert loaded.feature_names == series.feature_names and loaded.horizon == 1
    scaled = (np.array([0.01, -0.02]) - loaded.feature_mean[0]) / loaded.feature_scale[0]
    np.testing.assert_allclose(loaded.to_original(scaled), [0.01, -0.02])


def sensor_readings() -> pd.DataFrame:
    """120 five-minute grid points, glucose = 100 + index; gaps of 15, 30 and 35 minutes.

    Points 30-31 and 60-64 are missing (gaps of 15 and 30 min: filled), 90-95 too (35 min: a
    segment break). Reading 10 comes a minute late; an extra reading 2 min before point 12.
    """
    missing = {30, 31, *range(60, 65), *range(90, 96)}
    start = pd.Timestamp("2024-01-01 00:00")
    rows = [(start + pd.Timedelta(minutes=5 * index + (1 if index == 10 else 0)), 100.0 + index)
            for index in range(120) if index not in missing]
    rows.append((start + pd.Timedelta(minutes=58), 124.0))  # averaged with point 12's 112 -> 118
    return pd.DataFrame(rows, columns=["t", "glucose"]).sample(frac=1, random_state=0)


def sensor_config(**overrides) -> ForecastingPrepare:
    return ForecastingPrepare(**{"time_column": "t", "target": {"column": "glucose"}, "horizon": 2,
                                 "frequency": "5min", "interpolate_gap": "30min", "validation_fraction": 0.2,
                                 "test_fraction": 0.2, **overrides})


def test_short_gaps_are_interpolated_and_long_ones_split_the_series():
    series, summary = forecasting.prepare_series(sensor_readings(), sensor_config())
    assert summary["readings_on_the_same_grid_point"] == 1
    assert (summary["grid_points"], summary["points_interpolated"], summary["short_gaps_interpolated"]) == (120, 7, 2)
    assert (summary["long_gaps"], summary["points_in_long_gaps"], summary["segments"]) == (1, 6, 2)
    assert summary["rows"] == 114
    # On the grid, every kept value is 100 + its index: a late reading lands right, and the filled
    # points lie on the line between their neighbours; the two readings near point 12 are averaged.
    index = (series.timestamps - series.timestamps[0]) // np.timedelta64(5, "m")
    expected = 100.0 + index
    expected[index == 12] = 118.0
    np.testing.assert_allclose(series.target_original, expected)
    assert sorted(index[~series.observed].tolist()) == [30, 31, 60, 61, 62, 63, 64]


def test_window_accounting_gives_exact_counts_for_each_rule():
    series, _ = forecasting.prepare_series(sensor_readings(), sensor_config())
    counts = forecasting.window_accounting(series, window_length=4)
    # Windows start at grid points 4..118 (115). Spans [t-4, t+2) touching 90-95: t in 89..99 (11).
    # Targets filled: t in 29..31 or 59..64 (9). Inputs filled only: t in 32..35 or 65..68 (8).
    assert counts == {"windows": 115, "dropped_crossing_a_long_gap": 11, "dropped_interpolated_target": 9,
                      "kept_with_interpolated_inputs": 8, "kept_observed_only": 87}


def test_no_window_has_an_interpolated_target_or_crosses_the_long_gap():
    series, _ = forecasting.prepare_series(sensor_readings(), sensor_config())
    positions = np.concatenate([forecasting.window_positions(series, 4, name) for name in SPLIT_NAMES])
    targets = positions[:, None] + np.arange(2)
    assert series.observed[targets].all()
    assert (series.segment[positions - 4] == series.segment[positions + 1]).all()
    without_filling, summary = forecasting.prepare_series(sensor_readings(), sensor_config(interpolate_gap=None))
    assert (summary["points_interpolated"], summary["segments"]) == (0, 4)
    assert without_filling.observed.all()


def test_a_sensor_series_round_trips_with_its_observed_mask(tmp_path):
    series, summary = forecasting.prepare_series(sensor_readings(), sensor_config())
    forecasting.save_prepared(series, summary, tmp_path / "prepared")
    loaded = forecasting.load_prepared(tmp_path / "prepared")
    np.testing.assert_array_equal(loaded.observed, series.observed)
    assert loaded.frequency == "5min"


def test_new_rows_become_the_windows_the_prepare_stage_made_with_the_models_scaling():
    config = sensor_config()
    series, _ = forecasting.prepare_series(sensor_readings(), config)
    # The model's facts carry the training statistics: rows from another table are scaled with
    # them, not with their own.
    origins, windows = inference_windows(sensor_readings(), config, series.serving_facts(), 4)
    positions = np.concatenate([forecasting.window_positions(series, 4, name) for name in SPLIT_NAMES])
    expected, _ = forecasting.make_windows(series, positions, 4)
    by_origin = dict(zip(origins.tolist(), windows))
    for position, window in zip(positions, expected):
        np.testing.assert_allclose(by_origin[series.timestamps[position - 1].tolist()], window, atol=1e-6)
    # Every window of 4 rows inside one segment: 114 rows in segments of 90 and 24 give 87 + 21;
    # the first three rows of each segment are too early to end one.
    assert len(origins) == 108 and not np.isin(series.timestamps[[0, 1, 2, 90, 91, 92]], origins).any()
    assert np.isin(series.timestamps[[3, 89, 93]], origins).all()
    assert series.timestamps[-1] in origins  # the newest window: a forecast beyond the table


def test_forecasts_come_back_in_the_targets_units_one_column_per_step():
    facts = {"feature_names": ["glucose"], "feature_mean": [100.0], "feature_scale": [10.0], "horizon": 2}
    origins = np.array(["2024-01-01T00:00", "2024-01-01T00:05"], dtype="datetime64[ns]")
    table = forecast_table(origins, np.array([[0.0, 1.0], [-1.0, 0.5]]), facts)
    assert table.columns.tolist() == ["origin", "glucose_step_1", "glucose_step_2"]
    np.testing.assert_allclose(table[["glucose_step_1", "glucose_step_2"]], [[100, 110], [90, 105]])


def test_interval_bounds_sit_beside_each_forecast_at_the_versions_radii_per_step():
    facts = {"feature_names": ["glucose"], "feature_mean": [100.0], "feature_scale": [10.0], "horizon": 2}
    origins = np.array(["2024-01-01T00:00", "2024-01-01T00:05"], dtype="datetime64[ns]")
    table = forecast_table(origins, np.array([[0.0, 1.0], [-1.0, 0.5]]), facts, {"80": [5.0, 9.0], "95": [8.0, 15.0]})
    assert table.columns.tolist() == [
        "origin", "glucose_step_1", "glucose_step_1_lower_80", "glucose_step_1_upper_80", "glucose_step_1_lower_95",
        "glucose_step_1_upper_95", "glucose_step_2", "glucose_step_2_lower_80", "glucose_step_2_upper_80",
        "glucose_step_2_lower_95", "glucose_step_2_upper_95"]
    np.testing.assert_allclose(table["glucose_step_2_lower_80"], [101, 96])
    np.testing.assert_allclose(table["glucose_step_1_upper_95"], [108, 98])


def test_a_scaled_versions_bounds_widen_with_each_windows_recent_volatility():
    facts = {"feature_names": ["glucose"], "feature_mean": [100.0], "feature_scale": [10.0], "horizon": 1,
             "target_transform": "none"}
    # Two windows of 3 rows (scaled): flat at 100, then 100 -> 110 -> 130 (changes 10 and 20: volatility 15).
    windows = np.array([[[0.0], [0.0], [0.0]], [[0.0], [1.0], [3.0]]])
    spread = window_spread(windows, facts, Scale(3, 2.0))
    np.testing.assert_allclose(spread, [2.0, 17.0])
    np.testing.assert_allclose(window_spread(windows, facts, Scale()), [1.0, 1.0])  # one radius for all
    # Over the last 2 rows only: one change each, 0 and 20.
    np.testing.assert_allclose(window_spread(windows, facts, Scale(2, 2.0)), [2.0, 22.0])
    origins = np.array(["2024-01-01T00:00", "2024-01-01T00:05"], dtype="datetime64[ns]")
    table = forecast_table(origins, np.array([[0.0], [1.0]]), facts, {"80": [1.5]}, spread)
    np.testing.assert_allclose(table["glucose_step_1_lower_80"], [97.0, 84.5])
    np.testing.assert_allclose(table["glucose_step_1_upper_80"], [103.0, 135.5])


def test_a_model_on_other_features_is_refused():
    series, _ = forecasting.prepare_series(sensor_readings(), sensor_config())
    facts = {**series.serving_facts(), "feature_names": ["glucose", "insulin"]}
    with pytest.raises(ValueError, match=r"differ from the model's \['glucose', 'insulin'\]"):
        inference_windows(sensor_readings(), sensor_config(), facts, 4)


def test_an_infinite_value_is_dropped_and_counted_as_infinite_not_as_a_segment_start():
    frame = pd.DataFrame({"t": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"]),
                          "x": [1.0, np.inf, np.nan, 4.0]})
    cleaned, counts = forecasting.clean_rows(frame, "t")
    assert cleaned["x"].tolist() == [1.0, 4.0]
    assert counts == {"rows_read": 4, "rows_with_missing_values": 1, "duplicate_timestamps": 0,
                      "rows_with_infinite_values": 1}


def test_a_series_too_short_for_the_longest_window_is_refused_at_prepare(tmp_path):
    from seqcase.params import get_case, parse_params
    from conftest import BASE_PARAMS

    make_prices(60, gap_after=None).to_csv(tmp_path / "prices.csv", index=False)
    raw = {**BASE_PARAMS, "cases": {"tiny": {**BASE_CASE, "tune": {"search_space": {"window_length": [5, 30]}}}}}
    case = get_case(parse_params(raw), "tiny")
    with pytest.raises(forecasting.DataError, match=r"prices.csv: the train part has 5 windows of 30 rows "
                                                    r"\(horizon 1\); at least 10 are needed to learn from"):
        forecasting.prepare(case, lambda name: tmp_path / "prices.csv", seed=0)


def test_dropped_rows_are_counted_by_their_real_cause(tmp_path):
    config = prepare_config()
    frame = make_prices(8, gap_after=None)
    frame = pd.concat([frame, frame.iloc[[3]].assign(Close=1.0), frame.iloc[[4]]])  # twice: other values, same
    frame["Close"] = frame["Close"].astype(object)
    frame.iloc[1, frame.columns.get_loc("Close")] = "12,5"  # text where a number belongs
    frame.iloc[2, frame.columns.get_loc("Close")] = "nil"  # a sensor's "no reading"
    cleaned, counts = forecasting.clean_rows(table(frame, tmp_path, config), "Date")
    assert counts == {"rows_read": 10, "rows_with_missing_values": 1, "duplicate_timestamps": 2,
                      "rows_with_text_instead_of_a_number": 1, "duplicate_timestamps_with_other_values": 1}
    assert len(cleaned) == 6
