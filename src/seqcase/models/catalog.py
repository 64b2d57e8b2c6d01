"""Names of the architectures and their hyperparameters, importable without TensorFlow.

params.yaml is validated against this catalogue in stages that never load Keras (fetch, prepare,
report), so it must not import keras.
"""

from __future__ import annotations

RECURRENT_ARCHITECTURES = ("simple_rnn", "lstm", "gru", "bidirectional")
ARCHITECTURES = RECURRENT_ARCHITECTURES + ("conv1d", "dense")

_COMMON = {"window_length", "learning_rate", "layers", "dropout"}
_HYPERPARAMETERS = {
    **{name: _COMMON | {"units"} for name in RECURRENT_ARCHITECTURES},
    "conv1d": _COMMON | {"filters", "kernel_size"},
    "dense": _COMMON | {"units"},
}


def hyperparameter_names(architecture: str) -> set[str]:
    """The hyperparameters an architecture's builder takes; others in its search space are errors."""
    return set(_HYPERPARAMETERS[architecture])


def family(architecture: str) -> str:
    """How the report groups a model: recurrent, convolutional or feed-forward."""
    if architecture in RECURRENT_ARCHITECTURES:
        return "recurrent"
    return {"conv1d": "convolutional", "dense": "feed-forward"}[architecture]
