"""The comparison table of every report: a row per model, its test metrics as the MLflow runs name them."""

from __future__ import annotations

from seqcase.reporting.comparison import comparison_frame


def test_the_comparison_table_has_a_row_per_model_and_the_runs_metric_names():
    models = {"lstm": {"rmse": 1.2, "dm_pvalue": 0.04, "per_horizon": {"h2": {"rmse": 1.5}}, "note": "x"},
              "naive": {"rmse": 1.0, "dm_pvalue": float("nan")}}
    frame = comparison_frame(models, {"lstm": "recurrent", "naive": "baseline"})
    assert frame["model"].tolist() == ["lstm", "naive"] and frame["family"].tolist() == ["recurrent", "baseline"]
    assert frame.loc[0, "test_rmse_h2"] == 1.5 and frame.loc[1, "test_rmse"] == 1.0
    assert frame.loc[1, ["test_dm_pvalue", "test_rmse_h2"]].isna().all()  # NaN and absent alike: left empty
    assert "test_note" not in frame.columns
