"""Names of the architectures and their hyperparameters, importable without TensorFlow.

params.yaml is validated against this catalogue in stages that never load Keras (fetch, prepare,
report), so it must not import keras.
"""

from __future__ import annotations

RECURRENT_ARCHITECTURES = ("simple_rnn", "lstm", "gru", "bidirectional", "encoder_decoder")
ARCHITECTURES = RECURRENT_ARCHITECTURES + ("conv1d", "dense")
# An encoder-decoder emits one output per step ahead: a forecast, not a class.
FORECASTING_ONLY = ("encoder_decoder",)
TASK_HYPERPARAMETERS = {"forecasting": {"window_length"}, "classification": set()}

_COMMON = {"learning_rate", "layers", "dropout"}
_HYPERPARAMETERS = {
    **{name: _COMMON | {"units"} for name in RECURRENT_ARCHITECTURES},
    "conv1d": _COMMON | {"filters", "kernel_size"},
    "dense": _COMMON | {"units"},
}


def hyperparameter_names(architecture: str, task: str | None = None) -> set[str]:
    """What an architecture's builder takes, plus what the task adds (a forecast's window length).

    Without a task, every task's additions count: the union a default search space may hold.
    """
    extra = TASK_HYPERPARAMETERS[task] if task else set().union(*TASK_HYPERPARAMETERS.values())
    return set(_HYPERPARAMETERS[architecture]) | extra


def family(architecture: str) -> str:
    """How the report groups a model: recurrent, convolutional or feed-forward."""
    if architecture in RECURRENT_ARCHITECTURES:
        return "recurrent"
    return {"conv1d": "convolutional", "dense": "feed-forward"}[architecture]
