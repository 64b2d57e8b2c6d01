"""Every task's verdict: the models it compares are chosen on validation, the test part scores them once.

In each case below the test-best recurrent model (or baseline) differs from the validation-best,
and the verdict names the validation-best.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcase.evaluation.verdicts import contenders

FAMILIES = {"naive": "baseline", "linear_lags": "baseline", "lstm": "recurrent", "gru": "recurrent",
            "dense": "feed-forward"}


def forecast_scores(lstm_rmse: float, lstm_p: float) -> dict:
    """lstm is the best recurrent model on test, gru on validation unless lstm's validation RMSE is lower."""
    return {
        "naive": {"rmse": 1.0, "dm_pvalue": None, "validation_rmse": 1.0},
        "linear_lags": {"rmse": 0.95, "dm_pvalue": 0.2, "validation_rmse": 0.97},
        "lstm": {"rmse": lstm_rmse, "dm_pvalue": lstm_p, "validation_rmse": 0.8},
        "gru": {"rmse": 1.2, "dm_pvalue": 0.9, "validation_rmse": 0.9},
        "dense": {"rmse": 0.5, "dm_pvalue": 0.001, "validation_rmse": 0.5},
    }


# Per-window squared errors: the verdict's interval is of their mean difference, model minus naive.
LOSSES = {name: value + np.random.default_rng(index).normal(0, 0.05, 40) for index, (name, value) in
          enumerate({"naive": 1.0, "linear_lags": 0.9, "lstm": 0.8, "gru": 1.4, "dense": 0.25}.items())}


def forecast_verdict(scores: dict, steps: list[int] = ()) -> dict:
    from seqcase.tasks.forecasting.scoring import verdict

    return verdict(scores, FAMILIES, LOSSES, 1, 0.05, steps)


def test_the_contenders_are_the_validation_best_of_each_family():
    scores = {"lstm": {"accuracy": 0.90, "validation_accuracy": 0.80}, "gru": {"accuracy": 0.85, "validation_accuracy": 0.82},
              "tfidf": {"accuracy": 0.91, "validation_accuracy": 0.83}, "bow": {"accuracy": 0.92, "validation_accuracy": 0.70}}
    families = {"lstm": "recurrent", "gru": "recurrent", "tfidf": "baseline", "bow": "baseline"}
    assert contenders(scores, families, "accuracy", higher_is_better=True) == ("gru", "tfidf")
    assert contenders({"lstm": scores["lstm"]}, {"lstm": "recurrent"}, "accuracy", True) is None


def test_a_forecast_verdict_yes_needs_lower_test_rmse_and_a_significant_test():
    result = forecast_verdict(forecast_scores(0.9, 0.01))
    assert result["beaten"] and result["model"] == "lstm" and result["baseline"] == "naive"
    assert result["text"].startswith("Yes: the recurrent model chosen on validation beat the naive forecast on test. "
                                      "lstm, the recurrent model with the lowest validation RMSE, has test RMSE 0.9")
    assert "p = 0.01 < 0.05" in result["text"]
    assert result["difference"] == pytest.approx(LOSSES["lstm"].mean() - LOSSES["naive"].mean())
    low, high = result["interval"]
    assert low < result["difference"] < high < 0 and high - low < 0.1


def test_a_forecast_verdict_names_the_validation_best_recurrent_model_not_the_test_best():
    scores = forecast_scores(0.9, 0.01)
    scores["lstm"]["validation_rmse"], scores["gru"]["rmse"] = 0.95, 0.85  # gru: best on validation, not on test
    result = forecast_verdict(scores)
    assert result["model"] == "gru" and not result["beaten"] and result["value"] == 0.85
    assert result["text"].startswith("No: the recurrent model chosen on validation is slightly more accurate")
    worse = forecast_scores(1.1, 0.97)
    assert forecast_verdict(worse)["text"].startswith("No: the recurrent model chosen on validation did not beat "
                                                      "the naive forecast.")


