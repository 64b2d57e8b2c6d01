"""Networks that predict side by side in one-thread worker processes (seqcase.workers), as the
train stage fits them: the evaluate stage's forward passes on every core.

A task's `evaluate` asks one network at a time (a seed's network, the next seed's, then their
ensemble), each a forward pass over the validation or test inputs, and each on one core. Networks
that read the same inputs (a variant's seeds; every network of a case whose inputs do not depend on
a tuned window length) form a group: the first one asked sends the inputs to the whole group at
once, and the workers predict the others while the task still works on the first. A group that
turns out wider than the inputs it shares costs a wasted pass, never a wrong number: each output is
keyed by its inputs' bytes. Each output is computed once (an ensemble asks its members again). A
worker runs on the backend as the stage's own process does (one thread; on JAX one pinned core),
so the numbers are the ones the stage would compute itself, whichever worker computes them.

Starting a worker costs seconds of imports, more than a small case's forward passes all take: the
passes run in the stage's own process until they have taken `WORKERS_AFTER_SECONDS`, and only then
in the workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path

import numpy as np

from seqcase.models.ensemble import digest

_loaded: dict[str, object] = {}  # in each process: path -> the network loaded from it, once


def nothing_to_load() -> None:
    """A worker's set-up: none; it loads each network the first time it is asked for it."""


def loaded(path: str):
    """The network saved at `path`, loaded once per process (a worker's, or the stage's own while
    the passes run there, and for the calls of `PooledNetwork`)."""
    from seqcase.models.networks import load_network

    if path not in _loaded:
        _loaded[path] = load_network(Path(path))
    return _loaded[path]


def predict_in_worker(path: str, inputs, batch_size: int | None) -> np.ndarray:
    return np.asarray(loaded(path).predict(inputs, batch_size=batch_size, verbose=0))


WORKERS_AFTER_SECONDS = 10.0


class WorkersWhenWorthIt:
    """An executor that runs what it is sent in this process, at once, until that has taken
    `after_seconds`; then in the workers `start` opens (seqcase.workers.pool), closed with it."""

    def __init__(self, start: Callable[[], AbstractContextManager[Executor]], after_seconds: float | None = None) -> None:
        self.start = start
        self.after_seconds = WORKERS_AFTER_SECONDS if after_seconds is None else after_seconds
        self.seconds_here, self.workers = 0.0, None
        self.stack = ExitStack()

    def submit(self, function: Callable, *arguments) -> Future:
        if self.workers is not None:
            return self.workers.submit(function, *arguments)
        future: Future = Future()
        started = time.perf_counter()
        try:
            future.set_result(function(*arguments))
        except Exception as error:  # noqa: BLE001 - handed over as a worker's would be, by the future
            future.set_exception(error)
        self.seconds_here += time.perf_counter() - started
        if self.seconds_here > self.after_seconds:
            self.workers = self.stack.enter_context(self.start())
        return future

    def __enter__(self) -> WorkersWhenWorthIt:
        self.stack.__enter__()
        return self

    def __exit__(self, *exception) -> bool | None:
        return self.stack.__exit__(*exception)


class PooledNetwork:
    """A saved network scored in the pool: `predict` answers from the workers, once per inputs and
    batch size; `predict_on_batch` and calls (text generation's sampling, step by step) run on the
    copy this process loads, when first needed (the one its own passes use)."""

    def __init__(self, path: Path, pool: Executor | WorkersWhenWorthIt) -> None:
        self.path, self.pool = Path(path), pool
        self.siblings: list[PooledNetwork] = [self]  # the networks asked for the same inputs as this one
        self.outputs: dict[str, Future] = {}

    def send(self, key: str, inputs, batch_size: int | None) -> None:
        if key not in self.outputs:
            self.outputs[key] = self.pool.submit(predict_in_worker, str(self.path), inputs, batch_size)

    def predict(self, inputs, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        key = f"{digest(inputs)}/{batch_size}"
        self.send(key, inputs, batch_size)  # first: the stage waits for this one
        for network in self.siblings:
            network.send(key, inputs, batch_size)
        return self.outputs[key].result()

    def predict_on_batch(self, inputs):
        return loaded(str(self.path)).predict_on_batch(inputs)

    def __call__(self, inputs, training: bool = False):
        return loaded(str(self.path))(inputs, training=training)


def pooled(paths: dict[str, Path], groups: list[list[str]], pool: Executor | WorkersWhenWorthIt) -> dict[str, PooledNetwork]:
    """name -> its network in the pool; the networks of each group (names that read the same inputs)
    are sent a forward pass together."""
    networks = {name: PooledNetwork(path, pool) for name, path in paths.items()}
    for group in groups:
        members = [networks[name] for name in group]
        for network in members:
            network.siblings = members
    return networks
