"""Networks over seeds: the variant's mean and interval, its ensemble, and the two-source bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from seqcase.tasks.forecasting.scoring import bootstrap_block
from seqcase.evaluation.seeds import (VerdictWords, aggregate_seeds, block_indices, contender, mean_interval, members,
                                      rename_first_seed, scored_networks, seeded_verdict, shown, two_source_bootstrap)

TRAINING = {"lstm": {"family": "recurrent", "window_length": 20, "seeds": [42, 43, 44], "run_id": "r1"},
            "dense": {"family": "feed-forward", "window_length": 20, "seeds": [42, 43, 44], "run_id": "r2"}}


def test_scored_networks_are_each_seed_and_each_ensemble_with_their_variants_facts():
    networks = scored_networks(TRAINING)
    assert list(networks) == ["lstm@seed42", "lstm@seed43", "lstm@seed44", "lstm_ensemble",
                              "dense@seed42", "dense@seed43", "dense@seed44", "dense_ensemble"]
    assert networks["lstm@seed43"] == {"family": "recurrent", "window_length": 20, "run_id": "r1",
                                       "variant": "lstm", "seeds": [43]}
    assert networks["lstm_ensemble"]["seeds"] == [42, 43, 44]
    assert members({**TRAINING, **networks})["dense"] == ["dense@seed42", "dense@seed43", "dense@seed44"]


def test_the_interval_over_seeds_is_the_t_interval_of_the_mean():
    result = mean_interval([0.86, 0.87, 0.89])
    half = stats.t.ppf(0.975, 2) * np.std([0.86, 0.87, 0.89], ddof=1) / np.sqrt(3)
    assert result["mean"] == pytest.approx(0.873333333)
    assert result["sd"] == pytest.approx(0.0152752523)
    assert result["interval"] == pytest.approx([0.873333333 - half, 0.873333333 + half])
    assert half == pytest.approx(0.03794, abs=1e-4)
    assert mean_interval([0.5]) == {"mean": 0.5, "sd": None, "interval": None, "seeds": 1}


def test_aggregating_folds_the_seeds_into_their_variant():
    flat = {f"lstm@seed{seed}": {"rmse": value, "validation_rmse": value + 0.1, "per_horizon": {"h1": {"rmse": value}}}
            for seed, value in zip([42, 43, 44], [1.0, 2.0, 3.0])}
    flat.update({f"dense@seed{seed}": {"rmse": 5.0, "validation_rmse": 5.0, "per_horizon": {"h1": {"rmse": 5.0}}}
                 for seed in [42, 43, 44]})
    flat.update({"lstm_ensemble": {"rmse": 1.5}, "dense_ensemble": {"rmse": 5.0}, "naive": {"rmse": 4.0}})
    scores = aggregate_seeds(flat, TRAINING)
    assert list(scores) == ["lstm", "dense", "lstm_ensemble", "dense_ensemble", "naive"]
    assert scores["lstm"]["rmse"] == 2.0 and scores["lstm"]["validation_rmse"] == pytest.approx(2.1)
    assert scores["lstm"]["per_horizon"] == {"h1": {"rmse": 2.0}}
    assert scores["lstm"]["over_seeds"]["rmse"]["sd"] == 1.0
    assert scores["lstm"]["seeds"]["43"] == flat["lstm@seed43"]
    assert scores["dense"]["over_seeds"]["rmse"]["interval"] == [5.0, 5.0]
    assert scores["naive"] == {"rmse": 4.0}


def test_plot_tables_keep_each_variants_first_seed_under_its_name():
    items = {"model_lstm@seed42": 1, "model_lstm@seed43": 2, "model_lstm@seed44": 3, "model_lstm_ensemble": 4,
             "model_naive": 5}
    assert rename_first_seed(items, TRAINING, prefix="model_") == {"model_lstm_ensemble": 4, "model_naive": 5,
                                                                   "model_lstm": 1}
    assert shown(["lstm@seed42", "lstm@seed43", "lstm_ensemble", "naive"], TRAINING) == ["lstm@seed42",
                                                                                         "lstm_ensemble", "naive"]


def test_block_resamples_are_runs_of_consecutive_examples():
    indices = block_indices(np.random.default_rng(0), 100, 10)
    assert len(indices) == 100 and indices.max() < 100
    assert np.all(np.diff(indices.reshape(10, 10), axis=1) == 1)


def mean_error(name: str, values: np.ndarray, indices: np.ndarray) -> float:
    return float(np.mean(values[indices]))


def test_a_variants_test_adds_its_seeds_variance_to_the_examples():
    """Three seeds whose errors differ by a constant: the examples alone leave their mean's interval
    narrow; the seeds' variance over their count, with two degrees of freedom, widens it to a t-interval."""
    rng = np.random.default_rng(0)
    baseline = 1.0 + rng.normal(0, 0.01, 2000)
    outputs = {"lstm@seed42": baseline - 0.3, "lstm@seed43": baseline - 0.1, "lstm@seed44": baseline + 0.1,
               "naive": baseline}
    model = contender("lstm", TRAINING)
    result = two_source_bootstrap(mean_error, model, contender("naive", TRAINING), outputs, higher_is_better=False,
                                  resamples=400, seed=1)
    assert result["difference"] == pytest.approx(-0.1)
    error = 0.2 / np.sqrt(3)  # the seeds' standard deviation over the root of their count; examples: none
    assert result["standard_error"] == pytest.approx(error, rel=1e-6)
    assert result["degrees_of_freedom"] == pytest.approx(2, rel=1e-6)
    half = stats.t.ppf(0.95, 2) * error
    assert result["interval"] == pytest.approx([-0.1 - half, -0.1 + half], rel=1e-5)
    assert result["interval_level"] == 0.9
    assert result["p_value"] == pytest.approx(stats.t.sf(0.1 / error, 2), rel=1e-5)
    assert result["seed_p_values"][0] < 1e-6 and result["seed_p_values"][2] > 1 - 1e-6  # each seed alone
    assert "variant" not in result


