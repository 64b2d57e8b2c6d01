"""Trained networks as MLflow pyfunc models, so `mlflow models predict` and `mlflow.pyfunc` serve them.

MLflow's Keras flavour loads a model without importing seqcase, and a text model holds seqcase's
own `KeepLastTokens` layer, which Keras cannot rebuild then. A pyfunc model ships the package as
code and imports it before loading. The model carries the prepare stage's facts (scaling, class
names, the window length) beside the network, so `python -m seqcase predict` turns raw rows into
the inputs the network was trained on from the registered version alone.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import infer_signature

import seqcase

TEXT_COLUMN = "text"  # the column a text model's pyfunc input names (a CSV for `mlflow models predict`)
PACKAGES = ("keras", "numpy", "pandas", "pydantic", "pyyaml", "scikit-learn")
BACKEND_PACKAGES = {"jax": ("jax", "jaxlib"), "tensorflow": ("tensorflow",)}
TOKENIZER_PACKAGES = ("tensorflow",)  # Keras' text tokenizer runs on TensorFlow, whatever the backend


class SeqcaseNetwork(mlflow.pyfunc.PythonModel):
    """A saved Keras network, or a seed ensemble of several (their outputs averaged): texts (a frame
    with a `text` column) or arrays in, its outputs out."""

    def load_context(self, context) -> None:
        self.facts = json.loads(Path(context.artifacts["facts"]).read_text())
        # A fresh process serves on the backend the network was trained on, unless KERAS_BACKEND
        # says otherwise; a process that already runs Keras serves on its own (a saved network
        # loads on any backend).
        if "keras" not in sys.modules:
            os.environ.setdefault("KERAS_BACKEND", self.facts.get("keras_backend", "tensorflow"))
        import keras

        import seqcase.models.networks  # noqa: F401  registers the custom layers the network holds
        from seqcase.models.ensemble import SeedEnsemble
        from seqcase.models.text import TextNetwork, Tokenizer

        paths = sorted((name for name in context.artifacts if name.startswith("network")), key=network_position)
        networks = [keras.saving.load_model(context.artifacts[name]) for name in paths]
        if "tokenizer" in context.artifacts:  # a text network: its tokenizer is kept beside it
            tokenizer = Tokenizer.load(context.artifacts["tokenizer"])
            networks = [TextNetwork(tokenizer, network) for network in networks]
        self.network = networks[0] if len(networks) == 1 else SeedEnsemble(networks)

    # A text frame, or windows as an array (which MLflow passes as they are). MLflow validates inputs
    # against the signature logged with the model; a DataFrame hint asks it for nothing more, where no
    # hint makes it warn at every model logged.
    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> np.ndarray:
        return np.asarray(self.network.predict(network_inputs(model_input), batch_size=1024, verbose=0))


def network_position(artifact: str) -> int:
    """`network` (one network) or `network_<k>` (a seed ensemble's k-th): the order they were logged in."""
    return int(artifact.rpartition("_")[2]) if "_" in artifact else 0


def network_inputs(model_input) -> np.ndarray:
    """A text frame becomes a 1-D array of strings; anything else a float32 array of windows."""
    if isinstance(model_input, pd.DataFrame):
        if TEXT_COLUMN in model_input.columns:
            return model_input[TEXT_COLUMN].fillna("").astype(str).to_numpy(dtype=object)
        model_input = model_input.to_numpy()
    array = np.asarray(model_input)
    return array if array.dtype == object else array.astype(np.float32)


def signature_example(sample: np.ndarray) -> pd.DataFrame | np.ndarray:
    """What the signature is inferred from: texts as a one-column frame (a CSV works), else the array."""
    return pd.DataFrame({TEXT_COLUMN: sample}) if sample.dtype == object else sample


def installed_version(package: str) -> str:
    """The version of `package`, or of its CPU-only build (tensorflow-cpu serves as tensorflow)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return metadata.version(f"{package}-cpu")


def requirements(backend: str, tokenizer: bool = False) -> list[str]:
    """Pinned here so MLflow does not spend seconds inferring them for every model. TensorFlow only
    where the model needs it (MLflow imports each package it is given to check its version: on JAX
    that would load TensorFlow, 2.5 s, into every stage that logs a model)."""
    packages = dict.fromkeys((*PACKAGES, *BACKEND_PACKAGES[backend], *(TOKENIZER_PACKAGES if tokenizer else ())))
    return [f"{package}=={installed_version(package)}" for package in packages]


def log_network(model_paths: list[Path], name: str, sample: np.ndarray, outputs: np.ndarray, facts: dict):
    """Log the saved network (its `.keras` file, and a text network's tokenizer beside it), or the
    seed ensemble of several, under the active run as a pyfunc model. `facts` name the backend."""
    from seqcase.models.text import tokenizer_path

    networks = ({"network": str(model_paths[0])} if len(model_paths) == 1 else
                {f"network_{position}": str(path) for position, path in enumerate(model_paths)})
    if tokenizer_path(model_paths[0]).is_file():  # the seeds of a variant share their tokenizer
        networks["tokenizer"] = str(tokenizer_path(model_paths[0]))
    with tempfile.TemporaryDirectory() as directory:
        facts_path = Path(directory) / "facts.json"
        facts_path.write_text(json.dumps(facts, indent=2))
        return mlflow.pyfunc.log_model(
            name=name, python_model=SeqcaseNetwork(),
            artifacts={**networks, "facts": str(facts_path)},
            code_paths=[str(Path(seqcase.__file__).parent)],
            signature=infer_signature(signature_example(sample), outputs),
            pip_requirements=requirements(facts["keras_backend"], "tokenizer" in networks),
        )


def load(model_uri: str) -> tuple[mlflow.pyfunc.PyFuncModel, dict]:
    """The pyfunc model and the facts it was logged with."""
    model = mlflow.pyfunc.load_model(model_uri)
    return model, model.unwrap_python_model().facts
