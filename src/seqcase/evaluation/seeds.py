"""Networks over several seeds: each variant's seeds summarised, its seed ensemble, and the verdict's
test over both sources of chance (the seed a network was trained with, and the test examples).

A variant trained with n seeds is n models. Its score is their mean, with the standard deviation
and a 95 % t-interval of that mean; its `<variant>_ensemble` (the seeds' outputs averaged) is a
model of its own. Every task scores each seed's network as a model (`<variant>@seed<k>`), and the
shared code here groups them back: tasks differ only in the statistic they hand to the bootstrap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from seqcase.evaluation.verdicts import chosen_on_validation, model_families
from seqcase.models.ensemble import ENSEMBLE_SUFFIX, ensemble_name, member_name
from seqcase.models.hyperparameters import Family

CONFIDENCE = 0.95


def scored_networks(training: dict) -> dict[str, dict]:
    """What evaluate scores, from training.json: each seed's network and, over two seeds or more,
    each variant's ensemble, with the facts scoring needs (family, window length)."""
    networks = {}
    for variant, summary in training.items():
        facts = {key: value for key, value in summary.items() if key != "seeds"}
        for seed in summary["seeds"]:
            networks[member_name(variant, seed)] = {**facts, "variant": variant, "seeds": [seed]}
        if len(summary["seeds"]) > 1:  # one seed's ensemble would be the network itself
            networks[ensemble_name(variant)] = {**facts, "variant": variant, "seeds": list(summary["seeds"])}
    return networks


def members(training: dict) -> dict[str, list[str]]:
    """Each variant's seed networks, by the names they are scored under (`training` may also hold
    the entries of scored_networks, which name their variant)."""
    return {variant: [member_name(variant, seed) for seed in summary["seeds"]]
            for variant, summary in training.items() if "variant" not in summary}


def mean_interval(values: list[float]) -> dict:
    """Mean, standard deviation and the 95 % t-interval of the mean over seeds (one seed: no spread)."""
    array = np.asarray(values, dtype=np.float64)
    mean = float(array.mean())
    if len(array) < 2:
        return {"mean": mean, "sd": None, "interval": None, "seeds": len(array)}
    sd = float(array.std(ddof=1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, len(array) - 1) * sd / math.sqrt(len(array)))
    return {"mean": mean, "sd": sd, "interval": [mean - half, mean + half], "seeds": len(array)}


def _finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def _mean_of(values: list):
    """The mean of several seeds' values: numbers averaged, nested groups (per step, per class) too."""
    first = values[0]
    if isinstance(first, dict):
        return {key: _mean_of([value[key] for value in values]) for key in first}
    if all(map(_finite_number, values)):
        return float(np.mean(values))
    return first if all(value == first for value in values) else None


def aggregate_seeds(scores: dict, training: dict) -> dict:
    """Scores keyed by model again: each variant's seeds folded into one entry holding the mean of
    every metric, `over_seeds` (mean, sd, 95 % interval of each overall metric) and `seeds` (each
    seed's own scores). Ensembles and baselines keep their entries."""
    groups = members(training)
    folded = {name for names in groups.values() for name in names}
    result = {}
    for name, values in scores.items():
        if name not in folded:
            result[name] = values
    for variant, names in groups.items():
        seeds = training[variant]["seeds"]
        entry = _mean_of([scores[name] for name in names])
        entry["over_seeds"] = {key: mean_interval([scores[name][key] for name in names])
                               for key in scores[names[0]]
                               if all(_finite_number(scores[name][key]) for name in names)}
        entry["seeds"] = {str(seed): scores[name] for seed, name in zip(seeds, names)}
        result[variant] = entry
    # Variants first, then their ensembles, then the baselines: the order a reader compares them in.
    order = [*groups, *(ensemble_name(variant) for variant in groups)]
    return {**{name: result[name] for name in order if name in result},
            **{name: value for name, value in result.items() if name not in order}}


def shown(names, training: dict) -> list[str]:
    """The models a report shows one by one: all but the seeds after each variant's first."""
    later = {name for group in members(training).values() for name in group[1:]}
    return [name for name in names if name not in later]


def rename_first_seed(items: dict, training: dict, prefix: str = "") -> dict:
    """Plot tables and arrays keep one seed's network per variant (the first), under the variant's
    name; the other seeds' are dropped (their scores are in metrics.json)."""
    result = dict(items)
    for variant, names in members(training).items():
        for position, name in enumerate(names):
            value = result.pop(prefix + name, None)
            if position == 0 and value is not None:
                result[prefix + variant] = value
    return result


@dataclass(frozen=True)
class Contender:
    """A model in a verdict: a variant (the mean over its seeds), a variant's ensemble, or a baseline."""

    name: str
    members: tuple[str, ...]  # the seed networks behind it; a baseline stands for itself
    ensemble: bool
    seeds: tuple[int, ...] = ()  # a baseline has none


