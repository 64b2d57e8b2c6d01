"""The JAX backend's pieces: a process pinned to one core, and a compiled loss gradient."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from seqcase.backends import pin_to_core, usable_cores


def configure_process(core: int | None = None, threads: int | None = None) -> None:
    """One core (the first usable one unless given), before JAX is imported: XLA's CPU code sums in
    an order that depends on the cores it sees, so on one core a run is byte-identical on any
    machine and beside any other. JAX's CPU kernels are deterministic; there is nothing to switch
    on, and a pinned process has one thread to give (`threads` is TensorFlow's)."""
    pin_to_core(usable_cores()[0] if core is None else core)


def gradient_function(model, loss: Callable, perturb: Callable, compiled: bool = True) -> Callable:
    """(inputs, targets, perturbation) -> (the loss's gradient for each trainable weight, its
    gradient for the perturbation that `perturb` adds where the inputs enter), as NumPy arrays."""
    import jax

    trainable = model.trainable_variables
    non_trainable = [variable.value for variable in model.non_trainable_variables]

    def value(weights, perturbation, inputs, targets):
        with perturb(perturbation, inputs) as perturbed_inputs:
            outputs, _ = model.stateless_call(weights, non_trainable, perturbed_inputs, training=False)
        return loss(outputs, targets)

    gradient = jax.grad(value, argnums=(0, 1))
    gradient = jax.jit(gradient) if compiled else gradient

    def compute(inputs: np.ndarray, targets: np.ndarray, perturbation: np.ndarray):
        weights, by_input = gradient([variable.value for variable in trainable], perturbation, inputs, targets)
        return [np.asarray(weight) for weight in weights], np.asarray(by_input)

    return compute