def test_an_ensemble_is_one_fixed_model_whose_interval_is_centred_on_its_difference():
    """The ensemble of the same three seeds is resampled over the examples only: its interval is the
    examples' normal interval around the difference, and its variant's test (the seeds' mean, with
    their variance) comes with it from the same resamples."""
    rng = np.random.default_rng(0)
    baseline = 1.0 + rng.normal(0, 0.3, 3000)
    outputs = {f"lstm@seed{seed}": baseline + shift + rng.normal(0, 0.3, 3000)
               for seed, shift in zip([42, 43, 44], [-0.1, -0.05, 0.0])}
    outputs["naive"] = baseline
    result = two_source_bootstrap(mean_error, contender("lstm_ensemble", TRAINING), contender("naive", TRAINING),
                                  outputs, higher_is_better=False, resamples=1000, seed=1)
    ensemble = np.mean([outputs[f"lstm@seed{seed}"] for seed in [42, 43, 44]], axis=0)
    difference = ensemble - baseline
    assert result["difference"] == pytest.approx(difference.mean())
    error = difference.std() / np.sqrt(3000)  # the examples' standard error of a mean, which the bootstrap estimates
    assert result["standard_error"] == pytest.approx(error, rel=0.1) and result["degrees_of_freedom"] == 2999
    low, high = result["interval"]
    assert (low + high) / 2 == pytest.approx(result["difference"]) and high < 0
    assert result["p_value"] == pytest.approx(stats.norm.cdf(result["difference"] / result["standard_error"]))
    variant = result["variant"]
    assert variant["difference"] == pytest.approx(result["difference"])  # a mean's mean: the same number
    assert variant["standard_error"] > result["standard_error"] and variant["degrees_of_freedom"] < 10
    assert variant["interval"][0] < low and variant["p_value"] > result["p_value"]


def seeded_case(lstm_offsets: list[float], gru_offsets: list[float], lstm_validation: float) -> tuple[dict, dict, dict]:
    """Two recurrent variants over three seeds, their ensembles, two baselines; errors are outputs."""
    training = {variant: {"family": "recurrent", "seeds": [1, 2, 3]} for variant in ("lstm", "gru")}
    training = {**training, **scored_networks(training)}
    rng = np.random.default_rng(3)
    naive = 1.0 + rng.normal(0, 0.05, 3000)
    outputs, flat = {"naive": naive, "linear": naive + 0.2}, {}
    for variant, offsets in (("lstm", lstm_offsets), ("gru", gru_offsets)):
        for seed, offset in zip([1, 2, 3], offsets):
            outputs[f"{variant}@seed{seed}"] = naive + offset + rng.normal(0, 0.05, 3000)
    for name, values in outputs.items():
        flat[name] = {"error": float(values.mean()), "validation_error": 1.0}
    for variant in ("lstm", "gru"):
        ensemble = np.mean([outputs[f"{variant}@seed{seed}"] for seed in [1, 2, 3]], axis=0)
        flat[f"{variant}_ensemble"] = {"error": float(ensemble.mean()), "validation_error": 0.9}
    for seed in [1, 2, 3]:
        flat[f"lstm@seed{seed}"]["validation_error"] = lstm_validation
    flat["linear"]["validation_error"] = 0.95  # the baseline chosen on validation, though worse on test
    flat["lstm_ensemble"]["validation_error"] = lstm_validation - 0.01
    return aggregate_seeds(flat, training), training, outputs


WORDS = VerdictWords("error", "error", higher_is_better=False)


