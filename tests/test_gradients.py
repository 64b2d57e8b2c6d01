"""Gradient diagnostics: exact input gradients on models whose gradient is known, and the callback."""

import keras
import mlflow
import numpy as np
import pytest

from seqcase.evaluation.gradient_flow import first_to_last
from seqcase.gradients import GradientDiagnostics, gradient_diagnostics
from seqcase.models.networks import build_network, classification_head


def test_input_gradient_of_a_linear_model_is_exact(keras_seeded):
    steps, batch = 5, 4
    inputs = keras.Input((steps, 1))
    outputs = keras.layers.Dense(1, use_bias=False, name="linear")(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    weights = np.array([[0.1], [-0.2], [0.3], [0.5], [-1.0]], dtype="float32")
    model.get_layer("linear").set_weights([weights])
    x = np.random.default_rng(0).normal(size=(batch, steps, 1)).astype("float32")
    y = np.zeros((batch, 1), dtype="float32")
    residual = x[:, :, 0] @ weights[:, 0]
    # d mean((w.x)^2) / d x_bt = 2 (w.x)_b w_t / batch
    expected = (2 * np.abs(residual)[:, None] * np.abs(weights[:, 0])[None, :] / batch).mean(axis=0)[::-1]
    result = gradient_diagnostics(model, x, y)
    np.testing.assert_allclose(result["input_by_step"], expected, rtol=1e-5)
    expected_weight_gradient = 2 * (x[:, :, 0] * residual[:, None]).mean(axis=0)
    np.testing.assert_allclose(result["layers"]["linear"], np.linalg.norm(expected_weight_gradient), rtol=1e-5)
    assert first_to_last(result["input_by_step"]) == pytest.approx(expected[-1] / expected[0], rel=1e-5)


def test_text_steps_count_back_from_each_reviews_last_word(keras_seeded):
    hyperparameters = {"vocabulary_size": 30, "sequence_length": 8, "embedding_dim": 4, "units": 3,
                       "learning_rate": 0.01}
    model = build_network("dense", (8,), classification_head(2), hyperparameters)
    ids = np.zeros((2, 8), dtype="int32")
    ids[0, :3] = [4, 5, 6]
    ids[1, :6] = [7, 8, 9, 10, 11, 12]
    by_step = gradient_diagnostics(model, ids, np.array([0, 1]))["input_by_step"]
    assert len(by_step) == 6  # padding is no step; the longer review reaches 6 words back
    # The mean embedding gives each word of a review the same gradient: within a review the curve is flat.
    single = gradient_diagnostics(model, ids[1:], np.array([1]))["input_by_step"]
    np.testing.assert_allclose(single, single[0], rtol=1e-5)
    # Only the longer review reaches back 6 words; the loss averages over two reviews, hence the half.
    assert by_step[-1] == pytest.approx(single[-1] / 2, rel=1e-5)


def test_the_compiled_diagnostics_equal_the_eager_ones_for_a_text_network(keras_seeded):
    """An embedding's gradient leaves the graph as IndexedSlices, one row per looked-up word."""
    from seqcase.gradients import gradient_function

    hyperparameters = {"vocabulary_size": 30, "sequence_length": 8, "embedding_dim": 4, "units": 3,
                       "learning_rate": 0.01}
    model = build_network("gru", (8,), classification_head(2), hyperparameters)
    ids = np.array([[4, 5, 6, 0, 0, 0, 0, 0], [7, 8, 9, 10, 11, 12, 0, 0]], dtype="int32")
    eager = gradient_diagnostics(model, ids, np.array([0, 1]))
    compiled = gradient_diagnostics(model, ids, np.array([0, 1]), gradient_function(model))
    assert compiled["layers"] == pytest.approx(eager["layers"], rel=1e-5) and len(compiled["input_by_step"]) == 6
    np.testing.assert_allclose(compiled["input_by_step"], eager["input_by_step"], rtol=1e-5)


def test_callback_records_and_logs_every_epoch(keras_seeded, mlflow_store):
    model = build_network("simple_rnn", (6, 2), classification_head(2), {"units": 4, "learning_rate": 0.01})
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(32, 6, 2)).astype("float32"), rng.integers(0, 2, size=32)
    callback = GradientDiagnostics(x[:8], y[:8])
    experiment = mlflow.set_experiment("gradients")  # not an earlier test's active experiment, from another store
    with mlflow.start_run(experiment_id=experiment.experiment_id) as run:
        model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[callback])
    assert [record["epoch"] for record in callback.records] == [1, 2, 3]
    assert set(callback.records[0]["layers"]) == {"simple_rnn_1", "output"}
    assert len(callback.records[0]["input_by_step"]) == 6
    # From the third epoch the diagnostics run as a graph; it gives what the eager computation gives.
    assert callback.compute is not None and callback.records[1]["layers"] != callback.records[2]["layers"]
    final = gradient_diagnostics(model, x[:8], y[:8])
    assert callback.records[2]["layers"] == pytest.approx(final["layers"], rel=1e-5)
    np.testing.assert_allclose(callback.records[2]["input_by_step"], final["input_by_step"], rtol=1e-5)
    history = mlflow.MlflowClient().get_metric_history(run.info.run_id, "training/gradient_norm.simple_rnn_1")
    assert [metric.step for metric in history] == [0, 1, 2]
    assert all(metric.value > 0 for metric in history)
