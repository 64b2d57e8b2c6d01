"""The backend a run trains on: read from params.yaml before Keras loads, refused in one line when
unknown, and the gradient diagnostics' differentiation on the active backend."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from seqcase import backends
from seqcase.params import parse_params
from seqcase.errors import ParamsError


def in_a_fresh_process(script: str) -> list[str]:
    """What `script` prints, split in words, run by a Python process that chooses its own backend."""
    environment = {name: value for name, value in os.environ.items() if name != "KERAS_BACKEND"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()


def test_the_backend_is_read_from_params_yaml_and_defaults_to_jax(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\nkeras_backend: tensorflow\n")
    assert backends.backend_in(path) == "tensorflow"
    path.write_text("seed: 1\n")
    assert backends.backend_in(path) == backends.DEFAULT_BACKEND == "jax"


def test_an_unknown_backend_is_one_line_naming_the_key_and_what_is_allowed(tmp_path, raw_params):
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({**raw_params, "keras_backend": "torch"}))
    with pytest.raises(ParamsError) as refused:
        backends.backend_in(path)
    assert str(refused.value) == f"{path}: keras_backend = 'torch': not a backend seqcase runs on; allowed: jax, tensorflow"
    with pytest.raises(ParamsError, match=r"keras_backend = 'torch': Input should be 'jax' or 'tensorflow'"):
        parse_params({**raw_params, "keras_backend": "torch"})
    assert parse_params({**raw_params, "keras_backend": "tensorflow"}).keras_backend == "tensorflow"


def test_a_process_keeps_the_backend_keras_loaded_with(keras_seeded):
    loaded = keras_seeded.backend.backend()
    backends.activate(loaded)  # the same: nothing to do
    other = next(name for name in backends.BACKENDS if name != loaded)
    with pytest.raises(RuntimeError, match=f"already loaded on '{loaded}'"):
        backends.activate(other)


def test_start_process_pins_jax_to_one_core_and_keeps_the_machine_s_cores_for_its_workers():
    """In a process of its own: the pin must come before JAX's first computation."""
    script = ("from seqcase import backends\n"
              "before = backends.usable_cores()\n"
              "backends.start_process('jax')\n"
              "import keras\n"
              "print(keras.backend.backend(), len(backends.usable_cores()), backends.machine_cores() == before)\n")
    assert in_a_fresh_process(script) == ["jax", "1", "True"]


def test_a_jax_process_seeds_builds_fits_and_saves_a_network_without_loading_tensorflow(tmp_path):
    """Keras probes for TensorFlow when it seeds and serializes (2.5 s and banners per process): on
    JAX the probe says no until TensorFlow is loaded, and yes once it is (a text vectorizer needs it)."""
    script = ("import sys\n"
              "from seqcase import backends\n"
              "backends.start_process('jax')\n"
              "import keras, numpy as np\n"
              "from keras.src.utils.module_utils import tensorflow\n"
              "keras.utils.set_random_seed(7)\n"
              "model = keras.Sequential([keras.Input((5, 2)), keras.layers.Bidirectional(keras.layers.LSTM(3)),\n"
              "                          keras.layers.Dense(1)])\n"
              "model.compile(loss='mse')\n"
              "model.fit(np.ones((8, 5, 2)), np.ones((8, 1)), verbose=0)\n"
              f"model.save({str(tmp_path / 'model.keras')!r})\n"
              "print('tensorflow' in sys.modules, tensorflow.available)\n"
              "import tensorflow as tf\n"
              "print(tensorflow.available, keras.layers.TextVectorization(max_tokens=5) is not None)\n")
    assert in_a_fresh_process(script) == ["False", "False", "True", "True"]
