"""The TensorFlow backend's pieces: deterministic kernels on a set number of threads, and a
compiled loss gradient."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf


def configure_process(core: int | None = None, threads: int | None = None) -> None:
    """TensorFlow's op determinism, and `threads` threads where given (a train worker runs one).
    With determinism on, a fit's numbers do not depend on the thread count or the core: none is pinned."""
    if threads is not None:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    tf.config.experimental.enable_op_determinism()


def gradient_function(model, loss: Callable, perturb: Callable, compiled: bool = True) -> Callable:
    """(inputs, targets, perturbation) -> (the loss's gradient for each trainable weight, its
    gradient for the perturbation that `perturb` adds where the inputs enter), as NumPy arrays.
    Eagerly a recurrent layer steps through its window in Python: compiled, a probe costs a pass."""
    weights = model.trainable_variables

    def gradients(inputs, targets, perturbation):
        with tf.GradientTape() as tape:
            tape.watch(perturbation)
            with perturb(perturbation, inputs) as perturbed_inputs:
                outputs = model(perturbed_inputs, training=False)
            value = loss(outputs, targets)
        return tape.gradient(value, [*weights, perturbation])

    gradients = tf.function(gradients) if compiled else gradients

    def compute(inputs: np.ndarray, targets: np.ndarray, perturbation: np.ndarray):
        *by_weight, by_input = gradients(tf.constant(inputs), tf.constant(targets), tf.constant(perturbation))
        return [np.asarray(tf.convert_to_tensor(gradient)) for gradient in by_weight], np.asarray(by_input)

    return compute
