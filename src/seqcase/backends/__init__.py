"""The Keras backend a run trains on, and the little that differs between backends.

Keras itself is the model here: `keras/src/backend/<name>/` implement one set of functions behind
`keras.ops`, and nothing above that floor names a backend. seqcase's backend-specific pieces (a
worker's set-up, and the gradient of a loss for the diagnostics) live in one module per backend
below this package, each with the same functions; everything else uses `keras.ops` and the
model's own methods. A new backend is one module and one name in BACKENDS.

The backend is `keras_backend` in params.yaml. Keras reads it from the environment when it is
first imported, so a process chooses it (`activate`) before anything imports Keras.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

BACKENDS = ("jax", "tensorflow")
DEFAULT_BACKEND = "jax"
ENVIRONMENT = "KERAS_BACKEND"


def backend_in(params_path: Path | str) -> str:
    """The backend params.yaml names (the default when it names none), read without validating the
    rest of the file: a stage must choose before it imports Keras, and validates later."""
    import yaml

    from seqcase import reads
    from seqcase.errors import ParamsError

    try:
        raw = yaml.safe_load(Path(params_path).read_text())
    except (OSError, yaml.YAMLError):
        return DEFAULT_BACKEND  # the stage's own loading names the problem in one line
    name = raw.get("keras_backend", DEFAULT_BACKEND) if isinstance(raw, dict) else DEFAULT_BACKEND
    reads.note_key("keras_backend")
    if name not in BACKENDS:
        raise ParamsError(f"{params_path}: keras_backend = {name!r}: not a backend seqcase runs on; "
                          f"allowed: {', '.join(BACKENDS)}")
    return name


def activate(name: str) -> None:
    """Make Keras load `name` when it is first imported here (and in the processes this one starts).
    Refuses once Keras has loaded another: a process has one backend."""
    if name not in BACKENDS:
        raise ValueError(f"unknown Keras backend {name!r}; allowed: {', '.join(BACKENDS)}")
    if "keras" in sys.modules:
        loaded = sys.modules["keras"].backend.backend()
        if loaded != name:
            raise RuntimeError(f"Keras is already loaded on {loaded!r}; {name!r} must be chosen before importing it")
    os.environ[ENVIRONMENT] = name


def active() -> str:
    """The backend Keras runs on in this process (importing Keras if nothing has yet)."""
    import keras

    return keras.backend.backend()


def module(name: str | None = None) -> ModuleType:
    """The module of seqcase's pieces for a backend (the active one by default)."""
    return importlib.import_module(f"{__name__}.{name or active()}")


_cores_before_pinning: list[int] = []


def usable_cores() -> list[int]:
    """The cores this process may run on now."""
    return sorted(os.sched_getaffinity(0))


def machine_cores() -> list[int]:
    """The cores this process could run on before it pinned itself: what its workers share out."""
    return list(_cores_before_pinning) or usable_cores()


def pin_to_core(core: int) -> None:
    """Run this process on one core. XLA's CPU code depends on how many cores it sees, so a JAX
    process pinned to one core computes the same numbers on any machine and beside any other."""
    if not _cores_before_pinning:
        _cores_before_pinning.extend(usable_cores())
    os.sched_setaffinity(0, {core})


def start_process(name: str, core: int | None = None, threads: int | None = None) -> None:
    """Choose the backend and set this process up so that its numbers depend on the seed alone:
    on JAX one pinned core, on TensorFlow deterministic kernels (`threads` of them where given)."""
    activate(name)
    module(name).configure_process(core=core, threads=threads)
