import numpy as np
import pytest

from seqcase.tasks.forecasting.report import table_rows
from seqcase.tasks.forecasting.scoring import step_comparison, verdict
from seqcase.reporting.report import ReportContent, Table, markdown_report

FAMILIES = {"naive": "baseline", "lstm": "recurrent", "gru": "recurrent", "dense": "feed-forward"}


def scores(lstm_rmse: float, lstm_p: float) -> dict:
    return {
        "naive": {"rmse": 1.0, "dm_pvalue": None},
        "lstm": {"rmse": lstm_rmse, "dm_pvalue": lstm_p},
        "gru": {"rmse": 1.2, "dm_pvalue": 0.9},
        "dense": {"rmse": 0.5, "dm_pvalue": 0.001},
    }


# Per-window squared errors: the verdict's interval is of their mean difference, model minus naive.
LOSSES = {name: value + np.random.default_rng(index).normal(0, 0.05, 40) for index, (name, value) in
          enumerate({"naive": 1.0, "lstm": 0.8, "gru": 1.4, "dense": 0.25}.items())}


def verdict_of(scores: dict, significance: float = 0.05) -> dict:
    return verdict(scores, FAMILIES, LOSSES, 1, significance)


def test_verdict_yes_needs_lower_rmse_and_a_significant_test():
    result = verdict_of(scores(0.9, 0.01))
    assert result["beaten"] and result["model"] == "lstm"
    assert result["text"].startswith("Yes: a recurrent model beat the naive forecast. lstm has test RMSE 0.9")
    assert "p = 0.01 < 0.05" in result["text"]
    assert result["difference"] == pytest.approx(LOSSES["lstm"].mean() - LOSSES["naive"].mean())
    low, high = result["interval"]
    assert low < result["difference"] < high < 0 and high - low < 0.1


def test_verdict_no_when_not_significant_or_worse():
    slight = verdict_of(scores(0.99, 0.3))
    assert not slight["beaten"] and "not significantly" in slight["text"] and "p = 0.3 >= 0.05" in slight["text"]
    worse = verdict_of(scores(1.1, 0.97))
    assert not worse["beaten"]
    assert worse["text"].startswith("No: no recurrent model beat the naive forecast.") and "ratio 1.1000" in worse["text"]


def test_a_non_recurrent_winner_does_not_count_for_the_recurrent_verdict():
    result = verdict_of(scores(1.05, 0.8))
    assert result["model"] == "lstm" and not result["beaten"]


