"""Networks logged as pyfunc models: MLflow alone (no seqcase import) serves them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import mlflow
import numpy as np
import pandas as pd

from seqcase import serving
from seqcase.backends import BACKENDS
from seqcase.models.text import TextNetwork, Tokenizer


def text_network(keras) -> TextNetwork:
    """Token ids in, two class probabilities out, with a last-words tokenizer in front of it."""
    ids = keras.Input(shape=(3,), dtype="int32")
    pooled = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(5, 4)(ids))
    network = keras.Model(ids, keras.layers.Dense(2, activation="softmax")(pooled))
    return TextNetwork(Tokenizer(("", "[UNK]", "good", "bad", "film"), 3, "last"), network)


def test_a_text_network_serves_raw_text_on_the_backend_it_was_trained_on_in_a_process_without_seqcase(
        tmp_path, mlflow_store, keras_seeded):
    """The network is saved with its tokenizer beside it; the pyfunc model reads raw text, and a
    fresh process serves it on the backend its facts name (here the other one than the tests')."""
    model = text_network(keras_seeded)
    model.save(tmp_path / "text.keras")
    texts = np.array(["good film", "a bad bad film", "film"], dtype=object)
    expected = model.predict(texts)
    assert model.tokenizer(texts).tolist() == [[2, 4, 0], [3, 3, 4], [4, 0, 0]]  # the last 3 words
    other = next(name for name in BACKENDS if name != keras_seeded.backend.backend())
    mlflow.set_experiment("serving")
    with mlflow.start_run():
        logged = serving.log_network([tmp_path / "text.keras"], "text", texts, expected,
                                     {"task": "text_classification", "class_names": ["negative", "positive"],
                                      "keras_backend": other})
    # The signature names one string column, so a CSV with a `text` column is a valid input.
    assert logged.signature.inputs.input_names() == ["text"]
    script = ("import sys, json, mlflow, pandas as pd\n"
              "model = mlflow.pyfunc.load_model(sys.argv[1])\n"
              "import keras\n"
              "print(keras.backend.backend())\n"
              "print(json.dumps(model.predict(pd.DataFrame({'text': sys.argv[2:]})).tolist()))\n")
    environment = {name: value for name, value in os.environ.items() if name != "KERAS_BACKEND"}
    result = subprocess.run([sys.executable, "-c", script, logged.model_uri, *texts], capture_output=True, text=True,
                            env={**environment, "MLFLOW_TRACKING_URI": mlflow_store}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    backend, outputs = result.stdout.strip().splitlines()[-2:]
    assert backend == other
    np.testing.assert_allclose(json.loads(outputs), expected, atol=1e-6)
    assert "Add type hints" not in result.stderr


def test_a_window_model_takes_arrays_and_keeps_its_facts(tmp_path, mlflow_store, keras_seeded):
    keras = keras_seeded
    inputs = keras.Input(shape=(5, 2))
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(3)(inputs)))
    model.save(tmp_path / "windows.keras")
    windows = np.random.default_rng(0).normal(size=(4, 5, 2)).astype(np.float32)
    facts = {"task": "forecasting", "feature_mean": [1.5, 0.0], "hyperparameters": {"window_length": 5},
             "keras_backend": keras.backend.backend()}
    mlflow.set_experiment("serving")
    with mlflow.start_run():
        logged = serving.log_network([tmp_path / "windows.keras"], "windows", windows,
                                     model.predict(windows, verbose=0), facts)
    loaded, loaded_facts = serving.load(logged.model_uri)
    assert loaded_facts == facts
    np.testing.assert_allclose(loaded.predict(windows), model.predict(windows, verbose=0), atol=1e-6)


def test_a_seed_ensemble_serves_the_mean_of_its_networks(tmp_path, mlflow_store, keras_seeded):
    keras = keras_seeded
    windows = np.random.default_rng(0).normal(size=(4, 5, 2)).astype(np.float32)
    paths, outputs = [], []
    for seed in range(3):
        keras.utils.set_random_seed(seed)
        inputs = keras.Input(shape=(5, 2))
        model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(3)(inputs)))
        paths.append(tmp_path / f"seed_{seed}.keras")
        model.save(paths[-1])
        outputs.append(model.predict(windows, verbose=0))
    mean = np.mean(outputs, axis=0, dtype=np.float64)
    assert np.ptp(np.stack(outputs), axis=0).max() > 1e-3  # three different networks
    mlflow.set_experiment("serving")
    with mlflow.start_run():
        logged = serving.log_network(paths, "gru_ensemble", windows, mean, {"task": "forecasting", "seeds": [0, 1, 2],
                                                                                  "keras_backend": "jax"})
    loaded, facts = serving.load(logged.model_uri)
    assert facts["seeds"] == [0, 1, 2]
    np.testing.assert_allclose(loaded.predict(windows), mean, atol=1e-6)


def test_network_inputs_reads_a_text_frame_or_a_numeric_array():
    texts = serving.network_inputs(pd.DataFrame({"text": ["a", None]}))
    assert texts.dtype == object and texts.tolist() == ["a", ""]
    assert serving.network_inputs(np.zeros((2, 3), dtype=np.float64)).dtype == np.float32


def test_a_model_requires_tensorflow_only_on_its_backend_or_for_its_tokenizer():
    def names(backend, tokenizer=False):
        return [requirement.partition("==")[0] for requirement in serving.requirements(backend, tokenizer)]

    assert names("jax") == ["keras", "numpy", "pandas", "pydantic", "pyyaml", "scikit-learn", "jax", "jaxlib"]
    assert names("jax", tokenizer=True)[-1] == "tensorflow"
    assert names("tensorflow") == ["keras", "numpy", "pandas", "pydantic", "pyyaml", "scikit-learn", "tensorflow"]
    assert all(requirement.partition("==")[2][0].isdigit() for requirement in serving.requirements("tensorflow"))
