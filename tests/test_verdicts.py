"""Every task's verdict: the models it compares are chosen on validation, the test part scores them once,
and seeds and test examples are resampled together.

In each case below the test-best recurrent model (or baseline) differs from the validation-best,
and the verdict names the validation-best.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcase.evaluation.seeds import aggregate_seeds, scored_networks

FAMILIES = {"naive": "baseline", "linear_lags": "baseline", "lstm": "recurrent", "gru": "recurrent",
            "dense": "feed-forward"}
SEEDS = [1, 2]


def seeded(variants: dict[str, str]) -> dict:
    """training.json for these variants (name: family) over SEEDS, with the scored networks' entries."""
    training = {name: {"family": family, "seeds": SEEDS, "window_length": 5} for name, family in variants.items()}
    return {**training, **scored_networks(training)}


def with_ensembles(outputs: dict[str, np.ndarray], training: dict) -> dict[str, np.ndarray]:
    ensembles = {f"{variant}_ensemble": np.mean([outputs[f"{variant}@seed{seed}"] for seed in SEEDS], axis=0)
                 for variant, info in training.items() if "variant" not in info}
    return {**outputs, **ensembles}


def test_a_forecast_verdict_names_the_validation_best_and_needs_a_significant_lead():
    from seqcase.tasks.forecasting.scoring import verdict

    rng = np.random.default_rng(0)
    actual = rng.normal(0, 1, (300, 1))
    training = seeded({"lstm": "recurrent", "gru": "recurrent"})
    noise = {"naive": 1.0, "lstm@seed1": 0.5, "lstm@seed2": 0.55, "gru@seed1": 0.3, "gru@seed2": 0.3}
    predictions = with_ensembles({name: actual + rng.normal(0, scale, actual.shape) for name, scale in noise.items()},
                                 training)
    flat = {name: {"rmse": float(np.sqrt(np.mean((actual - values) ** 2))), "validation_rmse": 1.0,
                   "per_horizon": {"h1": {"rmse": 1.0}}} for name, values in predictions.items()}
    for name in ("lstm@seed1", "lstm@seed2", "lstm_ensemble"):
        flat[name]["validation_rmse"] = 0.4  # lstm: best on validation; gru is better on test
    result = verdict(aggregate_seeds(flat, training), training, predictions, actual, 0.05, seed=0)
    assert result["model"] in ("lstm", "lstm_ensemble") and result["baseline"] == "naive"
    assert result["beaten"] and result["interval"][1] < 0 and result["seed_agreement"]["text"] == "2 of 2 seeds"
    assert result["text"].startswith("Yes: the recurrent model chosen on validation beat the naive forecast on test "
                                     "RMSE.")
    assert "blocks of 7" in result["test"]  # the cube root of 300 windows


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


def test_a_classification_verdict_compares_the_validation_choices_on_test_macro_f1():
    from seqcase.tasks.classification.metrics import classification_scores, fast_macro_f1
    from seqcase.tasks.classification.scoring import verdict

    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 600)
    training = seeded({"gru": "recurrent", "lstm": "recurrent"})

    def probabilities(correct: float) -> np.ndarray:
        guessed = np.where(rng.random(600) < correct, labels, rng.integers(0, 3, 600))
        return np.eye(3)[guessed] * 0.9 + 0.1 / 3

    outputs = with_ensembles({"gru@seed1": probabilities(0.8), "gru@seed2": probabilities(0.8),
                              "lstm@seed1": probabilities(0.95), "lstm@seed2": probabilities(0.95),
                              "random_forest": probabilities(0.6), "majority": np.eye(3)[np.zeros(600, int)]},
                             training)
    flat = {name: {**classification_scores(labels, values, ("a", "b", "c")), "validation_macro_f1": 0.5}
            for name, values in outputs.items()}
    for name in ("gru@seed1", "gru@seed2"):
        flat[name]["validation_macro_f1"] = 0.9  # gru: best on validation (the mean over seeds), lstm on test
    flat["random_forest"]["validation_macro_f1"] = 0.6
    scores = aggregate_seeds(flat, training)
    result = verdict(scores, training, labels, outputs, 3, 0.05, seed=0)
    assert (result["model"], result["baseline"]) == ("gru", "random_forest")
    assert result["value"] == pytest.approx(scores["gru"]["macro_f1"])
    assert result["beaten"] and result["p_value"] < 0.01 and result["interval"][0] > 0
    predicted = rng.integers(0, 3, 600)
    from sklearn.metrics import f1_score
    assert fast_macro_f1(labels, predicted, 3) == pytest.approx(f1_score(labels, predicted, average="macro"))
    assert fast_macro_f1(np.zeros(4, int), np.zeros(4, int), 3) == pytest.approx(1 / 3)  # absent classes count 0


