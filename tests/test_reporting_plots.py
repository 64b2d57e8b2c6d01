"""The DVC plots' tables: every model on one chart, readable."""

import pandas as pd

from seqcase.reporting.plots import learning_curves_table, overlay_table


def test_a_variant_s_first_seed_gives_way_to_its_ensemble_and_a_forecast_keeps_its_last_dates():
    dates = pd.date_range("2020-01-01", periods=6, freq="D").strftime("%Y-%m-%d")
    forecast = pd.DataFrame({"date": dates, "actual": range(6), "forecast": [0.5] * 6})
    tables = {"gru": forecast, "gru_ensemble": forecast.assign(forecast=1.5), "dense": forecast.assign(forecast=2.5),
              "naive": forecast.assign(forecast=3.5)}
    overlay = overlay_table(tables, dates=4)
    assert overlay.columns.tolist() == ["model", "date", "actual", "forecast"]
    assert overlay["model"].unique().tolist() == ["gru_ensemble", "dense", "naive"]  # no ensemble for dense: itself
    assert overlay.groupby("model")["date"].apply(list).to_dict()["naive"] == list(dates[-4:])
    assert len(overlay) == 12


def test_a_table_of_labels_becomes_a_count_per_pair_and_curves_stay_whole():
    labels = {"gru_ensemble": pd.DataFrame({"actual": ["a", "a", "b", "b", "b"], "predicted": ["a", "b", "b", "b", "b"]})}
    counts = overlay_table(labels)
    assert counts.to_dict("records") == [{"model": "gru_ensemble", "actual": "a", "predicted": "a", "count": 1},
                                         {"model": "gru_ensemble", "actual": "a", "predicted": "b", "count": 1},
                                         {"model": "gru_ensemble", "actual": "b", "predicted": "b", "count": 3}]
    curve = pd.DataFrame({"recall": [1.0, 0.5, 0.0], "precision": [0.1, 0.6, 1.0]})
    assert len(overlay_table({"logistic_regression": curve, "gru": curve})) == 6
    assert overlay_table({}).columns.tolist() == ["model"]


def test_every_variant_s_learning_curve_in_one_table():
    curves = {"gru": pd.DataFrame({"epoch": [1, 2], "loss": [0.9, 0.5], "mae": [1, 1], "val_loss": [1.0, 0.7]}),
              "dense": pd.DataFrame({"epoch": [1], "loss": [0.8], "val_loss": [0.9]})}
    table = learning_curves_table(curves)
    assert table.columns.tolist() == ["variant", "epoch", "loss", "val_loss"]
    assert table.to_dict("records")[2] == {"variant": "dense", "epoch": 1, "loss": 0.8, "val_loss": 0.9}
