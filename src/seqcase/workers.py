"""Worker processes of one thread each, side by side on the machine's cores: how the tune stage runs
its variants' searches, the train stage its fits and the evaluate stage its networks' predictions.

Small networks do not fill two cores, and a JAX process computes on one pinned core, so a stage
that fitted everything in its own process left a core idle. A worker's numbers depend only on what
it is given (its seed), never on which worker ran it or beside what, so a re-run is byte-identical
whatever the machine's core count. Workers are spawned (never forked: a forked child inherits the
parent's loaded backend and threads) and set up before they import anything that computes.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from seqcase import backends

GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}  # matrix products per step of a recurrent cell
PAIRED = {"bidirectional": 2, "encoder_decoder": 2}  # recurrent layers a step runs: two directions; an encoder and a decoder


def expected_work(architecture: str, cell: str, values: dict) -> float:
    """A network's size relative to the others of its case (they share the data): a recurrent
    layer's step costs its gates' products, a bidirectional network two layers, an encoder-decoder
    an encoder and a decoder; a Transformer block its attention (over every step: the window's
    length, where the case gives one) and its feed-forward layers, about six gates' worth of a
    width; a convolutional or feed-forward network is cheap. Only the order in which a stage hands
    out its work uses it: the longest first, so that no core waits alone on a long fit at the end."""
    if architecture == "transformer":
        steps = int(values.get("window_length") or values.get("sequence_length") or 1)
        return (6 + steps / 32) * int(values.get("layers", 1)) * int(values.get("units", 1))
    if architecture in PAIRED:
        gates, copies = GATES[cell], PAIRED[architecture]
    elif architecture in GATES:
        gates, copies = GATES[architecture], 1
    else:
        return 0.0
    return gates * copies * int(values.get("layers", 1)) * int(values.get("units", 1))


def start_worker(backend: str, cores, tasks: dict[str, str], load: Callable, arguments: tuple) -> None:
    """A worker process: one thread on the run's backend (on JAX its own core, taken from `cores`,
    a queue of the machine's), the stage's logging and known-noise filters, the parent's task
    registry (a task registered at run time, as a test's toy task), then `load(*arguments)`, the
    stage's own set-up (its case's data, loaded once per worker)."""
    backends.start_process(backend, core=cores.get(), threads=1)

    from seqcase import reads
    from seqcase.stages.entry import configure_logging
    from seqcase.tasks import TASKS
    from seqcase.training import freeze_imported_heap

    reads.at_worker_exit()
    configure_logging()
    TASKS.update(tasks)
    load(*arguments)
    freeze_imported_heap()


@contextmanager
def pool(jobs: int, backend: str, cores: list[int], load: Callable, arguments: tuple) -> Iterator[ProcessPoolExecutor]:
    """As many workers as `cores` (at most one per job), each set up by `start_worker`. When the
    stage fails (a job raised, Ctrl-C), the jobs not started yet are dropped: the stage ends as soon
    as the running ones do, instead of after everything it had queued."""
    from seqcase.tasks import TASKS

    context = multiprocessing.get_context("spawn")
    workers = max(1, min(jobs, len(cores)))
    free_cores = context.Queue()
    for core in cores[:workers]:
        free_cores.put(core)
    logging.getLogger(__name__).debug("%d workers on cores %s", workers, cores[:workers])
    executor = ProcessPoolExecutor(workers, mp_context=context, initializer=start_worker,
                                   initargs=(backend, free_cores, dict(TASKS), load, arguments))
    try:
        yield executor
    except BaseException:
        executor.shutdown(cancel_futures=True)
        raise
    executor.shutdown()