def test_a_step_comparison_names_the_verdicts_model_and_the_baseline_chosen_on_validation():
    from seqcase.tasks.forecasting.scoring import step_comparison

    per_step = {"naive": 30.0, "lstm": 22.0, "gru": 24.0, "linear_lags": 25.0, "dense": 20.0}
    scores = {name: {"per_horizon": {"h6": {"rmse": value}}, "validation_rmse": value} for name, value in per_step.items()}
    scores["drift"] = {"per_horizon": {"h6": {"rmse": 21.0}}, "validation_rmse": 40.0}  # best on test only
    result = step_comparison(scores, {**FAMILIES, "drift": "baseline"}, 6, "5min", "gru")
    assert result["model"] == "gru" and result["baseline"] == "linear_lags"
    assert result["ratio"] == pytest.approx(24 / 30)
    assert result["text"] == ("At step 6 (30 min), gru has test RMSE 24: 0.800 of the naive forecast's 30, below the "
                              "other baseline chosen on validation, linear_lags (25, ratio 0.833).")


def test_a_classification_verdict_compares_the_validation_choices_on_test_with_mcnemar():
    from seqcase.tasks.classification.scoring import verdict

    scores = {"gru": {"macro_f1": 0.62, "accuracy": 0.94, "validation_macro_f1": 0.60},
              "lstm": {"macro_f1": 0.66, "accuracy": 0.95, "validation_macro_f1": 0.55},  # best on test only
              "dense": {"macro_f1": 0.70, "accuracy": 0.95, "validation_macro_f1": 0.70},
              "random_forest": {"macro_f1": 0.58, "accuracy": 0.93, "validation_macro_f1": 0.59},
              "majority": {"macro_f1": 0.15, "accuracy": 0.58, "validation_macro_f1": 0.15}}
    families = {"gru": "recurrent", "lstm": "recurrent", "dense": "feed-forward", "random_forest": "baseline",
                "majority": "baseline"}
    labels = np.zeros(20, dtype=int)
    predicted = {"gru": np.r_[np.zeros(18), np.ones(2)].astype(int),
                 "random_forest": np.r_[np.zeros(10), np.ones(10)].astype(int)}
    result = verdict(scores, families, labels, predicted, 0.05)
    assert result["beaten"] and (result["model"], result["baseline"]) == ("gru", "random_forest")
    assert result["p_value"] == pytest.approx(1 / 256)  # 8 beats only gru gets right, none the other way
    assert result["difference"] == pytest.approx(0.4)  # accuracy 18/20 against 10/20
    assert 0 < result["interval"][0] < 0.4 < result["interval"][1]
    assert result["text"].startswith("Yes: the recurrent model chosen on validation beat the baseline on test "
                                      "macro-F1. gru, the recurrent model with the best validation macro-F1, has test "
                                      "macro-F1 0.6200 and accuracy 0.9400; the baseline chosen the same way, "
                                      "random_forest, 0.5800 and 0.9300.")


def binary_case_scores() -> tuple[dict, dict, np.ndarray, dict]:
    from seqcase.evaluation.binary import binary_scores

    rng = np.random.default_rng(0)
    labels = (rng.random(3000) < 0.05).astype(int)
    predicted = {"gru": labels * 2 + rng.normal(0, 1, 3000), "lstm": labels * 2.5 + rng.normal(0, 1, 3000),
                 "dense": labels * 1.5 + rng.normal(0, 1, 3000),
                 "histogram_gradient_boosting": labels * 1.0 + rng.normal(0, 1, 3000),
                 "logistic_regression": rng.normal(0, 1, 3000)}
    scores = {name: binary_scores(labels, values, 1.0) for name, values in predicted.items()}
    validation = {"gru": 0.6, "lstm": 0.5, "dense": 0.4, "histogram_gradient_boosting": 0.3, "logistic_regression": 0.1}
    for name, value in validation.items():  # lstm is the better recurrent model on test, gru on validation
        scores[name]["validation_average_precision"] = value
    families = {"gru": "recurrent", "lstm": "recurrent", "dense": "feed-forward",
                "histogram_gradient_boosting": "baseline", "logistic_regression": "baseline"}
    return scores, families, labels, predicted


