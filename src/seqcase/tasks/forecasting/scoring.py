"""Every forecaster scored on the same test windows, and the verdict: did a recurrent model beat
the naive forecast, with a lower RMSE, significantly over seeds and blocks of test windows? Each
model's Diebold-Mariano test against the naive forecast is kept in its scores."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from seqcase.evaluation.seeds import VerdictWords, aggregate_seeds, members, seeded_verdict
from seqcase.errors import DataError
from seqcase.evaluation.verdicts import chosen_on_validation, model_families
from seqcase.models.hyperparameters import Family
from seqcase.splits import Split
from seqcase.tasks.base import Evaluation, ScoringSettings
from seqcase.tasks.forecasting.baselines import fit_baselines
from seqcase.tasks.forecasting.data import (PreparedSeries, actual_values, make_windows, no_change_forecast, step_name,
                                            window_positions)
from seqcase.tasks.forecasting.glucose import clarke_shares, mard
from seqcase.tasks.forecasting.backtest import fold_series, origins
from seqcase.tasks.forecasting.intervals import RecentRows, calibrated_scores, interval_keys
from seqcase.tasks.forecasting.metrics import diebold_mariano, forecast_scores, time_lag
from seqcase.tasks.forecasting.schema import ForecastingCase

VERDICT_RESAMPLES = 1000


class KerasForecaster:
    """A trained network behind the same predict(series, positions) contract as the baselines."""

    def __init__(self, model, window_length: int, batch_size: int = 1024) -> None:
        self.model = model
        self.window_length = int(window_length)
        self.batch_size = batch_size

    def predict(self, series: PreparedSeries, positions: np.ndarray) -> np.ndarray:
        inputs, _ = make_windows(series, positions, self.window_length)
        scaled = self.model.predict(inputs, batch_size=self.batch_size, verbose=0)
        return series.to_original(np.asarray(scaled).reshape(len(positions), series.horizon))


def window_losses(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """The squared error of each window, averaged over its steps ahead: what the DM test compares."""
    return ((actual - predicted) ** 2).mean(axis=1)


def score_forecasts(series: PreparedSeries, forecasters: dict, extra_metrics: list[str] = (),
                    interval_levels: list[float] = (),
                    interval_scale_steps: list[int] = ()) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """Predict the test windows every model can see, score each against actuals and the naive, and
    each model's prediction intervals (calibrated on its validation errors) at `interval_levels`,
    scaled by a window's recent volatility over one of `interval_scale_steps` rows where validation
    says so.

    Returns the windows' first-target positions, their actual values, the predictions and scores.
    """
    longest = max(forecaster.window_length for forecaster in forecasters.values())
    positions = window_positions(series, longest, Split.TEST)
    if len(positions) < 3:
        raise DataError(f"only {len(positions)} test windows for window length {longest}; the test part is too short")
    actual = actual_values(series, positions)
    no_change = no_change_forecast(series, positions)
    naive_training_mae = naive_training_error(series)
    predictions = {name: forecaster.predict(series, positions) for name, forecaster in forecasters.items()}
    naive_loss = window_losses(actual, predictions["naive"])
    scores = {name: forecast_scores(actual, predicted, no_change, naive_training_mae)
              for name, predicted in predictions.items()}
    validation_positions, validation_actual, validation_predictions = validation_forecasts(series, forecasters,
                                                                                           longest)
    for name, predicted in validation_predictions.items():
        scores[name]["validation_rmse"] = float(np.sqrt(np.mean((validation_actual - predicted) ** 2)))
    for name, result in scores.items():
        if name == "naive":
            statistic, p_value = float("nan"), float("nan")
        else:
            statistic, p_value = diebold_mariano(window_losses(actual, predictions[name]), naive_loss, series.horizon)
        result.update(dm_statistic=statistic, dm_pvalue=p_value,
                      rmse_ratio_to_naive=result["rmse"] / scores["naive"]["rmse"])
        add_step_metrics(result, series, positions, actual, predictions[name], predictions["naive"], extra_metrics)
        if interval_levels:
            scale_steps = [steps for steps in interval_scale_steps if steps <= scale_history(forecasters[name], longest)]
            rows = max(scale_steps, default=0)
            add_intervals(result, validation_actual, validation_predictions[name], actual, predictions[name],
                          interval_levels, scale_steps, RecentRows.of(series, validation_positions, rows),
                          RecentRows.of(series, positions, rows))
    return positions, actual, predictions, scores


def naive_training_error(series: PreparedSeries) -> float:
    """The one-step naive forecast's MAE on the training part: MASE's scale."""
    positions = window_positions(series, 1, Split.TRAIN)
    return float(np.abs(actual_values(series, positions)[:, 0] - no_change_forecast(series, positions)[:, 0]).mean())


def validation_forecasts(series: PreparedSeries, forecasters: dict,
                         window_length: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The validation windows (first-target positions), their actual values and each forecaster's
    forecasts of them: every choice (RMSE) and every interval's calibration (errors, scale) is made
    on these, never on the test part."""
    positions = window_positions(series, window_length, Split.VALIDATION)
    if len(positions) == 0:
        raise DataError(f"no validation window for window length {window_length}; the validation part is too short")
    return (positions, actual_values(series, positions),
            {name: forecaster.predict(series, positions) for name, forecaster in forecasters.items()})


