"""evaluate@<case>: every network and baseline scored on the same untouched test part."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import NamedTuple

import mlflow
import numpy as np
import pandas as pd

from seqcase import tracking
from seqcase.config import (BinaryEvaluate, ClassificationCase, EventCase, ForecastingCase, GenerationCase,
                            RecallTarget, TextCase)
from seqcase.evaluation.binary import METRICS, binary_scores, choose_threshold, curve_points
from seqcase.evaluation.classification import classification_scores
from seqcase.evaluation.forecasting import diebold_mariano, forecast_scores, time_lag
from seqcase.evaluation.glucose import clarke_shares, mard
from seqcase.evaluation.language import block_bits
from seqcase.io import atomic_directory, atomic_path, read_json, write_json
from seqcase.models.baselines import fit_baselines
from seqcase.models.classifiers import fit_binary_baselines, fit_classifiers
from seqcase.models.networks import load_network
from seqcase.models.ngram import bits_per_character, fit_ngram_baselines
from seqcase.stages import open_case
from seqcase.tasks import classification, events, forecasting, generation, load_prepared, text

logger = logging.getLogger(__name__)
BASELINE_FAMILY = "baseline"


class Evaluation(NamedTuple):
    """What a task's scoring hands to the shared writing: scores, DVC plot tables, arrays."""

    examples: int
    scores: dict
    plot_tables: dict[str, pd.DataFrame]
    arrays: dict[str, np.ndarray]
    facts: dict
    samples: dict[str, dict[str, str]] = {}  # a language model's generated texts, by temperature


def score_forecasts(series: forecasting.PreparedSeries, forecasters: dict,
                    extra_metrics: list[str] = ()) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """Predict the test windows every model can see, score each against actuals and the naive.

    Returns the windows' first-target positions, their actual values, the predictions and scores.
    """
    longest = max(forecaster.window_length for forecaster in forecasters.values())
    positions = forecasting.window_positions(series, longest, "test")
    if len(positions) < 3:
        raise ValueError(f"only {len(positions)} test windows for window length {longest}; the test part is too short")
    actual = forecasting.actual_values(series, positions)
    no_change = forecasting.no_change_forecast(series, positions)
    training_positions = forecasting.window_positions(series, 1, "train")
    naive_training_mae = float(np.abs(
        forecasting.actual_values(series, training_positions)[:, 0]
        - forecasting.no_change_forecast(series, training_positions)[:, 0]
    ).mean())
    predictions = {name: forecaster.predict(series, positions) for name, forecaster in forecasters.items()}
    naive_loss = ((actual - predictions["naive"]) ** 2).mean(axis=1)
    scores = {name: forecast_scores(actual, predicted, no_change, naive_training_mae)
              for name, predicted in predictions.items()}
    for name, result in scores.items():
        if name == "naive":
            statistic, p_value = float("nan"), float("nan")
        else:
            model_loss = ((actual - predictions[name]) ** 2).mean(axis=1)
            statistic, p_value = diebold_mariano(model_loss, naive_loss, series.horizon)
        result.update(dm_statistic=statistic, dm_pvalue=p_value,
                      rmse_ratio_to_naive=result["rmse"] / scores["naive"]["rmse"])
        add_step_metrics(result, series, positions, actual, predictions[name], predictions["naive"], extra_metrics)
    return positions, actual, predictions, scores


def add_step_metrics(result: dict, series: forecasting.PreparedSeries, positions: np.ndarray, actual: np.ndarray,
                     predicted: np.ndarray, naive: np.ndarray, extra_metrics: list[str]) -> None:
    """Per step ahead: the ratio to the naive RMSE and the metrics the case asks for (MARD, Clarke, lag)."""
    per_step = result.setdefault("per_horizon", {f"h{step + 1}": {} for step in range(series.horizon)})
    for step in range(series.horizon):
        values = per_step[f"h{step + 1}"]
        values.setdefault("rmse", float(np.sqrt(np.mean((actual[:, step] - predicted[:, step]) ** 2))))
        values["rmse_ratio_to_naive"] = values["rmse"] / float(np.sqrt(np.mean((actual[:, step] - naive[:, step]) ** 2)))
        if "mard" in extra_metrics:
            values["mard"] = mard(actual[:, step], predicted[:, step])
        if "clarke" in extra_metrics:
            values.update(clarke_shares(actual[:, step], predicted[:, step]))
        if "time_lag" in extra_metrics:
            lag = time_lag(series.target_original, series.segment, positions + step, predicted[:, step],
                           max_lag=2 * series.horizon)
            values["time_lag_steps"] = lag
            if series.frequency:
                minutes = pd.Timedelta(series.frequency).total_seconds() / 60
                values["time_lag_minutes"] = None if lag is None else lag * minutes
    if "mard" in extra_metrics:
        result["mard"] = mard(actual, predicted)
    if "clarke" in extra_metrics:
        result.update(clarke_shares(actual.ravel(), predicted.ravel()))


