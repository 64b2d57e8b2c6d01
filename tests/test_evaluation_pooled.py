"""Networks scored in the worker pool: the same outputs as the network in this process, each
computed once, and a variant's seeds sent the same inputs together."""

from __future__ import annotations

import numpy as np

from seqcase import backends, workers
from seqcase.evaluation.pooled import nothing_to_load, pooled
from seqcase.models.ensemble import SeedEnsemble


def saved_networks(directory, keras_seeded, count: int) -> dict:
    from seqcase.models.networks import build_network, forecasting_head

    paths = {}
    for seed in range(count):
        keras_seeded.utils.set_random_seed(seed)
        network = build_network("gru", (6, 2), forecasting_head(3), {"units": 4, "layers": 1, "dropout": 0.0,
                                                                   "learning_rate": 0.01})
        paths[f"gru@seed{seed}"] = directory / f"seed_{seed}.keras"
        network.save(paths[f"gru@seed{seed}"])
    return paths


class CountingPool:
    """The pool's executor, counting what it is sent."""

    def __init__(self, executor) -> None:
        self.executor, self.sent = executor, []

    def submit(self, function, path, inputs, batch_size):
        self.sent.append((path.rsplit("/", 1)[-1], inputs.shape, batch_size))
        return self.executor.submit(function, path, inputs, batch_size)


def test_a_variant_s_seeds_predict_in_the_workers_once_each_and_as_in_this_process(tmp_path, keras_seeded):
    from seqcase.models.networks import load_network

    paths = saved_networks(tmp_path, keras_seeded, 3)
    inputs = np.random.default_rng(0).normal(size=(50, 6, 2)).astype(np.float32)
    with workers.pool(3, backends.active(), backends.usable_cores()[:2], nothing_to_load, ()) as executor:
        pool = CountingPool(executor)
        networks = pooled(paths, [list(paths)], pool)
        first = networks["gru@seed0"].predict(inputs, batch_size=16)
        assert sorted(pool.sent) == [("seed_0.keras", (50, 6, 2), 16), ("seed_1.keras", (50, 6, 2), 16),
                                     ("seed_2.keras", (50, 6, 2), 16)]  # all three at the first ask
        ensemble = SeedEnsemble(list(networks.values())).predict(inputs, batch_size=16)
        assert len(pool.sent) == 3  # the ensemble's members answered from what they had
        networks["gru@seed1"].predict(inputs[:10], batch_size=16)
        assert len(pool.sent) == 6  # new inputs: sent again to the three
        stepped = networks["gru@seed2"](inputs[:2])  # a call runs on a copy in this process
    here = {name: load_network(path) for name, path in paths.items()}
    expected = {name: network.predict(inputs, batch_size=16, verbose=0) for name, network in here.items()}
    np.testing.assert_allclose(first, expected["gru@seed0"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ensemble, np.mean([expected[name] for name in paths], axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(stepped), expected["gru@seed2"][:2], rtol=1e-5, atol=1e-6)
    assert not np.allclose(expected["gru@seed0"], expected["gru@seed1"])  # the seeds' networks differ


class Opened:
    """A stand-in for seqcase.workers.pool that records whether the stage opened and closed it."""

    def __init__(self) -> None:
        self.opened = self.closed = False

    def __call__(self):
        from concurrent.futures import ThreadPoolExecutor
        from contextlib import contextmanager

        @contextmanager
        def opening():
            self.opened = True
            with ThreadPoolExecutor(1) as executor:
                yield executor
            self.closed = True

        return opening()


def slow_square(value: int, seconds: float) -> int:
    import time

    time.sleep(seconds)
    return value * value


def test_forward_passes_stay_in_this_process_until_they_have_taken_long_enough_to_pay_for_workers():
    from seqcase.evaluation.pooled import WorkersWhenWorthIt

    start = Opened()
    with WorkersWhenWorthIt(start, after_seconds=0.25) as pool:
        first = pool.submit(slow_square, 2, 0.1)
        assert first.done() and first.result() == 4 and not start.opened  # ran here, at once
        pool.submit(slow_square, 3, 0.2)  # 0.3 s here in all: the workers start after it
        assert start.opened and pool.workers is not None
        assert pool.submit(slow_square, 4, 0.0).result() == 16
        failing = pool.submit(slow_square, "x", -1.0)  # a failure comes back through its future
        assert isinstance(failing.exception(), ValueError)
    assert start.closed
    small = Opened()
    with WorkersWhenWorthIt(small, after_seconds=10.0) as pool:
        assert pool.submit(slow_square, 5, 0.0).result() == 25
    assert not small.opened