def scale_history(forecaster, longest: int) -> int:
    """The most rows a forecaster's interval scale may look back: a network's own window, since a
    registered network is served with nothing more; a baseline, scored only, any window's."""
    return forecaster.window_length if isinstance(forecaster, KerasForecaster) else longest


def add_intervals(result: dict, validation_actual: np.ndarray, validation_forecast: np.ndarray,
                  actual: np.ndarray, predicted: np.ndarray, levels: list[float], scale_steps: list[int] = (),
                  validation_recent: RecentRows | None = None, test_recent: RecentRows | None = None) -> None:
    """A model's split conformal intervals: radii (and scale) from its validation errors, scores on test."""
    try:
        calibrated = calibrated_scores(validation_actual, validation_forecast, actual, predicted, levels,
                                       scale_steps, validation_recent, test_recent)
    except ValueError as error:
        raise DataError(f"evaluate.interval_levels: {error}") from None
    for step, values in calibrated.pop("per_horizon").items():
        result["per_horizon"][step].update(values)
    result.update(calibrated)


def add_step_metrics(result: dict, series: PreparedSeries, positions: np.ndarray, actual: np.ndarray,
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


def step_comparison(scores: dict, families: dict[str, str], step: int, frequency: str | None,
                    best: str | None) -> dict:
    """At one step ahead: the recurrent model chosen on validation against the naive and the other
    baseline chosen on validation."""
    key = f"h{step}"
    rmse = {name: scores[name]["per_horizon"][key]["rmse"] for name in scores}
    others = [name for name in scores if families[name] == Family.BASELINE and name != "naive"]
    rival = chosen_on_validation(scores, others, "rmse", higher_is_better=False) if others else None
    result = {"step": step, "model": best, "rmse": rmse.get(best), "naive_rmse": rmse["naive"],
              "ratio": rmse[best] / rmse["naive"] if best else None, "baseline": rival,
              "baseline_rmse": rmse.get(rival)}
    if best:
        text = (f"At {step_name(step, frequency)}, {best} has test RMSE {rmse[best]:.4g}: "
                f"{rmse[best] / rmse['naive']:.3f} of the naive forecast's {rmse['naive']:.4g}")
        if rival:
            relation = "below" if rmse[best] < rmse[rival] else "not below"
            text += (f", {relation} the other baseline chosen on validation, {rival} ({rmse[rival]:.4g}, ratio "
                     f"{rmse[rival] / rmse['naive']:.3f})")
        result["text"] = text + "."
    return result


WORDS = VerdictWords("rmse", "RMSE", higher_is_better=False, baseline="naive forecast", digits=5)


BLOCK_HORIZONS = 5  # a moving block short of the errors' dependence shrinks their variance by about horizon / (3 * block)


def bootstrap_block(windows: int, horizon: int) -> int:
    """Consecutive windows share horizon - 1 targets and volatility clusters: resample blocks of five
    horizons (the variance then about 7 % short, which the coverage test in
    tests/test_evaluation_seeds.py measures), and of at least the cube root of the windows (the usual
    rate for a moving block)."""
    return max(BLOCK_HORIZONS * horizon, math.ceil(windows ** (1 / 3)))


def verdict(scores: dict, training: dict, predictions: dict[str, np.ndarray], actual: np.ndarray,
            significance: float, seed: int, steps: list[int] = (), frequency: str | None = None,
            against_attention: bool = True) -> dict:
    """Did the recurrent model chosen on validation beat the naive forecast on test RMSE, over the
    test windows (resampled in blocks) and the seeds? (And, where the case has one, the attention
    model: the backtest's pooled verdict leaves that to the single window's.)"""
    def rmse(name: str, forecasts: np.ndarray, indices: np.ndarray) -> float:
        return float(np.sqrt(np.mean((actual[indices] - forecasts[indices]) ** 2)))

    block = bootstrap_block(len(actual), actual.shape[1])
    result = seeded_verdict(scores, training, predictions, rmse, WORDS, significance, VERDICT_RESAMPLES, seed,
                            block, baselines=["naive"], block_unit="test windows", against_attention=against_attention)
    if result["model"] is None:
        return result
    families = model_families(scores, training)
    at_steps = [step_comparison(scores, families, step, frequency, result["model"]) for step in steps]
    result["steps"] = at_steps
    result["text"] = " ".join([result["text"], *(comparison["text"] for comparison in at_steps)])
    return result


def pooled_scores(series: PreparedSeries, folds: list[tuple], naive_training_mae: float) -> tuple[np.ndarray, dict, dict]:
    """The backtest's origins as one test set: every window's actual values and each model's
    forecasts (each made by the model fitted at that window's origin), scored together; the
    validation RMSE is the mean of the origins' (each on the stretch just before its origin), and
    the interval scores the windows' mean over origins."""
    actual = np.concatenate([fold_actual for _, fold_actual, _, _ in folds])
    no_change = np.concatenate([no_change_forecast(series, positions) for positions, _, _, _ in folds])
    names = list(folds[0][3])
    predictions = {name: np.concatenate([fold_predictions[name] for _, _, fold_predictions, _ in folds])
                   for name in names}
    weights = np.array([len(positions) for positions, _, _, _ in folds], dtype=np.float64)
    naive_loss = window_losses(actual, predictions["naive"])
    scores = {}
    for name in names:
        result = forecast_scores(actual, predictions[name], no_change, naive_training_mae)
        result["validation_rmse"] = float(np.mean([fold_scores[name]["validation_rmse"] for *_, fold_scores in folds]))
        statistic, p_value = ((float("nan"), float("nan")) if name == "naive" else
                              diebold_mariano(window_losses(actual, predictions[name]), naive_loss, series.horizon))
        result.update(dm_statistic=statistic, dm_pvalue=p_value)
        for key in interval_keys(folds[0][3][name]):
            result[key] = float(np.average([fold_scores[name][key] for *_, fold_scores in folds], weights=weights))
        scores[name] = result
    for name, result in scores.items():
        result["rmse_ratio_to_naive"] = result["rmse"] / scores["naive"]["rmse"]
    return actual, predictions, scores


def origin_summary(scores: dict, windows: int) -> dict:
    """What metrics.json keeps of a model at one origin: its overall numbers, no nesting."""
    return {"windows": windows, **{key: value for key, value in scores.items() if not isinstance(value, (dict, list))}}


def backtest(case: ForecastingCase, series: PreparedSeries, networks: dict, refit_networks: dict, training: dict,
             settings: ScoringSettings) -> tuple[dict, dict]:
    """Every model scored at each backtest origin (refitted there, or fitted once), per origin and
    pooled, and the verdict on the pooled windows. Returns metrics.json's `backtest` and each
    origin's scores by model (logged as a run per origin under each model)."""
    config = case.train.backtest
    folds, per_origin, described = [], {}, []
    for index, origin in enumerate(origins(series, config)):
        fold = fold_series(series, origin)
        refitted = config.refit and index > 0
        if refitted and origin.name not in refit_networks:
            raise DataError(f"train.backtest: no networks refitted at {origin.name}; the train stage ran with "
                            "another backtest: `dvc repro` trains them")
        models = refit_networks[origin.name] if refitted else networks
        forecasters = {name: KerasForecaster(model, training[name]["window_length"]) for name, model in models.items()}
        baselines = fit_baselines(fold if config.refit else series, case.baselines.chosen())
        positions, actual, predictions, scores = score_forecasts(fold, {**forecasters, **baselines}, [],
                                                                 case.evaluate.interval_levels,
                                                                 case.evaluate.interval_scale_steps)
        folds.append((positions, actual, predictions, scores))
        per_origin[origin.name] = {name: origin_summary(result, len(positions))
                                   for name, result in aggregate_seeds(scores, training).items()}
        described.append({"name": origin.name, "start": origin.timestamp, "windows": len(positions),
                          "train_windows_end": str(pd.Timestamp(series.timestamps[max(
                              window_positions(fold, 1, Split.TRAIN)) + series.horizon - 1]).isoformat()),
                          "refitted": bool(config.refit)})
    actual, predictions, scores = pooled_scores(series, folds, naive_training_error(series))
    scores = aggregate_seeds(scores, training)
    pooled_verdict = verdict(scores, training, predictions, actual, settings.significance, settings.seed,
                             case.evaluate.steps, series.frequency, against_attention=False)
    return ({"origins": described, "refit": config.refit, "pooled": scores, "per_origin": per_origin,
             "verdict": pooled_verdict}, per_origin)


def seed_calibrations_apart(scores: dict, training: dict) -> dict:
    """A variant's entry averages its seeds' scores; each seed's interval radii and scale were
    calibrated on its own errors (the scales may differ), so they stay under `seeds` only."""
    for name in members(training):
        for key in ("interval_radius", "interval_scale"):
            scores[name].pop(key, None)
    return scores


def evaluate(case: ForecastingCase, series: PreparedSeries, networks: dict, training: dict,
             settings: ScoringSettings, refit_networks: dict) -> Evaluation:
    forecasters = {variant: KerasForecaster(model, training[variant]["window_length"])
                   for variant, model in networks.items()}
    baselines = fit_baselines(series, case.baselines.chosen())
    positions, actual, predictions, scores = score_forecasts(series, {**forecasters, **baselines},
                                                             case.evaluate.metrics, case.evaluate.interval_levels,
                                                             case.evaluate.interval_scale_steps)
    scores = seed_calibrations_apart(aggregate_seeds(scores, training), training)
    result = verdict(scores, training, predictions, actual, settings.significance, settings.seed, case.evaluate.steps,
                     series.frequency)
    shown_step = (case.evaluate.steps or [1])[0]
    timestamps = series.timestamps[positions + shown_step - 1]
    tables = {name: pd.DataFrame({"date": pd.to_datetime(timestamps).strftime("%Y-%m-%dT%H:%M:%S"),
                                  "actual": actual[:, shown_step - 1].round(8),
                                  "forecast": predicted[:, shown_step - 1].round(8)})
              for name, predicted in predictions.items()}
    arrays = {"timestamps": series.timestamps[positions].astype(np.int64), "positions": positions, "actual": actual,
              **{f"model_{name}": predicted for name, predicted in predictions.items()}}
    facts = {"horizon": series.horizon, "plotted_step": shown_step, "baselines": list(baselines)}
    if case.train.backtest is None:
        return Evaluation(len(positions), scores, result, tables, arrays, facts)
    facts["backtest"], by_origin = backtest(case, series, networks, refit_networks, training, settings)
    return Evaluation(len(positions), scores, result, tables, arrays, facts, folds=by_origin)
