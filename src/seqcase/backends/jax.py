"""The JAX backend's pieces: a process pinned to one core, and a compiled loss gradient."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from seqcase.backends import pin_to_core, usable_cores


def configure_process(core: int | None = None, threads: int | None = None) -> None:
    """One core (the first usable one unless given), before JAX is imported: XLA's CPU code sums in
    an order that depends on the cores it sees, so on one core a run is byte-identical on any
    machine and beside any other. JAX's CPU kernels are deterministic; there is nothing to switch
    on, and a pinned process has one thread to give (`threads` is TensorFlow's)."""
    pin_to_core(usable_cores()[0] if core is None else core)
    keep_compiled_code()
    tensorflow_only_once_loaded()


def tensorflow_only_once_loaded() -> None:
    """Keras asks whether TensorFlow is available (`module_utils.tensorflow.available`, which imports
    it) when it seeds (to seed TensorFlow too) and whenever it serializes a layer (to check whether
    an object is a TensorFlow shape or dtype): that loads TensorFlow, 2.5 s and its log banners, into
    every JAX process, which never runs it. Here the answer is "no" until something loads TensorFlow
    itself (a text vectorizer's tf.data does): before that no TensorFlow object can exist, so Keras
    does the same with or without it. Keras 3's lazy module is one object that every Keras module
    shares; only its answer changes."""
    from keras.src.utils import module_utils

    lazy = module_utils.tensorflow

    class LoadedOnly(type(lazy)):
        @property
        def available(self) -> bool:
            return "tensorflow" in sys.modules and super().available

    lazy.__class__ = LoadedOnly


def keep_compiled_code() -> None:
    """XLA's compiled steps kept on disk (JAX_COMPILATION_CACHE_DIR, else ~/.cache/seqcase/jax):
    compiling a network's training step costs 3 to 4 s on one core, and every seed of a variant,
    every trial with the same hyperparameters and every re-run compiles the same code again. A
    network loaded from the cache trains to the same bytes (the same code runs); every seqcase
    process that uses it is pinned to one core, so it holds one core's code only."""
    import jax

    directory = os.environ.get("JAX_COMPILATION_CACHE_DIR") or Path.home() / ".cache" / "seqcase" / "jax"
    jax.config.update("jax_compilation_cache_dir", str(directory))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


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
