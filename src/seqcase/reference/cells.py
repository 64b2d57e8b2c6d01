"""SimpleRNN, LSTM and GRU cells in NumPy: one time step forward, and its gradients backward.

The weights have Keras' names, shapes and gate order, so a Keras layer's `get_weights()` plugs in
as it is:

- SimpleRNN: `kernel` (D, U), `recurrent_kernel` (U, U), `bias` (U,);
  h = tanh(x W + h_prev U + b).
- LSTM: `kernel` (D, 4U), `recurrent_kernel` (U, 4U), `bias` (4U,), gates in the order
  input, forget, cell candidate, output; c = f * c_prev + i * g, h = o * tanh(c).
- GRU: `kernel` (D, 3U), `recurrent_kernel` (U, 3U), gates in the order update z, reset r,
  candidate n; h = z * h_prev + (1 - z) * n. With `reset_after` (Keras' default) the bias is
  (2, 3U), an input row and a recurrent row, and r multiplies (h_prev U_n + b_rec_n);
  without it the bias is (3U,) and r multiplies h_prev before U_n.

A state is a tuple: (h,) or, for the LSTM, (h, c). `step` returns the new state and what
`backward` needs; `backward` takes the gradient of the loss with respect to the new state and
returns those with respect to the input, the previous state and each weight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Params = dict[str, np.ndarray]
State = tuple[np.ndarray, ...]


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * values))  # no overflow warning for large negative inputs


@dataclass(frozen=True)
class Cell:
    """One recurrent cell: its weight shapes, its state size and its step forward and backward."""

    name: str
    gates: int
    state_count: int
    step: Callable[[Params, np.ndarray, State], tuple[State, tuple]]
    backward: Callable[[Params, State, tuple], tuple[np.ndarray, State, Params]]
    reset_after: bool = True

    def initial_state(self, batch_size: int, units: int, dtype=np.float64) -> State:
        return tuple(np.zeros((batch_size, units), dtype=dtype) for _ in range(self.state_count))

    def init_params(self, input_size: int, units: int, rng: np.random.Generator, dtype=np.float64) -> Params:
        """Glorot-uniform kernels, orthogonal recurrent kernels, zero biases (Keras' defaults),
        and for the LSTM a forget-gate bias of 1 (Keras' `unit_forget_bias`)."""
        width = self.gates * units
        limit = np.sqrt(6.0 / (input_size + width))
        kernel = rng.uniform(-limit, limit, size=(input_size, width))
        blocks = [np.linalg.qr(rng.normal(size=(units, units)))[0] for _ in range(self.gates)]
        recurrent_kernel = np.concatenate(blocks, axis=1)
        bias = np.zeros((2, width) if self.name == "gru" and self.reset_after else width)
        if self.name == "lstm":
            bias[units:2 * units] = 1.0
        return {"kernel": kernel.astype(dtype), "recurrent_kernel": recurrent_kernel.astype(dtype),
                "bias": bias.astype(dtype)}


def _simple_rnn_step(params: Params, inputs: np.ndarray, state: State) -> tuple[State, tuple]:
    (previous,) = state
    hidden = np.tanh(inputs @ params["kernel"] + previous @ params["recurrent_kernel"] + params["bias"])
    return (hidden,), (inputs, previous, hidden)


def _simple_rnn_backward(params: Params, state_gradient: State, cache: tuple) -> tuple[np.ndarray, State, Params]:
    inputs, previous, hidden = cache
    pre_activation = state_gradient[0] * (1.0 - hidden**2)
    gradients = {"kernel": inputs.T @ pre_activation, "recurrent_kernel": previous.T @ pre_activation,
                 "bias": pre_activation.sum(axis=0)}
    return pre_activation @ params["kernel"].T, (pre_activation @ params["recurrent_kernel"].T,), gradients


def _lstm_step(params: Params, inputs: np.ndarray, state: State) -> tuple[State, tuple]:
    previous_hidden, previous_cell = state
    pre_activation = inputs @ params["kernel"] + previous_hidden @ params["recurrent_kernel"] + params["bias"]
    input_pre, forget_pre, candidate_pre, output_pre = np.split(pre_activation, 4, axis=1)
    input_gate, forget_gate, output_gate = sigmoid(input_pre), sigmoid(forget_pre), sigmoid(output_pre)
    candidate = np.tanh(candidate_pre)
    cell = forget_gate * previous_cell + input_gate * candidate
    cell_activation = np.tanh(cell)
    hidden = output_gate * cell_activation
    cache = (inputs, previous_hidden, previous_cell, input_gate, forget_gate, candidate, output_gate, cell_activation)
    return (hidden, cell), cache


def _lstm_backward(params: Params, state_gradient: State, cache: tuple) -> tuple[np.ndarray, State, Params]:
    inputs, previous_hidden, previous_cell, input_gate, forget_gate, candidate, output_gate, cell_activation = cache
    hidden_gradient, cell_gradient = state_gradient
    # The cell state gets the gradient through h = o * tanh(c) and, from the next step, directly.
    cell_gradient = cell_gradient + hidden_gradient * output_gate * (1.0 - cell_activation**2)
    pre_activation = np.concatenate([
        cell_gradient * candidate * input_gate * (1.0 - input_gate),
        cell_gradient * previous_cell * forget_gate * (1.0 - forget_gate),
        cell_gradient * input_gate * (1.0 - candidate**2),
        hidden_gradient * cell_activation * output_gate * (1.0 - output_gate),
    ], axis=1)
    gradients = {"kernel": inputs.T @ pre_activation, "recurrent_kernel": previous_hidden.T @ pre_activation,
                 "bias": pre_activation.sum(axis=0)}
    previous = (pre_activation @ params["recurrent_kernel"].T, cell_gradient * forget_gate)
    return pre_activation @ params["kernel"].T, previous, gradients


def _gru_parts(params: Params, reset_after: bool) -> tuple[np.ndarray, np.ndarray]:
    """The input bias and the recurrent bias (zero without `reset_after`, where there is one bias)."""
    if reset_after:
        return params["bias"][0], params["bias"][1]
    return params["bias"], np.zeros_like(params["bias"])


def _gru_step(reset_after: bool):
    def step(params: Params, inputs: np.ndarray, state: State) -> tuple[State, tuple]:
        (previous,) = state
        input_bias, recurrent_bias = _gru_parts(params, reset_after)
        units = previous.shape[1]
        from_input = inputs @ params["kernel"] + input_bias
        recurrent_kernel = params["recurrent_kernel"]
        gates_from_state = previous @ recurrent_kernel[:, :2 * units] + recurrent_bias[:2 * units]
        update = sigmoid(from_input[:, :units] + gates_from_state[:, :units])
        reset = sigmoid(from_input[:, units:2 * units] + gates_from_state[:, units:])
        if reset_after:
            state_term = previous @ recurrent_kernel[:, 2 * units:] + recurrent_bias[2 * units:]
            candidate = np.tanh(from_input[:, 2 * units:] + reset * state_term)
        else:
            state_term = reset * previous
            candidate = np.tanh(from_input[:, 2 * units:] + state_term @ recurrent_kernel[:, 2 * units:])
        hidden = update * previous + (1.0 - update) * candidate
        return (hidden,), (inputs, previous, update, reset, candidate, state_term)

    return step


def _gru_backward(reset_after: bool):
    def backward(params: Params, state_gradient: State, cache: tuple) -> tuple[np.ndarray, State, Params]:
        inputs, previous, update, reset, candidate, state_term = cache
        (hidden_gradient,) = state_gradient
        units = previous.shape[1]
        recurrent_kernel = params["recurrent_kernel"]
        update_pre = hidden_gradient * (previous - candidate) * update * (1.0 - update)
        candidate_pre = hidden_gradient * (1.0 - update) * (1.0 - candidate**2)
        previous_gradient = hidden_gradient * update
        if reset_after:
            reset_pre = candidate_pre * state_term * reset * (1.0 - reset)
            state_pre = np.concatenate([update_pre, reset_pre, candidate_pre * reset], axis=1)
            recurrent_gradient = previous.T @ state_pre
            previous_gradient = previous_gradient + state_pre @ recurrent_kernel.T
        else:
            reset_state_gradient = candidate_pre @ recurrent_kernel[:, 2 * units:].T
            reset_pre = reset_state_gradient * previous * reset * (1.0 - reset)
            gates_pre = np.concatenate([update_pre, reset_pre], axis=1)
            recurrent_gradient = np.concatenate([previous.T @ gates_pre, state_term.T @ candidate_pre], axis=1)
            previous_gradient = (previous_gradient + reset_state_gradient * reset
                                 + gates_pre @ recurrent_kernel[:, :2 * units].T)
            state_pre = None
        input_pre = np.concatenate([update_pre, reset_pre, candidate_pre], axis=1)
        bias = (np.stack([input_pre.sum(axis=0), state_pre.sum(axis=0)]) if reset_after
                else input_pre.sum(axis=0))
        gradients = {"kernel": inputs.T @ input_pre, "recurrent_kernel": recurrent_gradient, "bias": bias}
        return input_pre @ params["kernel"].T, (previous_gradient,), gradients

    return backward


SIMPLE_RNN = Cell("simple_rnn", 1, 1, _simple_rnn_step, _simple_rnn_backward)
LSTM = Cell("lstm", 4, 2, _lstm_step, _lstm_backward)
GRU = Cell("gru", 3, 1, _gru_step(True), _gru_backward(True), reset_after=True)
GRU_RESET_BEFORE = Cell("gru", 3, 1, _gru_step(False), _gru_backward(False), reset_after=False)
CELLS = {"simple_rnn": SIMPLE_RNN, "lstm": LSTM, "gru": GRU}


def cell_named(name: str, reset_after: bool = True) -> Cell:
    if name not in CELLS:
        raise ValueError(f"unknown cell {name!r}; allowed: {', '.join(CELLS)}")
    return GRU_RESET_BEFORE if name == "gru" and not reset_after else CELLS[name]