def test_table_is_sorted_by_rmse_and_shows_undefined_as_a_dash():
    rows = table_rows({name: {**value, "mae": 1.0} for name, value in scores(0.9, 0.01).items()}, FAMILIES)
    assert [row[0] for row in rows] == ["dense", "lstm", "naive", "gru"]
    assert rows[2][-1] == "–"
    content = ReportContent(verdict=verdict_of(scores(0.9, 0.01)),
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


def test_classification_verdict_compares_macro_f1_with_the_best_baseline():
    from seqcase.tasks.classification.scoring import verdict as classification_verdict

    scores = {"gru": {"macro_f1": 0.62, "accuracy": 0.94}, "dense": {"macro_f1": 0.70, "accuracy": 0.95},
              "random_forest": {"macro_f1": 0.58, "accuracy": 0.93}, "majority": {"macro_f1": 0.15, "accuracy": 0.58}}
    families = {"gru": "recurrent", "dense": "feed-forward", "random_forest": "baseline", "majority": "baseline"}
    labels = np.zeros(20, dtype=int)
    predicted = {"gru": np.r_[np.zeros(18), np.ones(2)].astype(int), "random_forest": np.r_[np.zeros(10), np.ones(10)].astype(int)}
    result = classification_verdict(scores, families, labels, predicted, 0.05)
    assert result["beaten"] and (result["model"], result["baseline"]) == ("gru", "random_forest")
    assert result["p_value"] == pytest.approx(1 / 256)  # 8 beats only gru gets right, none the other way
    assert result["difference"] == pytest.approx(0.4)  # accuracy 18/20 against 10/20
    assert result["interval"][0] < 0.4 < result["interval"][1] and result["interval"][0] > 0
    assert result["text"].startswith("Yes: a recurrent model beat the baselines on macro-F1. gru has test macro-F1 "
                                      "0.6200 and accuracy 0.9400; the best baseline, random_forest, 0.5800 and 0.9300.")


def test_the_summary_has_a_row_per_case_whatever_the_task():
    from seqcase.stages.summary import summary_markdown

    rows = [{"case": "prices", "task": "forecasting", "test_examples": 750, "metric": "RMSE", "best_model": "drift",
             "best_value": 0.5, "reference": "naive", "reference_value": 0.51, "recurrent": "lstm",
             "recurrent_value": 0.52, "p_value": 0.6, "note": "", "verdict": {"beaten": False, "text": "No."}},
            {"case": "beats", "task": "classification", "test_examples": 4500, "metric": "macro-F1",
             "best_model": "conv1d", "best_value": 0.6, "reference": "random_forest", "reference_value": 0.58,
             "recurrent": "gru", "recurrent_value": 0.59, "p_value": 0.01, "note": "accuracy 0.94",
             "verdict": {"beaten": True, "text": "Yes."}}]
    text = summary_markdown(rows)
    assert "| [beats](beats/report.md) | classification | 4500 | macro-F1 | conv1d (0.6) | gru (0.59) | " \
           "random_forest (0.58) | 0.01 | yes | accuracy 0.94 |" in text
    assert "- **prices**: No." in text


def binary_case_scores() -> tuple[dict, dict, np.ndarray, dict]:
    rng = np.random.default_rng(0)
    labels = (rng.random(3000) < 0.05).astype(int)
    predicted = {"gru": labels * 2 + rng.normal(0, 1, 3000), "dense": labels * 1.5 + rng.normal(0, 1, 3000),
                 "histogram_gradient_boosting": labels * 1.0 + rng.normal(0, 1, 3000),
                 "logistic_regression": rng.normal(0, 1, 3000)}
    from seqcase.evaluation.binary import binary_scores

    scores = {name: binary_scores(labels, values, 1.0) for name, values in predicted.items()}
    families = {"gru": "recurrent", "dense": "feed-forward", "histogram_gradient_boosting": "baseline",
                "logistic_regression": "baseline"}
    return scores, families, labels, predicted


def test_binary_verdict_compares_pr_auc_and_says_whether_a_sequence_model_beat_gradient_boosting():
    from seqcase.evaluation.binary import binary_verdict as verdict
    from seqcase.tasks.event_classification.scoring import against_gradient_boosting

    scores, families, labels, predicted = binary_case_scores()
    result = verdict(scores, families, labels, predicted, "average_precision", 0.05, 200, seed=0)
    assert result["beaten"] and result["model"] == "gru" and result["baseline"] == "histogram_gradient_boosting"
    assert result["p_value"] < 0.05 and result["interval"][0] > 0
    assert result["text"].startswith("Yes: a recurrent model beat the baselines on PR-AUC. gru has test PR-AUC")
    sentence, won = against_gradient_boosting(scores, families, "average_precision")
    assert won and sentence.startswith(" A sequence model (recurrent or convolutional, on windows of past events) "
                                       "beat gradient boosting: the best, gru, has PR-AUC")
    predicted["gru"] = predicted["logistic_regression"]
    scores["gru"] = scores["logistic_regression"]
    worse = verdict(scores, families, labels, predicted, "average_precision", 0.05, 200, seed=0)
    assert not worse["beaten"] and worse["text"].startswith("No: no recurrent model beat the best baseline on PR-AUC")
    assert against_gradient_boosting(scores, families, "average_precision")[0].startswith(" No sequence model")


def test_misclassified_texts_are_the_most_confident_mistakes():
    from seqcase.tasks.text_classification.report import misclassified_table

    texts = np.array(["fine film", "dull | slow", "great", "awful" * 100], dtype=object)
    table = misclassified_table(texts, np.array([1, 0, 1, 0]), np.array([0.45, 0.99, 0.9, 0.7]), 0.5,
                                ("negative", "positive"), "gru", count=2, excerpt=20)
    assert table.title == "Misclassified test texts (gru: 3 of 4 wrong, most confident first)"
    assert table.rows == [["negative", "0.990", "dull / slow"], ["negative", "0.700", "awful" * 4 + "…"]]


def test_the_registered_model_is_the_best_trained_network_on_the_cases_metric():
    from seqcase.tracking import best_network

    training = {"lstm": {}, "dense": {}}
    forecasts = {"models": {"lstm": {"rmse": 1.2}, "dense": {"rmse": 1.1}, "naive": {"rmse": 1.0}}}
    assert best_network(forecasts, training, "rmse", False) == ("dense", "rmse", 1.1, False)
    reviews = {"metric": "accuracy", "models": {"lstm": {"accuracy": 0.88}, "dense": {"accuracy": 0.87},
                                                "tfidf_logistic_regression": {"accuracy": 0.90}}}
    assert best_network(reviews, training, "accuracy", True) == ("lstm", "accuracy", 0.88, True)
    assert best_network(reviews, {}, "accuracy", True) is None


def test_a_language_model_verdict_compares_the_best_recurrent_model_with_the_best_ngram():
    from seqcase.tasks.text_generation.scoring import verdict as generation_verdict

    rng = np.random.default_rng(0)
    kneser_ney = rng.gamma(2.0, 1.2, 4000)
    bits = {"kneser_ney": kneser_ney, "add_k": kneser_ney + 0.5, "lstm": kneser_ney - 0.2 + rng.normal(0, 0.3, 4000),
            "gru": kneser_ney + 0.1, "conv1d": kneser_ney - 1.0}
    families = {"kneser_ney": "baseline", "add_k": "baseline", "lstm": "recurrent", "gru": "recurrent",
                "conv1d": "convolutional"}
    scores = {name: {"bits_per_character": float(values.mean())} for name, values in bits.items()}
    result = generation_verdict(scores, families, bits, 500, 0.05, seed=0)
    assert result["beaten"] and result["model"] == "lstm" and result["baseline"] == "kneser_ney"
    assert result["p_value"] < 0.01 and result["interval"][1] < 0
    assert result["text"].startswith("Yes: a recurrent language model beat the n-gram baselines. lstm needs")
    bits["lstm"] = kneser_ney + 0.05
    scores["lstm"]["bits_per_character"] = float(bits["lstm"].mean())
    worse = generation_verdict(scores, families, bits, 500, 0.05, seed=0)
    assert not worse["beaten"] and worse["text"].startswith("No: no recurrent language model beat")
