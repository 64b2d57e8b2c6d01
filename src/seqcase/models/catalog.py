"""Names of the architectures and their hyperparameters, importable without TensorFlow.

params.yaml is validated against this catalogue in stages that never load Keras (fetch, prepare,
report), so it must not import keras.
"""

from __future__ import annotations

RECURRENT_ARCHITECTURES = ("simple_rnn", "lstm", "gru", "bidirectional", "encoder_decoder")
ARCHITECTURES = RECURRENT_ARCHITECTURES + ("conv1d", "dense")
# An encoder-decoder emits one output per step ahead: a forecast, not a class.
FORECASTING_ONLY = ("encoder_decoder",)
# What a task adds to an architecture's hyperparameters: the window of history a forecast or an
# event sees; a text's vocabulary, length and embedding width.
TASK_HYPERPARAMETERS = {
    "forecasting": {"window_length"},
    "classification": set(),
    "event_classification": {"window_length"},
    "text_classification": {"vocabulary_size", "sequence_length", "embedding_dim"},
    # A language model's vocabulary is the corpus' characters; it reads windows of window_length.
    "text_generation": {"window_length", "embedding_dim"},
}
# What a task may add but need not: which words of a longer text are kept (first by default); how
# far apart a language model's training windows start (a quarter window by default).
TASK_OPTIONAL_HYPERPARAMETERS = {"text_classification": {"kept_words"}, "text_generation": {"window_stride"}}

# clipnorm / clipvalue: Adam's gradient clipping (by the gradient's norm, or each value), off unless given.
_COMMON = {"learning_rate", "layers", "dropout", "clipnorm", "clipvalue"}
_HYPERPARAMETERS = {
    **{name: _COMMON | {"units", "pooling"} for name in RECURRENT_ARCHITECTURES if name != "encoder_decoder"},
    "encoder_decoder": _COMMON | {"units"},
    "conv1d": _COMMON | {"filters", "kernel_size"},
    "dense": _COMMON | {"units"},
}


def hyperparameter_names(architecture: str, task: str | None = None) -> set[str]:
    """What an architecture's builder takes, plus what the task adds (a forecast's window length).

    Without a task, every task's additions count: the union a default search space may hold.
    """
    tasks = [task] if task else list(TASK_HYPERPARAMETERS)
    extra = set().union(*(TASK_HYPERPARAMETERS[name] | TASK_OPTIONAL_HYPERPARAMETERS.get(name, set()) for name in tasks))
    return set(_HYPERPARAMETERS[architecture]) | extra


def family(architecture: str) -> str:
    """How the report groups a model: recurrent, convolutional or feed-forward."""
    if architecture in RECURRENT_ARCHITECTURES:
        return "recurrent"
    return {"conv1d": "convolutional", "dense": "feed-forward"}[architecture]
