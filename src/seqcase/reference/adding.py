"""The adding problem (Hochreiter & Schmidhuber, 1997), learnt by the NumPy reference cells.

Each input step holds a random value in [0, 1) and a marker; exactly two steps are marked, one in
each half of the sequence, and the target is the sum of their two values. Guessing the mean
(1.0) scores a mean squared error of 1/6; beating that needs the first marked value carried across
half the sequence, which is where the gradient of a plain RNN vanishes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from seqcase.reference import layers
from seqcase.reference.cells import Cell, Params

GUESS_THE_MEAN_MSE = 1.0 / 6.0  # the variance of the sum of two uniform values


def adding_examples(rng: np.random.Generator, count: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (count, length, 2): value and marker channels; targets (count,)."""
    if length < 2:
        raise ValueError(f"an adding sequence needs at least 2 steps, got length {length}")
    values = rng.random((count, length))
    half = length // 2
    first = rng.integers(0, half, size=count)
    second = rng.integers(half, length, size=count)
    markers = np.zeros((count, length))
    rows = np.arange(count)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=-1), targets


@dataclass
class Adam:
    """Adam with optional clipping of the global gradient norm, over a dict of arrays."""

    learning_rate: float = 0.01
    clipnorm: float | None = 1.0
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    steps: int = 0
    moments: dict = field(default_factory=dict)

    def update(self, params: Params, gradients: Params) -> float:
        """Apply one step in place; returns the gradient norm before clipping."""
        norm = float(np.sqrt(sum(np.sum(gradient**2) for gradient in gradients.values())))
        scale = self.clipnorm / norm if self.clipnorm and norm > self.clipnorm else 1.0
        self.steps += 1
        correction = np.sqrt(1 - self.beta_2**self.steps) / (1 - self.beta_1**self.steps)
        for name, gradient in gradients.items():
            gradient = gradient * scale
            first, second = self.moments.get(name, (np.zeros_like(gradient), np.zeros_like(gradient)))
            first = self.beta_1 * first + (1 - self.beta_1) * gradient
            second = self.beta_2 * second + (1 - self.beta_2) * gradient**2
            self.moments[name] = (first, second)
            params[name] -= self.learning_rate * correction * first / (np.sqrt(second) + self.epsilon)
        return norm


def init_regressor(cell: Cell, units: int, rng: np.random.Generator) -> Params:
    """The recurrent layer's weights and a linear head reading its last state."""
    params = cell.init_params(2, units, rng)
    params["head_kernel"] = rng.normal(scale=1.0 / np.sqrt(units), size=(units,))
    params["head_bias"] = np.array(1.0)  # start at the mean guess
    return params


def _recurrent_part(params: Params) -> Params:
    return {name: params[name] for name in ("kernel", "recurrent_kernel", "bias")}


def predict(cell: Cell, params: Params, inputs: np.ndarray) -> np.ndarray:
    last = layers.forward(cell, _recurrent_part(params), inputs).hidden_states[:, -1]
    return last @ params["head_kernel"] + params["head_bias"]


def loss_and_gradients(cell: Cell, params: Params, inputs: np.ndarray,
                       targets: np.ndarray) -> tuple[float, Params, np.ndarray]:
    """Mean squared error, its gradients, and d loss / d input at each step (batch, time, 2)."""
    recurrent = _recurrent_part(params)
    unrolled = layers.forward(cell, recurrent, inputs)
    last = unrolled.hidden_states[:, -1]
    errors = last @ params["head_kernel"] + params["head_bias"] - targets
    output_gradient = 2.0 * errors / len(targets)
    input_gradient, gradients, _ = layers.backward(cell, recurrent, unrolled,
                                                   np.outer(output_gradient, params["head_kernel"]))
    gradients["head_kernel"] = last.T @ output_gradient
    gradients["head_bias"] = np.array(output_gradient.sum())
    return float(np.mean(errors**2)), gradients, input_gradient


def gradient_by_distance(input_gradient: np.ndarray) -> np.ndarray:
    """Mean norm of d loss / d x_t, indexed by how many steps before the end t lies (0 = last):
    the vanishing-gradient curve."""
    return np.linalg.norm(input_gradient, axis=-1).mean(axis=0)[::-1]


@dataclass(frozen=True)
class AddingRun:
    cell: str
    length: int
    test_mse: float
    learning_curve: list[float]  # mean training loss per evaluation interval
    gradient_at_start: list[float]
    gradient_at_end: list[float]
    seconds: float

    @property
    def solved(self) -> bool:
        """Explains at least 90 % of the variance the mean guess leaves."""
        return self.test_mse < 0.1 * GUESS_THE_MEAN_MSE


def train_adding(cell: Cell, length: int, units: int, iterations: int, batch_size: int,
                 learning_rate: float, clipnorm: float | None, seed: int, test_size: int = 1000,
                 curve_points: int = 20) -> AddingRun:
    """Fresh batches every iteration (the task is infinite), one fixed test set per length."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    test_inputs, test_targets = adding_examples(np.random.default_rng([seed, length]), test_size, length)
    params = init_regressor(cell, units, rng)
    optimizer = Adam(learning_rate, clipnorm)
    probe_inputs, probe_targets = test_inputs[:256], test_targets[:256]
    gradient_at_start = gradient_by_distance(loss_and_gradients(cell, params, probe_inputs, probe_targets)[2])
    interval = max(1, iterations // curve_points)
    losses, curve = [], []
    for iteration in range(iterations):
        inputs, targets = adding_examples(rng, batch_size, length)
        loss, gradients, _ = loss_and_gradients(cell, params, inputs, targets)
        optimizer.update(params, gradients)
        losses.append(loss)
        if (iteration + 1) % interval == 0:
            curve.append(float(np.mean(losses)))
            losses = []
    gradient_at_end = gradient_by_distance(loss_and_gradients(cell, params, probe_inputs, probe_targets)[2])
    test_mse = float(np.mean((predict(cell, params, test_inputs) - test_targets) ** 2))
    return AddingRun(cell.name, length, test_mse, curve, gradient_at_start.tolist(), gradient_at_end.tolist(),
                     time.perf_counter() - started)
