import numpy as np
import pytest

from seqcase.config import NoOptions
from seqcase.tasks.forecasting.schema import LinearLagsOptions
from seqcase.tasks.forecasting.baselines import (
    DriftForecaster,
    LinearExtrapolationForecaster,
    LinearLagsForecaster,
    MeanForecaster,
    NaiveForecaster,
    fit_baselines,
)
from conftest import series_from
from seqcase.tasks.forecasting.data import actual_values, window_positions


def test_drift_is_exact_on_a_straight_line_and_naive_lags_it():
    series = series_from(2.0 * np.arange(100))
    positions = window_positions(series, 1, "test")
    actual = actual_values(series, positions)
    np.testing.assert_allclose(DriftForecaster().fit(series).predict(series, positions), actual, rtol=1e-5)
    np.testing.assert_allclose(actual - NaiveForecaster().predict(series, positions), [[2.0, 4.0]] * len(positions),
                               rtol=1e-4)


def test_mean_and_drift_of_returns_are_the_training_mean():
    rng = np.random.default_rng(1)
    series = series_from(rng.normal(0.001, 0.01, 200), transform="log_return", horizon=1)
    positions = window_positions(series, 1, "test")
    training_mean = series.target_original[series.split == 0].mean()
    assert MeanForecaster().fit(series).predict(series, positions)[0, 0] == pytest.approx(training_mean)
    assert DriftForecaster().fit(series).predict(series, positions)[0, 0] == pytest.approx(training_mean)
    assert (NaiveForecaster().predict(series, positions) == 0).all()


def test_linear_lags_learns_an_autoregression_the_naive_forecast_cannot():
    rng = np.random.default_rng(2)
    values = np.zeros(600)
    for index in range(1, 600):
        values[index] = -0.7 * values[index - 1] + rng.normal()
    series = series_from(values, horizon=1)
    positions = window_positions(series, 3, "test")
    actual = actual_values(series, positions)
    linear = LinearLagsForecaster(lags=3).fit(series)
    linear_rmse = np.sqrt(((linear.predict(series, positions) - actual) ** 2).mean())
    naive_rmse = np.sqrt(((NaiveForecaster().predict(series, positions) - actual) ** 2).mean())
    assert linear_rmse < 0.6 * naive_rmse
    # Input and target share one scaler, so the last lag's coefficient is the AR coefficient itself.
    assert np.ravel(linear.model_.coef_)[-1] == pytest.approx(-0.7, abs=0.1)


def test_fit_baselines_builds_what_params_name():
    series = series_from(np.arange(50.0))
    fitted = fit_baselines(series, {"naive": NoOptions(), "linear_lags": LinearLagsOptions(lags=4)})
    assert set(fitted) == {"naive", "linear_lags"} and fitted["linear_lags"].window_length == 4


def test_linear_extrapolation_continues_a_line_and_fits_a_least_squares_slope():
    series = series_from(3.0 * np.arange(80) + 5, horizon=3)
    positions = window_positions(series, 5, "test")
    extrapolated = LinearExtrapolationForecaster(points=5).fit(series).predict(series, positions)
    np.testing.assert_allclose(extrapolated, actual_values(series, positions), rtol=1e-9)
    zigzag = series_from(np.tile([0.0, 2.0], 40), horizon=1)
    # Through (-2, 0), (-1, 2), (0, 0): slope 0, level 2/3; one step ahead stays at 2/3.
    assert LinearExtrapolationForecaster(points=3).predict(zigzag, np.array([71]))[0, 0] == pytest.approx(2 / 3)


def sequences(counts: dict[int, int], seed: int = 0):
    from seqcase.tasks.classification.schema import ClassificationPrepare
    from seqcase.tasks.classification.data import prepare_sequences

    rng = np.random.default_rng(seed)
    labels = np.concatenate([[str(label)] * count for label, count in counts.items()])
    values = labels.astype(float)[:, None] + rng.normal(0, 0.5, (len(labels), 8))
    prepared, _ = prepare_sequences((values, labels), None, ClassificationPrepare(train_file="x", class_weight="none"))
    return prepared


def test_classifier_baselines_learn_separable_classes_and_majority_does_not():
    from seqcase.tasks.classification.schema import LogisticRegressionOptions, RandomForestOptions
    from seqcase.tasks.classification.baselines import fit_classifiers

    prepared = sequences({1: 60, 2: 30, 3: 20})
    fitted = fit_classifiers(prepared, {"majority": NoOptions(), "logistic_regression": LogisticRegressionOptions(),
                                        "random_forest": RandomForestOptions(n_estimators=50)}, seed=0)
    inputs, labels = prepared.part("test")
    accuracy = {name: (model.predict_proba(inputs).argmax(axis=1) == labels).mean() for name, model in fitted.items()}
    assert accuracy["logistic_regression"] == 1.0 and accuracy["random_forest"] >= 0.95
    assert accuracy["majority"] == pytest.approx((labels == 0).mean())
    assert fitted["random_forest"].predict_proba(inputs).shape == (len(labels), 3)


def test_binary_baselines_are_tuned_on_validation_and_refit_nothing_on_test():
    """Each grid point fits on the training part; the best validation score picks one; test is unseen."""
    from test_event_classification_data import config as event_config
    from test_event_classification_data import make_transactions

    from seqcase.tasks.event_classification.schema import TunedLogisticRegressionOptions
    from seqcase.tasks.event_classification.baselines import fit_baselines
    from seqcase.tasks.event_classification.data import prepare_events

    prepared, _ = prepare_events(make_transactions(400), event_config(), seed=0)
    chosen = {"logistic_regression": TunedLogisticRegressionOptions(C=[0.001, 1.0])}
    (baseline,) = fit_baselines(prepared, chosen, "average_precision", seed=0).values()
    assert [point["C"] for point in baseline.search_] == [0.001, 1.0]
    best = max(baseline.search_, key=lambda point: point["validation_average_precision"])
    assert baseline.chosen_ == {"C": best["C"], "class_weight": "none", "max_iter": 2000}
    assert baseline.estimator_[-1].coef_.shape == (1, 2)
    test_scores = baseline.positive_scores(prepared, "test")
    labels = prepared.labels[prepared.split == 2]
    assert len(test_scores) == 80 and test_scores[labels == 1].min() > test_scores[labels == 0].max()


def test_tfidf_baseline_reads_the_texts():
    from test_text_classification_data import CONFIG, make_reviews

    from seqcase.tasks.text_classification.schema import TfidfOptions
    from seqcase.tasks.text_classification.baselines import fit_baselines
    from seqcase.tasks.text_classification.data import prepare_texts

    frame = make_reviews(60).assign(review=lambda table: table["review"] + " " + table["sentiment"].map(
        {"positive": "wonderful", "negative": "dreadful"}))
    prepared, _ = prepare_texts(frame, CONFIG)
    (baseline,) = fit_baselines(prepared, {"tfidf_logistic_regression": TfidfOptions(C=[1.0, 10.0])},
                                "accuracy", seed=0).values()
    labels = prepared.labels[prepared.split == 2]
    assert ((baseline.positive_scores(prepared, "test") >= 0.5) == labels).mean() == 1.0