def evaluate_forecasting(case: ForecastingCase, series: forecasting.PreparedSeries, networks: dict,
                         training: dict, seed: int) -> Evaluation:
    forecasters = {variant: forecasting.KerasForecaster(model, training[variant]["window_length"])
                   for variant, model in networks.items()}
    baselines = fit_baselines(series, case.baselines.chosen())
    positions, actual, predictions, scores = score_forecasts(
        series, {**forecasters, **baselines}, case.evaluate.metrics)
    shown_step = (case.evaluate.steps or [1])[0]
    timestamps = series.timestamps[positions + shown_step - 1]
    tables = {name: pd.DataFrame({"date": pd.to_datetime(timestamps).strftime("%Y-%m-%dT%H:%M:%S"),
                                  "actual": actual[:, shown_step - 1].round(8),
                                  "forecast": predicted[:, shown_step - 1].round(8)})
              for name, predicted in predictions.items()}
    arrays = {"timestamps": series.timestamps[positions].astype(np.int64), "positions": positions, "actual": actual,
              **{f"model_{name}": predicted for name, predicted in predictions.items()}}
    facts = {"horizon": series.horizon, "plotted_step": shown_step, "baselines": list(baselines)}
    return Evaluation(len(positions), scores, tables, arrays, facts)


def evaluate_classification(case: ClassificationCase, prepared: classification.PreparedSequences, networks: dict,
                            training: dict, seed: int) -> Evaluation:
    classifiers = {variant: classification.KerasClassifier(model) for variant, model in networks.items()}
    baselines = fit_classifiers(prepared, case.baselines.chosen(), seed)
    inputs, labels = prepared.part("test")
    probabilities = {name: model.predict_proba(inputs) for name, model in {**classifiers, **baselines}.items()}
    scores = {name: classification_scores(labels, values, prepared.class_labels)
              for name, values in probabilities.items()}
    names = np.array(prepared.class_names)
    tables = {name: pd.DataFrame({"actual": names[labels], "predicted": names[values.argmax(axis=1)]})
              for name, values in probabilities.items()}
    arrays = {"labels": labels, **{f"model_{name}": values for name, values in probabilities.items()}}
    facts = {"classes": list(prepared.class_names), "class_labels": list(prepared.class_labels),
             "baselines": list(baselines)}
    return Evaluation(len(labels), scores, tables, arrays, facts)


def score_binary(scorers: dict, prepared, config: BinaryEvaluate) -> tuple[dict, dict[str, np.ndarray], dict]:
    """Each model's threshold from its validation scores alone (the case's rule), then its test scores.

    A scorer is anything with positive_scores(prepared, split_name): a network or a baseline.
    Returns the scores, each model's test probabilities and its precision-recall curve table.
    """
    validation_labels = prepared.labels[prepared.split == 1].astype(int)
    test_labels = prepared.labels[prepared.split == 2].astype(int)
    scores, test_scores, tables = {}, {}, {}
    for name, scorer in scorers.items():
        validation_scores = scorer.positive_scores(prepared, "validation")
        threshold = choose_threshold(validation_labels, validation_scores, config.threshold)
        test_scores[name] = scorer.positive_scores(prepared, "test")
        scores[name] = binary_scores(test_labels, test_scores[name], threshold, config.precision_targets)
        scores[name][f"validation_{config.metric}"] = float(
            METRICS[config.metric](validation_labels, validation_scores, threshold))
        precision, recall = curve_points(test_labels, test_scores[name])
        tables[name] = pd.DataFrame({"recall": recall.round(6), "precision": precision.round(6)})
    return scores, test_scores, tables


def evaluate_binary(case: EventCase | TextCase, prepared: events.PreparedEvents | text.PreparedTexts, networks: dict,
                    training: dict, seed: int) -> Evaluation:
    if case.task == "event_classification":
        scorers = {variant: events.WindowScorer(model, training[variant]["window_length"])
                   for variant, model in networks.items()}
        class_names = case.prepare.class_names
    else:
        scorers = {variant: text.TextScorer(model) for variant, model in networks.items()}
        class_names = prepared.class_names
    baselines = fit_binary_baselines(prepared, case.baselines.chosen(), case.evaluate.metric, seed)
    scores, test_scores, tables = score_binary({**scorers, **baselines}, prepared, case.evaluate)
    test_labels = prepared.labels[prepared.split == 2].astype(int)
    arrays = {"labels": test_labels, **{f"model_{name}": values for name, values in test_scores.items()}}
    rule = case.evaluate.threshold
    facts = {"metric": case.evaluate.metric, "positives": int(test_labels.sum()), "class_names": list(class_names),
             "threshold_rule": rule.model_dump() if isinstance(rule, RecallTarget) else rule,
             "baselines": list(baselines),
             "baseline_search": {name: {"chosen": baseline.chosen_, "grid": baseline.search_}
                                 for name, baseline in baselines.items()}}
    return Evaluation(len(test_labels), scores, tables, arrays, facts)


PLOTTED_BLOCK = 500  # characters per point of the bits-along-the-text plot (and per bootstrap block)