def test_a_binary_verdict_compares_the_validation_choices_with_a_paired_bootstrap():
    from seqcase.evaluation.binary import binary_verdict
    from seqcase.tasks.event_classification.scoring import against_gradient_boosting

    scores, families, labels, predicted = binary_case_scores()
    assert scores["lstm"]["average_precision"] > scores["gru"]["average_precision"]
    result = binary_verdict(scores, families, labels, predicted, "average_precision", 0.05, 200, seed=0)
    assert result["beaten"] and result["model"] == "gru" and result["baseline"] == "histogram_gradient_boosting"
    assert result["p_value"] < 0.05 and 0 < result["interval"][0] < result["difference"] < result["interval"][1]
    assert result["text"].startswith("Yes: the recurrent model chosen on validation beat the baseline on test PR-AUC. "
                                      "gru, the recurrent model with the best validation PR-AUC, has test PR-AUC")
    sentence, won = against_gradient_boosting(scores, families, "average_precision")
    assert won and sentence.startswith(" A sequence model (recurrent or convolutional, on windows of past events) "
                                       "beat gradient boosting: the one chosen on validation, gru, has test PR-AUC")
    predicted["gru"], scores["gru"] = predicted["logistic_regression"], {**scores["logistic_regression"],
                                                                         "validation_average_precision": 0.6}
    worse = binary_verdict(scores, families, labels, predicted, "average_precision", 0.05, 200, seed=0)
    assert not worse["beaten"] and worse["text"].startswith("No: the recurrent model chosen on validation did not "
                                                            "beat the baseline on test PR-AUC")
    assert against_gradient_boosting(scores, families, "average_precision")[0].startswith(" No sequence model")


def test_a_language_model_verdict_compares_the_validation_choices_over_blocks_of_characters():
    from seqcase.tasks.text_generation.scoring import verdict

    rng = np.random.default_rng(0)
    kneser_ney = rng.gamma(2.0, 1.2, 4000)
    bits = {"kneser_ney": kneser_ney, "add_k": kneser_ney + 0.5, "lstm": kneser_ney - 0.2 + rng.normal(0, 0.3, 4000),
            "gru": kneser_ney - 0.3, "conv1d": kneser_ney - 1.0}
    families = {"kneser_ney": "baseline", "add_k": "baseline", "lstm": "recurrent", "gru": "recurrent",
                "conv1d": "convolutional"}
    validation = {"kneser_ney": 2.5, "add_k": 2.9, "lstm": 2.3, "gru": 2.4, "conv1d": 2.0}  # gru best on test only
    scores = {name: {"bits_per_character": float(values.mean()), "validation_bits_per_character": validation[name]}
              for name, values in bits.items()}
    result = verdict(scores, families, bits, 500, 0.05, seed=0)
    assert result["beaten"] and result["model"] == "lstm" and result["baseline"] == "kneser_ney"
    assert result["p_value"] < 0.01 and result["interval"][1] < 0
    assert result["text"].startswith("Yes: the recurrent language model chosen on validation beat the n-gram model on "
                                      "test. lstm, the recurrent language model with the fewest validation bits")
    bits["lstm"] = kneser_ney + 0.05
    scores["lstm"]["bits_per_character"] = float(bits["lstm"].mean())
    worse = verdict(scores, families, bits, 500, 0.05, seed=0)
    assert not worse["beaten"] and worse["p_value"] > 0.5


def test_the_registered_model_is_the_network_chosen_on_validation():
    from seqcase.tracking import best_network

    training = {"lstm": {}, "dense": {}}
    forecasts = {"models": {"lstm": {"rmse": 1.2, "validation_rmse": 1.0}, "dense": {"rmse": 1.1, "validation_rmse": 1.3},
                            "naive": {"rmse": 1.0, "validation_rmse": 0.9}}}
    assert best_network(forecasts, training, "rmse", False) == ("lstm", "validation_rmse", 1.0, False)
    reviews = {"models": {"lstm": {"accuracy": 0.88, "validation_accuracy": 0.86},
                          "dense": {"accuracy": 0.87, "validation_accuracy": 0.89},
                          "tfidf_logistic_regression": {"accuracy": 0.90, "validation_accuracy": 0.91}}}
    assert best_network(reviews, training, "accuracy", True) == ("dense", "validation_accuracy", 0.89, True)
    assert best_network(reviews, {}, "accuracy", True) is None