def test_the_verdict_names_the_validation_best_and_says_yes_only_when_every_source_of_chance_agrees():
    # gru is far better on test, lstm better on validation: the verdict is about lstm's ensemble.
    scores, training, outputs = seeded_case([-0.5, -0.45, -0.55], [-0.9, -0.9, -0.9], lstm_validation=0.5)
    result = seeded_verdict(scores, training, outputs, mean_error, WORDS, 0.05, 300, seed=0)
    assert result["model"] == "lstm_ensemble" and result["baseline"] == "linear"
    assert result["beaten"] and result["seeds"] == [1, 2, 3]
    assert result["value"] == pytest.approx(scores["lstm_ensemble"]["error"])
    assert result["difference"] == pytest.approx(result["value"] - result["baseline_value"])
    assert result["interval"][1] < 0 and result["p_value"] < 1e-6
    assert result["variant"]["model"] == "lstm" and result["variant"]["interval"][1] < 0
    assert result["seed_agreement"]["text"] == "3 of 3 seeds"
    assert result["text"].startswith("Yes: the recurrent model chosen on validation beat the baseline on test error. "
                                     "lstm_ensemble (the ensemble of its 3 seeds), the recurrent model with the best "
                                     "validation error")


def test_a_lead_that_one_seed_reverses_is_not_significant_and_the_seeds_are_counted():
    scores, training, outputs = seeded_case([-0.5, 0.1, 0.3], [0.0, 0.0, 0.0], lstm_validation=0.5)
    scores["lstm_ensemble"]["validation_error"] = 0.6  # the variant (mean over seeds) is chosen
    result = seeded_verdict(scores, training, outputs, mean_error, WORDS, 0.05, 300, seed=0)
    assert result["model"] == "lstm" and result["value"] < result["baseline_value"]
    assert not result["beaten"] and result["p_value"] > 0.05
    assert result["seed_agreement"] == {"agree": 1, "seeds": 3, "text": "1 of 3 seeds",
                                        "single_seed_beaten": [True, True, False]}
    assert result["text"].startswith("No: the recurrent model chosen on validation is better than the baseline on "
                                     "test error, but not significantly at 0.05. lstm (the mean over 3 seeds)")


def test_a_rival_that_is_a_mean_over_seeds_adds_its_own_seeds_variance():
    """Against another network's variant (the attention model), both means over seeds carry their
    seeds' variance: the standard error is the root of the two parts, with Satterthwaite's degrees
    of freedom (two seeds' variances of 0.01 and 0.04 over 3, each worth 2)."""
    rng = np.random.default_rng(0)
    truth = 1.0 + rng.normal(0, 0.01, 2000)
    training = {"lstm": {"family": "recurrent", "seeds": [42, 43, 44]},
                "transformer": {"family": "attention", "seeds": [42, 43, 44]}}
    outputs = {**{f"lstm@seed{seed}": truth + shift for seed, shift in zip([42, 43, 44], [-0.1, 0.0, 0.1])},
               **{f"transformer@seed{seed}": truth + shift for seed, shift in zip([42, 43, 44], [0.3, 0.5, 0.7])}}
    result = two_source_bootstrap(mean_error, contender("lstm", training), contender("transformer", training), outputs,
                                  higher_is_better=False, resamples=300, seed=1)
    assert result["difference"] == pytest.approx(-0.5)
    parts = [0.01 / 3, 0.04 / 3]
    assert result["standard_error"] == pytest.approx(np.sqrt(sum(parts)), rel=1e-6)
    assert result["degrees_of_freedom"] == pytest.approx(sum(parts) ** 2 / sum(part ** 2 / 2 for part in parts), rel=1e-6)
    assert result["p_value"] == pytest.approx(stats.t.cdf(-0.5 / np.sqrt(sum(parts)), result["degrees_of_freedom"]))


def test_where_the_case_has_attention_models_the_recurrent_model_meets_the_one_chosen_on_validation():
    """A second verdict, with the same test: the headline still compares with the baselines."""
    scores, training, outputs = seeded_case([-0.5, -0.45, -0.55], [-0.9, -0.9, -0.9], lstm_validation=0.5)
    for variant in ("gru",):  # the gru becomes the attention model: better on test, worse on validation
        training[variant]["family"] = "attention"
        for name in (f"{variant}@seed1", f"{variant}@seed2", f"{variant}@seed3", f"{variant}_ensemble"):
            training[name]["family"] = "attention"
    result = seeded_verdict(scores, training, outputs, mean_error, WORDS, 0.05, 300, seed=0)
    assert result["model"] == "lstm_ensemble" and result["baseline"] == "linear" and result["beaten"]
    attention = result["attention"]
    assert attention["model"] == "lstm_ensemble" and attention["baseline"] in ("gru", "gru_ensemble")
    assert not attention["beaten"] and attention["difference"] > 0 and attention["p_value"] > 0.95
    # The one-sided test the other way: the attention model is significantly better, and the words say so.
    assert attention["text"].startswith("No: the attention model beat the recurrent model chosen on validation on test "
                                        "error, significantly at 0.05")
    # Both sides are means over seeds or ensembles; whichever the rival is, the test's words name what it holds.
    assert ("seeds" in attention["test"]) == (attention["baseline"] == "gru")
    assert "attention" not in attention  # no third comparison
    training_without = {name: info for name, info in training.items() if not name.startswith("gru")}
    plain = {name: value for name, value in scores.items() if not name.startswith("gru")}
    assert "attention" not in seeded_verdict(plain, training_without, outputs, mean_error, WORDS, 0.05, 300, seed=0)


