"""Events in time order: the chronological split, windows of the last k events, rebalancing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seqcase.errors import DataError
from seqcase.tasks.event_classification.schema import EventPrepare, Imbalance
from seqcase.tasks.event_classification.predict import inference_windows
from seqcase.tasks.event_classification.data import (
    chronological_split,
    load_prepared,
    positive_class_weight,
    prepare_events,
    read_events,
    rebalance,
    save_prepared,
    windows,
    with_history,
)


def make_transactions(rows: int = 200, seed: int = 0) -> pd.DataFrame:
    """Shuffled rows of a time-ordered table: every 10th event is positive and has a large `signal`."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(rows) % 10 == 9).astype(int)
    frame = pd.DataFrame({"Time": np.arange(rows) * 2.0, "signal": labels * 3 + rng.normal(0, 0.1, rows),
                          "Amount": rng.uniform(0, 100, rows), "Class": labels})
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def config(**changes) -> EventPrepare:
    return EventPrepare(**{"time_column": "Time", "label_column": "Class", "log_columns": ["Amount"],
                           "validation_fraction": 0.25, "test_fraction": 0.2, **changes})


def test_the_split_is_chronological_and_never_cuts_through_one_second():
    times = np.array([0, 1, 2, 3, 4, 5, 6, 7, 7, 7, 8, 9], dtype=float)
    split = chronological_split(times, validation_fraction=0.25, test_fraction=0.2)
    # 20 % of 12 rows starts the test part at row 9, whose time (7) also holds rows 7 and 8: the cut moves to 7.
    assert split.tolist() == [0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2]
    assert times[split == 0].max() < times[split == 1].min() <= times[split == 1].max() < times[split == 2].min()


def test_a_table_that_cannot_be_cut_is_refused():
    with pytest.raises(ValueError, match="cannot be cut"):
        chronological_split(np.zeros(10), 0.2, 0.2)