def contender(name: str, training: dict) -> Contender:
    groups = members(training)
    variant = name.removesuffix(ENSEMBLE_SUFFIX) if name.endswith(ENSEMBLE_SUFFIX) else name
    if variant in groups:
        return Contender(name, tuple(groups[variant]), ensemble=variant != name,
                         seeds=tuple(training[variant]["seeds"]))
    return Contender(name, (name,), ensemble=False)


def model_names(scores: dict, training: dict) -> list[str]:
    """The models of aggregated scores a verdict may name: variants, ensembles and baselines."""
    folded = {name for names in members(training).values() for name in names}
    return [name for name in scores if name not in folded]


# The metric of a model on some test examples: (the model's name, its outputs for every test
# example, the indices of the examples to score) -> value. The outputs of several seeds averaged are
# the ensemble's, so outputs are probabilities, forecasts or the true character's probability.
Statistic = Callable[[str, np.ndarray, np.ndarray], float]


def block_indices(rng: np.random.Generator, examples: int, block: int) -> np.ndarray:
    """A moving-block resample of `examples` indices (block 1: the ordinary bootstrap)."""
    if block <= 1:
        return rng.integers(0, examples, examples)
    starts = rng.integers(0, examples - block + 1, math.ceil(examples / block))
    return (starts[:, None] + np.arange(block)).ravel()[:examples]


def model_value(statistic: Statistic, model: Contender, outputs: dict[str, np.ndarray], seeds: np.ndarray,
                indices: np.ndarray) -> float:
    """The contender's metric on the examples `indices` with the seed networks `seeds` (positions in
    model.members): an ensemble averages their outputs first, a variant averages their metrics."""
    if model.ensemble:
        return statistic(model.name, np.mean([outputs[model.members[seed]] for seed in seeds], axis=0), indices)
    return float(np.mean([statistic(model.members[seed], outputs[model.members[seed]], indices) for seed in seeds]))


def difference_test(difference: float, examples_variance: float, examples_freedom: float,
                    seed_parts: list[tuple[float, int]], sign: float, significance: float) -> dict:
    """The test of a difference whose variance has parts: the test examples' (the bootstrap's, worth
    one degree of freedom per independent block less one) and, for each side that is a mean over
    seeds, its seeds' (their sample variance over the count of seeds, worth seeds - 1; `seed_parts`
    holds (that variance, seeds) per side). Student's t with Satterthwaite's degrees of freedom: few
    seeds, or few blocks of a series, widen the interval as they should. One-sided p for "the model
    is better", and the two-sided 1 - 2 * significance interval around the difference: p <
    significance exactly when that interval lies wholly on the model's side of 0."""
    seed_parts = [(part, seeds) for part, seeds in seed_parts if part]
    variance = examples_variance + sum(part for part, _ in seed_parts)
    if not variance > 0:  # no spread at all: the sign decides
        return {"p_value": 0.0 if sign * difference > 0 else 1.0, "interval": [difference, difference],
                "standard_error": 0.0, "degrees_of_freedom": None}
    shares = examples_variance ** 2 / examples_freedom + sum(part ** 2 / (seeds - 1) for part, seeds in seed_parts)
    freedom = variance ** 2 / shares
    error = math.sqrt(variance)
    critical = float(stats.t.isf(significance, freedom))
    return {"p_value": float(stats.t.sf(sign * difference / error, freedom)),
            "interval": [difference - critical * error, difference + critical * error],
            "standard_error": error, "degrees_of_freedom": freedom}