def dependent_noise(rng: np.random.Generator, examples: int, reach: int) -> np.ndarray:
    """Unit-variance noise in which each example shares shocks with the next reach - 1 (as windows
    that overlap by horizon - 1 targets do): moving averages of `reach` shocks; reach 1 is iid."""
    shocks = rng.normal(0, 1, examples + reach - 1)
    return np.convolve(shocks, np.ones(reach) / np.sqrt(reach), mode="valid")


def simulated_rates(kind: str, examples: int, reach: int, block: int, truth: float, simulations: int,
                    seed: int) -> tuple[float, float]:
    """The share of "yes" verdicts and of intervals that cover the true difference, over simulated
    test sets where a model's true advantage in mean error is `truth`: for a variant, over seeds
    (each seed shifts its network's errors by a random amount, mean 0); for an ensemble, the fixed
    model its three seeds make (their shifts are part of it)."""
    rng = np.random.default_rng(seed)
    training = {"lstm": {"family": "recurrent", "seeds": [1, 2, 3]}}
    model = contender("lstm_ensemble" if kind == "ensemble" else "lstm", training)
    yes = covered = 0
    for simulation in range(simulations):
        shared = dependent_noise(rng, examples, reach)  # what makes an example hard for every model
        shifts = rng.normal(0, 0.02, 3)
        offset = truth - shifts.mean() if kind == "ensemble" else truth
        outputs = {"naive": 1 + shared + 0.5 * dependent_noise(rng, examples, reach)}
        for position, shift in enumerate(shifts):
            outputs[f"lstm@seed{position + 1}"] = (1 + shared + offset + shift
                                                   + 0.5 * dependent_noise(rng, examples, reach))
        result = two_source_bootstrap(mean_error, model, contender("naive", training), outputs, higher_is_better=False,
                                      resamples=100, seed=simulation, block=block, significance=0.05)
        yes += result["p_value"] < 0.05  # "yes" when better and p < 0.05, and p < 0.05 only when better
        low, high = result["interval"]
        covered += low <= truth <= high
    return yes / simulations, covered / simulations


SIMULATIONS = 400
# Monte Carlo error of a share near p over the simulations; the tests allow two of them. A moving
# block bootstrap also reads the variance short by about dependence / (3 * block) (a few per cent
# here): with blocks, the coverage may fall 0.02 further.
YES_BOUND = 0.05 + 2 * np.sqrt(0.05 * 0.95 / SIMULATIONS)
COVERAGE_LOW = 0.90 - 2 * np.sqrt(0.90 * 0.10 / SIMULATIONS)
BLOCK_SHORTFALL = 0.02
COVERAGE_HIGH = 0.95  # wider than this, the interval would be honest but useless


@pytest.mark.parametrize("kind, examples, reach, block", [
    ("variant", 400, 1, 1), ("ensemble", 400, 1, 1),  # independent test examples (classification)
    ("variant", 1200, 6, bootstrap_block(1200, 6)), ("ensemble", 1200, 6, bootstrap_block(1200, 6)),  # windows
    ("ensemble", 3000, 5, 100),  # text: fixed blocks (500 characters in the cases) far longer than the dependence
])
def test_the_verdict_says_yes_at_its_level_and_its_interval_covers_the_truth(kind, examples, reach, block):
    """Coverage measured, not assumed: with no true difference the share of "yes" stays at the
    significance level (0.05) within its Monte Carlo error, and the interval (90 %, the one-sided
    test's) covers a known true difference at its rate."""
    yes, _ = simulated_rates(kind, examples, reach, block, 0.0, SIMULATIONS, seed=1)
    _, covered = simulated_rates(kind, examples, reach, block, -0.04, SIMULATIONS, seed=2)
    print(f"{kind} examples {examples} dependence {reach} block {block}: yes at 0 {yes:.3f}, covered {covered:.3f}")
    assert yes <= YES_BOUND
    assert COVERAGE_LOW - (BLOCK_SHORTFALL if block > 1 else 0.0) <= covered <= COVERAGE_HIGH