def test_a_binary_verdict_keeps_each_models_validation_threshold():
    from seqcase.evaluation.binary import binary_scores, binary_verdict
    from seqcase.tasks.event_classification.scoring import against_gradient_boosting

    rng = np.random.default_rng(0)
    labels = (rng.random(3000) < 0.05).astype(int)
    training = seeded({"gru": "recurrent", "lstm": "recurrent", "dense": "feed-forward"})
    strength = {"gru@seed1": 2.0, "gru@seed2": 2.1, "lstm@seed1": 2.5, "lstm@seed2": 2.5, "dense@seed1": 1.5,
                "dense@seed2": 1.5, "histogram_gradient_boosting": 1.0, "logistic_regression": 0.0}
    outputs = with_ensembles({name: 1 / (1 + np.exp(-(labels * value + rng.normal(0, 1, 3000) - 2)))
                              for name, value in strength.items()}, training)
    flat = {name: binary_scores(labels, values, 0.5) for name, values in outputs.items()}
    validation = {"gru": 0.6, "lstm": 0.5, "dense": 0.4, "histogram_gradient_boosting": 0.3, "logistic_regression": 0.1}
    for name in flat:
        flat[name]["validation_average_precision"] = validation[name.split("@")[0].removesuffix("_ensemble")]
    scores = aggregate_seeds(flat, training)
    assert scores["lstm"]["average_precision"] > scores["gru"]["average_precision"]
    result = binary_verdict(scores, flat, training, labels, outputs, "average_precision", 0.05, 200, seed=0)
    assert result["model"] in ("gru", "gru_ensemble") and result["baseline"] == "histogram_gradient_boosting"
    assert result["beaten"] and 0 < result["interval"][0] < result["difference"] < result["interval"][1]
    assert result["text"].startswith("Yes: the recurrent model chosen on validation beat the baseline on test PR-AUC. ")
    families = {name: training[name]["family"] if name in training else "baseline" for name in scores}
    sentence, won = against_gradient_boosting(scores, families, "average_precision")
    assert won and sentence.startswith(" A sequence model (recurrent, attention or convolutional, on windows of past events) "
                                       "beat gradient boosting: the one chosen on validation, gru")


def test_a_language_model_verdict_compares_the_validation_choices_over_blocks_of_characters():
    from seqcase.tasks.text_generation.scoring import verdict

    rng = np.random.default_rng(0)
    kneser_ney = -rng.gamma(2.0, 1.2, 4000)  # log2 probabilities of each test character
    training = seeded({"lstm": "recurrent", "gru": "recurrent"})
    log2 = {"kneser_ney": kneser_ney, "add_k": kneser_ney - 0.5,
            "lstm@seed1": kneser_ney + 0.2, "lstm@seed2": kneser_ney + 0.25,
            "gru@seed1": kneser_ney + 0.4, "gru@seed2": kneser_ney + 0.4}
    log2.update({f"{variant}_ensemble": np.log2(np.mean([np.exp2(log2[f"{variant}@seed{seed}"]) for seed in SEEDS],
                                                        axis=0)) for variant in ("lstm", "gru")})
    flat = {name: {"bits_per_character": float(-values.mean()), "validation_bits_per_character": 2.5}
            for name, values in log2.items()}
    flat["add_k"]["validation_bits_per_character"] = 2.9
    for name in ("lstm@seed1", "lstm@seed2", "lstm_ensemble"):
        flat[name]["validation_bits_per_character"] = 2.3  # lstm: best on validation, gru on test
    result = verdict(aggregate_seeds(flat, training), training, log2, 500, 0.05, seed=0)
    assert result["model"] in ("lstm", "lstm_ensemble") and result["baseline"] == "kneser_ney"
    assert result["beaten"] and result["interval"][1] < 0
    assert result["text"].startswith("Yes: the recurrent language model chosen on validation beat the n-gram model "
                                     "on test bits per character.")


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
    reviews["models"]["lstm_ensemble"] = {"accuracy": 0.89, "validation_accuracy": 0.90}
    assert best_network(reviews, training, "accuracy", True) == ("lstm_ensemble", "validation_accuracy", 0.90, True)
