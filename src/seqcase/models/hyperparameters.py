"""The architectures and their hyperparameters, defined once and importable without TensorFlow.

params.yaml is validated against these tables (in stages that never load Keras), the networks
take their defaults from them and keras-tuner registers what they allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Family(StrEnum):
    """How a report groups a model."""

    RECURRENT = "recurrent"
    ATTENTION = "attention"
    CONVOLUTIONAL = "convolutional"
    FEED_FORWARD = "feed-forward"
    BASELINE = "baseline"


@dataclass(frozen=True)
class Architecture:
    name: str
    family: Family
    tasks: frozenset[str] | None = None  # None: every task


RECURRENT_ARCHITECTURES = ("simple_rnn", "lstm", "gru", "bidirectional", "encoder_decoder")
ARCHITECTURE_TABLE = {
    **{name: Architecture(name, Family.RECURRENT) for name in RECURRENT_ARCHITECTURES},
    # An encoder-decoder emits one output per step ahead: a forecast, not a class.
    "encoder_decoder": Architecture("encoder_decoder", Family.RECURRENT, frozenset({"forecasting"})),
    # A small Transformer encoder: self-attention over the window with learned positions (causal
    # for a language model, which must not see the characters it predicts).
    "transformer": Architecture("transformer", Family.ATTENTION),
    "conv1d": Architecture("conv1d", Family.CONVOLUTIONAL),
    "dense": Architecture("dense", Family.FEED_FORWARD),
}
ARCHITECTURES = tuple(ARCHITECTURE_TABLE)
# The networks whose head reads one summary of a window, beside which the last step can go.
SKIP_ARCHITECTURES = ("simple_rnn", "lstm", "gru", "bidirectional", "transformer", "conv1d")
EVERY_ARCHITECTURE = frozenset(ARCHITECTURES)


@dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter: its default (None: no default), the words it takes (the first is the
    default), the architectures whose builders read it, and the tasks that add it (None: every
    task) and that must give it."""

    name: str
    default: object = None
    choices: tuple[str | bool, ...] | None = None
    architectures: frozenset[str] = EVERY_ARCHITECTURE
    tasks: frozenset[str] | None = None
    required: bool = False
    bounds: Bounds | None = None  # what a number may be (None: a word, from `choices`)


@dataclass(frozen=True)
class Bounds:
    """The values a numeric hyperparameter may take: a whole count from `low`, or a number in an
    interval (`high_open`: the upper end itself excluded, as a dropout of 1 drops everything)."""

    low: float
    high: float | None = None
    whole: bool = False
    low_open: bool = False
    high_open: bool = False

    def refuses(self, value) -> str | None:
        """What is wrong with `value`, or None."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{value!r} is not a number"
        if self.whole and not (isinstance(value, int) or float(value).is_integer()):
            return f"{value!r} is not a whole number"
        below = value <= self.low if self.low_open else value < self.low
        above = self.high is not None and (value >= self.high if self.high_open else value > self.high)
        if below or above:
            return f"{value!r} is out of range; allowed: {self.describe()}"
        return None

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        low = f"above {self.low:g}" if self.low_open else f"from {self.low:g}"
        if self.high is None:
            return f"{kind} {low}"
        return f"{kind} {low} {'to below' if self.high_open else 'to'} {self.high:g}"


COUNT = Bounds(1, whole=True)


def _set(*names: str) -> frozenset[str]:
    return frozenset(names)


TABLE = {parameter.name: parameter for parameter in (
    Hyperparameter("learning_rate", required=True, bounds=Bounds(0, 1, low_open=True)),
    Hyperparameter("layers", 1, bounds=Bounds(1, 8, whole=True)),
    Hyperparameter("dropout", 0.0, bounds=Bounds(0, 1, high_open=True)),
    # Adam's gradient clipping (by the gradient's norm, or each value), off unless given.
    Hyperparameter("clipnorm", bounds=Bounds(0, low_open=True)),
    Hyperparameter("clipvalue", bounds=Bounds(0, low_open=True)),
    # A Transformer's width (its feed-forward layers are twice as wide).
    Hyperparameter("units", 32, architectures=_set(*RECURRENT_ARCHITECTURES, "dense", "transformer"), bounds=COUNT),
    # What the head reads out of the sequence: the last step's state, or the mean or maximum of
    # every step's (padding left out).
    Hyperparameter("pooling", "last", ("last", "mean", "max"),
                   architectures=_set("simple_rnn", "lstm", "gru", "bidirectional", "transformer")),
    # The head also reads the window's last step as it is (a skip connection past the sequence
    # layers): an event's own features, or the latest reading, reach it directly.
    Hyperparameter("skip_last_step", False, (False, True), architectures=_set(*SKIP_ARCHITECTURES),
                   tasks=_set("forecasting", "event_classification")),
    # Attention heads of a Transformer block; each reads units / heads dimensions (rounded down).
    Hyperparameter("heads", 2, architectures=_set("transformer"), bounds=Bounds(1, 64, whole=True)),
    Hyperparameter("filters", 32, architectures=_set("conv1d"), bounds=COUNT),
    Hyperparameter("kernel_size", 3, architectures=_set("conv1d"), bounds=COUNT),
    # The window of history a forecast, an event or a language model sees.
    Hyperparameter("window_length", tasks=_set("forecasting", "event_classification", "text_generation"), required=True,
                   bounds=COUNT),
    # A text's vocabulary, length and embedding width; which words of a longer text are kept.
    # At least one word beside the two Keras reserves (padding and unknown).
    Hyperparameter("vocabulary_size", tasks=_set("text_classification"), required=True, bounds=Bounds(3, whole=True)),
    Hyperparameter("sequence_length", tasks=_set("text_classification"), required=True, bounds=COUNT),
    Hyperparameter("embedding_dim", tasks=_set("text_classification", "text_generation"), required=True,
                   bounds=COUNT),
    Hyperparameter("kept_words", "first", ("first", "last"), tasks=_set("text_classification")),
    # How far apart a language model's training windows start (a quarter window by default).
    Hyperparameter("window_stride", tasks=_set("text_generation"), bounds=COUNT),
)}
CHOICES = {name: parameter.choices for name, parameter in TABLE.items() if parameter.choices}
DEFAULTS = {name: parameter.default for name, parameter in TABLE.items() if parameter.default is not None}


def hyperparameter_names(architecture: str, task: str | None = None) -> set[str]:
    """What an architecture's builder takes, plus what the task adds (a forecast's window length).

    Without a task, every task's additions count: the union a default search space may hold.
    """
    return {name for name, parameter in TABLE.items() if architecture in parameter.architectures
            and (task is None or parameter.tasks is None or task in parameter.tasks)}


def required_hyperparameters(task: str) -> set[str]:
    """What a case of `task` must give each variant, beyond the learning rate every network needs."""
    return {name for name, parameter in TABLE.items()
            if parameter.required and parameter.tasks is not None and task in parameter.tasks}


def family(architecture: str) -> Family:
    """How the report groups a model: recurrent, attention, convolutional or feed-forward."""
    return ARCHITECTURE_TABLE[architecture].family