def evaluate_generation(case: GenerationCase, prepared: generation.PreparedCorpus, networks: dict,
                        training: dict, seed: int) -> Evaluation:
    """Bits per character on the test text for every network and n-gram baseline (the same
    characters, each predicted from the test text before it), and samples from each model."""
    validation, test = prepared.part("validation"), prepared.part("test")
    fitted = fit_ngram_baselines(prepared.part("train"), validation, prepared.vocabulary_size, case.baselines.chosen())
    log2, validation_bits, sources, contexts = {}, {}, {}, {}
    for variant, model in networks.items():
        window_length = int(training[variant]["window_length"])

        def predict(windows: np.ndarray, model=model) -> np.ndarray:
            return model.predict(windows, batch_size=256, verbose=0)

        validation_bits[variant] = bits_per_character(
            generation.model_log2_probabilities(predict, validation, window_length))
        log2[variant] = generation.model_log2_probabilities(predict, test, window_length)
        sources[variant], contexts[variant] = generation.network_next_distribution(model), window_length
    for name, (model, _, search) in fitted.items():
        validation_bits[name] = min(entry["validation_bits_per_character"] for entry in search)
        log2[name] = model.log2_probabilities(test)
        sources[name], contexts[name] = model.distribution, max(1, model.order - 1)
    scores = {name: {"bits_per_character": bits_per_character(values), "perplexity": 2 ** bits_per_character(values),
                     "validation_bits_per_character": validation_bits[name]} for name, values in log2.items()}
    settings = case.evaluate
    seed_ids = generation.encode(settings.seed_text, prepared.vocabulary)
    samples = {}
    for name, next_distribution in sources.items():
        texts = generation.sample_texts(next_distribution, seed_ids, settings.sample_length, settings.temperatures,
                                        contexts[name], np.random.default_rng(settings.sample_seed))
        samples[name] = {str(temperature): settings.seed_text + generation.decode(ids, prepared.vocabulary)
                         for temperature, ids in zip(settings.temperatures, texts)}
    positions = np.arange(0, len(test) - 1, PLOTTED_BLOCK)
    tables = {name: pd.DataFrame({"character": positions + 1, "bits_per_character": block_bits(-values, PLOTTED_BLOCK).round(5)})
              for name, values in log2.items()}
    arrays = {f"model_{name}": -values for name, values in log2.items()}
    facts = {"baselines": list(fitted), "block_characters": PLOTTED_BLOCK, "vocabulary_size": prepared.vocabulary_size,
             "seed_text": settings.seed_text, "temperatures": settings.temperatures,
             "baseline_search": {name: {"chosen": setting, "grid": search} for name, (_, setting, search) in fitted.items()}}
    return Evaluation(len(test) - 1, scores, tables, arrays, facts, samples)


EVALUATORS = {"forecasting": evaluate_forecasting, "classification": evaluate_classification,
              "event_classification": evaluate_binary, "text_classification": evaluate_binary,
              "text_generation": evaluate_generation}


def without_nan(value):
    """JSON for DVC: NaN (undefined, e.g. the naive forecast's DM test) becomes null."""
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    return None if isinstance(value, float) and math.isnan(value) else value


def write_table(path: Path, table: pd.DataFrame) -> None:
    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=False)


def run(params_path: Path, case_name: str) -> dict:
    params, case, paths = open_case(params_path, case_name)
    prepared = load_prepared(paths.prepared)
    training = read_json(paths.models / "training.json")
    networks = {variant: load_network(paths.models / f"{variant}.keras") for variant in training}
    result = EVALUATORS[case.task](case, prepared, networks, training, params.seed)
    families = {name: training[name]["family"] if name in training else BASELINE_FAMILY for name in result.scores}

    tracking.configure()
    book = tracking.continue_pipeline_run(tracking.RunBook.load(paths.models / "runs.json"), case_name, "evaluate")
    with tracking.failing_pipeline_run(book):
        for name, scores in result.scores.items():
            tags = {"seqcase.kind": "model" if name in networks else "baseline", "seqcase.family": families[name]}
            if name in networks:
                tags["seqcase.trained_in"] = training[name]["run_id"]
            with tracking.child_run(book, name, case_name, "evaluate", tags):
                mlflow.log_metrics(tracking.test_metrics(scores))
                mlflow.log_metric("test_examples", result.examples)
                for temperature, sample in result.samples.get(name, {}).items():
                    mlflow.log_text(sample, f"samples/temperature_{temperature}.txt")

        with atomic_directory(paths.reports / "predictions") as tables:
            for name, table in result.plot_tables.items():
                write_table(tables / f"{name}.csv", table)
        metrics = {"task": case.task, "test_examples": result.examples, **result.facts,
                   "models": without_nan(result.scores)}
        write_json(paths.reports / "metrics.json", metrics)
        with atomic_directory(paths.evaluation) as evaluation:
            np.savez(evaluation / "predictions.npz", **result.arrays)
            write_json(evaluation / "models.json", {name: {"family": families[name]} for name in result.scores})
            if result.samples:
                write_json(evaluation / "samples.json", result.samples)
            book.save(evaluation / "runs.json")
        logger.info("%s: %d test examples", case_name, result.examples)
        return metrics