def two_source_bootstrap(statistic: Statistic, model: Contender, baseline: Contender, outputs: dict[str, np.ndarray],
                         higher_is_better: bool, resamples: int, seed: int, block: int = 1,
                         significance: float = 0.05) -> dict:
    """The model's advantage over the baseline and the test behind a verdict, with both sources of
    chance: the test examples, and the seeds a variant's networks were trained with.

    Each resample draws the test examples (in blocks for series and text) and scores every network
    and the baseline on the same ones: the spread of the resampled differences is the examples' part
    of the variance. An ensemble is one fixed model, all its seeds' outputs averaged, in every
    resample as in the difference reported: the examples are its only chance (how its seeds agree is
    counted apart, and its variant's own test is reported beside it). A variant is the mean over its
    seeds, an estimate of what a network trained with any seed scores: its seeds' sample variance
    over their count adds the seeds' part (difference_test), and so does the rival's when it is a
    variant too (the attention model a recurrent one is compared with). The difference is the
    centre of its interval by construction.

    Each single seed's own test (the examples resampled alone) is counted for the seed agreement.
    """
    examples = len(outputs[baseline.members[0]])
    everything = np.arange(examples)
    sign = 1.0 if higher_is_better else -1.0
    baseline_seeds = np.arange(len(baseline.members))
    value = model_value(statistic, model, outputs, np.arange(len(model.members)), everything)
    baseline_value = model_value(statistic, baseline, outputs, baseline_seeds, everything)
    singles = np.array([statistic(member, outputs[member], everything) for member in model.members])
    rng = np.random.default_rng(seed)
    ensemble = np.mean([outputs[member] for member in model.members], axis=0) if model.ensemble else None
    differences, per_seed = [], []
    for _ in range(resamples):
        indices = block_indices(rng, examples, block)
        reference = model_value(statistic, baseline, outputs, baseline_seeds, indices)
        single = np.array([statistic(member, outputs[member], indices) for member in model.members])
        drawn = statistic(model.name, ensemble, indices) if model.ensemble else single.mean()
        if math.isnan(reference) or math.isnan(drawn) or np.isnan(single).any():
            continue  # e.g. PR-AUC of a resample without a positive
        differences.append(drawn - reference)
        per_seed.append(single - reference)
    differences, per_seed = np.asarray(differences), np.asarray(per_seed)
    seeds = len(model.members)
    seed_variance = float(np.var(singles, ddof=1)) / seeds if seeds > 1 else 0.0
    rival_seeds = len(baseline.members)
    rival_part = [] if baseline.ensemble or rival_seeds < 2 else [(float(np.var(
        [statistic(member, outputs[member], everything) for member in baseline.members], ddof=1)) / rival_seeds,
        rival_seeds)]

    blocks = math.ceil(examples / max(block, 1))  # the independent pieces the examples' variance rests on

    def tested(difference: float, resampled: np.ndarray, seed_parts: list[tuple[float, int]]) -> dict:
        return {"difference": difference, **difference_test(difference, float(np.var(resampled, ddof=1)), blocks - 1,
                                                             seed_parts, sign, significance)}

    own_part = [] if model.ensemble else [(seed_variance, seeds)]
    test = tested(float(value - baseline_value), differences, own_part + rival_part)
    result = {"value": value, "baseline_value": baseline_value, **test,
              "interval_level": round(1 - 2 * significance, 6), "resamples": len(differences),
              "seed_values": [float(single) for single in singles],
              "seed_p_values": [tested(float(own - baseline_value), per_seed[:, position], rival_part)["p_value"]
                                for position, own in enumerate(singles)]}
    if model.ensemble and seeds > 1:  # the same resamples: the variant's mean over the same seeds
        result["variant"] = tested(float(singles.mean() - baseline_value), per_seed.mean(axis=1),
                                   [(seed_variance, seeds)] + rival_part)
    return result


@dataclass(frozen=True)
class VerdictWords:
    """How a task's verdict speaks: its metric, its models and its baselines."""

    metric: str  # the key in scores
    label: str  # as a reader says it: "macro-F1", "bits per character"
    higher_is_better: bool
    recurrent: str = "recurrent model"
    baseline: str = "baseline"
    digits: int = 4  # significant digits of the values the verdict's text quotes


def seed_agreement(beaten: bool, seed_values: list[float], baseline_value: float,
                   seed_p_values: list[float], higher_is_better: bool, significance: float) -> dict:
    """How many of the chosen variant's single seeds reach the verdict's conclusion on their own:
    better than the baseline on test and significantly so (examples resampled), or not."""
    sign = 1.0 if higher_is_better else -1.0
    own = [sign * (value - baseline_value) > 0 and p_value < significance
           for value, p_value in zip(seed_values, seed_p_values)]
    agree = sum(conclusion == beaten for conclusion in own)
    return {"agree": agree, "seeds": len(own), "text": f"{agree} of {len(own)} seeds",
            "single_seed_beaten": own}


def interval_words(test: dict, level: float, digits: str = "+.3g") -> str:
    """"90 % interval -0.03 to -0.01, p = 0.004": a test's numbers as a verdict quotes them."""
    low, high = test["interval"]
    return f"{level * 100:g} % interval {low:{digits}} to {high:{digits}}, one-sided p = {test['p_value']:.3g}"


