"""What each task hands to tuning and training: heads, shapes, data and class weights."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import series_from
from seqcase.tasks.classification.schema import ClassificationPrepare
from seqcase.tasks.classification.data import prepare_sequences


def test_a_forecast_problem_cuts_windows_of_the_tuned_length(keras_seeded):
    from seqcase.tasks.forecasting.problem import learning_problem

    problem = learning_problem(series_from(np.sin(np.arange(100) / 5), horizon=3))
    (train_inputs, train_targets), (validation_inputs, _) = problem.datasets({"window_length": 7})
    assert problem.input_shape({"window_length": 7}) == (7, 1) and train_inputs.shape[1:] == (7, 1)
    assert train_targets.shape[1] == 3 and problem.head.units == 3 and problem.head.loss == "mse"
    assert len(train_inputs) == 60 - 7 - 3 + 1 and len(validation_inputs) == 20 - 3 + 1
    assert problem.class_weight is None


def test_a_classification_problem_gives_whole_sequences_and_its_class_weights(keras_seeded):
    from seqcase.tasks.classification.problem import learning_problem

    rng = np.random.default_rng(0)
    labels = np.array(["a"] * 30 + ["b"] * 10)
    prepared, _ = prepare_sequences((rng.normal(size=(40, 9)), labels), None,
                                    ClassificationPrepare(train_file="x", class_weight="balanced"))
    problem = learning_problem(prepared)
    (train_inputs, train_labels), _ = problem.datasets({"units": 4})
    assert problem.input_shape({}) == (9, 1) and train_inputs.shape[1:] == (9, 1)
    assert problem.head.units == 2 and problem.head.activation == "softmax"
    assert problem.class_weight[1] > problem.class_weight[0]
    assert set(np.unique(train_labels)) == {0, 1}


def test_the_kept_epoch_follows_the_monitored_value():
    from seqcase.training import best_epoch

    history = {"val_loss": [0.30, 0.31, 0.38], "val_accuracy": [0.874, 0.879, 0.868]}
    assert best_epoch(history, "val_loss") == 0
    assert best_epoch(history, "val_accuracy") == 1


def test_early_stopping_on_accuracy_keeps_the_most_accurate_epoch(keras_seeded):
    import keras

    from seqcase.config import TrainConfig
    from seqcase.training import fit_network

    class ScriptedAccuracy(keras.callbacks.Callback):
        """Stands in for a classifier whose accuracy peaks at epoch 2 while its loss rises."""

        def on_epoch_end(self, epoch, logs=None):
            logs["val_accuracy"] = [0.80, 0.90, 0.85, 0.84][epoch]
            logs["val_loss"] = 0.1 * (epoch + 1)
            self.model.get_layer("scale").set_weights([np.array([[float(epoch + 1)]])])

    inputs = keras.Input((1,))
    model = keras.Model(inputs, keras.layers.Dense(1, use_bias=False, name="scale")(inputs))
    model.compile(optimizer="sgd", loss="mse")
    data = (np.ones((4, 1)), np.ones((4, 1)))
    config = TrainConfig(epochs=4, batch_size=4, early_stopping_patience=2, monitor="val_accuracy")
    history = fit_network(model, data, data, config, [ScriptedAccuracy()]).history
    assert len(history["loss"]) == 4
    assert model.get_layer("scale").get_weights()[0][0, 0] == 2.0  # epoch 2's weights restored


def test_decay_at_end_holds_the_rate_then_lowers_it_linearly_to_the_final_fraction():
    from seqcase.training import decay_at_end_fraction

    fractions = [decay_at_end_fraction(step, 10, epochs=4, decay_epochs=2, final_fraction=0.02) for step in
                 (0, 19, 20, 30, 40)]
    assert fractions == pytest.approx([1.0, 1.0, 1.0, 0.51, 0.02])


def test_the_decay_at_end_schedule_sets_the_rate_of_every_batch(keras_seeded):
    import keras

    from seqcase.config import TrainConfig
    from seqcase.training import fit_network

    rates = []

    class RecordRate(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    inputs = keras.Input((1,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    data = (np.ones((8, 1)), np.ones((8, 1)))  # 4 batches of 2 per epoch
    config = TrainConfig(epochs=3, batch_size=2, early_stopping_patience=3, learning_rate_schedule="decay_at_end",
                         decay_epochs=1, final_learning_rate_fraction=0.5)
    fit_network(model, data, data, config, [RecordRate()])
    assert rates == pytest.approx([0.1] * 9 + [0.0875, 0.075, 0.0625], rel=1e-6)


def test_a_decay_longer_than_the_training_is_refused():
    from seqcase.config import TrainConfig

    with pytest.raises(ValueError, match=r"decay_epochs \(9.0\) must not exceed epochs \(8\)"):
        TrainConfig(epochs=8, learning_rate_schedule="decay_at_end", decay_epochs=9)


def test_a_fit_prints_nothing_and_its_epochs_go_to_the_callbacks(keras_seeded, capsys):
    """Fits run side by side in workers: the console gets the stage's progress line, not epochs."""
    import keras

    from seqcase.config import TrainConfig
    from seqcase.training import EpochMetricsLogger, fit_network

    inputs = keras.Input((1,))
    model = keras.Model(inputs, keras.layers.Dense(1, name="scale")(inputs))
    model.compile(optimizer="sgd", loss="mse")
    data = (np.ones((4, 1)), np.ones((4, 1)))
    epochs = EpochMetricsLogger()
    fit_network(model, data, data, TrainConfig(epochs=2, batch_size=4), [epochs])
    assert capsys.readouterr().out == ""
    assert len(epochs.epochs) == 2 and {"loss", "val_loss", "learning_rate"} <= set(epochs.epochs[0])
