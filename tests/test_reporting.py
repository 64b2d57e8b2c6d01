import pytest

from seqcase.reporting.forecasting import step_comparison, table_rows, verdict
from seqcase.reporting.report import ReportContent, Table, markdown_report

FAMILIES = {"naive": "baseline", "lstm": "recurrent", "gru": "recurrent", "dense": "feed-forward"}


def scores(lstm_rmse: float, lstm_p: float) -> dict:
    return {
        "naive": {"rmse": 1.0, "dm_pvalue": None},
        "lstm": {"rmse": lstm_rmse, "dm_pvalue": lstm_p},
        "gru": {"rmse": 1.2, "dm_pvalue": 0.9},
        "dense": {"rmse": 0.5, "dm_pvalue": 0.001},
    }


def test_verdict_yes_needs_lower_rmse_and_a_significant_test():
    result = verdict(scores(0.9, 0.01), FAMILIES, 0.05)
    assert result["beaten"] and result["model"] == "lstm"
    assert result["text"].startswith("Yes: a recurrent model beat the naive forecast. lstm has test RMSE 0.9")
    assert "p = 0.01 < 0.05" in result["text"]


def test_verdict_no_when_not_significant_or_worse():
    slight = verdict(scores(0.99, 0.3), FAMILIES, 0.05)
    assert not slight["beaten"] and "not significantly" in slight["text"] and "p = 0.3 >= 0.05" in slight["text"]
    worse = verdict(scores(1.1, 0.97), FAMILIES, 0.05)
    assert not worse["beaten"]
    assert worse["text"].startswith("No: no recurrent model beat the naive forecast.") and "ratio 1.1000" in worse["text"]


def test_a_non_recurrent_winner_does_not_count_for_the_recurrent_verdict():
    result = verdict(scores(1.05, 0.8), FAMILIES, 0.05)
    assert result["model"] == "lstm" and not result["beaten"]


def test_table_is_sorted_by_rmse_and_shows_undefined_as_a_dash():
    rows = table_rows({name: {**value, "mae": 1.0} for name, value in scores(0.9, 0.01).items()}, FAMILIES)
    assert [row[0] for row in rows] == ["dense", "lstm", "naive", "gru"]
    assert rows[2][-1] == "–"
    content = ReportContent(verdict=verdict(scores(0.9, 0.01), FAMILIES, 0.05),
                            tables=[Table("Test metrics", ["model", "family", "rmse"], [row[:3] for row in rows], "a note")],
                            figures={}, data={"rows": 100}, training={})
    text = markdown_report("tiny", "A test.", content)
    assert "| dense | feed-forward | 0.5 |" in text and "## Verdict" in text and "a note" in text


def test_step_comparison_names_the_best_recurrent_model_and_the_best_other_baseline():
    per_step = {"naive": 30.0, "lstm": 22.0, "gru": 24.0, "linear_lags": 25.0, "dense": 20.0}
    step_scores = {name: {"per_horizon": {"h6": {"rmse": value}}} for name, value in per_step.items()}
    families = {**FAMILIES, "linear_lags": "baseline"}
    result = step_comparison(step_scores, families, 6, "5min")
    assert result["model"] == "lstm" and result["baseline"] == "linear_lags"
    assert result["ratio"] == pytest.approx(22 / 30)
    assert result["text"] == ("At step 6 (30 min), the best recurrent model, lstm, has RMSE 22: 0.733 of the naive "
                              "forecast's 30, below the best other baseline, linear_lags (25, ratio 0.833).")
