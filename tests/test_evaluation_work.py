"""Seconds of work counted per model where a task's scoring spends them (a baseline's fit)."""

from __future__ import annotations

import time

from seqcase.evaluation.work import counted, fit_each, ledger


def test_each_fit_counts_its_own_seconds_and_a_refit_adds_to_them():
    def fit(name: str, pause: float) -> str:
        time.sleep(pause)
        return f"{name} fitted"

    with ledger() as seconds:
        fitted = fit_each({"naive": 0.0, "ridge": 0.2}, fit)
        fit_each({"ridge": 0.1}, fit)  # refitted at a second origin
    assert fitted == {"naive": "naive fitted", "ridge": "ridge fitted"}
    assert seconds["ridge"] >= 0.3 and seconds["naive"] < seconds["ridge"]


def test_nothing_is_kept_outside_a_ledger_and_a_failed_fit_still_counts():
    with counted("alone"):
        pass  # no ledger open: nothing to count into, nothing raised
    with ledger() as seconds:
        try:
            with counted("broken"):
                time.sleep(0.05)
                raise ValueError("a fit that failed")
        except ValueError:
            pass
    assert list(seconds) == ["broken"] and seconds["broken"] >= 0.05
    with ledger() as fresh:
        pass
    assert fresh == {}