def seeded_verdict(scores: dict, training: dict, outputs: dict[str, np.ndarray], statistic: Statistic,
                   words: VerdictWords, significance: float, resamples: int, seed: int, block: int = 1,
                   baselines: list[str] | None = None, block_unit: str = "test examples",
                   against_attention: bool = True) -> dict:
    """The verdict every task gives, on scores folded by aggregate_seeds: the recurrent model (a
    variant over its seeds, or a seed ensemble) and the baseline chosen on validation, each scored
    once on test, and "yes" only when the recurrent one is better and the test says so at
    `significance`, which is exactly when the interval reported (two-sided, 1 - 2 * significance)
    excludes 0. `outputs` holds every seed network's and baseline's test outputs.

    Where the case has attention models, the same recurrent model meets the attention model chosen
    on validation in a second verdict with the same test (its `attention` entry); the headline
    stays the one against the baselines."""
    names = model_names(scores, training)
    families = model_families(names, training)
    recurrent = [name for name in names if families[name] == Family.RECURRENT]
    rivals = baselines if baselines is not None else [name for name in names if families[name] == Family.BASELINE]
    if not recurrent or not rivals:
        return {"beaten": False, "model": None, "metric": words.metric,
                "text": "No recurrent model or no baseline in this case."}
    best = contender(chosen_on_validation(scores, recurrent, words.metric, words.higher_is_better), training)
    rival = contender(chosen_on_validation(scores, rivals, words.metric, words.higher_is_better), training)
    test = two_source_bootstrap(statistic, best, rival, outputs, words.higher_is_better, resamples, seed, block,
                                significance)
    value, baseline_value, level = test["value"], test["baseline_value"], test["interval_level"]
    better = (value > baseline_value) if words.higher_is_better else (value < baseline_value)
    beaten = bool(better and test["p_value"] < significance)
    agreement = seed_agreement(beaten, test["seed_values"], baseline_value, test["seed_p_values"],
                               words.higher_is_better, significance)
    seeds = list(best.seeds)
    what = (f"the ensemble of its {len(seeds)} seeds" if best.ensemble else
            f"the mean over {len(seeds)} seeds" if len(seeds) > 1 else "one seed")
    # No seeds' variance in the test: neither side is a mean over seeds (a baseline, an ensemble).
    examples_alone = all(side.ensemble or len(side.members) < 2 for side in (best, rival))
    chance = block_unit if examples_alone else f"{block_unit} and seeds"
    digits = words.digits
    numbers = (f"{best.name} ({what}), the {words.recurrent} with the best validation {words.label}, has test "
               f"{words.label} {value:.{digits}g}; the {words.baseline} chosen the same way, {rival.name}, "
               f"{baseline_value:.{digits}g} (difference {test['difference']:+.3g}, {interval_words(test, level)} over "
               f"{chance}); {agreement['text']} reach this conclusion alone")
    variant = test.get("variant")
    if variant:
        numbers += (f". Its seeds' mean, the variant {best.name.removesuffix(ENSEMBLE_SUFFIX)}: difference "
                    f"{variant['difference']:+.3g}, {interval_words(variant, level)} over {block_unit} and seeds")
    chosen = f"the {words.recurrent} chosen on validation"
    if beaten:
        text = f"Yes: {chosen} beat the {words.baseline} on test {words.label}. {numbers}."
    elif better:
        text = (f"No: {chosen} is better than the {words.baseline} on test {words.label}, but not significantly "
                f"at {significance}. {numbers}.")
    elif 1.0 - test["p_value"] < significance:  # the one-sided test the other way
        text = (f"No: the {words.baseline} beat {chosen} on test {words.label}, significantly at {significance} "
                f"(its interval lies wholly on the {words.baseline}'s side of 0). {numbers}.")
    else:
        text = f"No: {chosen} did not beat the {words.baseline} on test {words.label}. {numbers}."
    seeds_part = ("" if examples_alone else
                  "; a mean over seeds (on either side) adds its seeds' variance over their count, with "
                  "Satterthwaite's degrees of freedom (Student's t)")
    result = {"beaten": beaten, "model": best.name, "metric": words.metric,
            "selection": (f"the {words.recurrent} (a variant by its mean over seeds, or a seed ensemble) and the "
                          f"{words.baseline} with the best validation {words.label}, each scored once on test"),
            "seeds": seeds, "value": value, "seed_values": test["seed_values"], "baseline": rival.name,
            "baseline_value": baseline_value, "difference": test["difference"], "interval": test["interval"],
            "interval_level": level, "standard_error": test["standard_error"],
            "degrees_of_freedom": test["degrees_of_freedom"], "p_value": test["p_value"],
            "significance": significance, "seed_agreement": agreement,
            **({"variant": {"model": best.name.removesuffix(ENSEMBLE_SUFFIX), **variant}} if variant else {}),
            "test": (f"one-sided test of the difference on its standard error: the {block_unit} resampled "
                     f"({test['resamples']} bootstrap resamples{f', blocks of {block}' if block > 1 else ''})"
                     f"{seeds_part}; the difference is of the {words.label}, model minus {words.baseline}, and its "
                     f"two-sided {level * 100:g} % interval lies wholly on the model's side of 0 exactly when the answer is yes"),
            "text": text}
    attention = [name for name in names if families[name] == Family.ATTENTION]
    if against_attention and attention:
        result["attention"] = seeded_verdict(scores, training, outputs, statistic,
                                             replace(words, baseline="attention model"), significance, resamples,
                                             seed, block, baselines=attention, block_unit=block_unit,
                                             against_attention=False)
    return result
