"""The worker processes the tune and train stages share out their work to: one per core at most,
each on the run's backend, pinned to a core of its own on JAX, set up once by the stage's loader."""

from __future__ import annotations

import os

import pytest

from seqcase import backends, workers

_loaded: dict = {}


def remember(value: str) -> None:
    _loaded["value"] = value


def where_am_i(job: int) -> tuple[int, str, tuple[int, ...], str]:
    import keras

    return job, keras.backend.backend(), tuple(sorted(os.sched_getaffinity(0))), _loaded["value"]


def test_each_worker_runs_on_the_backend_pinned_to_a_core_of_its_own_after_the_stage_s_set_up():
    cores = backends.usable_cores()[:2]
    with workers.pool(5, "jax", cores, remember, ("the case's data",)) as pool:
        answers = list(pool.map(where_am_i, range(5)))
    assert [job for job, *_ in answers] == [0, 1, 2, 3, 4]
    assert {backend for _, backend, _, _ in answers} == {"jax"}
    assert {loaded for *_, loaded in answers} == {"the case's data"}
    pinned = {affinity for _, _, affinity, _ in answers}
    assert all(len(affinity) == 1 for affinity in pinned)  # one core each...
    assert pinned <= {(core,) for core in cores}  # ...taken from those it was given


def test_there_are_never_more_workers_than_jobs_or_cores():
    with workers.pool(1, "jax", [0, 1], remember, ("x",)) as pool:
        assert pool._max_workers == 1
    with workers.pool(8, "jax", [0], remember, ("x",)) as pool:
        assert pool._max_workers == 1


def fail() -> None:
    raise ValueError("a job failed")


def leave_a_mark(directory: str, job: int) -> None:
    import time
    from pathlib import Path

    time.sleep(0.5)
    (Path(directory) / str(job)).touch()


def test_a_failing_job_drops_the_jobs_not_started_yet(tmp_path):
    with pytest.raises(ValueError, match="a job failed"):
        with workers.pool(9, "jax", [0], remember, ("x",)) as pool:
            failing = pool.submit(fail)
            for job in range(8):
                pool.submit(leave_a_mark, str(tmp_path), job)
            failing.result()
    # The jobs already handed to the worker run (concurrent.futures hands it one or two ahead); the
    # rest, four seconds of them, never start.
    assert len(list(tmp_path.iterdir())) < 8


def test_a_network_s_expected_work_counts_its_cells_products_per_step():
    assert workers.expected_work("simple_rnn", "lstm", {"units": 32}) == 32  # the cell is the architecture's own
    assert workers.expected_work("gru", "lstm", {"units": 32}) == 3 * 32
    assert workers.expected_work("lstm", "lstm", {"units": 32, "layers": 2}) == 2 * 4 * 32
    assert workers.expected_work("bidirectional", "gru", {"units": 32}) == 2 * 3 * 32
    assert workers.expected_work("encoder_decoder", "lstm", {"units": 16}) == 2 * 4 * 16
    assert workers.expected_work("conv1d", "lstm", {"units": 32}) == workers.expected_work("dense", "lstm", {}) == 0
    # A Transformer block: its feed-forward layers and projections, and attention over every step.
    assert workers.expected_work("transformer", "lstm", {"units": 128, "layers": 2, "window_length": 64}) == 8 * 2 * 128
    assert workers.expected_work("transformer", "lstm", {"units": 32, "sequence_length": 320}) == 16 * 32
