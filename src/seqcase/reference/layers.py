"""Recurrent layers over whole sequences, and backpropagation through time written out.

`forward` unrolls a cell over the time steps; `backward` walks the steps in reverse, adding the
gradient that arrives at each step's output to the one flowing back from the step after it, and
summing every step's weight gradients (the weights are shared across time). Many-to-one is the
same layer with a gradient only at the last step; many-to-many has one at every step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqcase.reference.cells import Cell, Params, State


@dataclass(frozen=True)
class Unrolled:
    """A forward pass: every step's hidden state (batch, time, units), the final state, and the
    caches backpropagation needs."""

    hidden_states: np.ndarray
    final_state: State
    caches: list[tuple]
    go_backwards: bool


def forward(cell: Cell, params: Params, inputs: np.ndarray, initial_state: State | None = None,
            go_backwards: bool = False) -> Unrolled:
    """Run the cell over inputs of shape (batch, time, features).

    `go_backwards` reads the sequence from its last step to its first (the backward half of a
    bidirectional layer); the hidden states are then in reading order, like Keras' layer returns them.
    """
    batch_size, steps, _ = inputs.shape
    units = params["recurrent_kernel"].shape[0]
    state = initial_state if initial_state is not None else cell.initial_state(batch_size, units, inputs.dtype)
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    hidden_states, caches = [], []
    for step in order:
        state, cache = cell.step(params, inputs[:, step], state)
        hidden_states.append(state[0])
        caches.append(cache)
    return Unrolled(np.stack(hidden_states, axis=1), state, caches, go_backwards)


def backward(cell: Cell, params: Params, unrolled: Unrolled, output_gradient: np.ndarray,
             final_state_gradient: State | None = None) -> tuple[np.ndarray, Params, State]:
    """Backpropagation through time.

    `output_gradient` is d loss / d hidden state: (batch, time, units) for many-to-many, or
    (batch, units) for many-to-one (the last state read). Returns d loss / d inputs in the
    inputs' time order, the weight gradients summed over the steps, and d loss / d initial state.
    """
    batch_size, steps, units = unrolled.hidden_states.shape
    per_step = np.zeros_like(unrolled.hidden_states)
    if output_gradient.ndim == 2:
        per_step[:, -1] = output_gradient
    else:
        per_step[:] = output_gradient
    state_gradient = final_state_gradient or tuple(
        np.zeros((batch_size, units), dtype=per_step.dtype) for _ in range(cell.state_count))
    gradients = {name: np.zeros_like(value) for name, value in params.items()}
    input_gradients = []
    for position in range(steps - 1, -1, -1):
        state_gradient = (state_gradient[0] + per_step[:, position], *state_gradient[1:])
        input_gradient, state_gradient, step_gradients = cell.backward(params, state_gradient,
                                                                       unrolled.caches[position])
        for name, value in step_gradients.items():
            gradients[name] += value
        input_gradients.append(input_gradient)
    input_gradients = np.stack(input_gradients[::-1], axis=1)  # reading order
    if unrolled.go_backwards:
        input_gradients = input_gradients[:, ::-1]
    return input_gradients, gradients, state_gradient


def last_or_all(unrolled: Unrolled, return_sequences: bool) -> np.ndarray:
    return unrolled.hidden_states if return_sequences else unrolled.hidden_states[:, -1]


@dataclass(frozen=True)
class BidirectionalPass:
    forward: Unrolled
    backward: Unrolled
    outputs: np.ndarray


def bidirectional_forward(cell: Cell, params: dict[str, Params], inputs: np.ndarray,
                          return_sequences: bool) -> BidirectionalPass:
    """Keras' `Bidirectional(merge_mode="concat")`: the forward layer's outputs, then the backward
    layer's. With sequences, the backward outputs are turned back into time order, so step t
    holds what each direction knows of step t; without, each direction's last state."""
    ahead = forward(cell, params["forward"], inputs)
    behind = forward(cell, params["backward"], inputs, go_backwards=True)
    if return_sequences:
        outputs = np.concatenate([ahead.hidden_states, behind.hidden_states[:, ::-1]], axis=-1)
    else:
        outputs = np.concatenate([ahead.hidden_states[:, -1], behind.hidden_states[:, -1]], axis=-1)
    return BidirectionalPass(ahead, behind, outputs)


def bidirectional_backward(cell: Cell, params: dict[str, Params], passed: BidirectionalPass,
                           output_gradient: np.ndarray) -> tuple[np.ndarray, dict[str, Params]]:
    units = params["forward"]["recurrent_kernel"].shape[0]
    ahead_gradient, behind_gradient = output_gradient[..., :units], output_gradient[..., units:]
    if output_gradient.ndim == 3:
        behind_gradient = behind_gradient[:, ::-1]  # back to the backward layer's reading order
    ahead_inputs, ahead_params, _ = backward(cell, params["forward"], passed.forward, ahead_gradient)
    behind_inputs, behind_params, _ = backward(cell, params["backward"], passed.backward, behind_gradient)
    return ahead_inputs + behind_inputs, {"forward": ahead_params, "backward": behind_params}