def test_prepare_sorts_by_time_logs_amounts_and_scales_with_training_statistics():
    frame = make_transactions()
    prepared, summary = prepare_events(frame, config(), seed=0)
    assert np.all(np.diff(prepared.times) > 0)
    assert prepared.labels.tolist() == [int(index % 10 == 9) for index in range(200)]
    assert summary["per_split"]["train"]["events"] == 120 and summary["per_split"]["validation"]["events"] == 40
    assert summary["per_split"]["test"] == {"events": 40, "positives": 4, "from_time": 320.0, "to_time": 398.0}
    training = prepared.features[prepared.split == 0]
    np.testing.assert_allclose(training.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(training.std(axis=0), 1, atol=1e-4)
    amount = prepared.feature_names.index("Amount")
    order = np.argsort(frame["Time"].to_numpy())
    raw = np.log1p(frame["Amount"].to_numpy()[order])
    expected = (raw - raw[:120].mean()) / raw[:120].std()
    np.testing.assert_allclose(prepared.features[:, amount], expected, atol=1e-4)
    assert prepared.class_weight == {0: pytest.approx(120 / (2 * 108)), 1: pytest.approx(120 / (2 * 12))}


def test_windows_hold_the_event_and_the_ones_before_it_oldest_first():
    prepared, _ = prepare_events(make_transactions(), config(), seed=0)
    positions = np.array([5, 150])
    window = windows(prepared, positions, 3)
    assert window.shape == (2, 3, 2)
    np.testing.assert_array_equal(window[1], prepared.features[148:151])
    np.testing.assert_array_equal(window[:, -1], prepared.features[positions])
    with pytest.raises(ValueError, match="fewer than 3 events before it"):
        windows(prepared, np.array([1]), 4)
    assert with_history(np.array([0, 1, 2, 3]), 3).tolist() == [2, 3]


def test_undersampling_touches_the_training_part_only_and_keeps_every_positive():
    prepared, summary = prepare_events(make_transactions(), config(imbalance={"method": "undersample", "ratio": 0.5}),
                                       seed=0)
    train_positions = np.flatnonzero(prepared.split == 0)
    chosen = prepared.training_events
    assert set(chosen) <= set(train_positions) and np.all(np.diff(chosen) > 0)
    assert prepared.labels[chosen].sum() == 12 and (prepared.labels[chosen] == 0).sum() == 24  # 0.5 positives per negative
    assert summary["training_events"] == 36 and prepared.class_weight is None
    assert (prepared.split == 1).sum() == 40 and (prepared.split == 2).sum() == 40  # validation and test untouched


def test_oversampling_repeats_positives_up_to_the_ratio():
    labels = np.array([0] * 90 + [1] * 10)
    chosen = rebalance(np.arange(100), labels, Imbalance(method="oversample", ratio=0.5), seed=1)
    assert (labels[chosen] == 0).sum() == 90 and (labels[chosen] == 1).sum() == 45
    assert set(chosen[labels[chosen] == 1]) == set(range(90, 100))


def test_class_weights_follow_the_setting():
    labels = np.array([0] * 98 + [1] * 2)
    assert positive_class_weight(labels, Imbalance(method="class_weight", positive_weight=10)) == {0: 1.0, 1: 10.0}
    assert positive_class_weight(labels, Imbalance(method="class_weight")) == {0: pytest.approx(100 / 196), 1: 25.0}
    assert positive_class_weight(labels, Imbalance(method="none")) is None


def test_read_events_keeps_float32_features_and_names_a_missing_column(tmp_path):
    path = tmp_path / "transactions.csv"
    make_transactions(50).to_csv(path, index=False)
    frame = read_events(path, config())
    assert list(frame.columns) == ["Time", "Class", "signal", "Amount"] and frame["signal"].dtype == np.float32
    with pytest.raises(ValueError, match=r"no column\(s\) \['Missing'\]"):
        read_events(path, config(feature_columns=["signal", "Missing"], log_columns=[]))


def test_prepared_events_round_trip_with_their_class_names(tmp_path):
    # The names reach the prepared data, which evaluate reads: renaming a class re-runs the case's stages.
    prepared, summary = prepare_events(make_transactions(), config(class_names=["genuine", "fraud"]), seed=0)
    save_prepared(prepared, summary, tmp_path / "prepared")
    loaded = load_prepared(tmp_path / "prepared")
    np.testing.assert_array_equal(loaded.features, prepared.features)
    assert loaded.class_weight == prepared.class_weight and loaded.feature_names == prepared.feature_names
    assert loaded.class_names == ("genuine", "fraud")


def test_new_events_are_sorted_and_windowed_as_in_training_and_scaled_with_its_statistics():
    frame = make_transactions()
    prepared, _ = prepare_events(frame, config(), seed=0)
    rows, found = inference_windows(frame.drop(columns=["Class"]), config(), prepared.serving_facts(), 3)
    positions = with_history(np.arange(len(frame)), 3)
    np.testing.assert_allclose(found, windows(prepared, positions, 3), atol=1e-5)
    # `rows` points back into the shuffled input: the last event of each window, in time order.
    np.testing.assert_array_equal(frame["Time"].to_numpy()[rows], prepared.times[positions])
    assert len(rows) == len(frame) - 2


def test_new_events_without_a_feature_the_model_reads_are_refused():
    prepared, _ = prepare_events(make_transactions(), config(), seed=0)
    with pytest.raises(ValueError, match=r"no column\(s\) \['signal'\]"):
        inference_windows(make_transactions().drop(columns=["signal"]), config(), prepared.serving_facts(), 3)


def test_a_missing_or_infinite_feature_is_refused_naming_the_column_and_row(tmp_path):
    frame = make_transactions().sort_values("Time").reset_index(drop=True)
    frame.loc[7, "signal"] = np.inf
    frame.loc[9, "signal"] = np.nan
    frame.to_csv(tmp_path / "events.csv", index=False)
    with pytest.raises(DataError, match=r"events.csv: column 'signal' has 2 missing or infinite value\(s\) \(the "
                                        r"first in data row 8: inf\); every feature must be a finite number"):
        read_events(tmp_path / "events.csv", config())


def test_a_part_without_a_positive_is_refused_before_anything_trains():
    frame = make_transactions()
    frame.loc[frame["Time"] >= 300, "Class"] = 0  # the test part (the last fifth) has no positive
    with pytest.raises(DataError, match=r"the events: the test part has 0 events with Class = 1; at least 1 are "
                                        r"needed to score on"):
        prepare_events(frame, config(), seed=0)
